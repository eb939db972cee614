package queries_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// comparisonSnapshot reads the comparison table, its months and its series whole, numbers rounded to 9 places (sums
// over the same days may be added in another order).
func comparisonSnapshot(t *testing.T, db queries.DB) string {
	t.Helper()
	var b strings.Builder
	for _, sql := range []string{
		`SELECT location, type, date::text, round(actual::numeric, 9)::text, round(predicted::numeric, 9)::text, round(prev::numeric, 9)::text,
		        round(error::numeric, 9)::text, round(abs_error::numeric, 9)::text, round(pct_error::numeric, 9)::text
		   FROM comparison ORDER BY location, type, date`,
		`SELECT location, type, month::text, days, actual_n, predicted_n, n, round(sum_abs::numeric, 9)::text, round(sum_sq::numeric, 6)::text,
		        round(sum_err::numeric, 9)::text, mape_n, round(sum_pct::numeric, 9)::text, skill_n, round(skill_abs::numeric, 9)::text,
		        round(persist_abs::numeric, 9)::text, band_n, band_agree, poor_actual, hits, poor_predicted, false_alarms
		   FROM compare_months ORDER BY location, type, month`,
		`SELECT location, type, days, actual_n, predicted_n, n, round(sum_abs::numeric, 9)::text, round(sum_sq::numeric, 6)::text,
		        round(sum_err::numeric, 9)::text, mape_n, round(sum_pct::numeric, 9)::text, skill_n, round(skill_abs::numeric, 9)::text,
		        round(persist_abs::numeric, 9)::text, band_n, band_agree, poor_actual, hits, poor_predicted, false_alarms
		   FROM compare_series ORDER BY location, type`,
	} {
		rows, err := db.Query(context.Background(), sql)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
	}
	return b.String()
}

// checkComparisonKept compares what the write triggers left with the comparison rebuilt from scratch (in
// a transaction that is rolled back).
func checkComparisonKept(t *testing.T, db *pgxpool.Pool, after string) {
	t.Helper()
	ctx := context.Background()
	kept := comparisonSnapshot(t, db)
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT aqdash_compare_rebuild()"); err != nil {
		t.Fatal(err)
	}
	if rebuilt := comparisonSnapshot(t, tx); kept != rebuilt {
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
	if got := comparisonSnapshot(t, db); got != "" {
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

// TestSeriesPoints: a chart's days are the series' days with either side, in date order, with the
// values of each side and nil for a missing one.
func TestSeriesPoints(t *testing.T) {
	db := dbtest.NewPool(t)
	d := compareFixture()
	d.load(t, db)
	for _, c := range []struct{ from, to time.Time }{{}, {day("2020-01-05"), day("2020-02-10")}, {day("2020-03-01"), time.Time{}}} {
		got, err := queries.SeriesPoints(context.Background(), db, "Hyderabad", "pm25", c.from, c.to)
		if err != nil {
			t.Fatal(err)
		}
		want := d.expected(queries.CompareView{View: queries.View{Locations: []string{"Hyderabad"}, Types: []string{"pm25"}, From: c.from, To: c.to}, Match: queries.MatchAll})
		slices.SortFunc(want, func(a, b queries.CompareRow) int { return a.Date.Compare(b.Date) })
		if len(got) != len(want) || len(got) < 5 {
			t.Fatalf("%v–%v: %d points, want %d", c.from, c.to, len(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			if !g.Date.Equal(w.Date) || fmtOpt(g.Actual) != fmtOpt(w.Actual) || fmtOpt(g.Predicted) != fmtOpt(w.Predicted) {
				t.Fatalf("point %d = %v %s %s, want %v %s %s", i, g.Date, fmtOpt(g.Actual), fmtOpt(g.Predicted), w.Date, fmtOpt(w.Actual), fmtOpt(w.Predicted))
			}
		}
	}
}
