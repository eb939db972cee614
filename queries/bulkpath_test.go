package queries_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// checkSumsKept fails unless series_stats, date_stats and model_leads equal what the two tables hold now.
func checkSumsKept(t *testing.T, db queries.DB, after string) {
	t.Helper()
	for name, sql := range map[string]string{
		"series_stats": `SELECT count(*) FROM (
		    (SELECT tbl, location, type, n, first, last FROM series_stats
		     EXCEPT ALL
		     (SELECT 'historic', location, type, count(*), min(date), max(date) FROM daily_historic_pollution GROUP BY 2, 3
		      UNION ALL SELECT 'predictions', location, type, count(*), min(date), max(date) FROM daily_prediction_pollution GROUP BY 2, 3))
		    UNION ALL
		    ((SELECT 'historic', location, type, count(*), min(date), max(date) FROM daily_historic_pollution GROUP BY 2, 3
		      UNION ALL SELECT 'predictions', location, type, count(*), min(date), max(date) FROM daily_prediction_pollution GROUP BY 2, 3)
		     EXCEPT ALL
		     SELECT tbl, location, type, n, first, last FROM series_stats)) AS d`,
		"date_stats": `SELECT count(*) FROM (
		    (SELECT tbl, date, n FROM date_stats
		     EXCEPT ALL
		     (SELECT 'historic', date, count(*) FROM daily_historic_pollution GROUP BY 2
		      UNION ALL SELECT 'predictions', date, count(*) FROM daily_prediction_pollution GROUP BY 2))
		    UNION ALL
		    ((SELECT 'historic', date, count(*) FROM daily_historic_pollution GROUP BY 2
		      UNION ALL SELECT 'predictions', date, count(*) FROM daily_prediction_pollution GROUP BY 2)
		     EXCEPT ALL
		     SELECT tbl, date, n FROM date_stats)) AS d`,
		"model_leads": `SELECT count(*) FROM (
		    (SELECT model, lead, n FROM model_leads EXCEPT ALL SELECT model, lead, count(*) FROM daily_prediction_pollution GROUP BY 1, 2)
		    UNION ALL
		    (SELECT model, lead, count(*) FROM daily_prediction_pollution GROUP BY 1, 2 EXCEPT ALL SELECT model, lead, n FROM model_leads)) AS d`,
	} {
		var bad int
		if err := db.QueryRow(context.Background(), sql).Scan(&bad); err != nil {
			t.Fatal(err)
		}
		if bad != 0 {
			t.Errorf("after %s: %s differs from the tables in %d rows", after, name, bad)
		}
	}
}

// quiet fails if a change arrives within d.
func quiet(t *testing.T, changes <-chan queries.Change, d time.Duration, after string) {
	t.Helper()
	select {
	case c := <-changes:
		t.Fatalf("after %s, an unexpected change: %+v", after, c)
	case <-time.After(d):
	}
}

