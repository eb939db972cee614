package queries_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// cmpKey is a series and day.
type cmpKey struct {
	loc, typ string
	date     time.Time
}

// cmpData is a comparison fixture held in Go, so the test can work out every answer on its own.
type cmpData struct {
	actual, predicted map[cmpKey]float64
}

// compareFixture builds three series over 70 days with days missing on either side or both, a zero
// measurement, values on and just past the AQI band edges, and a pollutant without bands:
//   - Hyderabad pm25: low values crossing the PM2.5 edges, a 0 measurement, exact edges 30 / 30.5 / 90 / 90.5;
//   - Delhi pm10: high values crossing the PM10 edges (many Poor-or-worse days, hits, misses and false alarms);
//   - Delhi no2: no bands.
func compareFixture() cmpData {
	d := cmpData{actual: map[cmpKey]float64{}, predicted: map[cmpKey]float64{}}
	d0 := day("2020-01-01")
	for i := range 70 {
		date := d0.AddDate(0, 0, i)
		wave := math.Sin(float64(i) / 5)
		// Hyderabad PM2.5: measurements missing every 9th day, predictions every 7th, both on day 40.
		k := cmpKey{"Hyderabad", "pm25", date}
		if i%9 != 4 && i != 40 {
			d.actual[k] = math.Round((60+45*wave)*100) / 100
		}
		if i%7 != 2 && i != 40 {
			d.predicted[k] = math.Round((58+47*math.Sin(float64(i-1)/5))*100) / 100
		}
		// Delhi PM10: a run of measurements missing at days 20–24, predictions missing at 50–52.
		k = cmpKey{"Delhi", "pm10", date}
		if i < 20 || i > 24 {
			d.actual[k] = math.Round((260+180*wave)*100) / 100
		}
		if i < 50 || i > 52 {
			d.predicted[k] = math.Round((250+170*math.Cos(float64(i)/6))*100) / 100
		}
		// Delhi NO2 for 30 days, every 5th prediction missing.
		if i < 30 {
			k = cmpKey{"Delhi", "no2", date}
			d.actual[k] = float64(20 + i%8)
			if i%5 != 0 {
				d.predicted[k] = float64(22 + i%6)
			}
		}
	}
	hy := func(s string) cmpKey { return cmpKey{"Hyderabad", "pm25", day(s)} }
	d.actual[hy("2020-01-03")] = 0 // a zero measurement: no percentage error, outside MAPE
	d.predicted[hy("2020-01-03")] = 4.5
	d.actual[hy("2020-01-06")], d.predicted[hy("2020-01-06")] = 30, 30.5    // Good against Satisfactory
	d.actual[hy("2020-01-07")], d.predicted[hy("2020-01-07")] = 90, 90.5    // Moderate against Poor
	d.actual[hy("2020-01-08")], d.predicted[hy("2020-01-08")] = 90.5, 31    // Poor against Satisfactory
	d.actual[hy("2020-01-09")], d.predicted[hy("2020-01-09")] = 250.01, 250 // Severe against Very poor
	return d
}

// load writes the fixture into a fresh database.
func (d cmpData) load(t *testing.T, db queries.DB) {
	t.Helper()
	rows := func(m map[cmpKey]float64) []queries.Row {
		var out []queries.Row
		for k, v := range m {
			out = append(out, queries.Row{Date: k.date, Location: k.loc, Type: k.typ, Value: v})
		}
		return out
	}
	seed(t, db, queries.Historic, rows(d.actual)...)
	seed(t, db, queries.Predictions, rows(d.predicted)...)
}

// testBand is the test's own AQI band table, written out from the issue rather than taken from the
// queries package: the level of v, or -1 for a pollutant without bands.
func testBand(typ string, v float64) int {
	var upper []float64
	switch typ {
	case "pm25":
		upper = []float64{30, 60, 90, 120, 250}
	case "pm10":
		upper = []float64{50, 100, 250, 350, 430}
	default:
		return -1
	}
	for i, u := range upper {
		if v <= u {
			return i
		}
	}
	return 5
}

