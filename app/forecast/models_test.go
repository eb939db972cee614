package forecast

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// fkey names one forecast: model, issue date and lead.
type fkey struct {
	model, issued string
	lead          int
}

func (k fkey) String() string { return fmt.Sprintf("%s issued %s lead %d", k.model, k.issued, k.lead) }

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// longSeries makes about n days of random values from start on, with gaps of up to 9 days.
func longSeries(r *rand.Rand, start time.Time, n int) []Point {
	var out []Point
	d := start
	for i := 0; i < n; i++ {
		out = append(out, Point{d, float64(r.IntN(4000)) / 8})
		d = d.AddDate(0, 0, 1)
		if r.IntN(8) == 0 {
			d = d.AddDate(0, 0, r.IntN(9))
		}
	}
	return out
}

// byKey indexes forecasts by key, failing on a duplicate.
func byKey(t *testing.T, fs []Forecast) map[fkey]float64 {
	t.Helper()
	m := make(map[fkey]float64, len(fs))
	for _, f := range fs {
		k := fkey{f.Model, f.Issued.Format(time.DateOnly), f.Lead}
		if _, dup := m[k]; dup {
			t.Fatalf("two forecasts %s", k)
		}
		m[k] = f.Value
	}
	return m
}

// inEarlierWindow says whether day o lies within 7 days of T's month and day in some year before T's
// (29 February counting as 28 February in years without it).
func inEarlierWindow(o, T time.Time) bool {
	for y := min(T.Year()-1, o.Year()+1); y >= o.Year()-1; y-- {
		m, d := T.Month(), T.Day()
		if m == time.February && d == 29 && time.Date(y, 2, 29, 0, 0, 0, 0, time.UTC).Month() != time.February {
			d = 28
		}
		diff := o.Sub(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
		if diff >= -7*24*time.Hour && diff <= 7*24*time.Hour {
			return true
		}
	}
	return false
}

// reference computes the three models' forecasts with plain loops over the whole series, straight from
// the definitions in the doc comment of Models.
func reference(obs []Point) map[fkey]float64 {
	want := map[fkey]float64{}
	if len(obs) == 0 {
		return want
	}
	end := obs[len(obs)-1].Date.AddDate(0, 0, 10)
	for D := obs[0].Date.AddDate(0, 0, -3); !D.After(end); D = D.AddDate(0, 0, 1) {
		// An issue day is a measured day; the latest measurement it knows is its own.
		latest := -1
		for j := range obs {
			if obs[j].Date.Equal(D) {
				latest = j
			}
		}
		if latest < 0 {
			continue
		}
		level := 0.0
		for j := 0; j <= latest; j++ {
			if j == 0 {
				level = obs[j].Value
			} else {
				level = Alpha*obs[j].Value + (1-Alpha)*level
			}
		}
		issued := D.Format(time.DateOnly)
		for lead := 1; lead <= 3; lead++ {
			want[fkey{"ses", issued, lead}] = level
			want[fkey{"persistence", issued, lead}] = obs[latest].Value
			T := D.AddDate(0, 0, lead)
			sum, n := 0.0, 0
			for _, o := range obs {
				if inEarlierWindow(o.Date, T) {
					sum += o.Value
					n++
				}
			}
			if n > 0 {
				want[fkey{"climatology", issued, lead}] = sum / float64(n)
			}
		}
	}
	return want
}

func TestModelsList(t *testing.T) {
	var names []string
	for _, m := range Models() {
		names = append(names, m.Name)
		if !slices.Equal(m.Leads, []int{1, 2, 3}) {
			t.Errorf("%s leads %v, want [1 2 3]", m.Name, m.Leads)
		}
	}
	if !slices.Equal(names, []string{"ses", "persistence", "climatology"}) {
		t.Errorf("models %v", names)
	}
}

// TestAllMatchesReference checks every forecast of All against the plain loops of reference, on random
// series with gaps over several years (so climatology speaks), and the documented order of the output.
func TestAllMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 6; trial++ {
		obs := longSeries(r, date(2015+r.IntN(3), time.Month(1+r.IntN(12)), 1+r.IntN(28)), 300+r.IntN(800))
		got := All(obs)
		want := reference(obs)
		g := byKey(t, got)
		if len(g) != len(want) {
			t.Errorf("trial %d: %d forecasts, want %d", trial, len(g), len(want))
		}
		clim := 0
		for k, v := range want {
			if k.model == "climatology" {
				clim++
			}
			if gv, ok := g[k]; !ok {
				t.Fatalf("trial %d: missing %s", trial, k)
			} else if gv != v {
				t.Fatalf("trial %d: %s = %v, want %v", trial, k, gv, v)
			}
		}
		if clim == 0 {
			t.Fatalf("trial %d: the reference has no climatology forecast: the test is too weak", trial)
		}
		// Order: model by model, then by issue date, then by lead.
		order := map[string]int{"ses": 0, "persistence": 1, "climatology": 2}
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			if order[a.Model] > order[b.Model] ||
				a.Model == b.Model && (a.Issued.After(b.Issued) || a.Issued.Equal(b.Issued) && a.Lead >= b.Lead) {
				t.Fatalf("trial %d: %v comes before %v", trial, a, b)
			}
		}
		// Each streams the same forecasts, and stops when asked.
		var streamed []Forecast
		for f := range Each(obs) {
			streamed = append(streamed, f)
		}
		if !slices.Equal(streamed, got) {
			t.Fatalf("trial %d: Each and All differ", trial)
		}
		n := 0
		for range Each(obs) {
			n++
			if n == 5 {
				break
			}
		}
		if n != 5 {
			t.Fatalf("trial %d: breaking out of Each after 5 gave %d", trial, n)
		}
	}
}

