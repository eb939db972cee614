package queries_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// fcKey is a prediction's key: a series, a day, a model and a lead.
type fcKey struct {
	loc, typ string
	date     time.Time
	model    string
	lead     int
}

// fcData is a fixture of measurements and predictions of several models and leads, held in Go.
type fcData struct {
	actual map[cmpKey]float64
	pred   map[fcKey]float64
}

// forecastFixture: two series over 75 days (across three months) with gaps on every side; model "ses"
// at leads 0 to 3 and "clim" at leads 1 and 2, each with its own gaps, so the equalized days of two
// models differ from either model's days.
func forecastFixture() fcData {
	d := fcData{actual: map[cmpKey]float64{}, pred: map[fcKey]float64{}}
	d0 := day("2020-01-10")
	for _, s := range []struct{ loc, typ string }{{"Hyderabad", "pm25"}, {"Delhi", "no2"}} {
		for i := range 75 {
			date := d0.AddDate(0, 0, i)
			if i%11 != 3 && !(i > 30 && i < 34) {
				d.actual[cmpKey{s.loc, s.typ, date}] = math.Round((70+40*math.Sin(float64(i)/4)+float64(len(s.loc)))*100) / 100
			}
			for lead := 0; lead <= 3; lead++ {
				if (i+lead)%6 != 1 {
					d.pred[fcKey{s.loc, s.typ, date, "ses", lead}] = math.Round((68+38*math.Sin(float64(i-lead)/4)+float64(3*lead))*100) / 100
				}
			}
			for lead := 1; lead <= 2; lead++ {
				if i%5 != lead && i < 70 {
					d.pred[fcKey{s.loc, s.typ, date, "clim", lead}] = math.Round((65+float64(i%9)*3+float64(lead))*100) / 100
				}
			}
		}
	}
	return d
}

// insertPredictions writes predictions with one plain INSERT (one statement: the triggers see them all).
func insertPredictions(t *testing.T, db queries.DB, rows map[fcKey]float64) {
	t.Helper()
	var vals []string
	for k, v := range rows {
		vals = append(vals, fmt.Sprintf("('%s', '%s', '%s', '%s', %d, %v)", k.loc, k.typ, k.date.Format(time.DateOnly), k.model, k.lead, v))
	}
	slices.Sort(vals)
	sql := "INSERT INTO daily_prediction_pollution (location, type, date, model, lead, prediction) VALUES " + strings.Join(vals, ", ")
	if _, err := db.Exec(context.Background(), sql); err != nil {
		t.Fatalf("insert predictions: %v", err)
	}
}

func (d fcData) load(t *testing.T, db queries.DB) {
	t.Helper()
	var rows []queries.Row
	for k, v := range d.actual {
		rows = append(rows, queries.Row{Date: k.date, Location: k.loc, Type: k.typ, Value: v})
	}
	seed(t, db, queries.Historic, rows...)
	insertPredictions(t, db, d.pred)
}

// readTables reads both tables back into a fixture.
func readTables(t *testing.T, db queries.DB) fcData {
	t.Helper()
	ctx := context.Background()
	d := fcData{actual: map[cmpKey]float64{}, pred: map[fcKey]float64{}}
	rows, _ := db.Query(ctx, "SELECT location, type, date, value FROM daily_historic_pollution")
	var k cmpKey
	var v float64
	if _, err := pgx.ForEachRow(rows, []any{&k.loc, &k.typ, &k.date, &v}, func() error { d.actual[k] = v; return nil }); err != nil {
		t.Fatal(err)
	}
	rows, _ = db.Query(ctx, "SELECT location, type, date, model, lead, prediction FROM daily_prediction_pollution")
	var f fcKey
	if _, err := pgx.ForEachRow(rows, []any{&f.loc, &f.typ, &f.date, &f.model, &f.lead, &v}, func() error { d.pred[f] = v; return nil }); err != nil {
		t.Fatal(err)
	}
	return d
}

// persistOffset is how many days before a day its persistence forecast at lead was measured.
func persistOffset(lead int) int { return max(lead, 1) }

