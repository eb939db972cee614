package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The browser tests of what a person meets at the filters and after a swap, in the default
// configuration (page cache on): dates typed with real key events, a bad filter, a scrolled page, the
// phone's chart, the metric definitions, what a screen reader hears, and axe-core on every page.

// axeSource is axe-core (app/testdata/README.md), injected into pages by the tests only.
//
//go:embed testdata/axe.min.js
var axeSource string

// placeFixture is long enough to scroll: Hyderabad's PM2.5 measured and predicted every day of 2019 and
// into 2020 (400 days, so four pages of 100), and Delhi's NO2 and PM10 for 20 days.
func placeFixture() (historic, predictions string) {
	var h, p strings.Builder
	h.WriteString("date,location,type,value\n")
	p.WriteString("date,location,type,prediction\n")
	d0 := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 400 {
		d := d0.AddDate(0, 0, i).Format(time.DateOnly)
		fmt.Fprintf(&h, "%s,Hyderabad,pm25,%d.5\n", d, 20+(i*7)%130)
		fmt.Fprintf(&p, "%s,Hyderabad,pm25,%d\n", d, 25+(i*5)%120)
		if i < 20 {
			fmt.Fprintf(&h, "%s,Delhi,no2,%d\n", d, 30+i)
			fmt.Fprintf(&h, "%s,Delhi,pm10,%d\n", d, 200+i*9)
			fmt.Fprintf(&p, "%s,Delhi,pm10,%d\n", d, 190+i*10)
		}
	}
	return h.String(), p.String()
}

// placeServer is the real server with the page cache on (newTestServer's default) over placeFixture.
func placeServer(t *testing.T) string {
	t.Helper()
	h, p := placeFixture()
	return serveOnLoopback(t, newTestServer(t, h, p))
}

// requestLog records the requests the page sends for a view (any path but /events and /static).
type requestLog struct {
	mu   sync.Mutex
	urls []string
}

func (b *browser) logRequests() *requestLog {
	l := &requestLog{}
	chromedp.ListenTarget(b.ctx, func(ev any) {
		e, ok := ev.(*network.EventRequestWillBeSent)
		if !ok {
			return
		}
		u, err := url.Parse(e.Request.URL)
		if err != nil || u.Path == "/events" || strings.HasPrefix(u.Path, "/static/") || u.Path == "/favicon.ico" {
			return
		}
		l.mu.Lock()
		l.urls = append(l.urls, u.RequestURI())
		l.mu.Unlock()
	})
	return l
}

// take returns the requests logged since the last take.
func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.urls
	l.urls = nil
	return out
}

// forgive drops the problems b recorded that match, and returns how many there were.
func (b *browser) forgive(match func(string) bool) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	var rest []string
	n := 0
	for _, p := range b.problems {
		if match(p) {
			n++
			continue
		}
		rest = append(rest, p)
	}
	b.problems = rest
	return n
}

// focusIs fails unless the element matching sel has the focus (after a click, which shows no focus ring).
func (b *browser) focusIs(t *testing.T, sel string) {
	t.Helper()
	var at bool
	b.run(t, chromedp.Evaluate(fmt.Sprintf(`document.activeElement.matches(%q)`, sel), &at))
	if !at {
		var active string
		b.run(t, chromedp.Evaluate(`document.activeElement.outerHTML.slice(0, 90)`, &active))
		t.Fatalf("the focus should be on %s; it is on %s", sel, active)
	}
}

// hxRequests counts the requests htmx starts, in the page (installed after each whole page load).
const hxRequests = `window.__hx = 0; document.body.addEventListener('htmx:beforeRequest', () => window.__hx++)`

