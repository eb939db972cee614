package queries_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"

	"github.com/aqdash/aqdash/app/verify"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// accKey is one prediction's key: a series, a day, a model and a lead.
type accKey struct {
	loc, typ, model string
	lead            int
	date            time.Time
}

// accData is a random comparison fixture held in Go: measurements per series and day, predictions per
// model and lead.
type accData struct {
	actual    map[cmpKey]float64
	predicted map[accKey]float64
	pairs     [][2]any // (model, lead) with predictions
}

// accFixture makes 3 locations × 3 pollutants (two banded, one not) over 16 months, two models at two
// leads, with gaps on either side, zeros, and values across every band.
func accFixture(seed uint64) accData {
	r := rand.New(rand.NewPCG(seed, 7))
	d := accData{actual: map[cmpKey]float64{}, predicted: map[accKey]float64{}}
	d0 := day("2019-11-20")
	models := []string{"ses", "persistence"}
	leads := []int{1, 3}
	for _, m := range models {
		for _, l := range leads {
			d.pairs = append(d.pairs, [2]any{m, l})
		}
	}
	val := func(typ string) float64 {
		switch typ {
		case "pm25":
			return math.Round(r.Float64()*3000) / 10 // 0 .. 300
		case "pm10":
			return math.Round(r.Float64()*5000) / 10 // 0 .. 500
		}
		return float64(r.IntN(60))
	}
	for _, loc := range []string{"Delhi", "Patna", "Chennai"} {
		for _, typ := range []string{"pm25", "pm10", "no2"} {
			for i := range 480 {
				date := d0.AddDate(0, 0, i)
				if r.IntN(8) != 0 {
					v := val(typ)
					if r.IntN(40) == 0 {
						v = 0
					}
					d.actual[cmpKey{loc, typ, date}] = v
				}
				for _, m := range models {
					for _, l := range leads {
						if r.IntN(6) != 0 {
							d.predicted[accKey{loc, typ, m, l, date}] = val(typ)
						}
					}
				}
			}
		}
	}
	return d
}

func (d accData) load(t *testing.T, db queries.DB) {
	t.Helper()
	var h, p []queries.Row
	for k, v := range d.actual {
		h = append(h, queries.Row{Date: k.date, Location: k.loc, Type: k.typ, Value: v})
	}
	for k, v := range d.predicted {
		p = append(p, queries.Row{Date: k.date, Location: k.loc, Type: k.typ, Value: v, Model: k.model, Lead: k.lead})
	}
	seed(t, db, queries.Historic, h...)
	seed(t, db, queries.Predictions, p...)
}

// accWant is a group's figures worked out day by day.
type accWant struct {
	g              queries.AccuracyGroup
	abs, sq, err   float64
	sumA, sumP     float64
	pairs          [][2]float64
	pct            float64
	skillM, skillP float64
	refN           int64
	refM, refR     float64
	bands          verify.Matrix
	banded         int64
}