// fcRow is one row of the comparison as the test works it out.
type fcRow struct {
	actual, predicted, prev *float64
}

// expectedComparison works out the comparison from the two tables by itself: for every (model, lead)
// that has predictions (or 'default' at 1 when none has), every day that has a measurement or that
// model's prediction at that lead, with the measurement of lead days before (1 at lead 0).
func (d fcData) expectedComparison() map[fcKey]fcRow {
	pairs := map[[2]any]bool{}
	for k := range d.pred {
		pairs[[2]any{k.model, k.lead}] = true
	}
	if len(pairs) == 0 {
		pairs[[2]any{"default", 1}] = true
	}
	out := map[fcKey]fcRow{}
	ptr := func(m map[cmpKey]float64, k cmpKey) *float64 {
		if v, ok := m[k]; ok {
			return &v
		}
		return nil
	}
	add := func(k fcKey) {
		c := cmpKey{k.loc, k.typ, k.date}
		r := fcRow{actual: ptr(d.actual, c), prev: ptr(d.actual, cmpKey{k.loc, k.typ, k.date.AddDate(0, 0, -persistOffset(k.lead))})}
		if v, ok := d.pred[k]; ok {
			r.predicted = &v
		}
		out[k] = r
	}
	for p := range pairs {
		for c := range d.actual {
			add(fcKey{c.loc, c.typ, c.date, p[0].(string), p[1].(int)})
		}
	}
	for k := range d.pred {
		add(k)
	}
	return out
}

