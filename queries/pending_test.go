package queries_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// indexDefs lists the indexes of the two tables and of the comparison, "name: definition", by name.
func indexDefs(t *testing.T, db queries.DB) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT indexname || ': ' || indexdef FROM pg_indexes
	     WHERE tablename IN ('daily_historic_pollution', 'daily_prediction_pollution', 'comparison') ORDER BY indexname`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// pendingNames lists the queue's index names, sorted.
func pendingNames(t *testing.T, db queries.DB) []string {
	t.Helper()
	p, err := queries.PendingIndexes(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range p {
		names = append(names, i.Name)
	}
	slices.Sort(names)
	return names
}

// deferredRows are a few measurements and predictions with gaps: two models, two leads, a prediction
// without a measurement and a measurement without predictions.
func deferredRows() (hist, pred []queries.ImportRow) {
	day := func(d int) time.Time { return time.Date(2020, 1, d, 0, 0, 0, 0, time.UTC) }
	for d := 1; d <= 9; d++ {
		if d == 4 {
			continue
		}
		hist = append(hist, queries.ImportRow{Line: int64(len(hist) + 1), Row: queries.Row{Date: day(d), Location: "Delhi", Type: "pm25", Value: float64(40 + 7*d)}})
	}
	for d := 2; d <= 10; d++ {
		for _, m := range []string{"ses", "persistence"} {
			for lead := 1; lead <= 2; lead++ {
				if m == "ses" && lead == 2 && d == 6 {
					continue
				}
				pred = append(pred, queries.ImportRow{Line: int64(len(pred) + 1), Row: queries.Row{Date: day(d), Location: "Delhi", Type: "pm25",
					Value: float64(50 + 3*d + lead), Model: m, Lead: lead}})
			}
		}
	}
	return hist, pred
}

// TestDeferredIndexes: a bulk load that defers its indexes (the first start's demo load) commits its
// rows with only the primary keys, queues every other index of the two tables and the comparison's, and
// keeps the comparison and its sums right; writes work meanwhile (their upserts need the keys); a second
// builder waits its turn; the background build leaves the very indexes there were before, and empties the
// queue. Its twin, a bulk load that does not defer, queues nothing and builds every index before commit.
func TestDeferredIndexes(t *testing.T) {
	url := dbtest.NewDatabase(t)
	ctx := context.Background()
	pool, err := queries.NewPool(ctx, queries.PoolConfig{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	before, schema := indexDefs(t, pool), comparisonSchema(t, pool)
	var secondary []string
	for _, d := range before {
		if name, _, _ := strings.Cut(d, ": "); !strings.HasSuffix(name, "_pkey") {
			secondary = append(secondary, name)
		}
	}
	if len(secondary) < 20 {
		t.Fatalf("only %d secondary indexes to begin with: %v", len(secondary), secondary)
	}
	hist, pred := deferredRows()
	err = queries.BulkLoad(ctx, pool, func(tx pgx.Tx) (bool, error) {
		if err := queries.DeferSecondaryIndexes(ctx, tx, queries.Historic, queries.Predictions); err != nil {
			return false, err
		}
		addKeys, err := queries.DropPrimaryKeys(ctx, tx, queries.Historic, queries.Predictions)
		if err != nil {
			return false, err
		}
		for _, d := range indexDefs(t, tx) {
			if !strings.HasPrefix(d, "comparison") {
				t.Errorf("while copying, the two tables still have %s", d)
			}
		}
		if _, err := queries.CopyRows(ctx, tx, queries.Historic, queries.SliceSource(hist)); err != nil {
			return false, err
		}
		if _, err := queries.CopyRows(ctx, tx, queries.Predictions, queries.SliceSource(pred)); err != nil {
			return false, err
		}
		return true, addKeys()
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := pendingNames(t, pool); !slices.Equal(got, secondary) {
		t.Fatalf("queued %v\nwant %v", got, secondary)
	}
	var keys []string
	for _, d := range indexDefs(t, pool) {
		keys = append(keys, d[:strings.Index(d, ": ")])
	}
	if want := []string{"comparison_pkey", "daily_historic_pollution_pkey", "daily_prediction_pollution_pkey"}; !slices.Equal(keys, want) {
		t.Fatalf("after the commit the indexes are %v, want the keys %v", keys, want)
	}
	checkComparisonKept(t, pool, "a load with deferred indexes")
	checkSumsKept(t, pool, "a load with deferred indexes")

	// A write meanwhile: an upsert (ON CONFLICT on the keys) kept by the triggers.
	src := queries.SliceSource([]queries.ImportRow{{Line: 1, Row: queries.Row{Date: pred[0].Date, Location: "Delhi", Type: "pm25", Value: 99, Model: "ses", Lead: 1}}})
	if c, err := queries.Upsert(ctx, pool, queries.Predictions, src); err != nil || c.Updated != 1 {
		t.Fatalf("upsert while the indexes are queued: %+v %v", c, err)
	}
	checkComparisonKept(t, pool, "an upsert while the indexes are queued")

	conn, err := queries.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Another builder holds the queue: this one builds nothing.
	other, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(ctx, "SELECT pg_advisory_lock(hashtext('aqdash_pending_indexes'))"); err != nil {
		t.Fatal(err)
	}
	if n, err := queries.BuildPendingIndexesConcurrently(ctx, conn, nil); n != 0 || err != nil || len(pendingNames(t, pool)) != len(secondary) {
		t.Fatalf("with the queue taken: built %d (%v), %d left", n, err, len(pendingNames(t, pool)))
	}
	if _, err := other.Exec(ctx, "SELECT pg_advisory_unlock(hashtext('aqdash_pending_indexes'))"); err != nil {
		t.Fatal(err)
	}
	other.Release()

	var seen []string
	n, err := queries.BuildPendingIndexesConcurrently(ctx, conn, func(name string, took time.Duration) { seen = append(seen, name) })
	if err != nil || n != len(secondary) || len(seen) != n {
		t.Fatalf("built %d indexes (%d reported, %v), want %d", n, len(seen), err, len(secondary))
	}
	if left := pendingNames(t, pool); len(left) != 0 {
		t.Fatalf("still queued: %v", left)
	}
	if after := indexDefs(t, pool); !slices.Equal(after, before) {
		t.Fatalf("indexes after the build:\n%v\nwant\n%v", after, before)
	}
	if got := comparisonSchema(t, pool); got != schema {
		t.Fatalf("the comparison's schema changed:\n%s\nwant\n%s", got, schema)
	}
	if n, err := queries.BuildPendingIndexesConcurrently(ctx, conn, nil); n != 0 || err != nil {
		t.Fatalf("an empty queue built %d (%v)", n, err)
	}

	// The twin: a bulk load that does not defer queues nothing and keeps every index.
	more := queries.SliceSource([]queries.ImportRow{{Line: 1, Row: queries.Row{Date: time.Date(2020, 1, 11, 0, 0, 0, 0, time.UTC), Location: "Delhi", Type: "pm25", Value: 70}}})
	if err := queries.BulkLoad(ctx, pool, func(tx pgx.Tx) (bool, error) {
		_, err := queries.CopyRows(ctx, tx, queries.Historic, more)
		return true, err
	}); err != nil {
		t.Fatal(err)
	}
	if left := pendingNames(t, pool); len(left) != 0 {
		t.Fatalf("a bulk load without deferral queued %v", left)
	}
	if after := indexDefs(t, pool); !slices.Equal(after, before) {
		t.Fatalf("indexes after a bulk load without deferral:\n%v\nwant\n%v", after, before)
	}
	checkComparisonKept(t, pool, "a bulk load without deferral")
}

// TestBuildPendingIndexesInTransaction: the synchronous build (app demo) builds the queue inside the
// caller's transaction, after waiting for a server's background build that holds the queue; and a duplicate key found when the primary keys are added fails the whole load,
// leaving the tables, their indexes and the queue as they were.
func TestBuildPendingIndexesInTransaction(t *testing.T) {
	pool := dbtest.NewPool(t)
	ctx := context.Background()
	before := indexDefs(t, pool)
	hist, _ := deferredRows()
	err := queries.BulkLoad(ctx, pool, func(tx pgx.Tx) (bool, error) {
		if err := queries.DeferSecondaryIndexes(ctx, tx, queries.Historic); err != nil {
			return false, err
		}
		addKeys, err := queries.DropPrimaryKeys(ctx, tx, queries.Historic)
		if err != nil {
			return false, err
		}
		if _, err := queries.CopyRows(ctx, tx, queries.Historic, queries.SliceSource(append(hist, hist[0]))); err != nil {
			return false, err
		}
		return true, addKeys()
	})
	if err == nil || !strings.Contains(err.Error(), "daily_historic_pollution_pkey") {
		t.Fatalf("a duplicate key: %v", err)
	}
	if after := indexDefs(t, pool); !slices.Equal(after, before) || len(pendingNames(t, pool)) != 0 {
		t.Fatalf("after the failed load: indexes %v, queue %v", after, pendingNames(t, pool))
	}

	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if err := queries.DeferSecondaryIndexes(ctx, tx, queries.Predictions); err != nil {
		t.Fatal(err)
	}
	queued := len(pendingNames(t, tx))
	// While a server's background build holds the queue, the synchronous build waits for it.
	server, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Release()
	if _, err := server.Exec(ctx, "SELECT pg_advisory_lock(hashtext('aqdash_pending_indexes'))"); err != nil {
		t.Fatal(err)
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := queries.BuildPendingIndexes(ctx, tx)
		done <- result{n, err}
	}()
	for waiting := false; !waiting; {
		if err := server.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
		     AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-done:
			t.Fatalf("the build did not wait for the lock: built %d (%v)", r.n, r.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if _, err := server.Exec(ctx, "SELECT pg_advisory_unlock(hashtext('aqdash_pending_indexes'))"); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.err != nil || r.n != queued || queued < 8 {
		t.Fatalf("built %d of %d (%v)", r.n, queued, r.err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if after := indexDefs(t, pool); !slices.Equal(after, before) || len(pendingNames(t, pool)) != 0 {
		t.Fatalf("after the synchronous build: indexes %v, queue %v", after, pendingNames(t, pool))
	}
}