// expect works out a breakdown group by group with plain loops over the fixture.
func (d accData) expect(av queries.AccuracyView, scale string) map[string]*accWant {
	band := testBand
	if scale == "us_epa" {
		band = testBandEPA
	}
	out := map[string]*accWant{}
	keep := func(loc, typ string, date time.Time, model string, lead int) bool {
		return (len(av.Locations) == 0 || slices.Contains(av.Locations, loc)) &&
			(len(av.Types) == 0 || slices.Contains(av.Types, typ)) &&
			(len(av.Models) == 0 || slices.Contains(av.Models, model)) &&
			(len(av.Leads) == 0 || slices.Contains(av.Leads, lead)) &&
			(av.From.IsZero() || !date.Before(av.From)) && (av.To.IsZero() || !date.After(av.To))
	}
	groupOf := func(loc, typ, model string, lead int, date time.Time) (*accWant, string) {
		g := queries.AccuracyGroup{}
		var parts []string
		for _, b := range av.By {
			switch b {
			case "location":
				g.Location = loc
			case "type":
				g.Type = typ
			case "model":
				g.Model = model
			case "lead":
				g.Lead = lead
			case "year":
				g.Year = date.Year()
			case "month":
				g.Month = int(date.Month())
			case "season":
				g.Season = queries.SeasonOf(int(date.Month()))
			}
			parts = append(parts, g.Key(b))
		}
		k := strings.Join(parts, "/")
		if out[k] == nil {
			out[k] = &accWant{g: g}
		}
		return out[k], k
	}
	// Every comparison row: each pair × each day that has a measurement or that pair's prediction.
	days := map[cmpKey]bool{}
	for k := range d.actual {
		days[k] = true
	}
	for k := range d.predicted {
		days[cmpKey{k.loc, k.typ, k.date}] = true
	}
	for k := range days {
		for _, pr := range d.pairs {
			model, lead := pr[0].(string), pr[1].(int)
			if !keep(k.loc, k.typ, k.date, model, lead) {
				continue
			}
			a, hasA := d.actual[k]
			p, hasP := d.predicted[accKey{k.loc, k.typ, model, lead, k.date}]
			if !hasA && !hasP {
				continue
			}
			w, _ := groupOf(k.loc, k.typ, model, lead, k.date)
			if !hasA || !hasP {
				continue
			}
			e := p - a
			w.g.N++
			w.abs += math.Abs(e)
			w.sq += e * e
			w.err += e
			w.sumA += a
			w.sumP += p
			w.pairs = append(w.pairs, [2]float64{a, p})
			if a > 0 {
				w.g.MAPEN++
				w.pct += 100 * math.Abs(e) / a
			}
			if prev, ok := d.actual[cmpKey{k.loc, k.typ, k.date.AddDate(0, 0, -max(lead, 1))}]; ok {
				w.g.SkillN++
				w.skillM += math.Abs(e)
				w.skillP += math.Abs(prev - a)
			}
			if ab, pb := band(k.typ, a), band(k.typ, p); ab >= 0 {
				w.bands[ab][pb]++
				w.banded++
			}
			if av.Ref != "" {
				if rp, ok := d.predicted[accKey{k.loc, k.typ, av.Ref, lead, k.date}]; ok {
					w.refN++
					w.refM += math.Abs(e)
					w.refR += math.Abs(rp - a)
				}
			}
		}
	}
	for k, w := range out {
		if w.g.N == 0 {
			delete(out, k)
		}
	}
	return out
}

func checkGroup(t *testing.T, label string, got queries.AccuracyGroup, w *accWant, level int) {
	t.Helper()
	f := func(x float64) *float64 { return &x }
	div := func(a, b float64) *float64 {
		if b == 0 {
			return nil
		}
		return f(a / b)
	}
	n := float64(w.g.N)
	var r *float64
	ma, mp := w.sumA/n, w.sumP/n
	var cov, va, vp float64
	for _, pr := range w.pairs {
		cov += (pr[0] - ma) * (pr[1] - mp)
		va += (pr[0] - ma) * (pr[0] - ma)
		vp += (pr[1] - mp) * (pr[1] - mp)
	}
	if len(w.pairs) >= 2 && va > 0 && vp > 0 {
		r = f(cov / math.Sqrt(va*vp))
	}
	var skill, skillRef *float64
	if w.g.SkillN > 0 && w.skillP > 0 {
		skill = f(1 - w.skillM/w.skillP)
	}
	if w.refN > 0 && w.refR > 0 {
		skillRef = f(1 - w.refM/w.refR)
	}
	for _, c := range []struct {
		name      string
		got, want *float64
	}{
		{"mae", got.MAE, f(w.abs / n)}, {"rmse", got.RMSE, f(math.Sqrt(w.sq / n))}, {"bias", got.Bias, f(w.err / n)},
		{"nmb", got.NMB, div(100*w.err, w.sumA)}, {"nme", got.NME, div(100*w.abs, w.sumA)},
		{"mape", got.MAPE, div(w.pct, float64(w.g.MAPEN))}, {"skill_persistence", got.Skill, skill}, {"skill_ref", got.SkillRef, skillRef},
	} {
		if !sameFloat(c.got, c.want) {
			t.Errorf("%s: %s = %s, want %s", label, c.name, fmtOpt(c.got), fmtOpt(c.want))
		}
	}
	if (got.R == nil) != (r == nil) || got.R != nil && math.Abs(*got.R-*r) > 1e-7 {
		t.Errorf("%s: r = %s, want %s", label, fmtOpt(got.R), fmtOpt(r))
	}
	if got.N != w.g.N || got.MAPEN != w.g.MAPEN || got.SkillN != w.g.SkillN || got.RefN != w.refN {
		t.Errorf("%s: n %d mape_n %d skill_n %d ref_n %d, want %d %d %d %d", label,
			got.N, got.MAPEN, got.SkillN, got.RefN, w.g.N, w.g.MAPEN, w.g.SkillN, w.refN)
	}
	// The breakdown sums the days with both sides only (AccuracyQuery): no measured-day counts.
	if got.ActualN != 0 || got.WHODays != 0 {
		t.Errorf("%s: actual_n %d who_days %d, want 0 (a breakdown reads paired days only)", label, got.ActualN, got.WHODays)
	}
	// The threshold's table, counted day by day from the matrix's cells.
	if w.banded == 0 {
		if got.Contingency != nil {
			t.Errorf("%s: contingency %+v for a group without banded days", label, *got.Contingency)
		}
		return
	}
	var a, b, c, dd int64
	for x := range verify.Levels {
		for y := range verify.Levels {
			k := w.bands[x][y]
			switch {
			case x >= level && y >= level:
				a += k
			case y >= level:
				b += k
			case x >= level:
				c += k
			default:
				dd += k
			}
		}
	}
	if got.Contingency == nil || *got.Contingency != (verify.Contingency{Hits: a, FalseAlarms: b, Misses: c, CorrectNegatives: dd}) {
		t.Errorf("%s: contingency %+v, want a=%d b=%d c=%d d=%d", label, got.Contingency, a, b, c, dd)
	}
}