// testBandEPA is the test's own US EPA (2024) band table, from the contract: the level of v, or -1.
func testBandEPA(typ string, v float64) int {
	var below []float64
	switch typ {
	case "pm25":
		below = []float64{9.1, 35.5, 55.5, 125.5, 225.5}
	case "pm10":
		below = []float64{55, 155, 255, 355, 425}
	default:
		return -1
	}
	for i, b := range below {
		if v < b {
			return i
		}
	}
	return 5
}

// expected works out the rows of a view by itself: every key either side has, kept by the filters and
// the match, in date order.
func (d cmpData) expected(cv queries.CompareView) []queries.CompareRow {
	keys := map[cmpKey]bool{}
	for k := range d.actual {
		keys[k] = true
	}
	for k := range d.predicted {
		keys[k] = true
	}
	var out []queries.CompareRow
	for k := range keys {
		if len(cv.Locations) > 0 && !slices.Contains(cv.Locations, k.loc) ||
			len(cv.Types) > 0 && !slices.Contains(cv.Types, k.typ) ||
			!cv.From.IsZero() && k.date.Before(cv.From) || !cv.To.IsZero() && k.date.After(cv.To) {
			continue
		}
		a, hasA := d.actual[k]
		p, hasP := d.predicted[k]
		switch cv.Match {
		case queries.MatchBoth:
			if !hasA || !hasP {
				continue
			}
		case queries.MatchMissingActual:
			if hasA {
				continue
			}
		case queries.MatchMissingPrediction:
			if hasP {
				continue
			}
		}
		r := queries.CompareRow{Date: k.date, Location: k.loc, Type: k.typ}
		if hasA {
			r.Actual = &a
		}
		if hasP {
			r.Predicted = &p
		}
		if hasA && hasP {
			e, ae := p-a, math.Abs(p-a)
			r.Error, r.AbsError = &e, &ae
			if a > 0 {
				pe := 100 * (p - a) / a
				r.PctError = &pe
			}
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y queries.CompareRow) int {
		return cmp.Or(x.Date.Compare(y.Date), strings.Compare(x.Location, y.Location), strings.Compare(x.Type, y.Type))
	})
	return out
}