// TestNoPeekingAllModels changes, removes or adds the measurement of a day X and checks that no forecast
// of any model and lead issued before X changes, appears or disappears, while forecasts issued on X do
// move.
func TestNoPeekingAllModels(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 20; trial++ {
		obs := longSeries(r, date(2016, time.Month(1+r.IntN(12)), 1+r.IntN(28)), 500+r.IntN(700))
		before := All(obs)
		for x := 0; x < 6; x++ {
			var changed []Point
			var X time.Time
			what := ""
			switch x % 3 {
			case 0: // change a value
				k := r.IntN(len(obs))
				X, what = obs[k].Date, "changing"
				changed = slices.Clone(obs)
				changed[k].Value += 1 + r.Float64()*100
			case 1: // remove a measurement
				k := r.IntN(len(obs))
				X, what = obs[k].Date, "removing"
				changed = slices.Delete(slices.Clone(obs), k, k+1)
			case 2: // add one on a day without one, possibly after the end
				for {
					X = obs[0].Date.AddDate(0, 0, r.IntN(int(obs[len(obs)-1].Date.Sub(obs[0].Date)/(24*time.Hour))+6))
					if !slices.ContainsFunc(obs, func(p Point) bool { return p.Date.Equal(X) }) {
						break
					}
				}
				what = "adding"
				changed = append(slices.Clone(obs), Point{X, 1234.5})
				slices.SortFunc(changed, func(a, b Point) int { return a.Date.Compare(b.Date) })
			}
			after := All(changed)
			early := func(fs []Forecast) []Forecast {
				var out []Forecast
				for _, f := range fs {
					if f.Issued.Before(X) {
						out = append(out, f)
					}
				}
				return out
			}
			b, a := byKey(t, early(before)), byKey(t, early(after))
			if len(b) != len(a) {
				t.Fatalf("trial %d: %s %s: %d forecasts issued before it, then %d", trial, what, X.Format(time.DateOnly), len(b), len(a))
			}
			for k, v := range b {
				if av, ok := a[k]; !ok || av != v {
					t.Fatalf("trial %d: %s %s changed %s from %v to %v (present %v)", trial, what, X.Format(time.DateOnly), k, v, av, ok)
				}
			}
			// The test has teeth: what is issued on X sees the change.
			if what != "removing" {
				got := byKey(t, after)
				k := fkey{"persistence", X.Format(time.DateOnly), 1}
				want := 1234.5
				if what == "changing" {
					want = changed[slices.IndexFunc(changed, func(p Point) bool { return p.Date.Equal(X) })].Value
				}
				if got[k] != want {
					t.Fatalf("trial %d: after %s %s, %s = %v, want %v", trial, what, X.Format(time.DateOnly), k, got[k], want)
				}
			}
		}
	}
}