func TestAccuracyMatchesLoops(t *testing.T) {
	db := dbtest.NewPool(t)
	d := accFixture(1)
	d.load(t, db)
	ctx := context.Background()
	views := []queries.AccuracyView{}
	for _, b := range queries.AccuracyBys {
		views = append(views, queries.AccuracyView{By: []string{b}})
	}
	views = append(views,
		queries.AccuracyView{By: []string{"location", "model"}},
		queries.AccuracyView{By: []string{"season", "lead"}, View: queries.View{Types: []string{"pm25"}}},
		queries.AccuracyView{By: []string{"month", "location"}, View: queries.View{Types: []string{"pm10"}}, Models: []string{"ses"}},
		// A date range cutting months at both ends: whole months from compare_months, the rest from days.
		queries.AccuracyView{By: []string{"location"}, View: queries.View{From: day("2020-01-17"), To: day("2020-09-03")}},
		queries.AccuracyView{By: []string{"year", "type"}, View: queries.View{From: day("2019-12-05"), To: day("2020-12-20")}, Leads: []int{3}},
		queries.AccuracyView{By: []string{"season"}, View: queries.View{Locations: []string{"Delhi"}, From: day("2020-02-10"), To: day("2020-02-20")}},
		queries.AccuracyView{By: []string{"model", "lead"}, Ref: "persistence", View: queries.View{Types: []string{"pm25"}}},
		queries.AccuracyView{By: []string{"location", "season"}, Ref: "ses", Models: []string{"persistence"}, View: queries.View{From: day("2020-03-15")}},
	)
	checked := 0
	for _, av := range views {
		for _, scale := range queries.BandScales {
			for level := 1; level <= 5; level++ {
				av.Scale, av.Threshold, av.Sort, av.Page = scale, level, av.By[0], 1
				page, err := queries.Accuracy(ctx, db, av)
				if err != nil {
					t.Fatalf("%v: %v", av.By, err)
				}
				want := d.expect(av, scale)
				label := fmt.Sprintf("by %v %v..%v types %v ref %q %s level %d", av.By, av.From.Format(time.DateOnly), av.To.Format(time.DateOnly), av.Types, av.Ref, scale, level)
				if int(page.Total) != len(want) || len(page.Groups) != len(want) {
					t.Fatalf("%s: %d groups (total %d), want %d", label, len(page.Groups), page.Total, len(want))
				}
				for _, g := range page.Groups {
					var parts []string
					for _, b := range av.By {
						parts = append(parts, g.Key(b))
					}
					w := want[strings.Join(parts, "/")]
					if w == nil {
						t.Fatalf("%s: unexpected group %v", label, parts)
					}
					checkGroup(t, label+" "+strings.Join(parts, "/"), g, w, level)
					checked++
				}
			}
		}
	}
	if checked < 500 {
		t.Fatalf("only %d groups checked", checked)
	}
}