// metrics works out the metrics of a view by itself, with plain loops over the fixture.
func (d cmpData) metrics(cv queries.CompareView) queries.Metrics {
	var m queries.Metrics
	var sumAbs, sumSq, sum, sumPct, skillModel, skillPersist float64
	var agree int64
	var sumA, sumP float64
	m.BandPairs = map[string]*[6][6]int64{"naqi": {}, "us_epa": {}}
	var pairs [][2]float64
	for _, r := range d.expected(cv) {
		if r.Actual == nil || r.Predicted == nil {
			continue
		}
		a, p := *r.Actual, *r.Predicted
		pairs = append(pairs, [2]float64{a, p})
		sumA += a
		sumP += p
		if ua, up := testBandEPA(r.Type, a), testBandEPA(r.Type, p); ua >= 0 {
			m.BandPairs["us_epa"][ua][up]++
		}
		if na, np := testBand(r.Type, a), testBand(r.Type, p); na >= 0 {
			m.BandPairs["naqi"][na][np]++
		}
		m.N++
		sumAbs += math.Abs(p - a)
		sumSq += (p - a) * (p - a)
		sum += p - a
		if a > 0 {
			m.MAPEN++
			sumPct += 100 * math.Abs(p-a) / a
		}
		// Persistence: the previous calendar day's measurement, wherever the filters start.
		if prev, ok := d.actual[cmpKey{r.Location, r.Type, r.Date.AddDate(0, 0, -1)}]; ok {
			m.SkillN++
			skillModel += math.Abs(p - a)
			skillPersist += math.Abs(prev - a)
		}
		ab, pb := testBand(r.Type, a), testBand(r.Type, p)
		if ab < 0 {
			continue
		}
		m.BandN++
		if ab == pb {
			agree++
		}
		if ab >= 3 {
			m.PoorActual++
			if pb >= 3 {
				m.Hits++
			}
		}
		if pb >= 3 {
			m.PoorPredicted++
			if ab < 3 {
				m.FalseAlarms++
			}
		}
	}
	f := func(x float64) *float64 { return &x }
	if m.N > 0 {
		m.MAE, m.RMSE, m.Bias = f(sumAbs/float64(m.N)), f(math.Sqrt(sumSq/float64(m.N))), f(sum/float64(m.N))
		if sumA != 0 {
			m.NMB, m.NME = f(100*sum/sumA), f(100*sumAbs/sumA)
		}
		// Pearson's r in two passes: the means, then the deviations.
		ma, mp := sumA/float64(m.N), sumP/float64(m.N)
		var cov, va, vp float64
		for _, pr := range pairs {
			cov += (pr[0] - ma) * (pr[1] - mp)
			va += (pr[0] - ma) * (pr[0] - ma)
			vp += (pr[1] - mp) * (pr[1] - mp)
		}
		if m.N >= 2 && va > 0 && vp > 0 {
			m.R = f(cov / math.Sqrt(va*vp))
		}
	}
	if m.MAPEN > 0 {
		m.MAPE = f(sumPct / float64(m.MAPEN))
	}
	if m.SkillN > 0 {
		m.SkillMAE, m.PersistenceMAE = f(skillModel/float64(m.SkillN)), f(skillPersist/float64(m.SkillN))
		if skillPersist > 0 {
			m.Skill = f(1 - skillModel/skillPersist)
		}
	}
	if m.BandN > 0 {
		m.BandAgreement = f(100 * float64(agree) / float64(m.BandN))
	}
	if m.PoorActual > 0 {
		m.HitRate = f(100 * float64(m.Hits) / float64(m.PoorActual))
	}
	if m.PoorPredicted > 0 {
		m.FalseAlarmRate = f(100 * float64(m.FalseAlarms) / float64(m.PoorPredicted))
	}
	return m
}

// sameFloat compares two optional numbers to 1e-9, relative.
func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) <= 1e-9*math.Max(1, math.Abs(*b))
}

func fmtOpt(p *float64) string {
	if p == nil {
		return "NULL"
	}
	return fmt.Sprint(*p)
}

func checkMetrics(t *testing.T, name string, got, want queries.Metrics) {
	t.Helper()
	floats := []struct {
		n        string
		got, wnt *float64
	}{
		{"mae", got.MAE, want.MAE}, {"rmse", got.RMSE, want.RMSE}, {"bias", got.Bias, want.Bias}, {"mape", got.MAPE, want.MAPE},
		{"skill", got.Skill, want.Skill}, {"skill_mae", got.SkillMAE, want.SkillMAE}, {"persistence_mae", got.PersistenceMAE, want.PersistenceMAE},
		{"band_agreement", got.BandAgreement, want.BandAgreement}, {"hit_rate", got.HitRate, want.HitRate}, {"false_alarm_rate", got.FalseAlarmRate, want.FalseAlarmRate},
	}
	// r from sums loses a few digits to cancellation.
	if (got.R == nil) != (want.R == nil) || got.R != nil && math.Abs(*got.R-*want.R) > 1e-7 {
		t.Errorf("%s: r = %s, want %s", name, fmtOpt(got.R), fmtOpt(want.R))
	}
	floats = append(floats, []struct {
		n        string
		got, wnt *float64
	}{{"nmb", got.NMB, want.NMB}, {"nme", got.NME, want.NME}}...)
	for _, scale := range []string{"naqi", "us_epa"} {
		var g, w [6][6]int64
		if p := got.BandPairs[scale]; p != nil {
			g = *p
		}
		if p := want.BandPairs[scale]; p != nil {
			w = *p
		}
		if g != w {
			t.Errorf("%s: %s band pairs = %v, want %v", name, scale, g, w)
		}
	}
	for _, f := range floats {
		if !sameFloat(f.got, f.wnt) {
			t.Errorf("%s: %s = %s, want %s", name, f.n, fmtOpt(f.got), fmtOpt(f.wnt))
		}
	}
	counts := [][3]any{
		{"n", got.N, want.N}, {"mape_n", got.MAPEN, want.MAPEN}, {"skill_n", got.SkillN, want.SkillN}, {"band_n", got.BandN, want.BandN},
		{"poor_actual", got.PoorActual, want.PoorActual}, {"hits", got.Hits, want.Hits},
		{"poor_predicted", got.PoorPredicted, want.PoorPredicted}, {"false_alarms", got.FalseAlarms, want.FalseAlarms},
	}
	for _, c := range counts {
		if c[1] != c[2] {
			t.Errorf("%s: %s = %v, want %v", name, c[0], c[1], c[2])
		}
	}
}