// TestBrowserTypedDatesApplyOnce: on every view, a date typed with real key events into a date input
// sends nothing while it is typed (Chromium fires change once per year digit); it applies once, with
// the date typed, on Enter, on leaving the dates (Tab on to the next control; moving from one date to
// the other waits) and on Apply, and the focus stays where the person is.
func TestBrowserTypedDatesApplyOnce(t *testing.T) {
	base := placeServer(t)
	b := newBrowser(t)
	reqs := b.logRequests()
	views := []string{"/", "/compare?location=Hyderabad&type=pm25", "/historic?location=Hyderabad&type=pm25", "/predictions?location=Hyderabad&type=pm25"}
	var dateKeys func(string) string
	for _, view := range views {
		b.run(t, chromedp.Navigate(base+view), chromedp.WaitVisible(`#view tbody`), jsWait(`typeof htmx !== 'undefined'`), chromedp.Evaluate(hxRequests, nil))
		if dateKeys == nil {
			dateKeys = b.dateKeys(t)
		}
		reqs.take()
		path := strings.SplitN(view, "?", 2)[0]

		// typeInto types iso into the date input sel with real key events; nothing may be sent meanwhile.
		typeInto := func(sel, iso string) {
			t.Helper()
			var value string
			var hx int
			b.run(t, chromedp.Focus(sel), chromedp.KeyEvent(dateKeys(iso)),
				chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).value`, sel), &value), chromedp.Evaluate(`window.__hx`, &hx))
			if value != iso {
				t.Fatalf("%s: typed %s into %s, it holds %q", view, iso, sel, value)
			}
			if sent := reqs.take(); hx != 0 || len(sent) != 0 {
				t.Fatalf("%s: typing %s into %s sent %d htmx requests: %v", view, iso, sel, hx, sent)
			}
		}
		// applied waits for the one request a step sends and checks its URL and where the focus is.
		applied := func(how string, want []string, focus string) {
			t.Helper()
			cond := make([]string, len(want))
			for i, w := range want {
				cond[i] = fmt.Sprintf(`location.search.includes(%q)`, w)
			}
			var hx int
			b.run(t, jsWait(strings.Join(cond, " && ")+` && window.__hx > 0`), chromedp.Evaluate(`window.__hx`, &hx), chromedp.Evaluate(`window.__hx = 0`, nil))
			sent := reqs.take()
			if hx != 1 || len(sent) != 1 || !strings.HasPrefix(sent[0], path+"?") {
				t.Fatalf("%s, %s: %d htmx requests, sent %v; want one to %s", view, how, hx, sent, path)
			}
			for _, w := range want {
				if !strings.Contains(sent[0], w) {
					t.Errorf("%s, %s: sent %s, want %s in it", view, how, sent[0], w)
				}
			}
			b.checkFocus(t, focus)
		}

		// Enter in the date applies it.
		typeInto(`#f-from`, "2019-03-01")
		b.run(t, chromedp.KeyEvent(kb.Enter))
		applied("Enter", []string{"from=2019-03-01"}, `#f-from`)

		// From one date to the other: nothing yet. Tab on past the dates: applied, the focus on the next control.
		typeInto(`#f-from`, "2019-02-01")
		typeInto(`#f-to`, "2019-06-30") // focusing #f-to left #f-from for the other date: no request
		next := `#f-scale`
		if path == "/" || path == "/compare" {
			next = `#f-match`
		}
		// Tab moves through the date's own parts (its picker button) before it leaves the input.
		for range 3 {
			var in bool
			b.run(t, chromedp.KeyEvent(kb.Tab), chromedp.Evaluate(`document.activeElement.id === 'f-to'`, &in))
			if !in {
				break
			}
		}
		applied("leaving the dates", []string{"from=2019-02-01", "to=2019-06-30"}, next)

		// Apply.
		typeInto(`#f-to`, "2019-05-31")
		b.run(t, chromedp.Focus(`#f-apply`), chromedp.KeyEvent(" "))
		applied("Apply", []string{"from=2019-02-01", "to=2019-05-31"}, `#f-apply`)

		var search, dates string
		b.run(t, chromedp.Evaluate(`location.search`, &search), chromedp.Evaluate(rowDates, &dates))
		if !strings.Contains(search, "from=2019-02-01") || !strings.Contains(search, "to=2019-05-31") || !strings.HasPrefix(dates, "2019-05-31 2019-05-30") {
			t.Errorf("%s: at the end the URL is %s and the rows %.40s", view, search, dates)
		}
	}
}

// TestBrowserBadFilterInView: from after to is a 400 that shows inside the view: the form still there
// with the person's dates, the bad field marked and styled, the message linked to it; with JavaScript off
// a whole page says the same; correcting the date brings the rows back.
func TestBrowserBadFilterInView(t *testing.T) {
	base := placeServer(t)
	b := newBrowser(t)
	check := func(how string) {
		t.Helper()
		var got struct {
			Form, Rows, Live     bool
			From, To, Invalid    string
			DescribedBy, Message string
			Border, OtherBorder  string
			H1                   string
		}
		b.run(t, chromedp.Evaluate(`(() => {
			const v = document.querySelector('#view'), f = document.querySelector('#f-from');
			const err = document.getElementById(f.getAttribute('aria-describedby') || 'none');
			return {
				Form: !!v.querySelector('form.filters'), Rows: !!v.querySelector('tbody'), Live: v.hasAttribute('data-live-url'),
				From: f.value, To: document.querySelector('#f-to').value, Invalid: f.getAttribute('aria-invalid') || '',
				DescribedBy: f.getAttribute('aria-describedby') || '', Message: err && v.contains(err) ? err.textContent.replace(/\s+/g, ' ').trim() : '',
				Border: getComputedStyle(f).borderTopColor + ' ' + getComputedStyle(f).borderTopWidth,
				OtherBorder: getComputedStyle(document.querySelector('#f-location')).borderTopColor + ' ' + getComputedStyle(document.querySelector('#f-location')).borderTopWidth,
				H1: document.querySelector('h1').textContent,
			};
		})()`, &got))
		if !got.Form || got.Rows || got.Live || got.From != "2019-06-01" || got.To != "2019-03-01" || got.Invalid != "true" ||
			got.DescribedBy != "view-error" || !strings.Contains(got.Message, "400 · Bad request. from: 2019-06-01 is after to (2019-03-01)") ||
			got.Border == got.OtherBorder || got.H1 != "Compare: measured against predicted" {
			t.Errorf("%s: the bad filter's view: %+v", how, got)
		}
	}
	b.run(t, chromedp.Navigate(base+"/compare?location=Hyderabad&type=pm25"), chromedp.WaitVisible(`#view tbody`), jsWait(`typeof htmx !== 'undefined'`))
	dateKeys := b.dateKeys(t)
	b.run(t,
		chromedp.Focus(`#f-from`), chromedp.KeyEvent(dateKeys("2019-06-01")),
		chromedp.Focus(`#f-to`), chromedp.KeyEvent(dateKeys("2019-03-01")),
		chromedp.Click(`#f-apply`),
		jsWait(`!!document.querySelector('#view-error')`),
	)
	check("after Apply")
	b.focusIs(t, `#f-apply`)
	// The answer was a 400 on purpose; htmx logs the error response on the console.
	if n := b.forgive(func(p string) bool {
		return strings.Contains(p, "from=2019-06-01") && strings.Contains(p, "Bad Request") || strings.Contains(p, "Response Status Error Code 400 from /compare")
	}); n == 0 {
		t.Error("the bad filter was not answered 400")
	}
	// Correct it: the rows are back.
	b.run(t, chromedp.Focus(`#f-from`), chromedp.KeyEvent(dateKeys("2019-02-01")), chromedp.Click(`#f-apply`),
		jsWait(`!!document.querySelector('#view tbody') && location.search.includes('from=2019-02-01')`))
	var invalid int
	b.run(t, chromedp.Evaluate(`document.querySelectorAll('[aria-invalid=true]').length`, &invalid))
	if invalid != 0 {
		t.Errorf("after the correction %d fields are still marked", invalid)
	}

	// The same as a whole page, with JavaScript off.
	target := "/compare?location=Hyderabad&type=pm25&from=2019-06-01&to=2019-03-01"
	b.expectStatus(400, target)
	b.run(t, emulation.SetScriptExecutionDisabled(true), chromedp.Navigate(base+target), chromedp.WaitVisible(`#view-error`))
	check("a whole page without JavaScript")
}

// TestBrowserSwapKeepsPlace: on a scrolled page (3,300 px down /historic?size=100), Next, a sort and a
// filter each leave the table's header on screen afterwards, and the focus on the control used.
func TestBrowserSwapKeepsPlace(t *testing.T) {
	base := placeServer(t)
	b := newBrowser(t)
	headerOnScreen := `(() => { const r = document.querySelector('#view thead').getBoundingClientRect();
		return r.top >= 0 && r.bottom <= innerHeight ? '' : 'the header is at ' + Math.round(r.top) + ' to ' + Math.round(r.bottom) + ' px, the window ' + innerHeight + ' px high, scrolled ' + Math.round(scrollY); })()`
	b.run(t, chromedp.Navigate(base+"/historic?location=Hyderabad&type=pm25&size=100"), chromedp.WaitVisible(`#view tbody`), jsWait(`typeof htmx !== 'undefined'`))
	steps := []struct {
		name    string
		scroll  string // JavaScript that scrolls before the step
		act     chromedp.Action
		done    string
		focused string
	}{
		// Each control is reached from the keyboard (focused where it is, without scrolling) and used with
		// Enter or an arrow, so the focus shows.
		{"Next", `window.scrollTo(0, 3300); document.querySelector('#page-next').focus({preventScroll: true})`, chromedp.KeyEvent(kb.Enter), `location.search.includes('page=2')`, `#page-next`},
		{"Next again", `window.scrollTo(0, 3300); document.querySelector('#page-next').focus({preventScroll: true})`, chromedp.KeyEvent(kb.Enter), `location.search.includes('page=3')`, `#page-next`},
		{"sort by value", `document.querySelector('#view thead').scrollIntoView({block: 'end'}); document.querySelector('#sort-value').focus({preventScroll: true})`, chromedp.KeyEvent(kb.Enter), `location.search.includes('sort=value')`, `#sort-value`},
		// The page size, with the page scrolled far below it.
		{"page size", `window.scrollTo(0, 3300); document.querySelector('#f-size').focus({preventScroll: true})`, chromedp.KeyEvent(kb.ArrowUp), `location.search.includes('size=50')`, `#f-size`},
	}
	for _, st := range steps {
		var scrolled float64
		b.run(t, chromedp.Evaluate(st.scroll, nil), chromedp.Evaluate(`scrollY`, &scrolled))
		if st.name != "sort by value" && scrolled < 3000 {
			t.Fatalf("%s: the page scrolled only %v px", st.name, scrolled)
		}
		var problem string
		b.run(t, st.act, jsWait(st.done), chromedp.Evaluate(headerOnScreen, &problem))
		if problem != "" {
			t.Errorf("after %s: %s", st.name, problem)
		}
		b.checkFocus(t, st.focused)
	}
}

// TestBrowserPhoneChart: on a 375 px phone the dashboard's chart scrolls in its own box, which opens at
// its start with the y axis in view, is labelled, and scrolls from the keyboard once focused.
func TestBrowserPhoneChart(t *testing.T) {
	base := placeServer(t)
	b := newBrowser(t)
	var got struct {
		Left, Scroll, Client float64
		Tab                  int
		Role, Label, Axis    string
		AxisIn               bool
	}
	b.run(t, uiMode{"phone-light", 375, 800, false}.apply(), chromedp.Navigate(base+"/"), chromedp.WaitVisible(`.chart-scroll`),
		chromedp.Evaluate(`(() => {
			const s = document.querySelector('.chart-scroll'), box = s.getBoundingClientRect();
			const axis = document.querySelector('.chart-svg .axis-label[transform]').getBoundingClientRect();
			const tick = document.querySelector('.chart-svg .chart-axes text.tick').getBoundingClientRect();
			return {Left: s.scrollLeft, Scroll: s.scrollWidth, Client: s.clientWidth, Tab: s.tabIndex, Role: s.getAttribute('role') || '',
				Label: s.getAttribute('aria-label') || '', AxisIn: axis.left >= box.left - 2 && axis.right <= box.right && tick.left >= box.left,
				Axis: [axis.left, axis.right, tick.left, box.left, box.right].map(Math.round).join(' ')};
		})()`, &got))
	if got.Left != 0 || got.Scroll <= got.Client || got.Tab != 0 || got.Role != "region" || !strings.HasPrefix(got.Label, "Chart: Hyderabad · PM2.5") || !got.AxisIn {
		t.Fatalf("the phone's chart box: %+v", got)
	}
	b.tabTo(t, `.chart-scroll`, false)
	b.run(t, chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight),
		chromedp.Poll(`document.querySelector('.chart-scroll').scrollLeft > 0`, nil, chromedp.WithPollingTimeout(5*time.Second)))
}