// TestAccuracySortAndPage sorts a breakdown by every column, both ways, and checks the order: by the
// value, groups without one last, ties by the group keys ascending; and a page is its slice of it all.
func TestAccuracySortAndPage(t *testing.T) {
	db := dbtest.NewPool(t)
	d := accFixture(2)
	d.load(t, db)
	ctx := context.Background()
	ties, nils := 0, 0
	for _, by := range [][]string{{"location", "model"}, {"lead"}, {"season", "type"}} {
		av := queries.AccuracyView{By: by, Scale: "naqi", Threshold: 3, Ref: "persistence"}
		for _, key := range av.SortKeys() {
			for _, desc := range []bool{false, true} {
				av.Sort, av.Desc, av.Page, av.Size = key, desc, 1, 0
				all, err := queries.Accuracy(ctx, db, av)
				if err != nil {
					t.Fatal(err)
				}
				for i := 1; i < len(all.Groups); i++ {
					x, y := all.Groups[i-1], all.Groups[i]
					var c int
					if slices.Contains(by, key) {
						c = strings.Compare(x.Key(key), y.Key(key))
						if key == "lead" || key == "year" || key == "month" {
							c = cmp.Compare(x.Lead+x.Year+x.Month, y.Lead+y.Year+y.Month)
						}
						if key == "season" {
							c = cmp.Compare(slices.Index(queries.Seasons, x.Season), slices.Index(queries.Seasons, y.Season))
						}
						if desc {
							c = -c
						}
						if c > 0 {
							t.Errorf("by %v sort %s desc=%v: %s before %s", by, key, desc, x.Key(key), y.Key(key))
						}
						continue
					}
					a, b := x.Value(key), y.Value(key)
					switch {
					case a == nil && b != nil:
						t.Errorf("by %v sort %s desc=%v: a group without %s before one with", by, key, desc, key)
					case a == nil || b == nil:
						nils++
					case *a == *b:
						ties++
						for _, k := range by {
							kc := strings.Compare(x.Key(k), y.Key(k))
							if k == "lead" {
								kc = cmp.Compare(x.Lead, y.Lead)
							}
							if k == "season" {
								kc = cmp.Compare(slices.Index(queries.Seasons, x.Season), slices.Index(queries.Seasons, y.Season))
							}
							if kc > 0 {
								t.Errorf("by %v sort %s: tie at %v not in key order (%s after %s)", by, key, *a, y.Key(k), x.Key(k))
							}
							if kc != 0 {
								break
							}
						}
					case desc && *a < *b, !desc && *a > *b:
						t.Errorf("by %v sort %s desc=%v: %v before %v", by, key, desc, *a, *b)
					}
				}
				// Paging: page 2 of 3 is the slice.
				av.Page, av.Size = 2, 3
				p2, err := queries.Accuracy(ctx, db, av)
				if err != nil {
					t.Fatal(err)
				}
				if p2.Total != all.Total {
					t.Errorf("total %d on a page, %d in all", p2.Total, all.Total)
				}
				want := all.Groups[min(3, len(all.Groups)):min(6, len(all.Groups))]
				for i := range want {
					if groupID(p2.Groups[i], by) != groupID(want[i], by) {
						t.Errorf("by %v sort %s: page 2 row %d is %s, want %s", by, key, i, groupID(p2.Groups[i], by), groupID(want[i], by))
					}
				}
			}
		}
	}
	if ties == 0 || nils == 0 {
		t.Fatalf("the fixture has %d ties and %d missing figures: too tame to test ordering", ties, nils)
	}
}

