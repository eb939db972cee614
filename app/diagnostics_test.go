package main

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/queries"
)

// fixturePairs works out, from compareFixture's own rules, Hyderabad PM2.5's days with both sides in
// [from, to] (zero: open).
func fixturePairs(from, to time.Time) []queries.Pair {
	var out []queries.Pair
	d0 := time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 60 {
		d := d0.AddDate(0, 0, i)
		if i >= 10 && i <= 12 || i == 30 || i == 31 || !from.IsZero() && d.Before(from) || !to.IsZero() && d.After(to) {
			continue
		}
		a := 40 + float64(i%10)*3
		if i >= 18 && i <= 22 {
			a = 95 + float64(i)
		}
		if i == 5 {
			a = 0
		}
		out = append(out, queries.Pair{Actual: a, Predicted: 45 + float64(i%7)*4})
	}
	return out
}

// expectedSummary is the summary the dashboard must show for pairs, worked out by plain loops.
func expectedSummary(pairs []queries.Pair) string {
	over, under, within, measured := 0, 0, 0, 0
	sum := 0.0
	for _, p := range pairs {
		e := p.Predicted - p.Actual
		sum += e
		if e > 0 {
			over++
		} else if e < 0 {
			under++
		}
		if p.Actual > 0 {
			measured++
			if r := p.Predicted / p.Actual; r >= 0.5 && r <= 2 {
				within++
			}
		}
	}
	mean := sum / float64(len(pairs))
	sign := "+"
	dir := "over-predicts"
	if mean < 0 {
		sign, dir = "−", "under-predicts"
	}
	return fmt.Sprintf("%d days with both a measurement and a prediction: over-predicted on %d days, under-predicted on %d days. "+
		"%.0f %% of the days measured above 0 are predicted within a factor of 2 (%d of %d). Mean error %s%.2f µg/m³: the model %s on average.",
		len(pairs), over, under, 100*float64(within)/float64(measured), within, measured, sign, math.Abs(mean), dir)
}