// TestBulkLoadSkipsTheStatementTriggers: inside BulkLoad the statement triggers that keep series_stats,
// date_stats and the change notices do nothing (the sums do not move while it writes, and no other
// session is switched), whatever the load does (upserts of both tables, plain SQL updates that move rows,
// deletes); at the end the sums equal the tables, the comparison equals a rebuild, each data version
// moved once, and exactly one notice was sent. The next write is kept statement by statement again.
// A failed bulk load changes and announces nothing.
func TestBulkLoadSkipsTheStatementTriggers(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewDatabase(t)
	db, err := queries.NewPool(ctx, queries.PoolConfig{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	changes, _ := listen(t, url)

	seed(t, db, queries.Historic, queries.Row{Date: day("2020-01-01"), Location: "Old", Type: "pm25", Value: 10},
		queries.Row{Date: day("2020-01-02"), Location: "Old", Type: "pm25", Value: 20})
	seed(t, db, queries.Predictions, queries.Row{Date: day("2020-01-02"), Location: "Old", Type: "pm25", Value: 15})
	wait(t, changes, "the first seed's change")
	wait(t, changes, "the second seed's change")
	checkSumsKept(t, db, "the seeds")
	v0, err := queries.DataVersion(ctx, db)
	if err != nil || v0 != "1.1" {
		t.Fatalf("version %q, %v", v0, err)
	}

	rows := func(loc string, days int, model string, lead int, v float64) []queries.ImportRow {
		var out []queries.ImportRow
		for _, typ := range []string{"pm25", "no2"} {
			for i := range days {
				out = append(out, queries.ImportRow{Line: int64(len(out) + 2), Row: queries.Row{
					Date: day("2019-12-01").AddDate(0, 0, i), Location: loc, Type: typ, Value: v + float64(i%11), Model: model, Lead: lead}})
			}
		}
		return out
	}
	err = queries.BulkLoad(ctx, db, func(tx pgx.Tx) (bool, error) {
		var on bool
		var other *string
		if err := tx.QueryRow(ctx, "SELECT aqdash_bulk()").Scan(&on); err != nil || !on {
			return false, fmt.Errorf("aqdash_bulk() inside the load = %v, %v", on, err)
		}
		if err := db.QueryRow(ctx, "SELECT current_setting('aqdash.bulk', true)").Scan(&other); err != nil {
			return false, err
		}
		if other != nil && *other == "on" {
			return false, errors.New("another session sees aqdash.bulk on")
		}
		if _, err := queries.Upsert(ctx, tx, queries.Historic, queries.SliceSource(rows("Bulk", 90, "", 0, 30))); err != nil {
			return false, err
		}
		for _, m := range []string{"ses", "persistence"} {
			for lead := 1; lead <= 2; lead++ {
				if _, err := queries.Upsert(ctx, tx, queries.Predictions, queries.SliceSource(rows("Bulk", 60, m, lead, 33))); err != nil {
					return false, err
				}
			}
		}
		for _, sql := range []string{
			"UPDATE daily_historic_pollution SET location = 'Moved', date = date + 400 WHERE location = 'Bulk' AND date < '2019-12-10'",
			"DELETE FROM daily_prediction_pollution WHERE location = 'Old'",
			"DELETE FROM daily_historic_pollution WHERE location = 'Old' AND date = '2020-01-01'",
		} {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return false, err
			}
		}
		// The triggers did nothing: the sums still describe the data before the load.
		var bulkSeries, oldPreds int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM series_stats WHERE location IN ('Bulk', 'Moved')),
		                                   (SELECT count(*) FROM series_stats WHERE tbl = 'predictions' AND location = 'Old')`).Scan(&bulkSeries, &oldPreds); err != nil {
			return false, err
		}
		if bulkSeries != 0 || oldPreds != 1 {
			return false, fmt.Errorf("inside the load series_stats moved: %d new series, %d old prediction series", bulkSeries, oldPreds)
		}
		var v string
		if err := tx.QueryRow(ctx, "SELECT string_agg(version::text, '.' ORDER BY tbl) FROM aqdash_data_version").Scan(&v); err != nil || v != v0 {
			return false, fmt.Errorf("inside the load the version moved to %q (%v)", v, err)
		}
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := wait(t, changes, "the bulk load's change")
	if got.Op != "bulk" || !got.All || got.Table != "" || got.Version != "2.2" || len(got.Locations) != 0 {
		t.Fatalf("the bulk load's change: %+v", got)
	}
	quiet(t, changes, 300*time.Millisecond, "the bulk load")
	checkSumsKept(t, db, "the bulk load")
	checkComparisonKept(t, db, "the bulk load")
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM model_leads").Scan(&n); err != nil || n != 4 {
		t.Fatalf("%d model_leads after the load, want 4 (%v)", n, err)
	}

	// The next write is kept by the triggers again, with its own notice.
	seed(t, db, queries.Historic, queries.Row{Date: day("2021-03-01"), Location: "After", Type: "pm25", Value: 5})
	got = wait(t, changes, "the small write's change")
	if got.Op != "insert" || got.Table != "historic" || got.Version != "3.2" {
		t.Fatalf("the small write's change: %+v", got)
	}
	checkSumsKept(t, db, "a small write after the bulk load")
	checkComparisonKept(t, db, "a small write after the bulk load")

	// A failed bulk load: nothing changes, nothing is announced.
	failed := errors.New("the load failed")
	err = queries.BulkLoad(ctx, db, func(tx pgx.Tx) (bool, error) {
		if _, err := tx.Exec(ctx, "DELETE FROM daily_historic_pollution"); err != nil {
			return false, err
		}
		return true, failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("BulkLoad returned %v", err)
	}
	quiet(t, changes, 300*time.Millisecond, "a failed bulk load")
	checkSumsKept(t, db, "a failed bulk load")
	if v, err := queries.DataVersion(ctx, db); err != nil || v != "3.2" {
		t.Fatalf("version %q after a failed bulk load, %v", v, err)
	}

	// A load that reports no change rebuilds nothing and announces nothing; the triggers are back on
	// for the rest of its transaction's writes (none here).
	if err := queries.BulkLoad(ctx, db, func(pgx.Tx) (bool, error) { return false, nil }); err != nil {
		t.Fatal(err)
	}
	quiet(t, changes, 300*time.Millisecond, "an empty bulk load")
}

// TestBigImportIsABulkLoad: an import big enough on its own (Upsert outside BulkLoad) takes the bulk
// path: one notice for the table it wrote, the sums and the comparison right. A measurement counts once
// per (model, lead) pair of the comparison: with four pairs, a quarter of BulkRows measurements is a
// bulk load.
func TestBigImportIsABulkLoad(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewDatabase(t)
	db, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	for _, m := range []string{"a", "b"} {
		for lead := 1; lead <= 2; lead++ {
			seed(t, db, queries.Predictions, queries.Row{Date: day("1990-01-05"), Location: "Big", Type: "pm25", Value: 12, Model: m, Lead: lead})
		}
	}
	changes, _ := listen(t, url)
	var in []queries.ImportRow
	for _, typ := range []string{"pm25", "pm10", "no2", "so2", "co"} {
		for i := range queries.BulkRows / 4 / 5 {
			in = append(in, queries.ImportRow{Line: int64(len(in) + 2), Row: queries.Row{Date: day("1990-01-01").AddDate(0, 0, i), Location: "Big", Type: typ, Value: float64(i % 50)}})
		}
	}
	c, err := queries.Upsert(ctx, db, queries.Historic, queries.SliceSource(in))
	if err != nil || c.Inserted != int64(len(in)) {
		t.Fatalf("import: %+v, %v", c, err)
	}
	got := wait(t, changes, "the import's change")
	if got.Op != "bulk" || got.Table != "historic" || !got.All {
		t.Fatalf("a big import's change: %+v (want one bulk notice)", got)
	}
	quiet(t, changes, 300*time.Millisecond, "the big import")
	checkSumsKept(t, db, "a big import")
	checkComparisonKept(t, db, "a big import")
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM comparison WHERE location = 'Big' AND actual IS NOT NULL").Scan(&n); err != nil || n != 4*len(in) {
		t.Fatalf("%d measured comparison rows, want %d (%v)", n, 4*len(in), err)
	}
	// A small one after it is kept statement by statement.
	seed(t, db, queries.Historic, queries.Row{Date: day("2011-01-01"), Location: "Big", Type: "pm25", Value: 1})
	if got := wait(t, changes, "the small import's change"); got.Op != "insert" {
		t.Fatalf("a small import's change: %+v", got)
	}
	checkSumsKept(t, db, "a small import after a big one")
}

// refByJoin is the equalized reference sums of cv computed by joining the comparison's days (the
// query of a view with dates, over a range holding every day).
func refByJoin(t *testing.T, db queries.DB, cv queries.CompareView) (int64, float64, float64) {
	t.Helper()
	cv.From, cv.To = day("1900-01-01"), day("2999-12-31")
	q, err := queries.RefMetricsQuery(cv)
	if err != nil {
		t.Fatal(err)
	}
	sql, args, err := q.ToSql()
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	var a, b float64
	if err := db.QueryRow(context.Background(), sql, args...).Scan(&n, &a, &b); err != nil {
		t.Fatal(err)
	}
	return n, a, b
}

// TestRefSumsCache: the reference metrics of views without dates read compare_ref_series where it is
// fresh and join the days of the series where it is not, so they equal the join of every day in every
// state of the cache: empty, refreshed, after writes that leave some series stale (a prediction, a
// measurement), after a rebuild that leaves all stale. The cached rows are really read (a changed sum
// shows) and a stale one is really ignored. A refresh recomputes only what is stale.
func TestRefSumsCache(t *testing.T) {
	db := dbtest.NewPool(t)
	ctx := context.Background()
	d := forecastFixture()
	d.load(t, db)
	check := func(state string) {
		t.Helper()
		for _, locs := range [][]string{nil, {"Delhi"}} {
			for _, ml := range []struct {
				model, ref string
				lead       int
			}{{"ses", "clim", 1}, {"clim", "ses", 1}, {"ses", "clim", 2}, {"clim", "ses", 2}, {"ses", "clim", 3}} {
				cv := queries.CompareView{View: queries.View{Locations: locs, Sort: "date"}, Match: queries.MatchBoth, Model: ml.model, Lead: ml.lead, Ref: ml.ref}
				s, err := queries.Summarize(ctx, db, cv)
				if err != nil {
					t.Fatal(err)
				}
				n, sa, sr := refByJoin(t, db, cv)
				what := fmt.Sprintf("%s: %s vs %s lead %d %v", state, ml.model, ml.ref, ml.lead, locs)
				if s.RefN != n || (n == 0) != (ml.lead == 3 || strings.Contains(state, "deleted")) {
					t.Fatalf("%s: ref n %d, the join %d", what, s.RefN, n)
				}
				if n > 0 && (math.Abs(*s.RefModelMAE-sa/float64(n)) > 1e-9 || math.Abs(*s.RefMAE-sr/float64(n)) > 1e-9) {
					t.Fatalf("%s: ref mae %v model %v, the join %v %v", what, *s.RefMAE, *s.RefModelMAE, sr/float64(n), sa/float64(n))
				}
			}
		}
	}
	refresh := func() int64 {
		t.Helper()
		n, err := queries.RefreshRefSums(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	cached := func() (n int) {
		t.Helper()
		if err := db.QueryRow(ctx, "SELECT count(*) FROM compare_ref_series").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	check("nothing cached")
	// Two series × leads 1 and 2 (the only leads both models have): 4 pairs, 8 rows (both orders).
	if got := refresh(); got != 4 || cached() != 8 {
		t.Fatalf("the first refresh computed %d pairs, %d rows cached; want 4, 8", got, cached())
	}
	if got := refresh(); got != 0 {
		t.Fatalf("a refresh with nothing stale computed %d pairs", got)
	}
	check("refreshed")

	// The fresh rows are what the view reads; a row whose ver no longer matches is ignored.
	cv := queries.CompareView{View: queries.View{Sort: "date"}, Match: queries.MatchBoth, Model: "ses", Lead: 1, Ref: "clim"}
	before, err := queries.Summarize(ctx, db, cv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, "UPDATE compare_ref_series SET ref_sum_abs = ref_sum_abs + 1000 WHERE model = 'ses' AND ref = 'clim' AND lead = 1 AND location = 'Delhi'"); err != nil {
		t.Fatal(err)
	}
	tampered, err := queries.Summarize(ctx, db, cv)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(*tampered.RefMAE-*before.RefMAE-1000/float64(before.RefN)) > 1e-9 {
		t.Fatalf("a changed cached sum does not show: ref mae %v, then %v", *before.RefMAE, *tampered.RefMAE)
	}
	if _, err := db.Exec(ctx, "UPDATE compare_ref_series SET model_ver = model_ver + 1 WHERE model = 'ses' AND ref = 'clim' AND lead = 1 AND location = 'Delhi'"); err != nil {
		t.Fatal(err)
	}
	check("a tampered row made stale")
	if got := refresh(); got != 1 {
		t.Fatalf("the refresh after one stale row computed %d pairs, want 1", got)
	}
	check("refreshed again")

	// A prediction of one series: that series' pairs of the model at that lead go stale.
	exec(t, db, "UPDATE daily_prediction_pollution SET prediction = prediction + 7 WHERE model = 'clim' AND lead = 2 AND location = 'Delhi' AND date = '2020-02-03'")
	check("after a prediction write")
	if got := refresh(); got != 1 {
		t.Fatalf("the refresh after one prediction computed %d pairs, want 1", got)
	}
	check("refreshed after a prediction write")
	// A measurement: every model and lead of its series.
	seed(t, db, queries.Historic, queries.Row{Date: day("2020-01-13"), Location: "Hyderabad", Type: "pm25", Value: 999})
	check("after a measurement write")
	if got := refresh(); got != 2 {
		t.Fatalf("the refresh after one measurement computed %d pairs, want 2 (leads 1 and 2 of its series)", got)
	}
	check("refreshed after a measurement write")
	// A rebuild makes every series row new: everything stale, still exact, then refreshed.
	if err := queries.BulkLoad(ctx, db, func(tx pgx.Tx) (bool, error) { return true, nil }); err != nil {
		t.Fatal(err)
	}
	check("after a rebuild")
	if got := refresh(); got != 4 {
		t.Fatalf("the refresh after a rebuild computed %d pairs, want 4", got)
	}
	check("refreshed after a rebuild")
	// A model gone: its cached rows go with the next refresh.
	exec(t, db, "DELETE FROM daily_prediction_pollution WHERE model = 'clim'")
	check("after a model is deleted")
	refresh()
	if got := cached(); got != 0 {
		t.Fatalf("%d cached rows left after the reference model was deleted", got)
	}
}
