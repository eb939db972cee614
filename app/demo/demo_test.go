package demo

import (
	"testing"
	"time"

	"github.com/aqdash/aqdash/queries"
)

// upTo is the measurements of rows dated on or before cut.
func upTo(rows []queries.ImportRow, cut time.Time) []queries.ImportRow {
	var out []queries.ImportRow
	for _, r := range rows {
		if !r.Date.After(cut) {
			out = append(out, r)
		}
	}
	return out
}

// issuedBy is the next prediction of src issued on or before cut (date − lead ≤ cut).
func issuedBy(src *PredictionSource, cut time.Time) (queries.ImportRow, bool) {
	for src.Next() {
		r := src.Row()
		if !r.Date.AddDate(0, 0, -r.Lead).After(cut) {
			return r, true
		}
	}
	return queries.ImportRow{}, false
}

// TestPredictionsNoPeeking: on the real CPCB data, every prediction the loader writes, of every model at
// every lead, is made from the measurements up to its issue day only. For several cut days X, the
// predictions issued on or before X are computed again from the measurements up to X alone: they must
// be the same predictions (the same keys, in the same order) with the same values. So no later
// measurement, nor whether there is one, moves a forecast or decides whether it is made.
func TestPredictionsNoPeeking(t *testing.T) {
	measured, err := readMeasurements()
	if err != nil {
		t.Fatal(err)
	}
	cuts := []string{"2015-06-30", "2017-01-01", "2018-12-30", "2020-03-24"}
	for _, c := range cuts {
		cut, _ := time.Parse(time.DateOnly, c)
		full, past := Predictions(measured), Predictions(upTo(measured, cut))
		seen := map[string]map[int]int64{}
		var n int64
		for {
			a, okA := issuedBy(full, cut)
			b, okB := issuedBy(past, cut)
			if okA != okB {
				t.Fatalf("cut %s: after %d equal predictions, only one run has more (all data: %v %+v; data up to the cut: %v %+v)", c, n, okA, a, okB, b)
			}
			if !okA {
				break
			}
			if a.Location != b.Location || a.Type != b.Type || !a.Date.Equal(b.Date) || a.Model != b.Model || a.Lead != b.Lead {
				t.Fatalf("cut %s: prediction %d is %+v with all data, %+v with the data up to the cut", c, n+1, a.Row, b.Row)
			}
			if a.Value != b.Value {
				t.Fatalf("cut %s: %s %s %s %s lead %d (issued %s) is %v with all data, %v with the data up to the cut",
					c, a.Location, a.Type, a.Date.Format(time.DateOnly), a.Model, a.Lead, a.Date.AddDate(0, 0, -a.Lead).Format(time.DateOnly), a.Value, b.Value)
			}
			if seen[a.Model] == nil {
				seen[a.Model] = map[int]int64{}
			}
			seen[a.Model][a.Lead]++
			n++
		}
		// The comparison covered every model at every lead, with plenty of rows each; except climatology
		// before the data's second year (it starts on 2015-01-01): silent without an earlier year.
		for _, m := range []string{"ses", "persistence", "climatology"} {
			for lead := 1; lead <= 3; lead++ {
				if m == "climatology" && cut.Year() == 2015 {
					if seen[m][lead] != 0 {
						t.Errorf("cut %s: %d predictions of climatology at lead %d in the data's first year", c, seen[m][lead], lead)
					}
					continue
				}
				if seen[m][lead] < 1000 {
					t.Errorf("cut %s: only %d predictions of %s at lead %d issued by the cut", c, seen[m][lead], m, lead)
				}
			}
		}
		t.Logf("cut %s: %d predictions issued by the cut are the same without the later data", c, n)
	}
}

// TestPredictionsShape: the demo's predictions are the three models at leads 1 to 3, keys unique, values
// finite and not negative, lines numbered from 1, and ses at lead 1 forecasts every measured series.
func TestPredictionsShape(t *testing.T) {
	measured, err := readMeasurements()
	if err != nil {
		t.Fatal(err)
	}
	type k struct {
		loc, typ, model string
		date            time.Time
		lead            int
	}
	seen := make(map[k]bool, 3_000_000)
	counts := map[string]int64{}
	series := map[[2]string]bool{}
	src := Predictions(measured)
	var line int64
	for src.Next() {
		r := src.Row()
		line++
		if r.Line != line {
			t.Fatalf("row %d numbered %d", line, r.Line)
		}
		key := k{r.Location, r.Type, r.Model, r.Date, r.Lead}
		if seen[key] {
			t.Fatalf("duplicate prediction %+v", key)
		}
		seen[key] = true
		if r.Lead < 1 || r.Lead > 3 {
			t.Fatalf("lead %d: %+v", r.Lead, r.Row)
		}
		if !(r.Value >= 0) {
			t.Fatalf("value %v: %+v", r.Value, r.Row)
		}
		counts[r.Model]++
		if r.Model == "ses" && r.Lead == 1 {
			series[[2]string{r.Location, r.Type}] = true
		}
	}
	if len(counts) != 3 || counts["ses"] == 0 || counts["persistence"] == 0 || counts["climatology"] == 0 {
		t.Fatalf("predictions by model: %v", counts)
	}
	// ses and persistence issue on the same days for the same leads; climatology is silent in a series'
	// first year.
	if counts["ses"] != counts["persistence"] || counts["climatology"] >= counts["ses"] {
		t.Errorf("predictions by model: %v", counts)
	}
	for _, m := range src.models {
		if m == 0 {
			t.Errorf("the source's counts %v", src.models)
		}
	}
	if src.models["ses"] != counts["ses"] {
		t.Errorf("the source counted %v, read %v", src.models, counts)
	}
	all := map[[2]string]bool{}
	for _, r := range measured {
		all[[2]string{r.Location, r.Type}] = true
	}
	if len(series) != len(all) {
		t.Errorf("ses lead 1 forecasts %d series of %d", len(series), len(all))
	}
	t.Logf("%d predictions: %v", line, counts)
}
