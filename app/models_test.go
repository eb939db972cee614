package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/queries"
)

// modelsFixture: 40 days of Hyderabad PM2.5 measured (day 7 missing) and three models: ses at leads 1
// and 2 (lead 2 missing on day 3), persistence at lead 1, climatology at lead 1 on the second half only;
// plus ses' latest run, issued on the last measured day for the two days after it.
type modelPred struct {
	model string
	lead  int
	day   int
	value float64
}

var modelsDay0 = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)

const modelsDays = 40

func modelsFixture() (historic string, actual map[int]float64, preds []modelPred) {
	var h strings.Builder
	h.WriteString("date,location,type,value\n")
	actual = map[int]float64{}
	for i := range modelsDays {
		if i == 7 {
			continue
		}
		a := 50 + float64(i%9)*6
		actual[i] = a
		fmt.Fprintf(&h, "%s,Hyderabad,pm25,%g\n", modelsDay0.AddDate(0, 0, i).Format(time.DateOnly), a)
	}
	for i := range modelsDays {
		preds = append(preds, modelPred{"ses", 1, i, 55 + float64(i%5)*4})
		if i != 3 {
			preds = append(preds, modelPred{"ses", 2, i, 60 + float64(i%4)*7})
		}
		preds = append(preds, modelPred{"persistence", 1, i, 48 + float64(i%6)*5})
		if i >= 20 {
			preds = append(preds, modelPred{"climatology", 1, i, 70 - float64(i%3)*2})
		}
	}
	// ses' run issued on the last measured day (day 39): leads 1 and 2 for days 40 and 41.
	preds = append(preds, modelPred{"ses", 1, modelsDays, 81}, modelPred{"ses", 2, modelsDays + 1, 95})
	return h.String(), actual, preds
}

// newModelsServer is a test server over modelsFixture, the predictions written with their model and lead.
func newModelsServer(t *testing.T) (*testServer, map[int]float64, []modelPred) {
	t.Helper()
	h, actual, preds := modelsFixture()
	ts := newTestServer(t, h, "")
	conn, err := pgx.Connect(context.Background(), ts.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows := make([][]any, len(preds))
	for i, p := range preds {
		rows[i] = []any{modelsDay0.AddDate(0, 0, p.day), "Hyderabad", "pm25", p.model, p.lead, p.value}
	}
	// One statement: the comparison's statement triggers keep it per model and lead.
	batch := &pgx.Batch{}
	for _, r := range rows {
		batch.Queue("INSERT INTO daily_prediction_pollution (date, location, type, model, lead, prediction) VALUES ($1, $2, $3, $4, $5, $6)", r...)
	}
	if err := conn.SendBatch(context.Background(), batch).Close(); err != nil {
		t.Fatal(err)
	}
	return ts, actual, preds
}

// maeOf is the plain-loop MAE of model at lead over the days that have a measurement (and, when also is
// set, a prediction of that model too at the same lead).
func maeOf(actual map[int]float64, preds []modelPred, model string, lead int, also string) (float64, int) {
	byDay := func(m string) map[int]float64 {
		out := map[int]float64{}
		for _, p := range preds {
			if p.model == m && p.lead == lead {
				out[p.day] = p.value
			}
		}
		return out
	}
	mine, other := byDay(model), byDay(also)
	sum, n := 0.0, 0
	for d, v := range mine {
		a, ok := actual[d]
		if !ok {
			continue
		}
		if _, ok := other[d]; also != "" && !ok {
			continue
		}
		sum += math.Abs(v - a)
		n++
	}
	return sum / float64(n), n
}

func TestCompareModelParametersAre400s(t *testing.T) {
	ts, _, _ := newModelsServer(t)
	long := strings.Repeat("m", 65)
	cases := []struct{ query, param string }{
		{"model=no%20spaces", "model"},
		{"model=" + long, "model"},
		{"model=nosuchmodel", "model"},
		{"model=ses&model=persistence", "model"},
		{"lead=31", "lead"},
		{"lead=-1", "lead"},
		{"lead=one", "lead"},
		{"lead=1&lead=2", "lead"},
		{"model=ses&ref=ses", "ref"},
		{"ref=nosuchmodel", "ref"},
		{"ref=bad%2Fname", "ref"},
		{"vs=nosuchmodel", "vs"},
		{"vs=a&vs=b&vs=c&vs=d&vs=e", "vs"},
		{"vs=bad%21", "vs"},
	}
	for _, tc := range cases {
		for _, path := range []string{"/compare.json", "/compare.csv"} {
			resp, body := ts.get(t, path+"?location=Hyderabad&type=pm25&"+tc.query)
			var e struct{ Error, Parameter string }
			_ = json.Unmarshal([]byte(body), &e)
			if resp.StatusCode != 400 || e.Parameter != tc.param || !strings.HasPrefix(e.Error, tc.param+":") {
				t.Errorf("%s?%s: %d %s", path, tc.query, resp.StatusCode, body)
			}
		}
		for _, path := range []string{"/compare", "/"} {
			resp, body := ts.get(t, path+"?"+tc.query, "HX-Request", "true")
			if resp.StatusCode != 400 || !strings.Contains(body, `id="view-error"`) || !strings.Contains(body, tc.param+":") {
				t.Errorf("%s?%s: %d %.300s", path, tc.query, resp.StatusCode, body)
			}
		}
	}
	// The predictions table's filters.
	for _, tc := range []struct{ query, param string }{{"model=a%20b", "model"}, {"lead=99", "lead"}, {"lead=x", "lead"}} {
		resp, body := ts.get(t, "/predictions.json?"+tc.query)
		var e struct{ Parameter string }
		_ = json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != 400 || e.Parameter != tc.param {
			t.Errorf("/predictions.json?%s: %d %s", tc.query, resp.StatusCode, body)
		}
		if resp, body := ts.get(t, "/predictions?"+tc.query); resp.StatusCode != 400 || !strings.Contains(body, `id="f-`+tc.param+`"`) {
			t.Errorf("/predictions?%s: %d", tc.query, resp.StatusCode)
		}
	}
	// A vs model equal to the model is just that model's line, not an error; so is an unknown lead
	// (an empty view, like an unknown location).
	for _, q := range []string{"model=ses&vs=ses", "model=ses&lead=7"} {
		if resp, body := ts.get(t, "/compare.json?"+q); resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", q, resp.StatusCode, body)
		}
	}
}

