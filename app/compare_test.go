package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/queries"
)

// compareFixture: 60 days of Hyderabad PM2.5 with measurements missing on days 10–12 and predictions on
// days 30–31, a zero measurement on day 5, Poor days around day 20; 20 days of Delhi PM10, 20 of Delhi
// NO2 (no bands) without predictions.
func compareFixture() (historic, predictions string) {
	var h, p strings.Builder
	h.WriteString("date,location,type,value\n")
	p.WriteString("date,location,type,prediction\n")
	d0 := time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 60 {
		d := d0.AddDate(0, 0, i).Format(time.DateOnly)
		a := 40 + float64(i%10)*3
		if i >= 18 && i <= 22 {
			a = 95 + float64(i)
		}
		if i == 5 {
			a = 0
		}
		if i < 10 || i > 12 {
			fmt.Fprintf(&h, "%s,Hyderabad,pm25,%g\n", d, a)
		}
		if i != 30 && i != 31 {
			fmt.Fprintf(&p, "%s,Hyderabad,pm25,%g\n", d, 45+float64(i%7)*4)
		}
		if i < 20 {
			fmt.Fprintf(&h, "%s,Delhi,pm10,%d\n", d, 200+i*10)
			fmt.Fprintf(&p, "%s,Delhi,pm10,%d\n", d, 210+i*9)
			fmt.Fprintf(&h, "%s,Delhi,no2,%d\n", d, 20+i)
		}
	}
	return h.String(), p.String()
}

func TestCompareFragmentPageAndHistoryRestore(t *testing.T) {
	h, p := compareFixture()
	ts := newTestServer(t, h, p)
	target := "/compare?location=Hyderabad&type=pm25&size=5&from=2020-03-01&to=2020-03-31"

	resp, page := ts.get(t, target)
	if resp.StatusCode != 200 || !strings.Contains(page, "<!doctype html>") || !strings.Contains(page, `<section id="view"`) {
		t.Fatalf("page: %d %.200s", resp.StatusCode, page)
	}
	if !strings.Contains(resp.Header.Get("Vary"), "HX-Request") {
		t.Errorf("page Vary = %q", resp.Header.Get("Vary"))
	}
	resp, frag := ts.get(t, target+"&sort=abs_error", "HX-Request", "true")
	if resp.StatusCode != 200 || !strings.Contains(frag, `<section id="view"`) || strings.Contains(frag, "<html") || strings.Contains(frag, "<body") {
		t.Fatalf("fragment: %d %.200s", resp.StatusCode, frag)
	}
	if !strings.Contains(resp.Header.Get("Vary"), "HX-Request") {
		t.Errorf("fragment Vary = %q", resp.Header.Get("Vary"))
	}
	// The chart, the metrics and the table come in the same swap, so they change together.
	for _, want := range []string{`<svg class="chart-svg"`, `class="metrics"`, `<table class="data compare">`, "Hyderabad · PM2.5: measured and predicted, 1 Mar 2020 to 31 Mar 2020"} {
		if !strings.Contains(frag, want) {
			t.Errorf("fragment lacks %q", want)
		}
	}
	if got := resp.Header.Get("HX-Push-Url"); got != "/compare?dir=desc&from=2020-03-01&lead=1&location=Hyderabad&model=default&size=5&sort=abs_error&to=2020-03-31&type=pm25" {
		t.Errorf("HX-Push-Url = %q", got)
	}
	_, frag2 := ts.get(t, "/compare?location=Hyderabad&type=pm25&from=2020-04-01", "HX-Request", "true")
	if !strings.Contains(frag2, "measured and predicted, 1 Apr 2020 to 29 Apr 2020") {
		t.Errorf("the chart did not follow the date filter")
	}
	resp, restored := ts.get(t, target, "HX-Request", "true", "HX-History-Restore-Request", "true")
	if resp.StatusCode != 200 || !strings.Contains(restored, "<!doctype html>") {
		t.Errorf("history restore: %d, want the whole page", resp.StatusCode)
	}
}

