package queries_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// comparisonSchema describes the comparison's tables and view as the catalog has them: columns (with
// generated expressions), constraints, indexes, the view's definition, and the triggers on the two tables.
func comparisonSchema(t *testing.T, db queries.DB) string {
	t.Helper()
	return dbtest.Dump(t, db,
		`SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, coalesce(pg_get_expr(d.adbin, d.adrelid), '')
		   FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON (d.adrelid, d.adnum) = (a.attrelid, a.attnum)
		  WHERE c.relname IN ('comparison', 'compare_months', 'compare_weeks', 'compare_series', 'comparison_days')
		    AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`,
		`SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
		  WHERE conrelid::regclass::text IN ('comparison', 'compare_months', 'compare_weeks', 'compare_series') ORDER BY 1, 2`,
		`SELECT tablename, indexname, indexdef FROM pg_indexes
		  WHERE tablename IN ('comparison', 'compare_months', 'compare_weeks', 'compare_series') ORDER BY 1, 2`,
		`SELECT pg_get_viewdef('comparison_days'::regclass)`,
		`SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`,
		`SELECT relname, pg_get_userbyid(relowner), coalesce(relacl::text, '') FROM pg_class WHERE relname LIKE 'compar%' ORDER BY 1`)
}

// TestRebuildSwapKeepsSchema: the rebuild builds new tables and swaps them in; afterwards the catalog
// describes the same tables, indexes, constraints, view, triggers, owners and grants as before, nothing named _next is
// left, and writes are kept statement by statement again.
func TestRebuildSwapKeepsSchema(t *testing.T) {
	db := dbtest.NewPool(t)
	ctx := context.Background()
	seed(t, db, queries.Historic, queries.Row{Date: day("2020-01-01"), Location: "Swap", Type: "pm25", Value: 10})
	// Grants a deployment may have made (a read-only role's, say) are part of what a swap keeps.
	if _, err := db.Exec(ctx, "GRANT SELECT ON comparison, comparison_days, compare_months TO PUBLIC"); err != nil {
		t.Fatal(err)
	}
	before := comparisonSchema(t, db)
	if !strings.Contains(before, "=r/") {
		t.Fatalf("the grants are not in the schema's description:\n%s", before)
	}
	if !strings.Contains(before, "comparison_pkey") || !strings.Contains(before, "comparison_pct_error_idx") {
		t.Fatalf("the schema to start with lacks the comparison's indexes:\n%s", before)
	}
	for i := range 2 { // twice: the second swap replaces tables that were themselves swapped in
		err := queries.BulkLoad(ctx, db, func(tx pgx.Tx) (bool, error) {
			_, err := tx.Exec(ctx, "INSERT INTO daily_prediction_pollution VALUES ('Swap', 'pm25', $1, 12)", day("2020-01-01").AddDate(0, 0, i))
			return true, err
		})
		if err != nil {
			t.Fatal(err)
		}
		if after := comparisonSchema(t, db); after != before {
			t.Fatalf("after swap %d the schema differs:\n%s\nwant\n%s", i+1, after, before)
		}
	}
	var left int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM pg_class WHERE relname LIKE '%\\_next'").Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d relations named _next left after the swap (%v)", left, err)
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM comparison WHERE location = 'Swap' AND predicted = 12").Scan(&n); err != nil || n != 2 {
		t.Fatalf("%d predictions in the swapped-in comparison, want 2 (%v)", n, err)
	}
	checkComparisonKept(t, db, "two swaps")
	seed(t, db, queries.Historic, queries.Row{Date: day("2020-01-02"), Location: "Swap", Type: "pm25", Value: 30})
	checkComparisonKept(t, db, "a small write after the swaps")
	if err := db.QueryRow(ctx, "SELECT count(*) FROM compare_series WHERE location = 'Swap' AND n = 2").Scan(&n); err != nil || n != 1 {
		t.Fatalf("the triggers did not keep compare_series after the swap: %d (%v)", n, err)
	}
}

// TestRebuildSwapWaitsWithoutBlockingReaders: while a reader's transaction holds the comparison, a
// rebuild that is ready to swap waits for it without queueing other readers behind it for long: they
// read the old comparison meanwhile (each with a lock_timeout, so a reader stuck behind the swap's lock
// would fail). Once the reader ends, the swap happens and the new rows are there.
func TestRebuildSwapWaitsWithoutBlockingReaders(t *testing.T) {
	db := dbtest.NewPool(t)
	ctx := context.Background()
	seed(t, db, queries.Historic, queries.Row{Date: day("2020-01-01"), Location: "Hold", Type: "pm25", Value: 10})

	holder, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	var n int
	if err := holder.QueryRow(ctx, "SELECT count(*) FROM comparison").Scan(&n); err != nil || n != 1 {
		t.Fatalf("holder reads %d rows (%v)", n, err)
	}

	done := make(chan error, 1)
	var pid uint32
	rebuilder, err := db.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rebuilder.Release()
	pid = rebuilder.Conn().PgConn().PID()
	go func() {
		done <- queries.BulkLoad(ctx, rebuilder, func(tx pgx.Tx) (bool, error) {
			_, err := tx.Exec(ctx, "INSERT INTO daily_prediction_pollution VALUES ('Hold', 'pm25', '2020-01-01', 11)")
			return true, err
		})
	}()
	// The rebuild is at its swap once it has created comparison_next and waits for a lock or sleeps.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var wait string
		if err := db.QueryRow(ctx, "SELECT coalesce(wait_event_type || ':' || wait_event, '') FROM pg_stat_activity WHERE pid = $1", pid).Scan(&wait); err != nil {
			t.Fatal(err)
		}
		var blocked bool
		if err := db.QueryRow(ctx, "SELECT $1::int = ANY (SELECT unnest(pg_blocking_pids(pid)) FROM pg_stat_activity WHERE pid = $2)",
			holder.Conn().PgConn().PID(), pid).Scan(&blocked); err != nil {
			t.Fatal(err)
		}
		if blocked || wait == "Timeout:PgSleep" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rebuild never reached its swap (last wait %q)", wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := range 10 {
		err := func() error {
			tx, err := db.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '3s'"); err != nil {
				return err
			}
			var pred *float64
			if err := tx.QueryRow(ctx, "SELECT predicted FROM comparison WHERE location = 'Hold'").Scan(&pred); err != nil {
				return err
			}
			if pred != nil {
				return fmt.Errorf("a reader saw the uncommitted prediction %v", *pred)
			}
			return nil
		}()
		if err != nil {
			t.Fatalf("reader %d while the swap waits: %v", i, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("the bulk load ended (%v) while a reader still held the old comparison", err)
	default:
	}
	if err := holder.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var pred float64
	if err := db.QueryRow(ctx, "SELECT predicted FROM comparison WHERE location = 'Hold'").Scan(&pred); err != nil || pred != 11 {
		t.Fatalf("after the swap the prediction is %v (%v)", pred, err)
	}
	checkComparisonKept(t, db, "a swap that waited for a reader")
}