func TestCompareJSONModelLeadAndRef(t *testing.T) {
	ts, actual, preds := newModelsServer(t)
	type answer struct {
		Rows    []map[string]any           `json:"rows"`
		Model   string                     `json:"model"`
		Lead    int                        `json:"lead"`
		Total   int64                      `json:"total"`
		Metrics map[string]json.RawMessage `json:"metrics"`
	}
	get := func(q string) answer {
		t.Helper()
		resp, body := ts.get(t, "/compare.json?location=Hyderabad&type=pm25&size=100&"+q)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", q, resp.StatusCode, body)
		}
		var a answer
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	num := func(raw json.RawMessage) float64 {
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		return f
	}

	// Without model: no DEFAULT_MODEL in the test config, so the first by name.
	a := get("")
	if a.Model != "climatology" || a.Lead != 1 {
		t.Errorf("default model %q lead %d, want climatology 1", a.Model, a.Lead)
	}
	ts.cfg.DefaultModel = "ses"
	a = get("")
	if a.Model != "ses" || a.Lead != 1 {
		t.Errorf("DEFAULT_MODEL=ses: model %q lead %d", a.Model, a.Lead)
	}
	ts.cfg.DefaultModel = "absent"
	if a = get(""); a.Model != "climatology" {
		t.Errorf("DEFAULT_MODEL not in the data: %q, want the first by name", a.Model)
	}

	// ses at lead 2: the rows and the metrics are that model's at that lead; no ref keys without ref.
	a = get("model=ses&lead=2")
	wantMAE, wantN := maeOf(actual, preds, "ses", 2, "")
	if a.Model != "ses" || a.Lead != 2 || a.Total != int64(wantN) || len(a.Rows) != wantN {
		t.Fatalf("ses lead 2: model %q lead %d total %d rows %d, want %d", a.Model, a.Lead, a.Total, len(a.Rows), wantN)
	}
	for _, r := range a.Rows {
		if r["model"] != "ses" || r["lead"] != float64(2) {
			t.Fatalf("row %v", r)
		}
	}
	if got := num(a.Metrics["mae"]); math.Abs(got-wantMAE) > 1e-9 {
		t.Errorf("mae %v, want %v", got, wantMAE)
	}
	for _, k := range []string{"skill_ref", "ref_mae", "ref_n", "ref_model_mae"} {
		if _, ok := a.Metrics[k]; ok {
			t.Errorf("metrics has %s without ref=", k)
		}
	}
	if _, ok := a.Metrics["skill_persistence"]; !ok {
		t.Errorf("metrics lost skill_persistence: %v", a.Metrics)
	}

	// ref=: equalized over the days where both models and a measurement exist.
	a = get("model=ses&ref=climatology")
	mae, n := maeOf(actual, preds, "ses", 1, "climatology")
	refMAE, refN := maeOf(actual, preds, "climatology", 1, "ses")
	if n != refN || n != 20 {
		t.Fatalf("fixture: %d and %d equalized days", n, refN)
	}
	if got := num(a.Metrics["ref_n"]); got != float64(n) {
		t.Errorf("ref_n %v, want %d", got, n)
	}
	if got := num(a.Metrics["ref_mae"]); math.Abs(got-refMAE) > 1e-9 {
		t.Errorf("ref_mae %v, want %v", got, refMAE)
	}
	if got := num(a.Metrics["skill_ref"]); math.Abs(got-(1-mae/refMAE)) > 1e-9 {
		t.Errorf("skill_ref %v, want %v", got, 1-mae/refMAE)
	}
	// A lead the reference lacks: null, not absent, and no division by zero.
	a = get("model=ses&lead=2&ref=climatology")
	if string(a.Metrics["skill_ref"]) != "null" || string(a.Metrics["ref_mae"]) != "null" || num(a.Metrics["ref_n"]) != 0 {
		t.Errorf("ref without common days: %s %s %s", a.Metrics["skill_ref"], a.Metrics["ref_mae"], a.Metrics["ref_n"])
	}
	// A model with no rows at this lead still says what it shows.
	a = get("model=persistence&lead=3")
	if a.Model != "persistence" || a.Lead != 3 || a.Total != 0 || len(a.Rows) != 0 {
		t.Errorf("empty view: %+v", a)
	}
	// The CSV carries model and lead columns.
	_, body := ts.get(t, "/compare.csv?location=Hyderabad&type=pm25&model=persistence")
	if !strings.HasPrefix(body, "date,location,type,model,lead,actual,") || !strings.Contains(body, ",Hyderabad,pm25,persistence,1,") {
		t.Errorf("csv: %.200s", body)
	}
}