// compareViews are the views the database tests try, each under every match.
var compareViews = map[string]queries.View{
	"everything":           {},
	"Hyderabad PM2.5":      {Locations: []string{"Hyderabad"}, Types: []string{"pm25"}},
	"Delhi":                {Locations: []string{"Delhi"}},
	"NO2 (no bands)":       {Types: []string{"no2"}},
	"a window of dates":    {From: day("2020-01-06"), To: day("2020-02-10")},
	"one day after a gap":  {From: day("2020-01-25"), To: day("2020-01-25")},
	"nowhere":              {Locations: []string{"Nowhere"}},
	"PM2.5 and PM10 from":  {Types: []string{"pm25", "pm10"}, From: day("2020-02-01")},
	"Hyderabad PM2.5 till": {Locations: []string{"Hyderabad"}, Types: []string{"pm25"}, To: day("2020-01-09")},
	// Whole months come from compare_months, the days around them from comparison_days.
	"part, whole, part":    {From: day("2020-01-20"), To: day("2020-03-05")},
	"one whole month":      {From: day("2020-02-01"), To: day("2020-02-29")},
	"to a month's end":     {Types: []string{"pm25"}, From: day("2020-01-15"), To: day("2020-02-29")},
	"from a month's start": {Locations: []string{"Delhi"}, From: day("2020-02-01"), To: day("2020-03-03")},
	"till mid-month":       {To: day("2020-02-14")},
}

func TestCompareMetricsMatchIndependentComputation(t *testing.T) {
	db := dbtest.NewPool(t)
	d := compareFixture()
	d.load(t, db)
	ctx := context.Background()
	for name, v := range compareViews {
		for _, m := range queries.Matches {
			v.Sort, v.Page, v.Size = "date", 1, 10
			cv := queries.CompareView{View: v, Match: m}
			label := name + ", match=" + string(m)
			got, err := queries.Summarize(ctx, db, cv)
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			want := d.metrics(cv)
			if m == queries.MatchMissingActual || m == queries.MatchMissingPrediction {
				// These views list only days missing one side: nothing to measure.
				want = queries.Metrics{}
			}
			checkMetrics(t, label, got.Metrics, want)
			if n := int64(len(d.expected(cv))); got.Total != n {
				t.Errorf("%s: total = %d, want %d", label, got.Total, n)
			}
		}
	}
	// The fixture does exercise what it is meant to.
	all := d.metrics(queries.CompareView{Match: queries.MatchBoth})
	if all.MAPEN >= all.N || all.SkillN >= all.N || all.Hits == 0 || all.FalseAlarms == 0 || all.PoorActual == all.Hits || all.BandN >= all.N {
		t.Fatalf("fixture too tame: %+v", all)
	}
}