// TestBrowserTermsAndAnnouncements: each metric's definition opens from the keyboard (Enter, closed
// with Escape, the focus back on the term) and by a tap (closed by a tap elsewhere); after a swap the
// result is said in the page's polite live region, which outlives the swap.
func TestBrowserTermsAndAnnouncements(t *testing.T) {
	base := placeServer(t)
	b := newBrowser(t)
	b.run(t, chromedp.Navigate(base+"/?size=10"), chromedp.WaitVisible(`#view tbody`), jsWait(`typeof htmx !== 'undefined'`))
	defShown := `(() => { const d = document.querySelector('details.term'); const r = d.querySelector('.term-def').getBoundingClientRect();
		return d.open && r.width > 100 && r.height > 10 && document.elementFromPoint(r.left + 5, r.top + 5) !== null &&
			d.querySelector('.term-def').textContent.includes('Rows with both a measurement and a prediction'); })()`
	var open bool
	b.tabTo(t, `details.term summary`, false)
	b.run(t, press(kb.Enter), chromedp.Evaluate(defShown, &open))
	if !open {
		t.Fatal("Enter on the first metric did not show its definition")
	}
	b.run(t, press(kb.Escape), chromedp.Evaluate(`document.querySelector('details.term').open`, &open))
	if open {
		t.Fatal("Escape did not close the definition")
	}
	b.checkFocus(t, `details.term summary`)
	b.run(t, chromedp.Click(`details.term summary`), chromedp.Evaluate(defShown, &open))
	if !open {
		t.Fatal("a tap on the first metric did not show its definition")
	}
	b.run(t, chromedp.Click(`h1`), chromedp.Evaluate(`document.querySelectorAll('details.term[open]').length === 0`, &open))
	if !open {
		t.Fatal("a tap elsewhere did not close the definition")
	}

	var region, live, said, caption string
	b.run(t, chromedp.Evaluate(`(() => { const a = document.querySelector('#announce'); a.dataset.kept = 'yes'; return a.getAttribute('aria-live') + ' ' + a.getAttribute('role'); })()`, &region))
	if region != "polite status" {
		t.Fatalf("the live region: %q", region)
	}
	b.run(t, chromedp.Click(`#page-next`), jsWait(`location.search.includes('page=2')`),
		chromedp.Poll(`document.querySelector('#announce').textContent !== ''`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Evaluate(`document.querySelector('#announce').dataset.kept || ''`, &live),
		chromedp.Evaluate(`document.querySelector('#announce').textContent`, &said),
		chromedp.Evaluate(`document.querySelector('#view-caption').textContent.replace(/\s+/g, ' ').trim()`, &caption))
	if live != "yes" || said != caption || !strings.Contains(said, "400 days · Hyderabad · PM2.5") {
		t.Errorf("after a swap the live region (kept: %q) says %q; the caption is %q", live, said, caption)
	}
}

// axeViolation is one rule axe-core found broken, with the nodes that break it.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct {
		Target         []any
		FailureSummary string
	}
}