func TestCompareCanonicalURLChartAndByLead(t *testing.T) {
	ts, actual, preds := newModelsServer(t)
	ts.cfg.DefaultModel = "ses"
	// Old URLs work and push the canonical one, naming the model and the lead.
	resp, body := ts.get(t, "/compare?location=Hyderabad&type=pm25", "HX-Request", "true")
	if got := resp.Header.Get("HX-Push-Url"); resp.StatusCode != 200 || got != "/compare?lead=1&location=Hyderabad&model=ses&type=pm25" {
		t.Fatalf("%d push %q", resp.StatusCode, got)
	}
	// One model: the by-lead strip, one entry per lead of ses, with the MAEs of plain loops.
	if !strings.Contains(body, "MAE of ses by lead") {
		t.Fatalf("no by-lead strip")
	}
	for _, lead := range []int{1, 2} {
		mae, n := maeOf(actual, preds, "ses", lead, "")
		want := fmt.Sprintf("MAE %s</span> <small>n = %d</small>", formatNumber(mae), n)
		if !strings.Contains(body, want) {
			t.Errorf("by-lead strip lacks %q", want)
		}
		u := compareURL("/compare", queries.CompareView{View: queries.View{Locations: []string{"Hyderabad"}, Types: []string{"pm25"}, Sort: "date", Desc: true, Page: 1, Size: queries.DefaultSize}, Match: queries.MatchBoth, Model: "ses", Lead: lead})
		if !strings.Contains(body, `href="`+strings.ReplaceAll(u, "&", "&amp;")+`"`) {
			t.Errorf("by-lead strip lacks a link to lead %d (%s)", lead, u)
		}
	}
	// The selects are filled from the data: three models, ses' two leads, a reference of the others.
	for _, want := range []string{`<option value="climatology">`, `<option value="ses" selected>`, `<option value="2">2 days ahead</option>`,
		`id="f-ref"`, `id="f-vs-persistence"`, `id="f-vs-climatology"`} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %q", want)
		}
	}
	if strings.Contains(body, `id="f-vs-ses"`) {
		t.Errorf("the chosen model is offered as a vs line")
	}

	// Two vs lines: three model lines, each its own class and legend entry; no by-lead strip.
	resp, body = ts.get(t, "/compare?location=Hyderabad&type=pm25&model=ses&vs=persistence&vs=climatology&ref=persistence", "HX-Request", "true")
	if got := resp.Header.Get("HX-Push-Url"); got != "/compare?lead=1&location=Hyderabad&model=ses&ref=persistence&type=pm25&vs=persistence&vs=climatology" {
		t.Errorf("push %q", got)
	}
	for _, want := range []string{`class="line-predicted" data-model="ses"`, `class="line-vs1" data-model="persistence"`, `class="line-vs2" data-model="climatology"`,
		`<text class="key" x="34" y="20">Measured</text>`, `>ses</text>`, `>persistence</text>`, `>climatology</text>`,
		`measured and predicted by ses, persistence, climatology`, `Skill vs reference persistence`, `id="f-vs-persistence" name="vs" value="persistence" checked`} {
		if !strings.Contains(body, want) {
			t.Errorf("vs view lacks %q", want)
		}
	}
	if strings.Contains(body, "by lead</h2>") {
		t.Errorf("by-lead strip beside vs lines")
	}
	// Live attributes: the view's models are its model, vs and ref ones.
	if !strings.Contains(body, `data-live-models="[&#34;ses&#34;,&#34;persistence&#34;,&#34;climatology&#34;,&#34;persistence&#34;]"`) {
		i := strings.Index(body, "data-live-models")
		t.Errorf("live models: %.120s", body[max(0, i):])
	}
}