func TestCompareMetricsNeverDivideByZero(t *testing.T) {
	db := dbtest.NewPool(t)
	// A flat series: persistence is perfect (its MAE is 0), and every measurement is 0 (no MAPE).
	var h, p []queries.Row
	for i := range 4 {
		date := day("2021-03-01").AddDate(0, 0, i)
		h = append(h, queries.Row{Date: date, Location: "Flat", Type: "pm25", Value: 0})
		p = append(p, queries.Row{Date: date, Location: "Flat", Type: "pm25", Value: 1})
	}
	seed(t, db, queries.Historic, h...)
	seed(t, db, queries.Predictions, p...)
	s, err := queries.Summarize(context.Background(), db, queries.CompareView{View: queries.View{Sort: "date"}, Match: queries.MatchBoth})
	if err != nil {
		t.Fatal(err)
	}
	m := s.Metrics
	if m.N != 4 || m.MAPEN != 0 || m.MAPE != nil || m.SkillN != 3 || m.Skill != nil || m.PersistenceMAE == nil || *m.PersistenceMAE != 0 {
		t.Errorf("flat series: %+v", m)
	}
	if m.PoorActual != 0 || m.HitRate != nil || m.PoorPredicted != 0 || m.FalseAlarmRate != nil || m.BandAgreement == nil || *m.BandAgreement != 100 {
		t.Errorf("flat series bands: %+v", m)
	}
	// An empty database: every count 0, every figure NULL.
	empty := dbtest.NewPool(t)
	s, err = queries.Summarize(context.Background(), empty, queries.CompareView{View: queries.View{Sort: "date"}, Match: queries.MatchAll})
	if err != nil {
		t.Fatal(err)
	}
	for scale, pairs := range s.BandPairs {
		if *pairs != ([6][6]int64{}) {
			t.Errorf("empty: %s band pairs %v", scale, *pairs)
		}
	}
	s.BandPairs = nil
	if !reflect.DeepEqual(s, queries.CompareSummary{}) {
		t.Errorf("empty: %+v", s)
	}
}

func TestCompareRowsEachMatch(t *testing.T) {
	db := dbtest.NewPool(t)
	d := compareFixture()
	d.load(t, db)
	ctx := context.Background()
	for name, v := range compareViews {
		for _, m := range queries.Matches {
			v.Sort, v.Desc = "date", false
			cv := queries.CompareView{View: v, Match: m}
			label := name + ", match=" + string(m)
			var got []queries.CompareRow
			if err := queries.EachCompareRow(ctx, db, cv, func(r queries.CompareRow) error { got = append(got, r); return nil }); err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			want := d.expected(cv)
			if len(got) != len(want) {
				t.Errorf("%s: %d rows, want %d", label, len(got), len(want))
				continue
			}
			for i := range want {
				if !sameRow(got[i], want[i]) {
					t.Errorf("%s: row %d = %s, want %s", label, i, showRow(got[i]), showRow(want[i]))
					break
				}
			}
			for _, r := range got {
				hasA, hasP := r.Actual != nil, r.Predicted != nil
				if ok := map[queries.Match]bool{
					queries.MatchBoth: hasA && hasP, queries.MatchAll: hasA || hasP,
					queries.MatchMissingActual: !hasA && hasP, queries.MatchMissingPrediction: hasA && !hasP,
				}[m]; !ok {
					t.Errorf("%s: row %s does not belong", label, showRow(r))
				}
			}
		}
	}
	// The zero measurement has an error but no percentage error.
	rows, err := queries.CompareRows(ctx, db, queries.CompareView{
		View:  queries.View{Locations: []string{"Hyderabad"}, From: day("2020-01-03"), To: day("2020-01-03"), Sort: "date", Page: 1, Size: 5},
		Match: queries.MatchBoth,
	})
	if err != nil || len(rows) != 1 || rows[0].Error == nil || *rows[0].Error != 4.5 || rows[0].PctError != nil {
		t.Fatalf("zero measurement: %v %v", rows, err)
	}
}

func sameRow(a, b queries.CompareRow) bool {
	return a.Date.Equal(b.Date) && a.Location == b.Location && a.Type == b.Type &&
		sameFloat(a.Actual, b.Actual) && sameFloat(a.Predicted, b.Predicted) && sameFloat(a.Error, b.Error) &&
		sameFloat(a.AbsError, b.AbsError) && sameFloat(a.PctError, b.PctError)
}

