package demo

import (
	"math"
	"testing"
	"time"
)

// TestSyntheticSpreadsPredictions: n generated predictions are exactly n rows spread evenly over the two
// models × two leads, each predicted day of a series having all four, with unique keys; the error grows
// with the lead and is larger for the second model; measurements carry no model.
func TestSyntheticSpreadsPredictions(t *testing.T) {
	const n = 50_001 // not a multiple of 4: the last day is cut short
	src := newSeries(2, n, true)
	type key struct {
		loc, typ, model string
		date            time.Time
		lead            int
	}
	seen := map[key]bool{}
	byPair := map[[2]any]int{}
	perDay := map[[3]any]int{}
	var rows int64
	for src.Next() {
		r := src.Row()
		rows++
		if r.Line != rows {
			t.Fatalf("row %d numbered %d", rows, r.Line)
		}
		k := key{r.Location, r.Type, r.Model, r.Date, r.Lead}
		if seen[k] {
			t.Fatalf("duplicate key %+v", k)
		}
		seen[k] = true
		byPair[[2]any{r.Model, r.Lead}]++
		perDay[[3]any{r.Location, r.Type, r.Date}]++
		if r.Value < 0 || math.IsNaN(r.Value) {
			t.Fatalf("value %v", r.Value)
		}
	}
	if rows != n {
		t.Fatalf("%d rows, want %d", rows, n)
	}
	if len(byPair) != 4 {
		t.Fatalf("pairs %v, want 2 models × 2 leads", byPair)
	}
	for _, m := range SyntheticModels {
		for _, l := range SyntheticLeads {
			if c := byPair[[2]any{m, l}]; c < n/4 || c > n/4+1 {
				t.Errorf("%s lead %d: %d rows of %d", m, l, c, n)
			}
		}
	}
	short := 0
	for d, c := range perDay {
		if c != 4 {
			short++
			if c > 4 {
				t.Fatalf("%v has %d predictions", d, c)
			}
		}
	}
	if short > 1 {
		t.Errorf("%d days lack some of the four predictions; only the last may", short)
	}

	// The errors against the measurements: mean absolute relative error by model and lead.
	actual := map[[3]any]float64{}
	h := newSeries(2, 4*n, false)
	for h.Next() {
		r := h.Row()
		if r.Model != "" || r.Lead != 0 {
			t.Fatalf("a measurement with model %q lead %d", r.Model, r.Lead)
		}
		actual[[3]any{r.Location, r.Type, r.Date}] = r.Value
	}
	sum, cnt := map[[2]any]float64{}, map[[2]any]int{}
	p := newSeries(2, n, true)
	for p.Next() {
		r := p.Row()
		a, ok := actual[[3]any{r.Location, r.Type, r.Date}]
		if !ok || a == 0 {
			continue
		}
		sum[[2]any{r.Model, r.Lead}] += math.Abs(r.Value-a) / a
		cnt[[2]any{r.Model, r.Lead}]++
	}
	mare := func(m string, l int) float64 { return sum[[2]any{m, l}] / float64(cnt[[2]any{m, l}]) }
	a1, a2 := mare(SyntheticModels[0], 1), mare(SyntheticModels[0], 2)
	b1, b2 := mare(SyntheticModels[1], 1), mare(SyntheticModels[1], 2)
	if !(a1 < a2 && b1 < b2 && a1 < b1 && a2 < b2) {
		t.Errorf("relative errors: %s %.3f %.3f, %s %.3f %.3f: want growing with lead, larger for the second model", SyntheticModels[0], a1, a2, SyntheticModels[1], b1, b2)
	}
	if cnt[[2]any{SyntheticModels[0], 1}] < n/8 {
		t.Errorf("only %d predictions matched a measurement", cnt[[2]any{SyntheticModels[0], 1}])
	}
}
