package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/aqdash/aqdash/app/demo"
)

// The browser tests of the UI as a whole: every page at desktop and phone widths in both themes, the
// keyboard alone, the loading indicator and stale requests, and the history of every view (with the
// helpers the table and compare tests share: viewState, waitView, walkHistory). With SCREENSHOTS=dir set
// (make screenshots), the server holds the real demo data and TestBrowserEveryPage saves the dashboard's
// screenshots into dir.

// serveOnLoopback runs ts on a loopback port until the test ends and returns its base URL.
func serveOnLoopback(t *testing.T, ts *testServer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.app.Listener(ln) //nolint:errcheck // ends with Shutdown below
	t.Cleanup(func() { ts.stop(); _ = ts.app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// layoutFixture is the comparison fixture and a city with a long name (Thiruvananthapuram), which is
// what makes selects, cards and table cells wide on a phone.
func layoutFixture() (historic, predictions string) {
	h, p := compareFixture()
	var hb, pb strings.Builder
	d0 := time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 30 {
		d := d0.AddDate(0, 0, i).Format(time.DateOnly)
		fmt.Fprintf(&hb, "%s,Thiruvananthapuram,pm10,%d.25\n", d, 30+i*7)
		fmt.Fprintf(&pb, "%s,Thiruvananthapuram,pm10,%d.75\n", d, 28+i*7)
	}
	return h + hb.String(), p + pb.String()
}

// uiServer is the server the whole-UI tests look at: the layout fixture, or with SCREENSHOTS set, the
// real demo data (minutes to load: the three models at leads 1-3).
func uiServer(t *testing.T) string {
	t.Helper()
	if os.Getenv("SCREENSHOTS") == "" {
		h, p := layoutFixture()
		return serveOnLoopback(t, newTestServer(t, h, p))
	}
	ts := newTestServer(t, "", "")
	ts.cfg.DefaultModel = demo.DefaultModel // what make run shows (DEFAULT_MODEL's default)
	res, err := demo.Load(context.Background(), ts.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo data loaded in %v", res.Elapsed.Round(time.Millisecond))
	return serveOnLoopback(t, ts)
}

// watchLog fails the test on any error in the browser's log (where Chromium reports a
// Content-Security-Policy violation, and a failed load), except for the answers b expects.
func watchLog(t *testing.T, b *browser) {
	t.Helper()
	chromedp.ListenTarget(b.ctx, func(ev any) {
		e, ok := ev.(*cdplog.EventEntryAdded)
		if !ok || e.Entry.Level != cdplog.LevelError {
			return
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if e.Entry.URL != "" && b.isExpected(e.Entry.URL, 0) {
			return
		}
		b.problems = append(b.problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
	})
	b.run(t, cdplog.Enable())
}

// viewState is everything a person sees of the open view, as JSON: the URL and title, the state of every
// control, the headers with their sort arrows and aria-sort, the rows, the summary or empty state, the
// pager, the chart's title, the metrics and the dashboard's latest measurement.
const viewState = `(() => {
	const v = document.querySelector('#view');
	if (!v) return 'no #view';
	const text = e => e ? e.textContent.replace(/\s+/g, ' ').trim() : '';
	return JSON.stringify({
		url: location.pathname + location.search,
		title: document.title,
		controls: [...v.querySelectorAll('select, input')].map(e => e.name + '=' +
			(e.tagName === 'SELECT' ? [...e.selectedOptions].map(o => o.value).join('+') : e.value)),
		headers: [...v.querySelectorAll('thead th')].map(th => text(th) + ' ' + (th.getAttribute('aria-sort') || '')),
		rows: [...v.querySelectorAll('tbody tr')].map(text),
		summary: text(v.querySelector('.summary')),
		empty: text(v.querySelector('.empty')),
		pager: text(v.querySelector('.pager')),
		chart: text(v.querySelector('svg title')),
		metrics: text(v.querySelector('.metrics')),
		latest: text(v.querySelector('.latest')),
	}, null, 1);
})()`

// state reads viewState once htmx is idle.
func (b *browser) state(t *testing.T) string {
	t.Helper()
	var s string
	b.run(t, jsWait(`!!document.querySelector('#view')`), chromedp.Evaluate(viewState, &s))
	return s
}

// waitView waits (up to 10 s) until the open view is exactly want, and fails with the difference.
func (b *browser) waitView(t *testing.T, what, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := b.state(t)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the view is not the same:\n%s", what, lineDiff(want, got))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lineDiff shows the lines of want and got that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for i := range max(len(w), len(g)) {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			out = append(out, "  want "+a, "  got  "+c)
		}
	}
	return strings.Join(out, "\n")
}

// stateURL is the URL recorded in a viewState.
func stateURL(t *testing.T, state string) string {
	t.Helper()
	var s struct{ URL string }
	if err := json.Unmarshal([]byte(state), &s); err != nil {
		t.Fatalf("%v: %s", err, state)
	}
	return s.URL
}

// walkHistory checks the history of the views in states (recorded in order as each was shown; the last is
// the open one): Back restores each earlier view exactly, rows and controls, down to the first; Forward
// brings each back up to the last; then each pushed URL, loaded afresh as a whole page (as a reload or a
// bookmark does), is the same view again, and so is a reload of the last.
func walkHistory(t *testing.T, b *browser, base string, states []string) {
	t.Helper()
	for i := len(states) - 2; i >= 0; i-- {
		b.run(t, chromedp.NavigateBack())
		b.waitView(t, fmt.Sprintf("back to view %d (%s)", i, stateURL(t, states[i])), states[i])
	}
	for i := 1; i < len(states); i++ {
		b.run(t, chromedp.NavigateForward())
		b.waitView(t, fmt.Sprintf("forward to view %d (%s)", i, stateURL(t, states[i])), states[i])
	}
	for i, s := range states {
		b.run(t, chromedp.Navigate(base+stateURL(t, s)))
		b.waitView(t, fmt.Sprintf("view %d loaded as a whole page (%s)", i, stateURL(t, s)), s)
	}
	var marker string
	b.run(t, chromedp.Evaluate(`window.__reloaded = 'no'`, nil), chromedp.Reload(), chromedp.Evaluate(`typeof window.__reloaded`, &marker))
	if marker != "undefined" {
		t.Fatal("the reload did not reload")
	}
	b.waitView(t, "the last view reloaded", states[len(states)-1])
}

// focusVisible is empty when the focused element shows that it has the focus (an outline or a box
// shadow, on an element with a size), else what is wrong.
const focusVisible = `(() => {
	const e = document.activeElement;
	if (!e || e === document.body) return 'nothing has the focus';
	const s = getComputedStyle(e), r = e.getBoundingClientRect();
	const what = e.outerHTML.slice(0, 90);
	if (r.width === 0 || r.height === 0) return 'the focused element has no size: ' + what;
	const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
	const shadow = s.boxShadow && s.boxShadow !== 'none';
	return outline || shadow ? '' : 'no visible focus on ' + what;
})()`

// press sends one key (with modifiers) and waits for htmx to be idle.
func press(key string, mods ...input.Modifier) chromedp.Action {
	return chromedp.Tasks{chromedp.KeyEvent(key, chromedp.KeyModifiers(mods...)), jsWait(`true`)}
}

// tabTo presses Tab (Shift+Tab when back) until the element matching sel has the focus, checking at every
// stop that the focus is visible; it fails after 80 presses.
func (b *browser) tabTo(t *testing.T, sel string, back bool) {
	t.Helper()
	var mods []input.Modifier
	if back {
		mods = append(mods, input.ModifierShift)
	}
	for range 80 {
		var at bool
		var problem string
		b.run(t, press(kb.Tab, mods...), chromedp.Evaluate(fmt.Sprintf(`document.activeElement.matches(%q)`, sel), &at), chromedp.Evaluate(focusVisible, &problem))
		if problem != "" {
			t.Fatalf("tabbing to %s: %s", sel, problem)
		}
		if at {
			return
		}
	}
	t.Fatalf("80 presses of Tab never reached %s", sel)
}

// checkFocus fails unless the element matching sel has the focus and shows it.
func (b *browser) checkFocus(t *testing.T, sel string) {
	t.Helper()
	var at bool
	var problem string
	b.run(t, chromedp.Evaluate(fmt.Sprintf(`document.activeElement.matches(%q)`, sel), &at), chromedp.Evaluate(focusVisible, &problem))
	if !at || problem != "" {
		var active string
		b.run(t, chromedp.Evaluate(`document.activeElement.outerHTML.slice(0, 90)`, &active))
		t.Fatalf("the focus should be on %s and visible; it is on %s %s", sel, active, problem)
	}
}

// dateKeys returns a function giving the keys that type an ISO date into a focused date input, in the
// field order of the browser's locale (month first, day first or year first), which it finds by typing
// into a scratch input. Call it before tabbing: it moves the focus.
func (b *browser) dateKeys(t *testing.T) func(iso string) string {
	t.Helper()
	var got string
	b.run(t,
		chromedp.Evaluate(`(() => { const i = document.createElement('input'); i.type = 'date'; i.id = 'date-probe'; document.body.append(i); })()`, nil),
		chromedp.Focus(`#date-probe`),
		chromedp.KeyEvent("01022003"),
		chromedp.Evaluate(`(() => { const i = document.querySelector('#date-probe'); const v = i.value; i.remove(); return v; })()`, &got),
		chromedp.Evaluate(`document.activeElement.blur()`, nil),
	)
	return func(iso string) string {
		y, m, d := iso[0:4], iso[5:7], iso[8:10]
		switch got {
		case "2003-01-02":
			return m + d + y
		case "2003-02-01":
			return d + m + y
		}
		return y + m + d
	}
}

// TestBrowserKeyboardOnly: a person with only a keyboard (Tab, Shift+Tab, Enter, Space, arrows, and the
// digits of a date) sorts, pages and filters a table; every stop shows its focus, and after each swap the
// focus stays on the control that made it.
func TestBrowserKeyboardOnly(t *testing.T) {
	base := browserServer(t)
	b := newBrowser(t)
	b.run(t,
		chromedp.Navigate(base+"/historic?location=Hyderabad&type=pm25&size=10"),
		chromedp.WaitVisible(`#view tbody`),
		jsWait(`typeof htmx !== 'undefined'`),
		chromedp.Evaluate(`window.__marker = 'kept'`, nil),
	)
	dateKeys := b.dateKeys(t)
	// The first stop is the skip link, shown when focused.
	b.tabTo(t, `a.skip`, false)

	// Sort by value: Tab to its header, Enter.
	b.tabTo(t, `#sort-value`, false)
	b.run(t, press(kb.Enter), jsWait(`document.querySelector('#view th:nth-child(4)').getAttribute('aria-sort') === 'descending'`))
	b.checkFocus(t, `#sort-value`)
	var dates string
	b.run(t, chromedp.Evaluate(rowDates, &dates))
	if dates != "2020-07-10 2020-07-09 2020-07-08 2020-07-07 2020-07-06 2020-07-05 2020-07-04 2020-07-03 2020-07-02 2020-07-01" {
		t.Fatalf("sorted by value, descending: %s", dates)
	}

	// Next page: Tab on to the pager, Enter.
	b.tabTo(t, `#page-next`, false)
	b.run(t, press(kb.Enter), jsWait(`document.querySelector('#view .page-of').textContent.includes('Page 2 of 4')`))
	b.checkFocus(t, `#page-next`)

	// Rows per page: back to the select, one arrow down (10 to 15): the view starts again at page 1.
	b.tabTo(t, `#f-size`, true)
	b.run(t, press(kb.ArrowDown), jsWait(`location.search.includes('size=15') && document.querySelectorAll('#view tbody tr').length === 15`))
	b.checkFocus(t, `#f-size`)

	// Pollutant: arrow up to "All pollutants"; location: arrow up from Hyderabad to Delhi.
	b.tabTo(t, `#f-type`, true)
	for range 5 {
		var v string
		b.run(t, chromedp.Evaluate(`document.querySelector('#f-type').value`, &v))
		if v == "" {
			break
		}
		b.run(t, press(kb.ArrowUp))
	}
	b.run(t, jsWait(`!location.search.includes('type=')`))
	b.checkFocus(t, `#f-type`)
	b.tabTo(t, `#f-location`, true)
	b.run(t, press(kb.ArrowUp), jsWait(`location.search.includes('location=Delhi') && document.querySelectorAll('#view tbody tr').length === 10`))
	b.checkFocus(t, `#f-location`)

	// Dates: typed into the two date inputs, then Space on Apply.
	b.tabTo(t, `#f-from`, false)
	b.run(t, chromedp.KeyEvent(dateKeys("2020-06-03")))
	b.tabTo(t, `#f-to`, false)
	b.run(t, chromedp.KeyEvent(dateKeys("2020-06-05")))
	b.tabTo(t, `#f-apply`, false)
	b.run(t, press(" "), jsWait(`location.search.includes('from=2020-06-03') && location.search.includes('to=2020-06-05')`))
	b.checkFocus(t, `#f-apply`)
	var marker bool
	b.run(t, chromedp.Evaluate(rowDates, &dates), chromedp.Evaluate(`window.__marker === 'kept'`, &marker))
	if dates != "2020-06-03 2020-06-04 2020-06-05" || !marker { // Delhi's NO2 falls day by day: by value, descending
		t.Fatalf("after the date filter: %s (marker kept: %v)", dates, marker)
	}
}

// TestBrowserBusyAndStaleRequests: while a request is out, the loading indicator shows and the view
// fades; a newer request (a person's next click) replaces it, the older one is cancelled and never swapped
// in; the indicator hides once the view has settled. The first request is held by the browser (the Fetch
// domain) until the test has seen all this, so nothing depends on timing.
func TestBrowserBusyAndStaleRequests(t *testing.T) {
	base := browserServer(t)
	b := newBrowser(t)
	paused := make(chan *fetch.EventRequestPaused, 4)
	canceled := make(chan network.RequestID, 16)
	chromedp.ListenTarget(b.ctx, func(ev any) {
		switch e := ev.(type) {
		case *fetch.EventRequestPaused:
			select { // never block the browser's event loop
			case paused <- e:
			default:
			}
		case *network.EventLoadingFailed:
			if e.Canceled {
				select {
				case canceled <- e.RequestID:
				default:
				}
			}
		}
	})
	b.run(t,
		chromedp.Navigate(base+"/historic?location=Hyderabad&type=pm25&size=5"),
		chromedp.WaitVisible(`#view tbody`),
		jsWait(`typeof htmx !== 'undefined'`),
		chromedp.Evaluate(`window.__swaps = 0; document.body.addEventListener('htmx:afterSwap', () => window.__swaps++)`, nil),
	)
	var idle string
	b.run(t, chromedp.Evaluate(`getComputedStyle(document.querySelector('#busy')).opacity + ' ' + getComputedStyle(document.querySelector('#view')).opacity`, &idle))
	if idle != "0 1" {
		t.Fatalf("before any request, indicator and view opacity: %s", idle)
	}
	b.run(t,
		fetch.Enable().WithPatterns([]*fetch.RequestPattern{{URLPattern: "*sort=value*"}}),
		chromedp.Click(`#sort-value`),
	)
	var held *fetch.EventRequestPaused
	select {
	case held = <-paused:
	case <-time.After(10 * time.Second):
		t.Fatal("the sort request never left")
	}
	// The request is out: the spinner shows (fading in after a short delay, so quick answers never flash it)
	// and the view fades.
	b.run(t, chromedp.Poll(`(() => {
		const busy = document.querySelector('#busy'), spin = busy.querySelector('.spinner').getBoundingClientRect();
		return busy.classList.contains('htmx-request') && getComputedStyle(busy).opacity === '1' &&
			getComputedStyle(busy).visibility === 'visible' && spin.width > 0 && spin.height > 0 &&
			parseFloat(getComputedStyle(document.querySelector('#view')).opacity) < 1;
	})()`, nil, chromedp.WithPollingTimeout(10*time.Second)))

	// A click on Next while the sort is out: the sort is dropped (hx-sync="this:replace").
	b.run(t, chromedp.Click(`#page-next`))
	deadline := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case id := <-canceled:
			done = id == held.NetworkID
		case <-deadline:
			t.Fatal("the stale sort request was not cancelled")
		}
	}
	_ = chromedp.Run(b.ctx, fetch.ContinueRequest(held.RequestID)) // already cancelled: nothing to continue
	var dates, search string
	var swaps int
	b.run(t,
		fetch.Disable(),
		jsWait(`location.search.includes('page=2')`),
		chromedp.Evaluate(rowDates, &dates),
		chromedp.Evaluate(`location.search`, &search),
		chromedp.Evaluate(`window.__swaps`, &swaps),
		// Settled: the indicator hides and the view is opaque again.
		chromedp.Poll(`getComputedStyle(document.querySelector('#busy')).opacity === '0' && getComputedStyle(document.querySelector('#view')).opacity === '1'`,
			nil, chromedp.WithPollingTimeout(10*time.Second)),
	)
	if dates != "2020-07-05 2020-07-04 2020-07-03 2020-07-02 2020-07-01" || strings.Contains(search, "sort=value") || swaps != 1 {
		t.Fatalf("after the replaced request: rows %s, URL %s, %d swaps", dates, search, swaps)
	}
	// htmx reports the request it aborts on the console, as "errors" named after its events: that is how a
	// stale request is dropped, not a fault. Those two lines are expected here, and only those.
	b.mu.Lock()
	defer b.mu.Unlock()
	var rest []string
	aborted := 0
	for _, p := range b.problems {
		if strings.HasPrefix(p, "console error: ") && (strings.Contains(p, "htmx:sendAbort") || strings.Contains(p, "htmx:afterRequest")) {
			aborted++
			continue
		}
		rest = append(rest, p)
	}
	b.problems = rest
	if aborted != 2 {
		t.Errorf("htmx logged %d lines about the aborted request, want 2 (htmx:afterRequest, htmx:sendAbort)", aborted)
	}
}

// uiMode is a viewport and colour scheme.
type uiMode struct {
	name          string
	width, height int64
	dark          bool
}

func (m uiMode) apply() chromedp.Action {
	scheme := "light"
	if m.dark {
		scheme = "dark"
	}
	return chromedp.Tasks{
		emulation.SetDeviceMetricsOverride(m.width, m.height, 1, m.width < 600),
		emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}),
	}
}

