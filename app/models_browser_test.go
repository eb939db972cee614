package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chromedp/chromedp"
)

// TestBrowserCompareModelLeadRefVs: on /compare (page cache on, as served), choosing a lead, a model, a
// reference and two vs lines swaps the rows, the metrics and the chart in place and pushes a URL that
// says so; Back and Forward restore each view exactly, and each pushed URL loaded afresh is that view.
func TestBrowserCompareModelLeadRefVs(t *testing.T) {
	ts, _, _ := newModelsServer(t)
	ts.cfg.DefaultModel = "ses"
	base := serveOnLoopback(t, ts)
	b := newBrowser(t)
	watchLog(t, b)
	var states []string
	record := func(what, urlHas string) {
		t.Helper()
		b.run(t, jsWait(`location.search.includes(`+jsString(urlHas)+`)`))
		states = append(states, b.state(t))
		if !strings.Contains(states[len(states)-1], urlHas) {
			t.Fatalf("%s: %s", what, states[len(states)-1])
		}
	}
	lines := func() string {
		var s string
		b.run(t, chromedp.Evaluate(`[...document.querySelectorAll('#view .chart-lines path')].map(p => p.getAttribute('class') + ':' + (p.getAttribute('data-model') || 'measured')).join(' ')`, &s))
		return s
	}
	b.run(t, chromedp.Navigate(base+"/compare?location=Hyderabad&type=pm25"), chromedp.WaitVisible(`#view svg`), jsWait(`typeof htmx !== 'undefined'`))
	record("the default model", "type=pm25")
	if got := lines(); got != "line-actual:measured line-predicted:ses" {
		t.Errorf("lines: %s", got)
	}
	b.run(t, setField(`#f-lead`, "2"))
	record("lead 2", "lead=2")
	if !strings.Contains(states[1], `"lead=2"`) || states[1] == states[0] {
		t.Errorf("lead 2 view: %s", states[1])
	}
	b.run(t, setField(`#f-lead`, "1"))
	record("lead 1 again", "lead=1")
	b.run(t, setField(`#f-model`, "persistence"))
	record("model persistence", "model=persistence")
	b.run(t, setField(`#f-ref`, "ses"))
	record("reference ses", "ref=ses")
	if !strings.Contains(states[4], "Skill vs reference ses") {
		t.Errorf("no skill vs the reference: %s", states[4])
	}
	b.run(t, chromedp.Click(`#f-vs-climatology`, chromedp.ByQuery))
	record("one vs line", "vs=climatology")
	b.run(t, chromedp.Click(`#f-vs-ses`, chromedp.ByQuery))
	record("two vs lines", "vs=ses")
	if got := lines(); got != "line-actual:measured line-predicted:persistence line-vs1:climatology line-vs2:ses" {
		t.Errorf("lines with two vs: %s", got)
	}
	var checked string
	b.run(t, chromedp.Evaluate(`[...document.querySelectorAll('#view input[name=vs]:checked')].map(e => e.value).join(' ')`, &checked))
	if checked != "climatology ses" {
		t.Errorf("checked vs boxes: %q", checked)
	}
	// Choosing the reference as the model drops the reference rather than answering 400.
	b.run(t, setField(`#f-model`, "ses"), jsWait(`location.search.includes('model=ses')`))
	var url, refVal string
	b.run(t, chromedp.Evaluate(`location.search`, &url), chromedp.Evaluate(`document.querySelector('#f-ref').value`, &refVal))
	if strings.Contains(url, "ref=") || refVal != "" || !strings.Contains(url, "vs=climatology") {
		t.Errorf("model = former ref: %s, ref select %q", url, refVal)
	}
	b.run(t, chromedp.NavigateBack())
	b.waitView(t, "back from the model switch", states[len(states)-1])
	walkHistory(t, b, base, states)
}

