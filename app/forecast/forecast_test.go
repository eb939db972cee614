package forecast

import (
	"math/rand/v2"
	"testing"
	"time"
)

// series makes n days of random values with some days missing.
func series(r *rand.Rand, n int) []Point {
	var out []Point
	d := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		d = d.Add(day)
		if r.IntN(10) == 0 {
			d = d.Add(time.Duration(r.IntN(6)) * day) // a gap, sometimes longer than MaxGap
		}
		out = append(out, Point{d, r.Float64() * 200})
	}
	return out
}

// TestNoPeeking changes one day's actual and checks that no prediction for that day or any earlier day
// moves: every prediction is made from earlier days only.
func TestNoPeeking(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		obs := series(r, 5+r.IntN(60))
		before := Smooth(obs, Alpha)
		k := r.IntN(len(obs))
		changed := append([]Point(nil), obs...)
		changed[k].Value += 1 + r.Float64()*100
		after := Smooth(changed, Alpha)
		if len(before) != len(after) {
			t.Fatalf("trial %d: %d predictions before, %d after changing one value", trial, len(before), len(after))
		}
		moved := false
		for i := range before {
			if !before[i].Date.Equal(after[i].Date) {
				t.Fatalf("trial %d: prediction dates changed", trial)
			}
			if before[i].Value != after[i].Value {
				if !before[i].Date.After(obs[k].Date) {
					t.Fatalf("trial %d: changing %s changed the prediction for %s", trial, obs[k].Date.Format(time.DateOnly), before[i].Date.Format(time.DateOnly))
				}
				moved = true
			}
		}
		// The change must show up later, unless nothing is predicted after it.
		if !moved && k < len(obs)-1 && before[len(before)-1].Date.After(obs[k].Date) {
			hasLater := false
			for _, p := range before {
				if p.Date.After(obs[k].Date) {
					hasLater = true
				}
			}
			if hasLater && obs[k+1].Date.Sub(obs[k].Date) <= MaxGap*day {
				t.Fatalf("trial %d: changing day %d moved no later prediction", trial, k)
			}
		}
	}
}

func TestSmoothValues(t *testing.T) {
	d := func(day int) time.Time { return time.Date(2020, 1, day, 0, 0, 0, 0, time.UTC) }
	obs := []Point{{d(1), 10}, {d(2), 20}, {d(4), 40}, {d(10), 0}}
	got := Smooth(obs, 0.5)
	want := []Point{
		{d(2), 10},     // level after day 1
		{d(3), 15},     // after day 2: 0.5*20 + 0.5*10
		{d(4), 15},     // day 3 missing: level unchanged
		{d(5), 27.5},   // after day 4: 0.5*40 + 0.5*15
		{d(6), 27.5},   // within MaxGap of day 4
		{d(7), 27.5},   // 3 days after day 4; days 8 and 9 are beyond MaxGap
		{d(11), 13.75}, // after day 10: 0.5*0 + 0.5*27.5; one day past the end
	}
	if len(got) != len(want) {
		t.Fatalf("got %d predictions %v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if !got[i].Date.Equal(want[i].Date) || got[i].Value != want[i].Value {
			t.Errorf("prediction %d = %s %v, want %s %v", i, got[i].Date.Format(time.DateOnly), got[i].Value, want[i].Date.Format(time.DateOnly), want[i].Value)
		}
	}
	if Smooth(nil, 0.5) != nil {
		t.Error("no observations should give no predictions")
	}
}