func showRow(r queries.CompareRow) string {
	return fmt.Sprintf("%s %s %s a=%s p=%s e=%s pct=%s", r.Date.Format(time.DateOnly), r.Location, r.Type,
		fmtOpt(r.Actual), fmtOpt(r.Predicted), fmtOpt(r.Error), fmtOpt(r.PctError))
}

// sortValue picks a row's number for a sort key.
func sortValue(r queries.CompareRow, key string) *float64 {
	return map[string]*float64{"actual": r.Actual, "predicted": r.Predicted, "error": r.Error, "abs_error": r.AbsError, "pct_error": r.PctError}[key]
}

func TestCompareSortNullsLastAndPaging(t *testing.T) {
	db := dbtest.NewPool(t)
	d := compareFixture()
	d.load(t, db)
	ctx := context.Background()
	for _, key := range []string{"actual", "predicted", "error", "abs_error", "pct_error"} {
		for _, desc := range []bool{false, true} {
			cv := queries.CompareView{View: queries.View{Sort: key, Desc: desc}, Match: queries.MatchAll}
			label := fmt.Sprintf("sort=%s desc=%v", key, desc)
			want := d.expected(cv)
			slices.SortFunc(want, func(x, y queries.CompareRow) int {
				xv, yv := sortValue(x, key), sortValue(y, key)
				// NULLs last, whichever the direction.
				if xv == nil || yv == nil {
					switch {
					case xv == nil && yv != nil:
						return 1
					case xv != nil && yv == nil:
						return -1
					}
				}
				c := 0
				if xv != nil {
					c = cmp.Compare(*xv, *yv)
				}
				c = cmp.Or(c, strings.Compare(x.Location, y.Location), strings.Compare(x.Type, y.Type), x.Date.Compare(y.Date))
				if desc {
					return -c
				}
				return c
			})
			// Page through it 7 rows at a time: the pages, joined, are the whole order.
			var got []queries.CompareRow
			for page := 1; ; page++ {
				cv.Page, cv.Size = page, 7
				rows, err := queries.CompareRows(ctx, db, cv)
				if err != nil {
					t.Fatalf("%s: %v", label, err)
				}
				got = append(got, rows...)
				if len(rows) < 7 {
					break
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d rows, want %d", label, len(got), len(want))
			}
			nulls := 0
			for i := range want {
				if !sameRow(got[i], want[i]) {
					t.Fatalf("%s: row %d = %s, want %s", label, i, showRow(got[i]), showRow(want[i]))
				}
				if sortValue(got[i], key) == nil {
					nulls++
				} else if nulls > 0 {
					t.Fatalf("%s: a number after a NULL at row %d", label, i)
				}
			}
			if nulls == 0 {
				t.Fatalf("%s: the fixture has no NULLs to sort", label)
			}
		}
	}
}

func TestCompareQueries(t *testing.T) {
	// Every sort key builds, with $ placeholders; anything else is refused.
	for _, key := range (queries.Comparison{}).SortKeys() {
		for _, m := range queries.Matches {
			q, err := queries.CompareRowsQuery(queries.CompareView{View: queries.View{Locations: []string{"Hyderabad"}, Sort: key, Size: 5}, Match: m})
			if err != nil {
				t.Fatalf("sort %s match %s: %v", key, m, err)
			}
			sql, args, err := q.ToSql()
			if err != nil || strings.Contains(sql, "?") || !strings.Contains(sql, "location = $3") || len(args) != 3 {
				t.Fatalf("sort %s match %s: %s %v %v", key, m, sql, args, err)
			}
		}
	}
	for _, bad := range []string{"", "value", "prediction", "abs_error; DROP TABLE x", "Error"} {
		if (queries.Comparison{}).ValidSort(bad) {
			t.Errorf("ValidSort(%q)", bad)
		}
		if _, err := queries.CompareRowsQuery(queries.CompareView{View: queries.View{Sort: bad}, Match: queries.MatchBoth}); err == nil {
			t.Errorf("sort %q was accepted", bad)
		}
	}
	if _, err := queries.CompareRowsQuery(queries.CompareView{View: queries.View{Sort: "date"}, Match: "some"}); err == nil {
		t.Error("match some was accepted")
	}
	if _, err := queries.CompareSummaryQuery(queries.CompareView{View: queries.View{Sort: "date"}, Match: ""}); err == nil {
		t.Error("an empty match was accepted by the summary")
	}
	for _, m := range queries.Matches {
		if !m.Valid() {
			t.Errorf("%s is not valid", m)
		}
	}
	// The rows come from the comparison table, a match is a condition on its sides, and a sort by a
	// number reads that column's index (col DESC NULLS LAST, location DESC, type DESC, date DESC): forwards
	// when descending, backwards (NULLS FIRST) when ascending over days that have no NULLs to place.
	for _, c := range []struct {
		cv   queries.CompareView
		want string
	}{
		{queries.CompareView{View: queries.View{Types: []string{"pm25"}, Sort: "abs_error", Desc: true, Size: 25}, Match: queries.MatchAll},
			"FROM comparison WHERE lead = $1 AND model = $2 AND (type = $3) ORDER BY abs_error DESC NULLS LAST, location DESC, type DESC, date DESC LIMIT 25 OFFSET 0"},
		{queries.CompareView{View: queries.View{Sort: "abs_error", Size: 25}, Match: queries.MatchBoth},
			"FROM comparison WHERE lead = $1 AND model = $2 AND (actual IS NOT NULL AND predicted IS NOT NULL) ORDER BY abs_error ASC NULLS FIRST, location ASC, type ASC, date ASC LIMIT 25 OFFSET 0"},
		{queries.CompareView{View: queries.View{Sort: "abs_error", Size: 25}, Match: queries.MatchAll},
			"ORDER BY abs_error ASC NULLS LAST, location ASC"},
		{queries.CompareView{View: queries.View{Sort: "pct_error", Size: 25}, Match: queries.MatchBoth},
			"ORDER BY pct_error ASC NULLS LAST, location ASC"},
		{queries.CompareView{View: queries.View{Sort: "actual", Size: 25}, Match: queries.MatchMissingPrediction},
			"FROM comparison WHERE lead = $1 AND model = $2 AND predicted IS NULL ORDER BY actual ASC NULLS FIRST"},
		{queries.CompareView{View: queries.View{Sort: "date", Desc: true, Size: 25}, Match: queries.MatchMissingActual},
			"FROM comparison WHERE lead = $1 AND model = $2 AND actual IS NULL ORDER BY date DESC, location DESC, type DESC LIMIT 25"},
		// One series sorted by a number is read through the primary key and sorted, not found by walking
		// the number's index over every series.
		{queries.CompareView{View: queries.View{Locations: []string{"Agra"}, Types: []string{"pm25"}, Sort: "pct_error", Desc: true, Size: 25}, Match: queries.MatchBoth},
			"FROM (SELECT date, location, type, model, lead, actual, predicted, error, abs_error, pct_error FROM comparison WHERE lead = $1 AND model = $2 AND (location = $3 AND type = $4) AND (actual IS NOT NULL AND predicted IS NOT NULL) OFFSET 0) AS series ORDER BY pct_error DESC NULLS LAST, date DESC LIMIT 25"},
		// A view of a model at a lead filters on both: every index of the comparison starts with them.
		{queries.CompareView{View: queries.View{Sort: "date", Desc: true, Size: 25}, Match: queries.MatchAll, Model: "ses", Lead: 0},
			"FROM comparison WHERE lead = $1 AND model = $2 ORDER BY date DESC, location DESC, type DESC LIMIT 25"},
	} {
		q, err := queries.CompareRowsQuery(c.cv)
		if err != nil {
			t.Fatal(err)
		}
		sql, _, _ := q.ToSql()
		if !strings.Contains(sql, c.want) {
			t.Errorf("sql\n%s\nlacks\n%s", sql, c.want)
		}
	}
}
