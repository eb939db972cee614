package queries_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// checkComparisonKept compares what the write triggers left with the comparison rebuilt from scratch (in
// a transaction that is rolled back).
func checkComparisonKept(t *testing.T, db *pgxpool.Pool, after string) {
	t.Helper()
	kept := dbtest.ComparisonSnapshot(t, db)
	if rebuilt := dbtest.RebuiltSnapshot(t, db); kept != rebuilt {
		k, r := strings.Split(kept, "\n"), strings.Split(rebuilt, "\n")
		for i := 0; i < max(len(k), len(r)); i++ {
			if i >= len(k) || i >= len(r) || k[i] != r[i] {
				t.Fatalf("after %s, the comparison kept on write differs from a rebuild (%d vs %d lines); first at line %d:\nkept:    %q\nrebuilt: %q",
					after, len(k), len(r), i, at(k, i), at(r, i))
			}
		}
	}
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(none)"
}

// TestComparisonKeptOnEveryWrite writes to both tables in every way (the importer's upsert, plain SQL
// updates that change values or move rows across a month's end, deletes, truncates) and checks after each
// that the comparison and its monthly statistics equal a rebuild from the two tables.
func TestComparisonKeptOnEveryWrite(t *testing.T) {
	db := dbtest.NewPool(t)
	ctx := context.Background()
	d := compareFixture()
	d.load(t, db)
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM comparison").Scan(&n); err != nil || n != len(d.expected(queries.CompareView{Match: queries.MatchAll})) {
		t.Fatalf("comparison has %d rows (%v)", n, err)
	}
	checkComparisonKept(t, db, "the first load")

	// The importer: new days, changed values and unchanged ones in one file.
	seed(t, db, queries.Historic,
		queries.Row{Date: day("2020-03-11"), Location: "Hyderabad", Type: "pm25", Value: 77},
		queries.Row{Date: day("2020-01-31"), Location: "Hyderabad", Type: "pm25", Value: 121},
		queries.Row{Date: day("2020-01-02"), Location: "Delhi", Type: "no2", Value: d.actual[cmpKey{"Delhi", "no2", day("2020-01-02")}]})
	checkComparisonKept(t, db, "an upsert")
	seed(t, db, queries.Predictions, queries.Row{Date: day("2020-04-01"), Location: "Pune", Type: "pm10", Value: 300})
	checkComparisonKept(t, db, "a prediction without a measurement")

	for _, sql := range []string{
		// A value changes: that day's errors and the next day's persistence.
		"UPDATE daily_historic_pollution SET value = value * 2 WHERE date = '2020-02-29'",
		// A row moves to another day and another series.
		"UPDATE daily_historic_pollution SET date = date + 40, location = 'Pune' WHERE location = 'Delhi' AND type = 'pm10' AND date = '2020-01-31'",
		"UPDATE daily_prediction_pollution SET prediction = prediction + 1 WHERE type = 'pm25'",
		// The last day of a month goes: the first of the next loses its persistence forecast.
		"DELETE FROM daily_historic_pollution WHERE date = '2020-01-31'",
		"DELETE FROM daily_prediction_pollution WHERE location = 'Delhi' AND date BETWEEN '2020-02-10' AND '2020-02-20'",
		"DELETE FROM daily_historic_pollution WHERE location = 'Hyderabad' AND date > '2020-02-15'",
		"INSERT INTO daily_historic_pollution VALUES ('Hyderabad', 'pm25', '2020-01-31', 95)",
		"UPDATE daily_historic_pollution SET value = value WHERE type = 'no2'",
		"TRUNCATE daily_prediction_pollution",
	} {
		if _, err := db.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		checkComparisonKept(t, db, sql)
	}
	var preds int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM comparison WHERE predicted IS NOT NULL").Scan(&preds); err != nil || preds != 0 {
		t.Fatalf("after truncating the predictions, %d comparison rows have one (%v)", preds, err)
	}
	if _, err := db.Exec(ctx, "TRUNCATE daily_historic_pollution"); err != nil {
		t.Fatal(err)
	}
	if got := dbtest.ComparisonSnapshot(t, db); got != "" {
		t.Fatalf("both tables are empty, the comparison is not:\n%s", got)
	}
}