// checkAgainstGo compares the comparison table with the test's own.
func checkAgainstGo(t *testing.T, db queries.DB, after string) {
	t.Helper()
	want := readTables(t, db).expectedComparison()
	rows, err := db.Query(context.Background(), "SELECT location, type, date, model, lead, actual, predicted, prev FROM comparison")
	if err != nil {
		t.Fatal(err)
	}
	got := map[fcKey]fcRow{}
	var k fcKey
	var r fcRow
	if _, err := pgx.ForEachRow(rows, []any{&k.loc, &k.typ, &k.date, &k.model, &k.lead, &r.actual, &r.predicted, &r.prev}, func() error {
		c := r
		got[k] = c
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	eq := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	for k, w := range want {
		g, ok := got[k]
		if !ok || !eq(g.actual, w.actual) || !eq(g.predicted, w.predicted) || !eq(g.prev, w.prev) {
			t.Fatalf("after %s: comparison row %+v = %+v (present %v), want %+v", after, k, show(g), ok, show(w))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("after %s: the comparison has %d rows, want %d", after, len(got), len(want))
	}
}

func show(r fcRow) string {
	f := func(p *float64) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("{actual %s predicted %s prev %s}", f(r.actual), f(r.predicted), f(r.prev))
}

// TestComparisonKeptPerModelAndLead writes measurements and predictions of several models and leads in
// every way and checks after each write that the comparison, its sums and model_leads equal a rebuild,
// and that the comparison equals the test's own computation from the two tables (persistence of each
// lead included).
func TestComparisonKeptPerModelAndLead(t *testing.T) {
	db := dbtest.NewPool(t)
	ctx := context.Background()
	// Measurements alone: the old comparison, under 'default' at lead 1.
	d := forecastFixture()
	var hist []queries.Row
	for k, v := range d.actual {
		hist = append(hist, queries.Row{Date: k.date, Location: k.loc, Type: k.typ, Value: v})
	}
	seed(t, db, queries.Historic, hist...)
	checkAgainstGo(t, db, "measurements alone")
	checkComparisonKept(t, db, "measurements alone")
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM comparison WHERE model = 'default' AND lead = 1").Scan(&n); err != nil || n != len(d.actual) {
		t.Fatalf("measurements alone: %d rows of 'default' at lead 1, want %d (%v)", n, len(d.actual), err)
	}
	// The first predictions: new pairs, every measured day gets a row per pair.
	insertPredictions(t, db, d.pred)
	checkAgainstGo(t, db, "the first predictions")
	checkComparisonKept(t, db, "the first predictions")
	// The reference sums: both orders of the pair (ses, clim) at leads 1 and 2, per series.
	var refs int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM compare_ref_series WHERE n > 0").Scan(&refs); err != nil || refs != 2*2*2 {
		t.Fatalf("compare_ref_series has %d rows with days, want 8 (%v)", refs, err)
	}

	for _, sql := range []string{
		// A measurement changes: its day for every pair, and the persistence of the day 2 days later at
		// lead 2 and 3 days later at lead 3 (and 1 day later at leads 0 and 1).
		"UPDATE daily_historic_pollution SET value = value + 17 WHERE location = 'Hyderabad' AND date = '2020-02-01'",
		// A measurement lands in a gap (2020-01-13 is day 3, missing): the days 1, 2, 3 later gain persistence.
		"INSERT INTO daily_historic_pollution VALUES ('Hyderabad', 'pm25', '2020-01-13', 55)",
		// A measurement goes: the days after it lose their persistence at every lead.
		"DELETE FROM daily_historic_pollution WHERE location = 'Delhi' AND date = '2020-02-20'",
		// A measurement moves across a month's end.
		"UPDATE daily_historic_pollution SET date = '2020-03-08' WHERE location = 'Delhi' AND date = '2020-02-27'",
		// Predictions change at one lead only.
		"UPDATE daily_prediction_pollution SET prediction = prediction * 1.5 WHERE model = 'ses' AND lead = 2 AND date < '2020-02-05'",
		// A prediction moves to another lead of the same model (both pairs exist).
		"UPDATE daily_prediction_pollution SET lead = 3 WHERE model = 'clim' AND lead = 2 AND date = '2020-03-01' AND location = 'Delhi'",
		// A new model: a new pair, every measured day gains its row.
		"INSERT INTO daily_prediction_pollution (location, type, date, model, lead, prediction) VALUES ('Delhi', 'no2', '2020-02-02', 'v2.1', 1, 80), ('Pune', 'pm10', '2020-02-03', 'v2.1', 1, 90)",
		// Some predictions of a pair go, not all.
		"DELETE FROM daily_prediction_pollution WHERE model = 'ses' AND lead = 0 AND date > '2020-03-01'",
		// The last prediction of a pair goes: its rows on measured days go with it.
		"DELETE FROM daily_prediction_pollution WHERE model = 'v2.1'",
		// A whole lead renamed: one pair goes and another comes.
		"UPDATE daily_prediction_pollution SET lead = 5 WHERE model = 'clim' AND lead = 1",
		// Measurements and every pair at once.
		"UPDATE daily_historic_pollution SET value = value WHERE type = 'no2'",
		"DELETE FROM daily_historic_pollution WHERE date BETWEEN '2020-02-10' AND '2020-02-12'",
		"TRUNCATE daily_prediction_pollution",
	} {
		if _, err := db.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		checkAgainstGo(t, db, sql)
		checkComparisonKept(t, db, sql)
	}
	// Back to measurements alone: 'default' at lead 1 again.
	if err := db.QueryRow(ctx, "SELECT count(*) FROM comparison WHERE NOT (model = 'default' AND lead = 1)").Scan(&n); err != nil || n != 0 {
		t.Fatalf("after truncating the predictions, %d rows of other pairs (%v)", n, err)
	}
	// A bad model name or lead is refused by the table itself.
	for _, bad := range []string{
		"INSERT INTO daily_prediction_pollution (location, type, date, model, lead, prediction) VALUES ('A', 'pm25', '2020-01-01', 'no spaces', 1, 1)",
		"INSERT INTO daily_prediction_pollution (location, type, date, model, lead, prediction) VALUES ('A', 'pm25', '2020-01-01', '', 1, 1)",
		"INSERT INTO daily_prediction_pollution (location, type, date, model, lead, prediction) VALUES ('A', 'pm25', '2020-01-01', '" + strings.Repeat("m", 65) + "', 1, 1)",
		"INSERT INTO daily_prediction_pollution (location, type, date, model, lead, prediction) VALUES ('A', 'pm25', '2020-01-01', 'ses', 31, 1)",
		"INSERT INTO daily_prediction_pollution (location, type, date, model, lead, prediction) VALUES ('A', 'pm25', '2020-01-01', 'ses', -1, 1)",
	} {
		if _, err := db.Exec(ctx, bad); err == nil {
			t.Errorf("accepted: %s", bad)
		}
	}
}

// TestModelMetrics checks the metrics of every model and lead, the equalized reference metrics and the
// MAE by lead against plain Go loops over the fixture's days (with gaps), with and without dates.
func TestModelMetrics(t *testing.T) {
	db := dbtest.NewPool(t)
	ctx := context.Background()
	d := forecastFixture()
	d.load(t, db)
	near := func(a *float64, b float64) bool { return a != nil && math.Abs(*a-b) < 1e-9 }
	for _, rng := range []struct{ from, to time.Time }{{}, {day("2020-01-15"), day("2020-03-03")}, {day("2020-02-01"), day("2020-02-29")}} {
		in := func(k cmpKey, locs []string) bool {
			return (len(locs) == 0 || slices.Contains(locs, k.loc)) &&
				(rng.from.IsZero() || !k.date.Before(rng.from)) && (rng.to.IsZero() || !k.date.After(rng.to))
		}
		for _, locs := range [][]string{nil, {"Delhi"}} {
			for _, ml := range []struct {
				model string
				lead  int
			}{{"ses", 0}, {"ses", 1}, {"ses", 2}, {"ses", 3}, {"clim", 1}, {"clim", 2}} {
				// The Go loop: MAE over days with both; skill against persistence of this lead.
				var n, skillN, refN int64
				var sumAbs, skillAbs, persistAbs, refModel, refRef float64
				for k, p := range d.pred {
					if k.model != ml.model || k.lead != ml.lead || !in(cmpKey{k.loc, k.typ, k.date}, locs) {
						continue
					}
					a, ok := d.actual[cmpKey{k.loc, k.typ, k.date}]
					if !ok {
						continue
					}
					n++
					sumAbs += math.Abs(p - a)
					if prev, ok := d.actual[cmpKey{k.loc, k.typ, k.date.AddDate(0, 0, -persistOffset(k.lead))}]; ok {
						skillN++
						skillAbs += math.Abs(p - a)
						persistAbs += math.Abs(prev - a)
					}
					other := "clim"
					if ml.model == "clim" {
						other = "ses"
					}
					if r, ok := d.pred[fcKey{k.loc, k.typ, k.date, other, k.lead}]; ok {
						refN++
						refModel += math.Abs(p - a)
						refRef += math.Abs(r - a)
					}
				}
				ref := "clim"
				if ml.model == "clim" {
					ref = "ses"
				}
				cv := queries.CompareView{View: queries.View{Locations: locs, From: rng.from, To: rng.to, Sort: "date"},
					Match: queries.MatchBoth, Model: ml.model, Lead: ml.lead, Ref: ref}
				s, err := queries.Summarize(ctx, db, cv)
				if err != nil {
					t.Fatal(err)
				}
				what := fmt.Sprintf("%s lead %d %v %v", ml.model, ml.lead, locs, rng)
				if s.Total != n || s.N != n || n == 0 || !near(s.MAE, sumAbs/float64(n)) {
					t.Fatalf("%s: total %d n %d mae %v, want %d %v", what, s.Total, s.N, s.MAE, n, sumAbs/float64(n))
				}
				if s.SkillN != skillN || skillN == 0 || !near(s.Skill, 1-skillAbs/persistAbs) || !near(s.PersistenceMAE, persistAbs/float64(skillN)) {
					t.Fatalf("%s: skill %v over %d, want %v over %d", what, s.Skill, s.SkillN, 1-skillAbs/persistAbs, skillN)
				}
				if ml.lead == 0 || ml.lead == 3 {
					// clim has no lead 0 or 3: no equalized days.
					if s.RefN != 0 || s.SkillRef != nil || s.RefMAE != nil {
						t.Fatalf("%s: reference metrics without a reference at this lead: %+v", what, s.Metrics)
					}
					continue
				}
				if s.RefN != refN || refN == 0 || !near(s.RefMAE, refRef/float64(refN)) || !near(s.RefModelMAE, refModel/float64(refN)) ||
					!near(s.SkillRef, 1-refModel/refRef) {
					t.Fatalf("%s: ref n %d mae %v skill %v, want %d %v %v", what, s.RefN, s.RefMAE, s.SkillRef, refN, refRef/float64(refN), 1-refModel/refRef)
				}
				// Without Ref, no reference metrics.
				cv.Ref = ""
				if s, err := queries.Summarize(ctx, db, cv); err != nil || s.RefN != 0 || s.SkillRef != nil {
					t.Fatalf("%s: reference metrics without Ref: %+v %v", what, s.Metrics, err)
				}
			}
			// MAE by lead, from the sums.
			for _, model := range []string{"ses", "clim"} {
				got, err := queries.LeadMAEs(ctx, db, queries.CompareView{View: queries.View{Locations: locs, From: rng.from, To: rng.to}, Model: model, Lead: 1})
				if err != nil {
					t.Fatal(err)
				}
				sums, counts := map[int]float64{}, map[int]int64{}
				for k, p := range d.pred {
					if a, ok := d.actual[cmpKey{k.loc, k.typ, k.date}]; ok && k.model == model && in(cmpKey{k.loc, k.typ, k.date}, locs) {
						sums[k.lead] += math.Abs(p - a)
						counts[k.lead]++
					}
				}
				if len(got) != len(counts) {
					t.Fatalf("%s %v: %d leads, want %d", model, rng, len(got), len(counts))
				}
				for i, g := range got {
					if i > 0 && got[i-1].Lead >= g.Lead || g.N != counts[g.Lead] || !near(g.MAE, sums[g.Lead]/float64(g.N)) {
						t.Fatalf("%s %v: lead %d: %d %v, want %d %v", model, rng, g.Lead, g.N, g.MAE, counts[g.Lead], sums[g.Lead]/float64(counts[g.Lead]))
					}
				}
			}
		}
	}
	// The choices of the forms.
	models, err := queries.ListModels(ctx, db)
	want := []queries.ModelLeads{{Model: "clim", Leads: []int{1, 2}}, {Model: "ses", Leads: []int{0, 1, 2, 3}}}
	if err != nil || !reflect.DeepEqual(models, want) {
		t.Fatalf("ListModels = %+v (%v), want %+v", models, err, want)
	}
	// The latest run: the newest issue date (date - lead) of the model for the series, by lead.
	for _, model := range []string{"ses", "clim"} {
		var issued time.Time
		for k := range d.pred {
			if k.model == model && k.loc == "Delhi" {
				if i := k.date.AddDate(0, 0, -k.lead); i.After(issued) {
					issued = i
				}
			}
		}
		var points []queries.ForecastPoint
		for lead := 0; lead <= 30; lead++ {
			k := fcKey{"Delhi", "no2", issued.AddDate(0, 0, lead), model, lead}
			if v, ok := d.pred[k]; ok {
				points = append(points, queries.ForecastPoint{Date: k.date, Lead: lead, Value: v})
			}
		}
		run, ok, err := queries.LatestForecast(ctx, db, "Delhi", "no2", model)
		if err != nil || !ok || !run.Issued.Equal(issued) || !reflect.DeepEqual(run.Points, points) {
			t.Fatalf("LatestForecast %s = %+v %v %v, want issued %v %+v", model, run, ok, err, issued, points)
		}
	}
	if _, ok, err := queries.LatestForecast(ctx, db, "Delhi", "no2", "nope"); ok || err != nil {
		t.Fatalf("LatestForecast of no model: %v %v", ok, err)
	}
}

// TestPredictionsByModelAndLead pages the predictions in every order, filtered by model and lead or not,
// with next links (cursors) and with page numbers, and checks that each walk visits the view's rows once,
// in the order of an unpaged read sorted in Go, and that the count agrees.
func TestPredictionsByModelAndLead(t *testing.T) {
	db := dbtest.NewPool(t)
	ctx := context.Background()
	d := forecastFixture()
	insertPredictions(t, db, d.pred)
	for _, f := range []struct {
		models []string
		leads  []int
	}{{nil, nil}, {[]string{"ses"}, []int{2}}, {[]string{"clim"}, nil}, {nil, []int{1, 2}}} {
		var want []queries.Row
		for k, v := range d.pred {
			if (len(f.models) == 0 || slices.Contains(f.models, k.model)) && (len(f.leads) == 0 || slices.Contains(f.leads, k.lead)) {
				want = append(want, queries.Row{Date: k.date, Location: k.loc, Type: k.typ, Value: v, Model: k.model, Lead: k.lead})
			}
		}
		total, err := queries.CountView(ctx, db, queries.Predictions, queries.View{Models: f.models, Leads: f.leads})
		if err != nil || total.N != int64(len(want)) || total.Estimated {
			t.Fatalf("%v: count %+v (%v), want %d", f, total, err, len(want))
		}
		for _, key := range queries.Predictions.SortKeys() {
			for _, desc := range []bool{false, true} {
				v := queries.View{Models: f.models, Leads: f.leads, Sort: key, Desc: desc, Size: 37, Page: 1}
				var all []queries.Row
				if err := queries.EachRow(ctx, db, queries.Predictions, v, func(r queries.Row) error { all = append(all, r); return nil }); err != nil {
					t.Fatal(err)
				}
				if len(all) != len(want) {
					t.Fatalf("%v sort %s: %d rows, want %d", f, key, len(all), len(want))
				}
				for i := 1; i < len(all); i++ {
					if c := comparePred(key, all[i-1], all[i]); (c >= 0) != desc || c == 0 {
						t.Fatalf("%v sort %s desc %v: rows %d and %d out of order: %+v %+v", f, key, desc, i-1, i, all[i-1], all[i])
					}
				}
				var walked []queries.Row
				for range len(all)/v.Size + 2 {
					page, err := queries.ListRows(ctx, db, queries.Predictions, v)
					if err != nil {
						t.Fatal(err)
					}
					if len(page) == 0 {
						break
					}
					walked = append(walked, page...)
					v.After, v.Page = queries.CursorOf(page[len(page)-1]), v.Page+1
					tok, err := queries.DecodeCursor(v.After.Encode())
					if err != nil || *tok != *v.After {
						t.Fatalf("cursor round trip: %+v %v", tok, err)
					}
				}
				if !reflect.DeepEqual(walked, all) {
					t.Fatalf("%v sort %s desc %v: walking next links gave %d rows, not the view's %d", f, key, desc, len(walked), len(all))
				}
				// The page past the middle, read from the far end.
				v = queries.View{Models: f.models, Leads: f.leads, Sort: key, Desc: desc, Size: 37, Page: len(all)/37 - 1, Total: int64(len(all))}
				page, err := queries.ListRows(ctx, db, queries.Predictions, v)
				if err != nil || !reflect.DeepEqual(page, all[(v.Page-1)*37:v.Page*37]) {
					t.Fatalf("%v sort %s desc %v: page %d differs (%v)", f, key, desc, v.Page, err)
				}
			}
		}
	}
}

// comparePred orders two prediction rows by a sort key and then the rest of the primary key.
func comparePred(key string, a, b queries.Row) int {
	keys := map[string][]string{
		"date": {"date", "location", "type", "model", "lead"}, "location": {"location", "type", "date", "model", "lead"},
		"type": {"type", "location", "date", "model", "lead"}, "model": {"model", "lead", "location", "type", "date"},
		"lead": {"lead", "model", "location", "type", "date"}, "prediction": {"prediction", "location", "type", "date", "model", "lead"},
	}[key]
	for _, k := range keys {
		var c int
		switch k {
		case "date":
			c = a.Date.Compare(b.Date)
		case "location":
			c = strings.Compare(a.Location, b.Location)
		case "type":
			c = strings.Compare(a.Type, b.Type)
		case "model":
			c = strings.Compare(a.Model, b.Model)
		case "lead":
			c = a.Lead - b.Lead
		case "prediction":
			c = cmpFloat(a.Value, b.Value)
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestMigrationOnOldRows migrates a database to 006, writes rows of the old shape (predictions without
// model or lead), migrates it to 007 and checks that every prediction is model 'default' at lead 1, that
// the comparison and its sums are what 006 had (now under 'default' at lead 1), and that the new key
// takes a second model for the same day.
func TestMigrationOnOldRows(t *testing.T) {
	ctx := context.Background()
	admin, err := queries.Connect(ctx, dbtest.AdminURL())
	if err != nil {
		t.Fatalf("PostgreSQL is unreachable: %v", err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("aqdash_mig_%d", time.Now().UnixNano()%1e9)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	url, err := dbtest.URLFor(name)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := queries.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := queries.MigrateTo(ctx, conn, 6); err != nil {
		t.Fatal(err)
	}
	d := compareFixture()
	var hv, pv []string
	for k, v := range d.actual {
		hv = append(hv, fmt.Sprintf("('%s', '%s', '%s', %v)", k.loc, k.typ, k.date.Format(time.DateOnly), v))
	}
	for k, v := range d.predicted {
		pv = append(pv, fmt.Sprintf("('%s', '%s', '%s', %v)", k.loc, k.typ, k.date.Format(time.DateOnly), v))
	}
	for _, sql := range []string{
		"INSERT INTO daily_historic_pollution VALUES " + strings.Join(hv, ", "),
		"INSERT INTO daily_prediction_pollution VALUES " + strings.Join(pv, ", "),
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	read := func(sql string) string {
		rows, err := conn.Query(ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for rows.Next() {
			vals, _ := rows.Values()
			fmt.Fprintln(&b, vals...)
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		return b.String()
	}
	const cmpSQL = `SELECT location, type, date::text, actual, predicted, prev, round(abs_error::numeric, 9)::text FROM comparison %s ORDER BY 1, 2, 3`
	const sumSQL = `SELECT location, type, days, actual_n, predicted_n, n, round(sum_abs::numeric, 9)::text, skill_n, round(persist_abs::numeric, 9)::text,
	                       band_n, band_agree, hits FROM compare_series %s ORDER BY 1, 2`
	const monthSQL = `SELECT location, type, month::text, days, n, round(sum_abs::numeric, 9)::text FROM compare_months %s ORDER BY 1, 2, 3`
	before := read(fmt.Sprintf(cmpSQL, "")) + read(fmt.Sprintf(sumSQL, "")) + read(fmt.Sprintf(monthSQL, ""))
	if err := queries.MigrateTo(ctx, conn, 7); err != nil {
		t.Fatal(err)
	}
	var n, old int
	if err := conn.QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE model = 'default' AND lead = 1) FROM daily_prediction_pollution").Scan(&n, &old); err != nil ||
		n != len(d.predicted) || old != n {
		t.Fatalf("after 007: %d predictions, %d of them 'default' at lead 1, want %d (%v)", n, old, len(d.predicted), err)
	}
	where := "WHERE model = 'default' AND lead = 1"
	after := read(fmt.Sprintf(cmpSQL, where)) + read(fmt.Sprintf(sumSQL, where)) + read(fmt.Sprintf(monthSQL, where))
	if before == "" || after != before {
		t.Fatalf("the comparison after 007 differs from 006's:\nbefore %d bytes\nafter  %d bytes", len(before), len(after))
	}
	if got := read("SELECT model, lead, n FROM model_leads"); got != fmt.Sprintf("default 1 %d\n", len(d.predicted)) {
		t.Fatalf("model_leads = %q", got)
	}
	// An old-shaped insert still works (the defaults), and the new key takes another model's row.
	if _, err := conn.Exec(ctx, "INSERT INTO daily_prediction_pollution VALUES ('Agra', 'pm25', '2020-01-01', 5)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO daily_prediction_pollution (location, type, date, model, lead, prediction) VALUES ('Agra', 'pm25', '2020-01-01', 'ses', 1, 6)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO daily_prediction_pollution VALUES ('Agra', 'pm25', '2020-01-01', 7)"); err == nil {
		t.Fatal("a second 'default' lead 1 row for the same day was accepted")
	}
}