func TestCompareBadParameters(t *testing.T) {
	h, p := compareFixture()
	ts := newTestServer(t, h, p)
	for _, path := range []string{"/compare", "/compare.json", "/compare.csv", "/"} {
		for q, param := range map[string]string{
			"match=bogus": "match", "match=BOTH": "match", "sort=value": "sort", "sort=prediction": "sort",
			"sort=abs_error%3B": "sort", "dir=up": "dir", "after=x": "after", "page=0": "page", "size=501": "size", "from=2020-02-30": "from",
		} {
			resp, body := ts.get(t, path+"?"+q)
			if resp.StatusCode != 400 || !strings.Contains(body, param+":") {
				t.Errorf("%s?%s: %d, %.120s", path, q, resp.StatusCode, body)
			}
		}
	}
	resp, frag := ts.get(t, "/compare?match=nope", "HX-Request", "true")
	if resp.StatusCode != 400 || !strings.Contains(frag, `<section id="view"`) || strings.Contains(frag, "<body") {
		t.Errorf("htmx 400: %d %.100s", resp.StatusCode, frag)
	}
	for _, m := range queries.Matches {
		if resp, _ := ts.get(t, "/compare?match="+string(m)); resp.StatusCode != 200 {
			t.Errorf("match=%s: %d", m, resp.StatusCode)
		}
	}
}

func TestCompareTableBandsSortingAndMetrics(t *testing.T) {
	h, p := compareFixture()
	ts := newTestServer(t, h, p)
	_, body := ts.get(t, "/compare?location=Hyderabad&type=pm25&sort=abs_error&size=100")
	// Cells carry the band as a colour class and a name.
	for _, want := range []string{`<span class="aqi aqi-3">Poor</span>`, `<span class="aqi aqi-1">Satisfactory</span>`, `<span class="aqi aqi-0">Good</span>`} {
		if !strings.Contains(body, want) {
			t.Errorf("table lacks %s", want)
		}
	}
	if !strings.Contains(body, `aria-sort="descending"`) || !strings.Contains(body, "AQI bands, PM2.5") {
		t.Error("no sorted column or no legend")
	}
	// Sorted by |error|, largest first.
	re := regexp.MustCompile(`<td class="num">([0-9.]+)</td>\s*<td class="num">[^<]*</td>\s*</tr>`)
	var prev = math.Inf(1)
	n := 0
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		var v float64
		fmt.Sscan(m[1], &v)
		if v > prev {
			t.Fatalf("abs_error not descending: %v after %v", v, prev)
		}
		prev = v
		n++
	}
	if n != 55 { // 60 days, 3 without a measurement, 2 without a prediction
		t.Errorf("%d rows with an |error|, want 55", n)
	}
	for _, want := range []string{"MAPE", "Skill vs persistence", "POD", "False alarm ratio", "HSS", "n = 54"} { // the zero measurement is outside MAPE
		if !strings.Contains(body, want) {
			t.Errorf("metrics strip lacks %q", want)
		}
	}
	// NO2 has no bands: no band figures, no legend, no chips.
	_, body = ts.get(t, "/compare?location=Delhi&type=no2&match=all")
	if strings.Contains(body, "Band agreement") || strings.Contains(body, `class="aqi `) {
		t.Error("NO2 shows AQI bands")
	}
	// Only days missing a side: the strip says there is nothing to measure, and never divides by zero.
	for _, q := range []string{"match=missing_actual&location=Hyderabad", "match=missing_prediction&type=no2", "location=Nowhere"} {
		resp, body := ts.get(t, "/compare?"+q)
		if resp.StatusCode != 200 || !strings.Contains(body, "no rows with both an actual and a prediction") {
			t.Errorf("%s: %d, no empty-metrics note", q, resp.StatusCode)
		}
	}
	_, body = ts.get(t, "/compare?match=missing_actual&location=Hyderabad&type=pm25")
	if got := tbodyDates(t, body); strings.Join(got, " ") != "2020-03-13 2020-03-12 2020-03-11" {
		t.Errorf("missing_actual rows: %v", got)
	}
	// Several locations: the chart shows the first, and says so.
	_, body = ts.get(t, "/compare?location=Hyderabad&location=Delhi&type=pm25")
	if !strings.Contains(body, "The chart shows Hyderabad · PM2.5 only: the first of 2 chosen locations.") {
		t.Error("no note about the first of several locations")
	}
	_, body = ts.get(t, "/compare")
	if !strings.Contains(body, "Choose a location and a pollutant to see their chart.") || strings.Contains(body, "<svg class=") {
		t.Error("/compare without a series draws a chart")
	}
}