// TestSesIsSmooth checks that for every day, the ses forecast of the shortest lead (issued on the latest
// measured day before it) is Smooth's prediction of that day, and that ses forecasts exactly the days
// Smooth predicts.
func TestSesIsSmooth(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 200; trial++ {
		obs := series(r, 1+r.IntN(80))
		ses := map[string]Forecast{} // by target day, the shortest lead
		for f := range Models()[0].Forecasts(obs) {
			k := f.Date.Format(time.DateOnly)
			if g, ok := ses[k]; !ok || f.Lead < g.Lead {
				ses[k] = f
			}
		}
		smooth := Smooth(obs, Alpha)
		for _, p := range smooth {
			f, ok := ses[p.Date.Format(time.DateOnly)]
			if !ok || f.Value != p.Value || !f.Date.Equal(p.Date) {
				t.Fatalf("trial %d: Smooth predicts %s %v, ses's shortest lead has %v (%v)", trial, p.Date.Format(time.DateOnly), p.Value, f, ok)
			}
		}
		// Smooth stops at the day after the last measurement; the last run also predicts the two after.
		if len(ses) != len(smooth)+2 {
			t.Fatalf("trial %d: ses forecasts %d days, Smooth predicts %d", trial, len(ses), len(smooth))
		}
		last := obs[len(obs)-1].Date
		for _, f := range ses {
			if f.Issued.After(last) {
				t.Fatalf("trial %d: %v issued after the last measurement %s", trial, f, last.Format(time.DateOnly))
			}
			if !slices.ContainsFunc(smooth, func(p Point) bool { return p.Date.Equal(f.Date) }) && !f.Date.After(last.AddDate(0, 0, 1)) {
				t.Fatalf("trial %d: ses forecasts %v, a day Smooth does not predict", trial, f)
			}
		}
	}
}

// TestLeads checks Date − Issued = Lead, the set of leads, and that every model issues on measured days
// only.
func TestLeads(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	obs := longSeries(r, date(2017, 3, 1), 1200)
	leads := map[string]map[int]bool{}
	for _, f := range All(obs) {
		if f.Issued.Location() != time.UTC || f.Date.Location() != time.UTC || f.Issued.Hour() != 0 {
			t.Fatalf("%v: not midnight UTC", f)
		}
		if f.Date.Sub(f.Issued) != time.Duration(f.Lead)*24*time.Hour {
			t.Fatalf("%v: Date − Issued is not Lead days", f)
		}
		if leads[f.Model] == nil {
			leads[f.Model] = map[int]bool{}
		}
		leads[f.Model][f.Lead] = true
		if !slices.ContainsFunc(obs, func(p Point) bool { return p.Date.Equal(f.Issued) }) {
			t.Fatalf("%v: issued on a day without a measurement", f)
		}
	}
	for _, m := range []string{"ses", "persistence", "climatology"} {
		if len(leads[m]) != 3 || !leads[m][1] || !leads[m][2] || !leads[m][3] {
			t.Errorf("%s leads %v, want exactly 1, 2, 3", m, leads[m])
		}
	}
	// Leads outside 1..MaxLead are ignored; others are honoured in the given order.
	m := Models()[1]
	m.Leads = []int{7, 0, -1, MaxLead + 1, 2}
	var got []int
	for f := range m.Forecasts(obs[:1]) {
		got = append(got, f.Lead)
	}
	if !slices.Equal(got, []int{7, 2}) { // issued on the measured day only
		t.Errorf("leads %v", got)
	}
}

// TestHandChecked checks ses and persistence on a tiny series with gaps, worked out by hand.
func TestHandChecked(t *testing.T) {
	d := func(day int) time.Time { return date(2020, 1, day) }
	obs := []Point{{d(1), 10}, {d(2), 20}, {d(4), 40}, {d(10), 0}}
	// Issue days: the measured days 1, 2, 4 and 10, none after the last.
	level := map[int]float64{1: 10, 2: 15, 4: 27.5, 10: 13.75}
	last := map[int]float64{1: 10, 2: 20, 4: 40, 10: 0}
	want := map[fkey]float64{}
	for day, v := range level {
		for lead := 1; lead <= 3; lead++ {
			want[fkey{"ses", d(day).Format(time.DateOnly), lead}] = v
			want[fkey{"persistence", d(day).Format(time.DateOnly), lead}] = last[day]
		}
	}
	checkForecasts(t, All(obs), want)
}