func TestDashboardLatestForecast(t *testing.T) {
	ts, _, _ := newModelsServer(t)
	ts.cfg.DefaultModel = "ses"
	_, body := ts.get(t, "/", "HX-Request", "true")
	last := modelsDay0.AddDate(0, 0, modelsDays-1)
	for _, want := range []string{
		"Latest forecast: ses, issued <time datetime=\"" + last.Format(time.DateOnly) + "\">",
		`<time datetime="` + modelsDay0.AddDate(0, 0, modelsDays).Format(time.DateOnly) + `">`, "(1 day ahead)", ">81.00 <span",
		`<time datetime="` + modelsDay0.AddDate(0, 0, modelsDays+1).Format(time.DateOnly) + `">`, "(2 days ahead)", ">95.00 <span",
		chipHTML("aqi-2", "Moderate", "pm25", 81), chipHTML("aqi-3", "Poor", "pm25", 95),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("forecast card lacks %q", want)
		}
	}
	// persistence's newest run is for the last measured day: nothing after the last measurement.
	_, body = ts.get(t, "/?model=persistence", "HX-Request", "true")
	if !strings.Contains(body, "no forecast after the last measurement") || strings.Contains(body, "Latest forecast: persistence") {
		t.Errorf("persistence: %q", body[:min(len(body), 600)])
	}
}