// pageAudit lists what is wrong with the open page, for a viewport whose CSS width is the argument and
// a colour scheme (dark or not): anything wider than the viewport (a table may scroll inside its own
// box, the page may not), numbers not right-aligned, dates not readable or without an ISO datetime,
// a missing h1, and colours that do not follow the scheme.
const pageAudit = `((width, dark) => {
	const problems = [];
	const root = document.documentElement;
	if (root.scrollWidth > width) problems.push('the page scrolls sideways: ' + root.scrollWidth + ' px wide at ' + width +
		': ' + [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1 &&
			!e.closest('.table-scroll, .chart-scroll, .cal-scroll')).slice(0, 3).map(e => e.outerHTML.slice(0, 80)).join(' | '));
	if (root.lang !== 'en') problems.push('no lang');
	const h1 = document.querySelector('h1');
	if (!h1 || !h1.textContent.trim()) problems.push('no h1');
	const cards = width < 600 ? ':not(.overview)' : '';
	for (const e of document.querySelectorAll('table.data' + cards + ' .num')) {
		if (getComputedStyle(e).textAlign !== 'right') { problems.push('a number is not right-aligned: ' + e.outerHTML.slice(0, 80)); break; }
	}
	for (const e of document.querySelectorAll('time')) {
		if (!/^\d{4}-\d{2}-\d{2}$/.test(e.getAttribute('datetime')) || !/^\d{1,2} [A-Z][a-z]{2} \d{4}$/.test(e.textContent)) {
			problems.push('a date is not readable or has no ISO datetime: ' + e.outerHTML); break;
		}
	}
	const rgb = c => (c.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
	const lum = c => { const [r, g, b] = rgb(c); return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255; };
	const bg = lum(getComputedStyle(document.body).backgroundColor), fg = lum(getComputedStyle(document.body).color);
	if (dark ? !(bg < 0.15 && fg > 0.75) : !(bg > 0.9 && fg < 0.2)) problems.push('colours do not follow the ' + (dark ? 'dark' : 'light') + ' scheme: background ' + bg.toFixed(2) + ', text ' + fg.toFixed(2));
	return problems;
})`

