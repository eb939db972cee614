package main

import (
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"

	"github.com/aqdash/aqdash/app/age"
)

// compareBrowserServer is browserServer over the comparison fixture.
func compareBrowserServer(t *testing.T) string {
	t.Helper()
	h, p := compareFixture()
	ts := newTestServer(t, h, p)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.app.Listener(ln) //nolint:errcheck // ends with Shutdown below
	// stop first, as serve does: the /events streams end instead of holding the shutdown.
	t.Cleanup(func() { ts.stop(); _ = ts.app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// chartState reads the chart's title, the metrics strip's first figure and the first row's location.
const chartState = `[
	(document.querySelector('#view svg title') || {}).textContent,
	(document.querySelector('#view .metrics dd') || {}).textContent,
	(document.querySelector('#view tbody td:nth-child(2)') || {}).textContent,
].join(' | ')`

// TestBrowserCompareChartFollowsFilters: on /compare and on the dashboard, every filter change and sort
// swaps the chart, the metrics and the table together, without a reload, and nothing breaks the
// Content-Security-Policy (a violation is a console error, which fails the test).
func TestBrowserCompareChartFollowsFilters(t *testing.T) {
	base := compareBrowserServer(t)
	b := newBrowser(t)
	// Chromium reports a Content-Security-Policy violation (an inline style, say) in its log, not the
	// console: collect the log's errors too.
	var mu sync.Mutex
	var logged []string
	chromedp.ListenTarget(b.ctx, func(ev any) {
		if e, ok := ev.(*cdplog.EventEntryAdded); ok && e.Entry.Level == cdplog.LevelError {
			mu.Lock()
			logged = append(logged, e.Entry.Text)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, l := range logged {
			t.Errorf("browser log: %s", l)
		}
	})
	var state, search string
	var marker bool
	b.run(t,
		cdplog.Enable(),
		chromedp.Navigate(base+"/compare?location=Hyderabad&type=pm25"),
		chromedp.WaitVisible(`#view svg`),
		jsWait(`typeof htmx !== 'undefined'`),
		chromedp.Evaluate(`window.__marker = 'kept'`, nil),
		chromedp.Evaluate(chartState, &state),
	)
	if !strings.HasPrefix(state, "Hyderabad · PM2.5: measured and predicted, 1 Mar 2020 to 29 Apr 2020 | 55 | Hyderabad") {
		t.Fatalf("first view: %s", state)
	}
	b.run(t,
		setField(`#f-location`, "Delhi"),
		jsWait(`location.search.includes('location=Delhi')`),
		setField(`#f-type`, "pm10"),
		jsWait(`location.search.includes('type=pm10') && document.querySelector('#view svg title').textContent.includes('PM10')`),
		chromedp.Evaluate(chartState, &state),
	)
	if !strings.HasPrefix(state, "Delhi · PM10: measured and predicted, 1 Mar 2020 to 20 Mar 2020 | 20 | Delhi") {
		t.Fatalf("after choosing Delhi PM10: %s", state)
	}
	b.run(t,
		// A date applies with Apply (never on change: a typed date fires one per digit).
		setField(`#f-from`, "2020-03-05"),
		chromedp.Click(`#f-apply`),
		jsWait(`location.search.includes('from=2020-03-05')`),
		// Sort by |error|: a header click.
		chromedp.Click(`#view th:nth-child(7) a`),
		jsWait(`document.querySelector('#view th:nth-child(7)').getAttribute('aria-sort') === 'descending'`),
		chromedp.Evaluate(chartState, &state),
		chromedp.Evaluate(`location.search`, &search),
		chromedp.Evaluate(`window.__marker === 'kept'`, &marker),
	)
	if !strings.HasPrefix(state, "Delhi · PM10: measured and predicted, 5 Mar 2020 to 20 Mar 2020 | 16 | Delhi") || !marker {
		t.Fatalf("after from and sort: %s (marker %v)", state, marker)
	}
	if search != "?dir=desc&from=2020-03-05&lead=1&location=Delhi&model=default&sort=abs_error&type=pm10" {
		t.Errorf("pushed URL %s", search)
	}

	// The dashboard: the same swaps, its latest measurement following.
	var latest string
	b.run(t,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`#view svg`),
		jsWait(`typeof htmx !== 'undefined'`),
		setField(`#f-location`, "Delhi"),
		jsWait(`location.search.includes('location=Delhi')`),
		setField(`#f-type`, "pm10"),
		jsWait(`(document.querySelector('#view .latest') || {textContent: ''}).textContent.includes('PM10 in Delhi')`),
		chromedp.Evaluate(`document.querySelector('#view .latest').textContent`, &latest),
		chromedp.Evaluate(chartState, &state),
	)
	if !strings.Contains(strings.Join(strings.Fields(latest), " "), "390.00 µg/m³ Very poor, AQI 350 on 20 Mar 2020") || !strings.HasPrefix(state, "Delhi · PM10") {
		t.Fatalf("dashboard: %q %s", latest, state)
	}
}

// TestBrowserCompareHistory: on /compare, a header click sorts (aria-sort and the arrow follow, only the
// view is swapped), Next and Previous page, and the match, size, location and pollutant selects (real
// keys) and a date filter each push a view; the dashboard's location and pollutant choice works the
// same way. Back and Forward then restore each view exactly, controls, rows, chart and metrics, and each
// pushed URL loaded afresh is the same view as a whole page.
func TestBrowserCompareHistory(t *testing.T) {
	base := compareBrowserServer(t)
	b := newBrowser(t)
	var states []string
	var sorted string
	var marker bool
	b.run(t,
		chromedp.Navigate(base+"/compare?location=Hyderabad&type=pm25&size=10"),
		chromedp.WaitVisible(`#view svg`),
		jsWait(`typeof htmx !== 'undefined'`),
		chromedp.Evaluate(`window.__marker = 'kept'`, nil),
	)
	states = append(states, b.state(t))
	b.run(t,
		chromedp.Click(`#sort-abs_error`),
		jsWait(`location.search.includes('sort=abs_error')`),
		chromedp.Evaluate(`[...document.querySelectorAll('#view th[aria-sort]')].map(th => th.textContent.replace(/\s+/g, ' ').trim() + ' ' + th.getAttribute('aria-sort')).join(', ')`, &sorted),
		chromedp.Evaluate(`window.__marker === 'kept'`, &marker),
	)
	states = append(states, b.state(t))
	if sorted != "|Error| (µg/m³)▼ descending" || !marker {
		t.Fatalf("sorted by |error|: %q (marker kept %v)", sorted, marker)
	}
	steps := []struct {
		what   string
		action chromedp.Action
		done   string
	}{
		{"next page", chromedp.Click(`#page-next`), `document.querySelector('#view .page-of').textContent.includes('Page 2 of 6')`},
		{"previous page", chromedp.Click(`#page-prev`), `document.querySelector('#view .page-of').textContent.includes('Page 1 of 6')`},
		{"all days", chromedp.SendKeys(`#f-match`, "A"), `location.search.includes('match=all')`},
		{"50 rows a page", chromedp.SendKeys(`#f-size`, "5"), `location.search.includes('size=50') && document.querySelectorAll('#view table.compare tbody tr').length === 50`},
		{"Delhi, which has no PM2.5: the empty state", chromedp.SendKeys(`#f-location`, "D"), `location.search.includes('location=Delhi') && !!document.querySelector('#view .empty')`},
		{"PM10", chromedp.SendKeys(`#f-type`, "P"), `location.search.includes('type=pm10') && document.querySelector('#view svg title').textContent.startsWith('Delhi · PM10')`},
		{"from 5 March", chromedp.Tasks{chromedp.Click(`#f-from`), setField(`#f-from`, "2020-03-05"), chromedp.Click(`#f-apply`)}, `location.search.includes('from=2020-03-05')`},
	}
	for _, s := range steps {
		b.run(t, s.action, jsWait(s.done))
		states = append(states, b.state(t))
	}
	var empty, chart string
	b.run(t, chromedp.Evaluate(`document.querySelector('#view svg title').textContent`, &chart), chromedp.Evaluate(`window.__marker === 'kept'`, &marker))
	if !strings.HasPrefix(chart, "Delhi · PM10: measured and predicted, 5 Mar 2020 to 20 Mar 2020") || !marker {
		t.Fatalf("chart %q (marker kept %v)", chart, marker)
	}
	if err := json.Unmarshal([]byte(states[6]), &struct{ Empty *string }{&empty}); err != nil || !strings.HasPrefix(empty, "No days for Delhi · PM2.5.") {
		t.Errorf("the empty state of Delhi PM2.5: %q (%v)", empty, err)
	}
	walkHistory(t, b, base, states)

	// The dashboard: its location and pollutant, chosen with keys, bring the latest measurement, chart and
	// table of that series; history restores each.
	states = nil
	b.run(t,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`#view svg`),
		jsWait(`typeof htmx !== 'undefined'`),
	)
	states = append(states, b.state(t))
	b.run(t, chromedp.SendKeys(`#f-location`, "D"), jsWait(`location.search.includes('location=Delhi') && !!document.querySelector('#view .empty')`))
	states = append(states, b.state(t))
	var latest string
	b.run(t,
		chromedp.SendKeys(`#f-type`, "P"),
		jsWait(`location.search.includes('type=pm10') && !!document.querySelector('#view .latest')`),
		chromedp.Evaluate(`document.querySelector('#view .latest').textContent.replace(/\s+/g, ' ').trim()`, &latest),
		chromedp.Evaluate(`document.querySelector('#view svg title').textContent`, &chart),
	)
	states = append(states, b.state(t))
	if latest != "Latest measurement of PM10 in Delhi: 390.00 µg/m³ Very poor, AQI 350 on 20 Mar 2020"+agoSuffix("2020-03-20")+"." || !strings.HasPrefix(chart, "Delhi · PM10") {
		t.Fatalf("dashboard after Delhi, PM10: %q, chart %q", latest, chart)
	}
	walkHistory(t, b, base, states)
}

// TestBrowserCompareWithoutJavaScript: with scripts off, the comparison's headers, pager and filter form,
// and the dashboard's form, work as plain links and GET forms.
func TestBrowserCompareWithoutJavaScript(t *testing.T) {
	base := compareBrowserServer(t)
	b := newBrowser(t)
	var search, pageOf, chart string
	b.run(t,
		emulation.SetScriptExecutionDisabled(true),
		chromedp.Navigate(base+"/compare?location=Hyderabad&type=pm25&size=10"),
		chromedp.WaitVisible(`#view tbody`),
		chromedp.Click(`#sort-abs_error`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#view th[aria-sort="descending"]:nth-child(7)`),
		chromedp.Click(`#page-next`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#page-prev`),
		chromedp.Location(&search),
		chromedp.Text(`#view .page-of`, &pageOf),
	)
	if !strings.Contains(search, "sort=abs_error") || !strings.Contains(search, "page=2") || pageOf != "Page 2 of 6" {
		t.Fatalf("no-JS sort and next: %s, %q", search, pageOf)
	}
	b.run(t,
		// One location's pollutant select offers that location's pollutants: choose Delhi, apply, then PM10.
		setField(`#f-location`, "Delhi"),
		chromedp.Click(`#f-apply`, chromedp.NodeVisible),
		chromedp.WaitReady(`#f-location option[value="Delhi"][selected]`),
		setField(`#f-type`, "pm10"),
		chromedp.Click(`#f-apply`, chromedp.NodeVisible),
		chromedp.WaitReady(`#f-type option[value="pm10"][selected]`),
		chromedp.Location(&search),
		chromedp.Evaluate(`document.querySelector('#view svg title').textContent`, &chart),
	)
	if !strings.Contains(search, "location=Delhi") || !strings.Contains(search, "type=pm10") || !strings.HasPrefix(chart, "Delhi · PM10") {
		t.Fatalf("no-JS compare form: %s, chart %q", search, chart)
	}
	var latest string
	b.run(t,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`#view .latest`),
		// One location's pollutant select offers that location's pollutants: choose Delhi, apply, then PM10.
		setField(`#f-location`, "Delhi"),
		chromedp.Click(`#f-apply`, chromedp.NodeVisible),
		chromedp.WaitReady(`#f-location option[value="Delhi"][selected]`),
		setField(`#f-type`, "pm10"),
		chromedp.Click(`#f-apply`, chromedp.NodeVisible),
		chromedp.WaitReady(`#f-type option[value="pm10"][selected]`),
		chromedp.Text(`#view .latest`, &latest),
		chromedp.Evaluate(`document.querySelector('#view svg title').textContent`, &chart),
	)
	if !strings.Contains(latest, "PM10 in Delhi") || !strings.HasPrefix(chart, "Delhi · PM10") {
		t.Fatalf("no-JS dashboard form: %q, chart %q", latest, chart)
	}
}

// agoSuffix is what the dashboard adds to the date of a latest measurement on iso, by this machine's
// clock (the server's): ", 6 years ago" (app/age), or nothing when it is recent.
func agoSuffix(iso string) string {
	d, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		panic(err)
	}
	if s := age.Ago(d, time.Now()); s != "" {
		return ", " + s
	}
	return ""
}