// TestDashboardDiagnostics: the dashboard of one series shows both diagnostic plots below the metrics,
// each an SVG with its title and description, and a text summary whose figures plain loops over the
// fixture agree with, in the page and in the htmx fragment alike, following the date range; a view of
// several series, of days missing a side, or of a series without predictions shows none.
func TestDashboardDiagnostics(t *testing.T) {
	h, p := compareFixture()
	ts := newTestServer(t, h, p)
	for _, c := range []struct {
		target   string
		from, to time.Time
	}{
		{"/?location=Hyderabad&type=pm25", time.Time{}, time.Time{}},
		{"/", time.Time{}, time.Time{}}, // the dashboard's default series is Hyderabad PM2.5
		{"/?location=Hyderabad&type=pm25&from=2020-03-15&to=2020-04-10", time.Date(2020, 3, 15, 0, 0, 0, 0, time.UTC), time.Date(2020, 4, 10, 0, 0, 0, 0, time.UTC)},
	} {
		for _, headers := range [][]string{nil, {"HX-Request", "true"}} {
			label := fmt.Sprintf("%s %v", c.target, headers)
			resp, body := ts.get(t, c.target, headers...)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d", label, resp.StatusCode)
			}
			if n := strings.Count(body, `<svg class="diag-svg"`); n != 2 {
				t.Errorf("%s: %d diagnostic SVGs, want 2", label, n)
			}
			for _, want := range []string{
				`<title id="diag-scatter-title">Hyderabad · PM2.5: predicted against measured, density of days</title>`,
				`<desc id="diag-scatter-desc">Density scatter of Hyderabad · PM2.5:`,
				`<title id="diag-hist-title">Hyderabad · PM2.5: histogram of the errors (predicted − measured)</title>`,
				`<desc id="diag-hist-desc">Histogram of the errors, predicted − measured, of `,
				`aria-labelledby="diag-scatter-title diag-scatter-desc"`, `aria-labelledby="diag-hist-title diag-hist-desc"`,
				"Diagnostic plots: Hyderabad · PM2.5, model default at 1 day ahead",
				`<p class="diag-summary">` + expectedSummary(fixturePairs(c.from, c.to)) + `</p>`,
				`class="one-to-one"`, `class="factor-2"`, `class="band-edge"`, `class="band-strip aqi-0"`, `<path class="cell shade-`, `<path class="bars"`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("%s lacks %q", label, want)
				}
			}
			// Below the metrics, in the same swap; no inline style (the CSP forbids it), no script.
			if m, d := strings.Index(body, `class="metrics"`), strings.Index(body, `class="diagnostics"`); m < 0 || d < m {
				t.Errorf("%s: the plots are not below the metrics (%d, %d)", label, m, d)
			}
			section := body[strings.Index(body, `<section class="diagnostics"`):]
			section = section[:strings.Index(section, "</section>")]
			if strings.Contains(section, "style=") || strings.Contains(section, "<script") || strings.Contains(section, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(section) {
				t.Errorf("%s: inline style or script in the plots", label)
			}
		}
	}
	// The band edges drawn are those inside the axes (the fixture's values reach 117: the axes end at 150).
	_, body := ts.get(t, "/?location=Hyderabad&type=pm25")
	if !strings.Contains(body, "India NAQI band edges (30, 60, 90 and 120 µg/m³)") {
		t.Errorf("the band edges are not listed: %s", grab(body, "diag-key"))
	}

	for _, target := range []string{
		"/?location=Hyderabad&location=Delhi&type=pm25",
		"/?location=Hyderabad&type=pm25&type=pm10",
		"/?location=Delhi&type=no2", // measured, never predicted
		"/?location=Hyderabad&type=pm25&match=missing_actual",
		"/?location=Hyderabad&type=pm25&from=2030-01-01",
	} {
		for _, headers := range [][]string{nil, {"HX-Request", "true"}} {
			resp, body := ts.get(t, target, headers...)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d", target, resp.StatusCode)
			}
			if strings.Contains(body, "diag-svg") || strings.Contains(body, `class="diagnostics"`) {
				t.Errorf("%s %v shows diagnostic plots", target, headers)
			}
		}
	}
	// Delhi PM10 (one series, measured and predicted) has them, with PM10's edges.
	_, body = ts.get(t, "/?location=Delhi&type=pm10")
	if strings.Count(body, `<svg class="diag-svg"`) != 2 || !strings.Contains(body, "20 days with both") {
		t.Errorf("Delhi PM10: %s", grab(body, "diag-summary"))
	}
}

// TestDashboardDiagnosticsModelAndLead: the plots are the view's model at its lead: their day count is
// that pair's days with both sides, worked out by a plain loop.
func TestDashboardDiagnosticsModelAndLead(t *testing.T) {
	ts, actual, preds := newModelsServer(t)
	for _, c := range []struct {
		model string
		lead  int
	}{{"ses", 1}, {"ses", 2}, {"persistence", 1}, {"climatology", 1}} {
		n := 0
		for _, p := range preds {
			if _, ok := actual[p.day]; ok && p.model == c.model && p.lead == c.lead {
				n++
			}
		}
		_, body := ts.get(t, fmt.Sprintf("/?model=%s&lead=%d", c.model, c.lead))
		for _, want := range []string{
			fmt.Sprintf("Diagnostic plots: Hyderabad · PM2.5, model %s at %d day", c.model, c.lead),
			fmt.Sprintf(`<p class="diag-summary">%d days with both`, n),
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lead %d lacks %q: %s", c.model, c.lead, want, grab(body, "diag-summary"))
			}
		}
	}
}

// grab returns a little of body around the first element of class, for a failure message.
func grab(body, class string) string {
	i := strings.Index(body, `class="`+class)
	if i < 0 {
		return "(no " + class + ")"
	}
	return body[i:min(len(body), i+400)]
}