func groupID(g queries.AccuracyGroup, by []string) string {
	var parts []string
	for _, b := range by {
		parts = append(parts, g.Key(b))
	}
	return strings.Join(parts, "/")
}

// TestAccuracyRefuses: bad bys, scales, thresholds and sorts are errors before any SQL.
func TestAccuracyRefuses(t *testing.T) {
	db := dbtest.NewPool(t)
	ctx := context.Background()
	for name, av := range map[string]queries.AccuracyView{
		"no by":        {Scale: "naqi", Threshold: 3, View: queries.View{Sort: "n"}},
		"three bys":    {By: []string{"location", "type", "model"}, Scale: "naqi", Threshold: 3, View: queries.View{Sort: "n"}},
		"unknown by":   {By: []string{"planet"}, Scale: "naqi", Threshold: 3, View: queries.View{Sort: "n"}},
		"scale":        {By: []string{"location"}, Scale: "aqi_mars", Threshold: 3, View: queries.View{Sort: "n"}},
		"threshold":    {By: []string{"location"}, Scale: "naqi", Threshold: 0, View: queries.View{Sort: "n"}},
		"sort":         {By: []string{"location"}, Scale: "naqi", Threshold: 3, View: queries.View{Sort: "model"}},
		"sort via SQL": {By: []string{"location"}, Scale: "naqi", Threshold: 3, View: queries.View{Sort: "n; DROP TABLE comparison"}},
	} {
		if _, err := queries.Accuracy(ctx, db, av); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestAccuracyDaysByKey checks that a breakdown which leaves the model or the lead open (by model, by
// lead) reads the partial months' days of one series through the comparison's (model, lead, type,
// location, date) key, lead and location included: naming only the model, it scanned the model's
// every day, past QUERY_TIMEOUT at 10M rows. The plan is asked with sequential scans off, as at 10M
// rows the planner would not choose one; what the test checks is that a keyed read exists.
func TestAccuracyDaysByKey(t *testing.T) {
	db := dbtest.NewPool(t)
	accFixture(1).load(t, db)
	ctx := context.Background()
	series := queries.View{Locations: []string{"Delhi"}, Types: []string{"pm25"}, From: day("2020-03-15"), To: day("2020-06-10")}
	type named struct {
		By []string
		q  sq.SelectBuilder
	}
	var qs []named
	for _, av := range []queries.AccuracyView{
		{By: []string{"lead"}, Models: []string{"ses"}},
		{By: []string{"model"}, Leads: []int{1}},
		{By: []string{"model", "lead"}},
	} {
		av.View, av.Scale, av.Threshold, av.Sort = series, "naqi", 3, av.By[0]
		q, err := queries.AccuracyQuery(av)
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, named{av.By, q})
	}
	// The comparison's "MAE by lead" strip: every lead of one model.
	qs = append(qs, named{[]string{"lead (compare)"}, queries.LeadMAEsQuery(queries.CompareView{View: series, Model: "ses", Lead: 1})})
	for _, av := range qs {
		sql, args, err := av.q.ToSql()
		if err != nil {
			t.Fatal(err)
		}
		conn, err := db.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		var plan []map[string]any
		err = conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+sql, args...).Scan(&plan)
		_, _ = conn.Exec(ctx, "RESET enable_seqscan")
		conn.Release()
		if err != nil {
			t.Fatal(err)
		}
		var scans []string
		var walk func(n map[string]any)
		walk = func(n map[string]any) {
			if n["Relation Name"] == "comparison" {
				cond, _ := n["Index Cond"].(string)
				scans = append(scans, fmt.Sprintf("%v %s", n["Node Type"], cond))
				if !strings.Contains(cond, "lead") || !strings.Contains(cond, "location") || !strings.Contains(cond, "date") {
					t.Errorf("by %v: the comparison's days are read by %v with index condition %q, want its key with lead, location and date", av.By, n["Node Type"], cond)
				}
			}
			kids, _ := n["Plans"].([]any)
			for _, k := range kids {
				walk(k.(map[string]any))
			}
		}
		walk(plan[0]["Plan"].(map[string]any))
		if len(scans) == 0 {
			t.Errorf("by %v: no read of the comparison's days in the plan of a range cutting months", av.By)
		}
	}
}