// TestComparisonConcurrentWriters writes a day's measurement and its prediction in two transactions at
// once: the second waits for the first to commit, so the comparison row gets both sides (without the
// lock each would miss the other's uncommitted row).
func TestComparisonConcurrentWriters(t *testing.T) {
	db := dbtest.NewPool(t)
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "INSERT INTO daily_historic_pollution VALUES ('Agra', 'pm25', '2021-05-01', 80)"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.Exec(ctx, "INSERT INTO daily_prediction_pollution VALUES ('Agra', 'pm25', '2021-05-01', 95)")
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the second writer did not wait for the first: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var actual, predicted, abs *float64
	err = db.QueryRow(ctx, "SELECT actual, predicted, abs_error FROM comparison WHERE location = 'Agra'").Scan(&actual, &predicted, &abs)
	if err != nil || actual == nil || predicted == nil || *abs != 15 {
		t.Fatalf("comparison row: %v %v %v (%v)", actual, predicted, abs, err)
	}
	var months int
	if err := db.QueryRow(ctx, "SELECT n FROM compare_months WHERE location = 'Agra'").Scan(&months); err != nil || months != 1 {
		t.Fatalf("compare_months n = %d (%v)", months, err)
	}
}

// TestSeriesBuckets: a chart's points are the series' days with either side, summed and counted per
// day, ISO week (from Monday) or calendar month within the range, in order; its span is its first and last
// day there.
func TestSeriesBuckets(t *testing.T) {
	db := dbtest.NewPool(t)
	d := compareFixture()
	d.load(t, db)
	ctx := context.Background()
	start := map[string]func(time.Time) time.Time{
		"day":  func(t time.Time) time.Time { return t },
		"week": func(t time.Time) time.Time { return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)) },
		"month": func(t time.Time) time.Time {
			return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		},
	}
	for _, c := range []struct{ from, to time.Time }{{}, {day("2020-01-05"), day("2020-02-10")}, {day("2020-03-01"), time.Time{}}} {
		want := d.expected(queries.CompareView{View: queries.View{Locations: []string{"Hyderabad"}, Types: []string{"pm25"}, From: c.from, To: c.to}, Match: queries.MatchAll})
		slices.SortFunc(want, func(a, b queries.CompareRow) int { return a.Date.Compare(b.Date) })
		first, last, ok, err := queries.SeriesSpan(ctx, db, "Hyderabad", "pm25", "default", 1, c.from, c.to)
		if err != nil || !ok || !first.Equal(want[0].Date) || !last.Equal(want[len(want)-1].Date) {
			t.Fatalf("%v–%v: span %v %v %v %v", c.from, c.to, first, last, ok, err)
		}
		for _, unit := range queries.ChartUnits {
			var expect []queries.Bucket
			for _, r := range want {
				s := start[unit](r.Date)
				if len(expect) == 0 || !expect[len(expect)-1].Start.Equal(s) {
					expect = append(expect, queries.Bucket{Start: s})
				}
				b := &expect[len(expect)-1]
				if r.Actual != nil {
					b.SumActual += *r.Actual
					b.Actual++
				}
				if r.Predicted != nil {
					b.SumPredicted += *r.Predicted
					b.Predicted++
				}
			}
			got, err := queries.SeriesBuckets(ctx, db, "Hyderabad", "pm25", "default", 1, c.from, c.to, unit)
			if err != nil || len(got) != len(expect) || len(got) == 0 {
				t.Fatalf("%s %v–%v: %d buckets, want %d (%v)", unit, c.from, c.to, len(got), len(expect), err)
			}
			for i, e := range expect {
				g := got[i]
				if !g.Start.Equal(e.Start) || g.Actual != e.Actual || g.Predicted != e.Predicted ||
					math.Abs(g.SumActual-e.SumActual) > 1e-9 || math.Abs(g.SumPredicted-e.SumPredicted) > 1e-9 {
					t.Fatalf("%s bucket %d = %+v, want %+v", unit, i, g, e)
				}
			}
		}
	}
	if _, _, ok, err := queries.SeriesSpan(ctx, db, "Nowhere", "pm25", "default", 1, time.Time{}, time.Time{}); ok || err != nil {
		t.Errorf("a span of nothing: %v %v", ok, err)
	}
	if _, err := queries.SeriesBuckets(ctx, db, "Hyderabad", "pm25", "default", 1, time.Time{}, time.Time{}, "year; DROP TABLE comparison"); err == nil {
		t.Error("an unknown unit was accepted")
	}
}