// jsString quotes s for a script.
func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// TestBrowserAxeModelControls runs axe-core on the views with the model controls in full: the model,
// lead and reference selects, the vs checkboxes, the by-lead strip, several chart lines and their
// legend, the latest forecast card, the predictions' model and lead filters, and a bad lead marked.
func TestBrowserAxeModelControls(t *testing.T) {
	ts, _, _ := newModelsServer(t)
	ts.cfg.DefaultModel = "ses"
	base := serveOnLoopback(t, ts)
	b := newBrowser(t)
	pages := []string{"/", "/compare?location=Hyderabad&type=pm25",
		"/compare?location=Hyderabad&type=pm25&model=ses&ref=persistence&vs=persistence&vs=climatology",
		"/predictions?model=ses&model=persistence&lead=1", "/compare?location=Hyderabad&lead=99"}
	b.expectStatus(400, "/compare?location=Hyderabad&lead=99")
	for _, m := range []uiMode{{"phone-dark", 375, 800, true}, {"desktop-light", 1280, 900, false}} {
		b.run(t, m.apply())
		for _, p := range pages {
			b.run(t, chromedp.Navigate(base+p), chromedp.WaitVisible(`main h1`), jsWait(`typeof htmx !== 'undefined'`))
			for _, v := range b.runAxe(t) {
				var nodes []string
				for _, n := range v.Nodes {
					target, _ := json.Marshal(n.Target)
					nodes = append(nodes, string(target)+": "+strings.ReplaceAll(n.FailureSummary, "\n", " "))
				}
				t.Errorf("%s %s: axe %s (%s): %s\n    %s", m.name, p, v.ID, v.Impact, v.Help, strings.Join(nodes, "\n    "))
			}
		}
	}
}

// TestBrowserLiveModels: on the dashboard of ses (live, page cache on), a prediction written for another
// model re-fetches nothing; one of ses itself updates the latest forecast card in place.
func TestBrowserLiveModels(t *testing.T) {
	h, _, preds := modelsFixture()
	url, db := liveDatabase(t, h, "")
	batch := &pgx.Batch{}
	for _, p := range preds {
		batch.Queue("INSERT INTO daily_prediction_pollution (date, location, type, model, lead, prediction) VALUES ($1, 'Hyderabad', 'pm25', $2, $3, $4)",
			modelsDay0.AddDate(0, 0, p.day), p.model, p.lead, p.value)
	}
	if err := db.SendBatch(t.Context(), batch).Close(); err != nil {
		t.Fatal(err)
	}
	_, base := liveServer(t, url)
	b := newBrowser(t)
	var requests int
	var card string
	b.run(t,
		chromedp.Navigate(base+"/?model=ses"),
		chromedp.WaitVisible(`#view .forecast`),
		jsWait(`document.body.dataset.live === 'open'`),
		chromedp.Evaluate(countEvents, nil),
		chromedp.Evaluate(`document.body.addEventListener('sse:change', e => window.__last = e.detail.data)`, nil),
	)
	day := func(n int) string { return modelsDay0.AddDate(0, 0, n).Format(time.DateOnly) }
	if _, err := db.Exec(t.Context(), "INSERT INTO daily_prediction_pollution (date, location, type, model, lead, prediction) VALUES ($1, 'Hyderabad', 'pm25', 'climatology', 1, 60)", day(modelsDays+2)); err != nil {
		t.Fatal(err)
	}
	b.run(t, jsWait(`window.__changes === 1`), chromedp.Sleep(300*time.Millisecond), chromedp.Evaluate(`window.__requests + window.__swaps`, &requests))
	if requests != 0 {
		var last, models string
		b.run(t, chromedp.Evaluate(`window.__last`, &last), chromedp.Evaluate(`document.querySelector('#view').getAttribute('data-live-models')`, &models))
		t.Fatalf("a climatology prediction re-fetched the dashboard of ses: change %s, view models %s", last, models)
	}
	if _, err := db.Exec(t.Context(), "INSERT INTO daily_prediction_pollution (date, location, type, model, lead, prediction) VALUES ($1, 'Hyderabad', 'pm25', 'ses', 1, 130)", day(modelsDays+2)); err != nil {
		t.Fatal(err)
	}
	b.run(t,
		jsWait(`(document.querySelector('#view .forecast-title time') || {}).getAttribute && document.querySelector('#view .forecast-title time').getAttribute('datetime') === `+jsString(day(modelsDays+1))),
		chromedp.Evaluate(`document.querySelector('#view .forecast').textContent.replace(/\s+/g, ' ').trim()`, &card),
	)
	if !strings.Contains(card, "130.00") || !strings.Contains(card, "Very poor") {
		t.Errorf("forecast card after the ses write: %s", card)
	}
}