func TestCompareJSONAndCSV(t *testing.T) {
	h, p := compareFixture()
	ts := newTestServer(t, h, p)
	resp, body := ts.get(t, "/compare.json?location=Hyderabad&type=pm25&match=all&sort=date&dir=asc&size=500")
	if resp.StatusCode != 200 {
		t.Fatalf("json: %d", resp.StatusCode)
	}
	var out struct {
		Rows    []map[string]any `json:"rows"`
		Total   int64            `json:"total"`
		Match   string           `json:"match"`
		Metrics map[string]any   `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if out.Total != 60 || len(out.Rows) != 60 || out.Match != "all" {
		t.Fatalf("total %d, %d rows, match %q", out.Total, len(out.Rows), out.Match)
	}
	keys := []string{"date", "location", "type", "model", "lead", "actual", "predicted", "error", "abs_error", "pct_error",
		"actual_band", "predicted_band", "actual_aqi", "predicted_aqi"}
	for _, r := range out.Rows {
		if len(r) != len(keys) {
			t.Fatalf("row keys: %v", r)
		}
		for _, k := range keys {
			if _, ok := r[k]; !ok {
				t.Fatalf("row lacks %s: %v", k, r)
			}
		}
	}
	if r := out.Rows[5]; r["date"] != "2020-03-06" || r["actual"] != 0.0 || r["error"] == nil || r["pct_error"] != nil {
		t.Errorf("zero measurement row: %v", r)
	}
	if r := out.Rows[10]; r["actual"] != nil || r["predicted"] == nil || r["error"] != nil || r["actual_band"] != nil || r["actual_aqi"] != nil || r["predicted_band"] == nil {
		t.Errorf("missing measurement row: %v", r)
	}
	for _, k := range []string{"n", "mae", "rmse", "bias", "mape", "mape_n", "skill_persistence", "skill_n", "band_agreement", "hit_rate", "false_alarm_rate",
		"r", "nmb", "nme", "threshold", "hits", "misses", "false_alarms", "correct_negatives", "pod", "far", "pofd", "csi", "freq_bias", "hss"} {
		if _, ok := out.Metrics[k]; !ok {
			t.Errorf("metrics lack %s", k)
		}
	}
	if out.Metrics["n"] != 55.0 || out.Metrics["mape_n"] != 54.0 {
		t.Errorf("metrics: %v", out.Metrics)
	}
	_, body = ts.get(t, "/compare.json?location=Nowhere")
	if !strings.Contains(body, `"mae":null`) || !strings.Contains(body, `"rows":[]`) {
		t.Errorf("empty json: %s", body)
	}

	resp, body = ts.get(t, "/compare.csv?location=Hyderabad&type=pm25&match=all&sort=date&dir=asc&size=1")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(keys, ",") || len(recs) != 61 {
		t.Fatalf("csv header %v, %d records (every page)", recs[0], len(recs))
	}
	for i, r := range out.Rows {
		if recs[i+1][0] != r["date"] {
			t.Fatalf("csv row %d is %s, json %s", i, recs[i+1][0], r["date"])
		}
	}
	if rec := recs[11]; rec[3] != "default" || rec[4] != "1" || rec[5] != "" || rec[6] == "" || rec[7] != "" {
		t.Errorf("csv missing measurement: %v", rec)
	}
}

func TestDashboard(t *testing.T) {
	h, p := compareFixture()
	ts := newTestServer(t, h, p)
	for _, path := range []string{"/", "/index"} {
		resp, body := ts.get(t, path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		for _, want := range []string{
			`<option value="Hyderabad" selected>`, `<option value="pm25" selected>PM2.5</option>`,
			"Latest measurement of PM2.5 in Hyderabad", `datetime="2020-04-29"`, `<svg class="chart-svg"`, `class="metrics"`, `<table class="data compare">`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
	}
	// Bookmarkable: another series from the URL; htmx swaps go to / and push its canonical URL.
	resp, body := ts.get(t, "/?location=Delhi&type=pm10", "HX-Request", "true")
	if !strings.Contains(body, "Latest measurement of PM10 in Delhi") || !strings.Contains(body, `<span class="aqi aqi-2">Moderate</span>`) ||
		resp.Header.Get("HX-Push-Url") != "/?lead=1&location=Delhi&model=default&type=pm10" || !strings.Contains(body, `hx-get="/"`) {
		t.Errorf("dashboard fragment for Delhi PM10: %s %.300s", resp.Header.Get("HX-Push-Url"), body)
	}
	// The overview of every location moved to /locations/all (/locations is the ranking).
	resp, body = ts.get(t, "/locations/all")
	if resp.StatusCode != 200 || !strings.Contains(body, "Delhi") || !strings.Contains(body, `href="/?location=Delhi&amp;type=no2"`) {
		t.Errorf("/locations: %d", resp.StatusCode)
	}

	// Without Hyderabad or PM2.5 in the data, the dashboard falls back to the first location and pollutant.
	other := newTestServer(t, "date,location,type,value\n2020-01-01,Agra,no2,12\n2020-01-02,Agra,no2,14\n", "date,location,type,prediction\n2020-01-02,Agra,no2,13\n")
	resp, body = other.get(t, "/")
	if resp.StatusCode != 200 || !strings.Contains(body, `<option value="Agra" selected>`) || !strings.Contains(body, "Latest measurement of NO2 in Agra") {
		t.Errorf("fallback: %d", resp.StatusCode)
	}
	// An empty database: a page that says so, not an error.
	empty := newTestServer(t, "", "")
	resp, body = empty.get(t, "/")
	if resp.StatusCode != 200 || !strings.Contains(body, "There is no data yet") {
		t.Errorf("empty database: %d", resp.StatusCode)
	}
	// While the first start loads the demo data, the empty dashboard says that instead.
	loading := newTestServer(t, "", "")
	loading.seeding.Store(true)
	resp, body = loading.get(t, "/")
	if resp.StatusCode != 200 || !strings.Contains(body, "Loading the demo data") || strings.Contains(body, "There is no data yet") {
		t.Errorf("empty database while the demo loads: %d", resp.StatusCode)
	}
}

// dailyChart stores one series of days from d0, with a measurement and a prediction unless the day is in
// skipA or skipP, and returns its chart over all its days, as the compare page builds it.
func dailyChart(t *testing.T, ts *testServer, loc, typ string, d0 time.Time, days int, skipA, skipP map[int]bool) *chart {
	t.Helper()
	var h, p []queries.ImportRow
	for i := range days {
		date := d0.AddDate(0, 0, i)
		if !skipA[i] {
			h = append(h, queries.ImportRow{Line: int64(i + 2), Row: queries.Row{Date: date, Location: loc, Type: typ, Value: 20 + float64(i%50)}})
		}
		if !skipP[i] {
			p = append(p, queries.ImportRow{Line: int64(i + 2), Row: queries.Row{Date: date, Location: loc, Type: typ, Model: queries.DefaultModel, Lead: 1, Value: 25 + float64(i%40)}})
		}
	}
	ctx := context.Background()
	if _, err := queries.Upsert(ctx, ts.db, queries.Historic, queries.SliceSource(h)); err != nil {
		t.Fatal(err)
	}
	if _, err := queries.Upsert(ctx, ts.db, queries.Predictions, queries.SliceSource(p)); err != nil {
		t.Fatal(err)
	}
	c, err := ts.seriesChart(ctx, aqi.Default(), loc, typ, []string{queries.DefaultModel}, 1, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestChartGapsAndAggregation builds charts from series stored in the database: daily values with gaps,
// weekly means past the plot's width, monthly means past that, and the means themselves.
func TestChartGapsAndAggregation(t *testing.T) {
	ts := newTestServer(t, "", "")
	d0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	// 30 days; measurements missing on days 10–12 and day 20 (day 21 alone between gaps is a dot
	// only if day 22 is missing too); predictions missing on day 5.
	c := dailyChart(t, ts, "Daily", "pm25", d0, 30, map[int]bool{10: true, 11: true, 12: true, 20: true, 22: true}, map[int]bool{5: true})
	if c == nil {
		t.Fatal("no chart")
	}
	if got := strings.Count(c.Actual.Path, "M"); got != 3 { // days 0–9, 13–19, 23–29
		t.Errorf("measured line has %d runs, want 3: %s", got, c.Actual.Path)
	}
	if len(c.Actual.Dots) != 1 { // day 21
		t.Errorf("measured dots: %v", c.Actual.Dots)
	}
	if got := strings.Count(c.Predicted.Path, "M"); got != 2 {
		t.Errorf("predicted line has %d runs, want 2", got)
	}
	if c.Actual.Count != 25 || c.Predicted.Count != 29 || !strings.HasPrefix(c.Note, "Daily values") {
		t.Errorf("counts %d %d, note %q", c.Actual.Count, c.Predicted.Count, c.Note)
	}
	if c.Title == "" || !strings.Contains(c.Desc, "25 days") || len(c.Bands) == 0 || len(c.XTicks) == 0 || len(c.YTicks) < 3 {
		t.Errorf("chart: %+v", c)
	}
	// Every point lies inside the plot area.
	for _, p := range regexp.MustCompile(`[ML]([0-9.]+) ([0-9.]+)`).FindAllStringSubmatch(c.Actual.Path+c.Predicted.Path, -1) {
		var x, y float64
		fmt.Sscan(p[1], &x)
		fmt.Sscan(p[2], &y)
		if x < c.X0 || x > c.X1 || y < c.Y0 || y > c.Y1 {
			t.Fatalf("point %v,%v outside the plot", x, y)
		}
	}

	// More days than pixels: weekly means, said on the chart; a missing month is a gap in the weeks.
	skip := map[int]bool{}
	for i := 400; i < 430; i++ {
		skip[i] = true
	}
	c = dailyChart(t, ts, "Weekly", "pm25", d0, 1500, skip, skip)
	if !strings.HasPrefix(c.Note, "Weekly means") || !strings.Contains(c.Note, "1,500 days") {
		t.Errorf("note: %q", c.Note)
	}
	weeks := (1500 + 7) / 7
	if c.Actual.Count > weeks || c.Actual.Count < weeks-6 || strings.Count(c.Actual.Path, "M") != 2 {
		t.Errorf("weekly: %d points in %d runs", c.Actual.Count, strings.Count(c.Actual.Path, "M"))
	}
	// The first week (Wed 1 to Sun 5 January 2020) is the mean of its five days, drawn at their middle.
	if first := regexp.MustCompile(`^M([0-9.]+) ([0-9.]+)L`).FindStringSubmatch(c.Actual.Path); first == nil {
		t.Errorf("weekly path: %.80s", c.Actual.Path)
	} else {
		var x, y float64
		fmt.Sscan(first[1], &x)
		fmt.Sscan(first[2], &y)
		top := 80.0                                         // the highest weekly mean is under 70: the axis ends at 80
		wantX := c.X0 + 2.0/1499*plotWidth                  // days 0–4, centred on day 2
		wantY := c.Y1 - (20+21+22+23+24)/5.0/top*plotHeight // the mean of 20..24
		if math.Abs(x-wantX) > 0.06 || math.Abs(y-wantY) > 0.06 {
			t.Errorf("first weekly point (%v, %v), want (%.1f, %.1f)", x, y, wantX, wantY)
		}
	}
	c = dailyChart(t, ts, "Monthly", "pm25", d0, 366*20, nil, nil)
	if !strings.HasPrefix(c.Note, "Monthly means") || c.Actual.Count != 241 { // January 2020 to January 2040
		t.Errorf("20 years: %q, %d points", c.Note, c.Actual.Count)
	}
	if c, err := ts.seriesChart(context.Background(), aqi.Default(), "Nowhere", "pm25", []string{queries.DefaultModel}, 1, time.Time{}, time.Time{}); c != nil || err != nil {
		t.Errorf("a chart of nothing: %v %v", c, err)
	}
	// A pollutant without bands has no band background.
	if c := dailyChart(t, ts, "Daily", "no2", d0, 3, nil, nil); len(c.Bands) != 0 {
		t.Error("NO2 has bands")
	}
}

// TestBandLegend checks the legend and the band cells on both scales against the scales' published
// ranges.
func TestBandLegend(t *testing.T) {
	naqi, _ := aqi.Get("naqi")
	epa, _ := aqi.Get("us_epa")
	for _, c := range []struct {
		sc    *aqi.Scale
		class string
		want  []string
	}{
		{naqi, "aqi", []string{"Good 0–30 0–50", "Satisfactory 31–60 51–100", "Moderate 61–90 101–200", "Poor 91–120 201–300", "Very poor 121–250 301–400", "Severe 250+ 401–500"}},
		{epa, "epa", []string{"Good 0.0–9.0 0–50", "Moderate 9.1–35.4 51–100", "Unhealthy for Sensitive Groups 35.5–55.4 101–150", "Unhealthy 55.5–125.4 151–200", "Very Unhealthy 125.5–225.4 201–300", "Hazardous 225.5+ 301–500"}},
	} {
		got := bandLegend(c.sc, "pm25")
		if len(got) != len(c.want) {
			t.Fatalf("%s legend: %v", c.sc.Key, got)
		}
		for i := range c.want {
			if s := got[i].Name + " " + got[i].Range + " " + got[i].AQI; s != c.want[i] || got[i].Class != fmt.Sprintf("%s-%d", c.class, i) {
				t.Errorf("%s legend %d = %q %s, want %q", c.sc.Key, i, s, got[i].Class, c.want[i])
			}
		}
		if bandLegend(c.sc, "so2") != nil || bandFor(c.sc, "so2", new(float64)) != nil || bandFor(c.sc, "pm25", nil) != nil || legendsFor(c.sc, []string{"no2"}) != nil {
			t.Error("bands where there are none")
		}
	}
	v := 30.5
	if b := bandFor(naqi, "pm25", &v); b == nil || b.Name != "Satisfactory" || b.Class != "aqi-1" || b.AQI != 51 {
		t.Errorf("NAQI bandFor(30.5) = %v", b)
	}
	// 40 µg/m³ of PM2.5: NAQI Satisfactory, US EPA Unhealthy for Sensitive Groups (the example).
	v = 40
	if b := bandFor(epa, "pm25", &v); b == nil || b.Key != "usg" || b.Class != "epa-2" || b.AQI != 112 {
		t.Errorf("US EPA bandFor(40) = %+v", b)
	}
	if b := bandFor(naqi, "pm25", &v); b == nil || b.Key != "satisfactory" || b.AQI != 66 {
		t.Errorf("NAQI bandFor(40) = %+v", b)
	}
}