// TestComparisonBulkLoads: an import of BulkRows rows or more defers the comparison's upkeep and rebuilds
// it once, as does BulkLoad; after either, the comparison equals a rebuild, and the next small write is
// kept statement by statement again. A bulk load that fails leaves nothing behind.
func TestComparisonBulkLoads(t *testing.T) {
	db := dbtest.NewPool(t)
	ctx := context.Background()
	rows := func(loc string, days int, v float64) []queries.ImportRow {
		var out []queries.ImportRow
		for _, typ := range []string{"pm25", "pm10", "no2", "so2"} {
			for i := range days {
				out = append(out, queries.ImportRow{Line: int64(len(out) + 2), Row: queries.Row{Date: day("1990-01-01").AddDate(0, 0, i), Location: loc, Type: typ, Value: v + float64(i%37)}})
			}
		}
		return out
	}
	big := rows("Bulk", queries.BulkRows/4+10, 10)
	if _, err := queries.Upsert(ctx, db, queries.Historic, queries.SliceSource(big)); err != nil {
		t.Fatal(err)
	}
	checkComparisonKept(t, db, "a bulk import")
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM comparison WHERE location = 'Bulk'").Scan(&n); err != nil || n != len(big) {
		t.Fatalf("%d comparison rows after a bulk import of %d (%v)", n, len(big), err)
	}
	// A small write after it is kept by the triggers again.
	seed(t, db, queries.Predictions, queries.Row{Date: day("1990-01-02"), Location: "Bulk", Type: "pm25", Value: 99})
	checkComparisonKept(t, db, "a small write after a bulk import")
	var pred *float64
	if err := db.QueryRow(ctx, "SELECT predicted FROM comparison WHERE location = 'Bulk' AND type = 'pm25' AND date = '1990-01-02'").Scan(&pred); err != nil || pred == nil || *pred != 99 {
		t.Fatalf("the small write after a bulk import is not in the comparison: %v %v", pred, err)
	}

	err := queries.BulkLoad(ctx, db, func(tx pgx.Tx) (bool, error) {
		_, err := queries.Upsert(ctx, tx, queries.Predictions, queries.SliceSource(rows("Bulk", 400, 12)))
		return err == nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
	checkComparisonKept(t, db, "BulkLoad")
	failed := errors.New("the load failed")
	err = queries.BulkLoad(ctx, db, func(tx pgx.Tx) (bool, error) {
		if _, err := tx.Exec(ctx, "DELETE FROM daily_historic_pollution"); err != nil {
			return false, err
		}
		return false, failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("BulkLoad returned %v", err)
	}
	if err := db.QueryRow(ctx, "SELECT count(*) FROM comparison WHERE actual IS NOT NULL").Scan(&n); err != nil || n != len(big) {
		t.Fatalf("after a failed bulk load %d measured days, want %d (%v)", n, len(big), err)
	}
	checkComparisonKept(t, db, "a failed BulkLoad")
}

// TestDropSecondaryIndexes: inside a transaction only the primary keys are left, and the returned
// function builds every dropped index again, definitions unchanged.
func TestDropSecondaryIndexes(t *testing.T) {
	db := dbtest.NewPool(t)
	ctx := context.Background()
	// The two tables' indexes (indexDefs lists the comparison's too).
	defs := func(q queries.DB) []string {
		var out []string
		for _, d := range indexDefs(t, q) {
			if !strings.HasPrefix(d, "comparison") {
				out = append(out, d)
			}
		}
		return out
	}
	before := defs(db)
	if len(before) < 8 {
		t.Fatalf("only %d indexes to begin with", len(before))
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	build, err := queries.DropSecondaryIndexes(ctx, tx, queries.Historic, queries.Predictions)
	if err != nil {
		t.Fatal(err)
	}
	if during := defs(tx); len(during) != 2 || !strings.Contains(during[0], "_pkey") || !strings.Contains(during[1], "_pkey") {
		t.Fatalf("after dropping, the indexes are %v", during)
	}
	if err := build(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if after := defs(db); !slices.Equal(after, before) {
		t.Fatalf("rebuilt indexes differ:\n%v\nwant\n%v", after, before)
	}
}