// TestBuildDiagnostics: the builder's words for the cases a series may give: none, one day, every day
// measured 0, a pollutant without a unit or bands, and a huge outlier said in the description.
func TestBuildDiagnostics(t *testing.T) {
	if d := buildDiagnostics(aqi.Default(), "A", "pm25", "m", 1, nil); d != nil {
		t.Errorf("no pairs: %+v", d)
	}
	d := buildDiagnostics(aqi.Default(), "Agra", "pm25", "ses", 0, []queries.Pair{{Actual: 50, Predicted: 50}})
	if d == nil || d.N != "1" || d.Fac2 != "100 %" || d.MeanError != "0.00 µg/m³" || !strings.HasPrefix(d.Summary, "1 day with both") ||
		!strings.Contains(d.Summary, "(1 of 1)") || strings.Contains(d.Summary, "predicts on average") || d.Clipped != "" {
		t.Errorf("one day: %+v", d)
	}
	if !strings.Contains(d.Heading, "model ses at 0 days (same day)") {
		t.Errorf("heading %q", d.Heading)
	}
	d = buildDiagnostics(aqi.Default(), "Agra", "pm25", "ses", 1, []queries.Pair{qp(0, 3), qp(0, 5)})
	if d.Fac2 != "—" || !strings.Contains(d.Summary, "No day is measured above 0") || !strings.Contains(d.Summary, "Mean error +4.00 µg/m³: the model over-predicts") {
		t.Errorf("all measured 0: %+v", d)
	}
	d = buildDiagnostics(aqi.Default(), "Agra", "xyz", "ses", 1, []queries.Pair{qp(10, 8), qp(12, 9)})
	if d.Edges != "" || d.MeasuredLabel != "Measured" || d.Scatter.Bands != nil || !strings.Contains(d.Summary, "Mean error −2.50: the model under-predicts") {
		t.Errorf("no unit, no bands: %+v", d)
	}
	r := rand.New(rand.NewPCG(1, 1))
	pairs := realisticPairs(r, 500)
	pairs = append(pairs, queries.Pair{Actual: 80, Predicted: 9e6})
	d = buildDiagnostics(aqi.Default(), "Agra", "pm10", "ses", 1, pairs)
	if !strings.Contains(d.Clipped, "1 day beyond") || !strings.Contains(d.ScatterDesc, d.Clipped) || !strings.Contains(d.HistDesc, "days with an error beyond ±") {
		t.Errorf("an outlier: %q / %q", d.Clipped, d.HistDesc)
	}
	// US EPA edges, when a view uses that scale.
	epa, _ := aqi.Get("us_epa")
	d = buildDiagnostics(epa, "Agra", "pm25", "ses", 1, []queries.Pair{qp(5, 8), qp(40, 60), qp(100, 140)})
	if d.Edges != "9.1, 35.5, 55.5 and 125.5 µg/m³" || d.ScaleName != "US EPA AQI" {
		t.Errorf("US EPA edges %q (%s)", d.Edges, d.ScaleName)
	}
}

func qp(a, p float64) queries.Pair { return queries.Pair{Actual: a, Predicted: p} }

// realisticPairs is n days of a PM series as the demo has them: a seasonal cycle (high in winter), day
// to day noise, and a forecast with a multiplicative error and a slight bias.
func realisticPairs(r *rand.Rand, n int) []queries.Pair {
	out := make([]queries.Pair, n)
	for i := range out {
		season := 1 + 0.6*math.Cos(2*math.Pi*float64(i)/365.25)
		a := math.Round(90*season*math.Exp(r.NormFloat64()*0.35)*100) / 100
		p := math.Round(a*1.05*math.Exp(r.NormFloat64()*0.3)*100) / 100
		out[i] = queries.Pair{Actual: a, Predicted: p}
	}
	return out
}

// BenchmarkDiagnostics builds the diagnostic plots of ten years of one series (3,652 days), and renders
// their partial, as the dashboard does on every request for one series.
//
//	go test -run '^$' -bench Diagnostics -benchmem ./app/
func BenchmarkDiagnostics(b *testing.B) {
	pairs := realisticPairs(rand.New(rand.NewPCG(2, 3)), 3652)
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			if d := buildDiagnostics(aqi.Default(), "Delhi", "pm25", "ses", 1, pairs); d == nil {
				b.Fatal("nil")
			}
		}
	})
	b.Run("render", func(b *testing.B) {
		a, err := loadAssets()
		if err != nil {
			b.Fatal(err)
		}
		r, err := newRenderer(a)
		if err != nil {
			b.Fatal(err)
		}
		d := buildDiagnostics(aqi.Default(), "Delhi", "pm25", "ses", 1, pairs)
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			if err := r.engine.Render(&buf, "partials/diagnostics", d); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len()), "bytes")
		b.ReportMetric(float64(len(d.Scatter.Cells)), "cells")
	})
}