func TestPredictionsModelLeadColumnsAndFilters(t *testing.T) {
	ts, _, preds := newModelsServer(t)
	var out struct {
		Rows  []map[string]any `json:"rows"`
		Total int64            `json:"total"`
	}
	_, body := ts.get(t, "/predictions.json?model=ses&lead=2&size=500")
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, p := range preds {
		if p.model == "ses" && p.lead == 2 {
			want++
		}
	}
	if out.Total != int64(want) || len(out.Rows) != want {
		t.Fatalf("ses lead 2: total %d rows %d, want %d", out.Total, len(out.Rows), want)
	}
	for _, r := range out.Rows {
		if len(r) != 8 || r["band"] == nil || r["aqi"] == nil || r["model"] != "ses" || r["lead"] != float64(2) || r["prediction"] == nil || r["date"] == nil {
			t.Fatalf("row %v", r)
		}
	}
	// Repeated filters, sorted by model: persistence before ses, and the canonical URL keeps both.
	q := url.Values{"model": {"ses", "persistence"}, "lead": {"1"}, "sort": {"model"}}
	resp, page := ts.get(t, "/predictions?"+q.Encode(), "HX-Request", "true")
	if got := resp.Header.Get("HX-Push-Url"); got != "/predictions?dir=asc&lead=1&model=ses&model=persistence&sort=model" {
		t.Errorf("push %q", got)
	}
	for _, want := range []string{`id="sort-model"`, `id="sort-lead"`, `<td>persistence</td><td class="num">1</td>`, `id="f-model" name="model"`, `multiple`} {
		if !strings.Contains(page, want) {
			t.Errorf("predictions page lacks %q", want)
		}
	}
	_, body = ts.get(t, "/predictions.json?"+q.Encode()+"&size=500")
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if out.Rows[0]["model"] != "persistence" || out.Rows[len(out.Rows)-1]["model"] != "ses" {
		t.Errorf("sort by model: first %v last %v", out.Rows[0], out.Rows[len(out.Rows)-1])
	}
	_, body = ts.get(t, "/predictions.csv?model=climatology")
	if !strings.HasPrefix(body, "date,location,type,model,lead,prediction\n") || strings.Count(body, "\n") != 21 {
		t.Errorf("csv: %.120s (%d lines)", body, strings.Count(body, "\n"))
	}
	// The measurements keep their shape.
	_, body = ts.get(t, "/historic.json?size=1")
	if strings.Contains(body, `"model"`) || strings.Contains(body, `"lead"`) {
		t.Errorf("historic rows: %s", body)
	}
}

// TestForecastCardSaysWhenIssuedAfterTheLastMeasurement: a run issued on the last measured day (what the
// demo's models do) reads "issued 1 Jul"; a run issued later (an imported model's) says how much later,
// since it knew no measurement of its issue day. Days on or before the last measurement are left out.
func TestForecastCardSaysWhenIssuedAfterTheLastMeasurement(t *testing.T) {
	last := time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC)
	latest := &latestView{Date: last}
	run := func(issued time.Time) queries.LatestRun {
		r := queries.LatestRun{Issued: issued}
		for lead := 1; lead <= 3; lead++ {
			r.Points = append(r.Points, queries.ForecastPoint{Date: issued.AddDate(0, 0, lead), Lead: lead, Value: float64(10 * lead)})
		}
		return r
	}
	fv := newForecastView(aqi.Default(), "ses", "pm25", run(last), latest)
	if fv == nil || fv.AfterLast != "" || len(fv.Points) != 3 || !fv.Points[0].Date.Equal(last.AddDate(0, 0, 1)) {
		t.Fatalf("a run issued on the last measured day: %+v", fv)
	}
	fv = newForecastView(aqi.Default(), "imported", "pm25", run(last.AddDate(0, 0, 2)), latest)
	if fv == nil || fv.AfterLast != "2 days" || len(fv.Points) != 3 {
		t.Fatalf("a run issued 2 days after the last measurement: %+v", fv)
	}
	if fv = newForecastView(aqi.Default(), "imported", "pm25", run(last.AddDate(0, 0, 1)), latest); fv == nil || fv.AfterLast != "1 day" {
		t.Fatalf("a run issued the day after: %+v", fv)
	}
	// A run issued two days before the last measurement: only its lead-3 day is still ahead.
	fv = newForecastView(aqi.Default(), "old", "pm25", run(last.AddDate(0, 0, -2)), latest)
	if fv == nil || fv.AfterLast != "" || len(fv.Points) != 1 || fv.Points[0].Lead != 3 {
		t.Fatalf("a run issued before the last measurement: %+v", fv)
	}
}