// TestClimatologyHandChecked checks climatology's window across a year end, around 29 February, over two
// earlier years, and its silence without an earlier year.
func TestClimatologyHandChecked(t *testing.T) {
	cases := []struct {
		name string
		obs  []Point
		want map[string][3]float64 // issue date: leads 1, 2, 3
	}{{
		name: "year end",
		obs: []Point{{date(2019, 12, 22), 8}, {date(2019, 12, 28), 10}, {date(2020, 1, 3), 20},
			{date(2020, 1, 7), 60}, {date(2020, 12, 29), 100}},
		// T = 30 Dec 2020: window 23 Dec 2019 – 6 Jan 2020 holds 10 and 20; from 31 Dec on, 7 Jan too.
		want: map[string][3]float64{"2020-12-29": {15, 30, 30}},
	}, {
		name: "leap day in the earlier year",
		obs:  []Point{{date(2020, 2, 21), 10}, {date(2020, 2, 29), 50}, {date(2020, 3, 7), 30}, {date(2021, 2, 27), 1}},
		// T = 28 Feb 2021: 21 Feb – 6 Mar 2020 holds 10 and 50; T = 1 Mar: 23 Feb – 8 Mar holds 50 and 30.
		want: map[string][3]float64{"2021-02-27": {30, 40, 40}},
	}, {
		name: "29 February as a target",
		obs:  []Point{{date(2023, 2, 21), 10}, {date(2023, 3, 7), 30}, {date(2023, 3, 8), 70}, {date(2024, 2, 28), 1}},
		// T = 29 Feb 2024 uses 28 Feb 2023: 21 Feb – 7 Mar holds 10 and 30; T = 1 Mar: 22 Feb – 8 Mar.
		want: map[string][3]float64{"2024-02-28": {20, 50, 50}},
	}, {
		name: "two earlier years",
		obs:  []Point{{date(2019, 6, 10), 10}, {date(2020, 6, 12), 30}, {date(2021, 6, 9), 5}},
		// T = 10 Jun 2021: 10 (k=2) and 30 (k=1); issued 2020-06-12, only 10. Issued in 2019: silent.
		want: map[string][3]float64{"2020-06-12": {10, 10, 10}, "2021-06-09": {20, 20, 20}},
	}, {
		name: "window of the year before reaching into the target's year",
		obs:  []Point{{date(2021, 1, 1), 7}, {date(2021, 12, 22), 1}},
		// T = 25 Dec 2021: 18 Dec 2020 – 1 Jan 2021 holds 1 Jan 2021 (358 days before T); T = 24 Dec: not.
		want: map[string][3]float64{"2021-12-22": {0, 0, 7}},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := map[fkey]float64{}
			for issued, vs := range c.want {
				for i, v := range vs {
					if v != 0 {
						want[fkey{"climatology", issued, i + 1}] = v
					}
				}
			}
			var got []Forecast
			for f := range Models()[2].Forecasts(c.obs) {
				got = append(got, f)
			}
			checkForecasts(t, got, want)
		})
	}
	// Silent without an earlier year: 349 days of daily data give no climatology at all.
	var year []Point
	for d := date(2021, 1, 1); d.Before(date(2021, 12, 16)); d = d.AddDate(0, 0, 1) {
		year = append(year, Point{d, 1})
	}
	for f := range Models()[2].Forecasts(year) {
		t.Fatalf("climatology spoke without an earlier year: %v", f)
	}
}

func checkForecasts(t *testing.T, got []Forecast, want map[fkey]float64) {
	t.Helper()
	g := byKey(t, got)
	for k, v := range want {
		if gv, ok := g[k]; !ok || gv != v {
			t.Errorf("%s = %v (present %v), want %v", k, gv, ok, v)
		}
	}
	for k, v := range g {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %s = %v", k, v)
		}
	}
}

// fiveYears is a daily series of five years with a gap now and then.
func fiveYears() []Point {
	r := rand.New(rand.NewPCG(11, 12))
	var obs []Point
	for d := date(2015, 1, 1); d.Before(date(2020, 1, 1)); d = d.AddDate(0, 0, 1) {
		if r.IntN(20) != 0 {
			obs = append(obs, Point{d, r.Float64() * 300})
		}
	}
	return obs
}

func BenchmarkAll(b *testing.B) {
	obs := fiveYears()
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		n = len(All(obs))
	}
	b.ReportMetric(float64(n), "forecasts/op")
}

func BenchmarkEach(b *testing.B) {
	obs := fiveYears()
	b.ReportAllocs()
	for b.Loop() {
		for f := range Each(obs) {
			_ = f
		}
	}
}
