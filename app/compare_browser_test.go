package main

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
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
		setField(`#f-from`, "2020-03-05"),
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
	if search != "?dir=desc&from=2020-03-05&location=Delhi&sort=abs_error&type=pm10" {
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
		jsWait(`document.querySelector('#view .latest').textContent.includes('PM10 in Delhi')`),
		chromedp.Evaluate(`document.querySelector('#view .latest').textContent`, &latest),
		chromedp.Evaluate(chartState, &state),
	)
	if !strings.Contains(strings.Join(strings.Fields(latest), " "), "390.00 µg/m³ Very poor on 20 Mar 2020") || !strings.HasPrefix(state, "Delhi · PM10") {
		t.Fatalf("dashboard: %q %s", latest, state)
	}
}