// runAxe injects axe-core into the open page through the DevTools protocol (Runtime.evaluate is not
// bound by the page's Content-Security-Policy, which allows only its own scripts) and returns its
// serious and critical violations.
func (b *browser) runAxe(t *testing.T) []axeViolation {
	t.Helper()
	var res struct {
		Passes     int
		Violations []axeViolation
	}
	b.run(t,
		chromedp.Evaluate(axeSource+";0", nil),
		chromedp.Evaluate(`axe.run(document).then(r => ({passes: r.passes.length, violations: r.violations
			.filter(v => v.impact === 'serious' || v.impact === 'critical')
			.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => ({target: n.target, failureSummary: n.failureSummary}))}))}))`,
			&res, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	if res.Passes < 10 {
		t.Fatalf("axe-core checked only %d rules: did it run?", res.Passes)
	}
	return res.Violations
}

// TestBrowserAxe runs axe-core on every page (the dashboard, a comparison of one series, both tables,
// the ranking, the calendar, the accuracy view, an error page and a view with a bad filter), on both AQI
// scales, at 375 and 1280 px wide, light and dark, with a metric's definition open on the dashboard: any
// serious or critical violation fails, printed.
func TestBrowserAxe(t *testing.T) {
	base := placeServer(t)
	pages := []string{"/", "/compare?location=Hyderabad&type=pm25", "/accuracy?type=pm25", "/historic", "/predictions", "/locations", "/no/such/page",
		"/historic?location=Delhi&from=2019-01-10&to=2019-01-01",
		// Every page again on the US EPA scale (its own badge colours), and Delhi's PM10, whose values
		// reach the bands the Hyderabad fixture does not.
		"/?scale=us_epa", "/compare?location=Hyderabad&type=pm25&scale=us_epa", "/accuracy?type=pm25&scale=us_epa", "/historic?scale=us_epa", "/predictions?scale=us_epa",
		"/locations?scale=us_epa", "/no/such/page?scale=us_epa", "/historic?location=Delhi&from=2019-01-10&to=2019-01-01&scale=us_epa",
		"/?location=Delhi&type=pm10&scale=us_epa", "/?location=Delhi&type=pm10"}
	axePages(t, base, pages, func(b *browser) {
		b.expectStatus(404, "/no/such/page")
		b.expectStatus(404, "/no/such/page?scale=us_epa")
		b.expectStatus(400, "/historic?location=Delhi&from=2019-01-10&to=2019-01-01")
		b.expectStatus(400, "/historic?location=Delhi&from=2019-01-10&to=2019-01-01&scale=us_epa")
	})
}

// TestBrowserAxeCalendarRanking runs the same check on the calendar and the city ranking, in both
// scales and for a pollutant without bands, and the overview of every series.
func TestBrowserAxeCalendarRanking(t *testing.T) {
	base := placeServer(t)
	axePages(t, base, []string{"/calendar", "/calendar?location=Hyderabad&type=pm25&year=2019&scale=us_epa", "/calendar?location=Delhi&type=no2&year=2019",
		"/locations?type=pm25&from=2019-01-01&to=2019-12-31&scale=us_epa&sort=unhealthy_or_worse", "/locations?type=no2", "/locations/all"}, nil)
}

// axePages runs axe-core on each page at 375 and 1280 px wide, light and dark, a browser per mode (each
// has its own time limit; expect declares its expected error statuses), and fails on every serious or
// critical violation, printed.
func axePages(t *testing.T, base string, pages []string, expect func(*browser)) {
	t.Helper()
	for _, m := range []uiMode{{"phone-light", 375, 800, false}, {"phone-dark", 375, 800, true}, {"desktop-light", 1280, 900, false}, {"desktop-dark", 1280, 900, true}} {
		b := newBrowser(t)
		if expect != nil {
			expect(b)
		}
		b.run(t, m.apply())
		for _, p := range pages {
			b.run(t, chromedp.Navigate(base+p), chromedp.WaitVisible(`main h1`), jsWait(`typeof htmx !== 'undefined'`))
			if p == "/" || p == "/?scale=us_epa" {
				b.run(t, chromedp.Evaluate(`document.querySelector('details.term').open = true`, nil))
			}
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