// pageCase is one page TestBrowserEveryPage visits.
type pageCase struct {
	path   string
	status int64  // 0: 200
	title  string // the exact document title
	// check is JavaScript that returns '' when the page is right, else what is wrong.
	check string
}

// TestBrowserEveryPage visits every page, a few filtered and empty views and the error pages, at desktop
// and phone widths, light and dark: none has a console error, a failed request or a Content-Security-
// Policy violation (the error pages answer their status on purpose); each page's title names its view; none
// scrolls sideways at 375 px; numbers are right-aligned with units in headers, dates readable with ISO
// datetimes, colours follow prefers-color-scheme; the favicon loads; empty views say what is empty.
// With SCREENSHOTS=dir it looks at the real demo data and saves the dashboard at each size and scheme.
func TestBrowserEveryPage(t *testing.T) {
	base := uiServer(t)
	b := newBrowser(t)
	watchLog(t, b)
	unitsInHeaders := `(() => { const ths = [...document.querySelectorAll('#view th.num')].filter(th => !th.textContent.includes('%'));
		return ths.length && ths.every(th => th.querySelector('.unit')) ? '' : 'a numeric header without its unit'; })()`
	legend := `document.querySelectorAll('#view .aqi-legend .aqi').length === 6 ? '' : 'no AQI legend'`
	noChart := `document.querySelector('#view svg') ? 'a chart with nothing to draw' : ''`
	emptySays := func(want string) string {
		return fmt.Sprintf(`(() => { const e = document.querySelector('#view .empty'); return e && e.textContent.replace(/\s+/g, ' ').includes(%q) ? '' : 'the empty state does not say ' + %q; })()`, want, want)
	}
	pages := []pageCase{
		{path: "/", title: "Dashboard · Hyderabad · PM2.5 · aqdash", check: allOf(unitsInHeaders, legend)},
		{path: "/index", title: "Dashboard · Hyderabad · PM2.5 · aqdash"},
		{path: "/?location=Delhi&type=pm10", title: "Dashboard · Delhi · PM10 · aqdash", check: unitsInHeaders},
		{path: "/?location=Delhi&type=pm10&from=2030-01-01", title: "Dashboard · Delhi · PM10 · from 1 Jan 2030 · aqdash",
			check: allOf(emptySays("No days for Delhi · PM10 · from 1 Jan 2030."), noChart)},
		{path: "/compare", title: "Compare · aqdash"},
		{path: "/compare?location=Hyderabad&type=pm25&match=all&sort=abs_error", title: "Compare · Hyderabad · PM2.5 · aqdash", check: unitsInHeaders},
		{path: "/accuracy?type=pm25", title: "Accuracy by location · PM2.5 · aqdash"},
		{path: "/accuracy?by=season&by=lead&location=Delhi&type=pm10", title: "Accuracy by season and lead · Delhi · PM10 · aqdash"},
		{path: "/historic", title: "Measurements · aqdash"},
		{path: "/historic?location=Thiruvananthapuram&type=pm10", title: "Measurements · Thiruvananthapuram · PM10 · aqdash", check: unitsInHeaders},
		{path: "/historic?location=Delhi&type=no2&from=2030-01-01&to=2030-01-31", title: "Measurements · Delhi · NO2 · between 1 Jan 2030 and 31 Jan 2030 · aqdash",
			check: emptySays("No rows for Delhi · NO2 · between 1 Jan 2030 and 31 Jan 2030.")},
		{path: "/predictions", title: "Predictions · aqdash"},
		{path: "/locations/all", title: "Locations and pollutants · aqdash"},
		{path: "/locations?type=pm10&from=2020-03-01&to=2020-03-30", title: "Ranking · PM10 · 1 Mar 2020 to 30 Mar 2020 · aqdash"},
		{path: "/calendar?location=Thiruvananthapuram&type=pm10&year=2020&scale=us_epa", title: "Calendar · Thiruvananthapuram · PM10 · 2020 · aqdash"},
		{path: "/?location=Delhi&type=pm10&scale=us_epa", title: "Dashboard · Delhi · PM10 · aqdash", check: unitsInHeaders},
		{path: "/compare?location=Hyderabad&type=pm25&match=all&scale=us_epa", title: "Compare · Hyderabad · PM2.5 · aqdash", check: unitsInHeaders},
		{path: "/historic?location=Thiruvananthapuram&type=pm10&scale=us_epa", title: "Measurements · Thiruvananthapuram · PM10 · aqdash", check: unitsInHeaders},
		{path: "/raw_prediction_data", title: "Predictions · aqdash"},
		{path: "/no/such/page", status: 404, title: "Not found · aqdash"},
		{path: "/historic?from=2020-02-30", status: 400, title: "Bad request · Measurements · aqdash"},
		{path: "/compare?match=sometimes", status: 400, title: "Bad request · Compare · aqdash"},
		{path: "/accuracy?by=planet", status: 400, title: "Bad request · Accuracy · aqdash"},
	}
	for _, p := range pages {
		if p.status != 0 {
			b.expectStatus(p.status, p.path)
		}
	}
	modes := []uiMode{
		{"desktop-light", 1280, 1100, false},
		{"phone-light", 375, 1200, false},
		{"phone-dark", 375, 1200, true},
		{"desktop-dark", 1280, 1100, true},
	}
	dir := os.Getenv("SCREENSHOTS")
	for _, m := range modes {
		b.run(t, m.apply())
		for _, p := range pages {
			if m.name == "desktop-dark" && p.path != "/" {
				continue // the dark desktop is the phone's colours at the desktop's layout: its screenshot is enough
			}
			var title, status string
			var problems []string
			b.run(t,
				chromedp.Navigate(base+p.path),
				chromedp.WaitVisible(`main h1`),
				jsWait(`typeof htmx !== 'undefined'`),
				chromedp.Title(&title),
				chromedp.Evaluate(fmt.Sprintf(`%s(%d, %v)`, pageAudit, m.width, m.dark), &problems),
				chromedp.Evaluate(`(document.querySelector('.error strong') || {textContent: ''}).textContent`, &status),
			)
			if title != p.title {
				t.Errorf("%s %s: title %q, want %q", m.name, p.path, title, p.title)
			}
			if p.status != 0 && !strings.HasPrefix(status, fmt.Sprint(p.status)) {
				t.Errorf("%s %s: the error page says %q", m.name, p.path, status)
			}
			if p.check != "" {
				var problem string
				b.run(t, chromedp.Evaluate(p.check, &problem))
				if problem != "" {
					problems = append(problems, problem)
				}
			}
			for _, pr := range problems {
				t.Errorf("%s %s: %s", m.name, p.path, pr)
			}
			if dir != "" && p.path == "/" {
				saveScreenshot(t, b, filepath.Join(dir, "dashboard-"+m.name+".png"))
			}
		}
	}
	// The favicon (an SVG, named in every page's head) loads.
	var icon string
	b.run(t, chromedp.Evaluate(`fetch(document.querySelector('link[rel=icon]').href).then(r => r.status + ' ' + r.headers.get('Content-Type'))`, &icon,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if !strings.HasPrefix(icon, "200 image/svg+xml") {
		t.Errorf("favicon: %s", icon)
	}
}

// allOf joins checks (JavaScript expressions that are ” when fine) into one.
func allOf(checks ...string) string {
	return "[(" + strings.Join(checks, "), (") + ")].filter(s => s).join('; ')"
}

// saveScreenshot saves the viewport as a PNG, re-encoded at the best compression.
func saveScreenshot(t *testing.T, b *browser, path string) {
	t.Helper()
	var shot []byte
	b.run(t,
		chromedp.Evaluate(`window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()`, nil),
		chromedp.CaptureScreenshot(&shot),
	)
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved %s (%d KB)", path, buf.Len()>>10)
}

// TestBrowserPagesLeftWhileConnecting: a page left while its event stream is still connecting (its
// answer has begun but the page has not seen it open) must let the connection go. Over HTTP/1.1 a
// browser opens six connections to a host, and pages kept in the back/forward cache kept theirs: the
// seventh page in a tab could not load for about a minute. Here the browser holds every /events answer
// after its headers, so no stream ever opens.
func TestBrowserPagesLeftWhileConnecting(t *testing.T) {
	base := browserServer(t)
	b := newBrowser(t)
	b.run(t, fetch.Enable().WithPatterns([]*fetch.RequestPattern{{URLPattern: "*/events*", RequestStage: fetch.RequestStageResponse}}))
	for i := range 9 {
		ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
		err := chromedp.Run(ctx,
			chromedp.Navigate(fmt.Sprintf("%s/historic?size=%d", base, 10+i)),
			chromedp.WaitVisible(`#view tbody`),
			jsWait(`typeof htmx !== 'undefined'`),
		)
		cancel()
		if err != nil {
			t.Fatalf("page %d of one tab did not load: %v", i+1, err)
		}
	}
}
