package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browserServer runs the real server (routes, templates, embedded htmx) on a loopback port over a fresh
// database holding the fixture, and returns its base URL.
func browserServer(t *testing.T) string {
	t.Helper()
	h, p := fixture()
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

// browser starts headless Debian Chromium and records console errors, uncaught exceptions and failed or
// non-2xx requests; the test fails if any happened.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
	// expected holds the error answers a test asks for (an error page visited on purpose): status by
	// path and query.
	expected map[string]int64
}

// expectStatus declares that the answer to target (a path and query) is status, on purpose: an error
// page the test visits is not a failed request.
func (b *browser) expectStatus(status int64, target string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.expected == nil {
		b.expected = map[string]int64{}
	}
	b.expected[target] = status
}

// isExpected reports whether a response from rawURL with status was declared by expectStatus (status
// 0: any status); the caller holds b.mu.
func (b *browser) isExpected(rawURL string, status int64) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	want, ok := b.expected[u.RequestURI()]
	return ok && (status == 0 || want == status)
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Chromium is not installed at %s (make test installs it): %v", path, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	b := &browser{ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError || e.Type == runtime.APITypeWarning {
				b.problems = append(b.problems, "console "+string(e.Type)+": "+argsText(e.Args))
			}
		case *runtime.EventExceptionThrown:
			b.problems = append(b.problems, "exception: "+e.ExceptionDetails.Text)
		case *network.EventLoadingFailed:
			if !e.Canceled {
				b.problems = append(b.problems, "request failed: "+e.ErrorText)
			}
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 && !b.isExpected(e.Response.URL, e.Response.Status) {
				b.problems = append(b.problems, "HTTP "+e.Response.StatusText+" "+e.Response.URL)
			}
		case *cdplog.EventEntryAdded:
			// Chromium reports a Content-Security-Policy violation (an inline script or style, eval) in
			// its log, not the console.
			if e.Entry.Source == cdplog.SourceSecurity && e.Entry.Level == cdplog.LevelError || strings.Contains(e.Entry.Text, "Content Security Policy") {
				b.problems = append(b.problems, "CSP: "+e.Entry.Text)
			}
		}
	})
	if err := chromedp.Run(ctx, network.Enable(), runtime.Enable(), cdplog.Enable()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("browser: %s", p)
		}
	})
	return b
}

func argsText(args []*runtime.RemoteObject) string {
	var s []string
	for _, a := range args {
		s = append(s, string(a.Value)+a.Description)
	}
	return strings.Join(s, " ")
}

func (b *browser) run(t *testing.T, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		var state string
		ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
		defer cancel()
		_ = chromedp.Run(ctx, chromedp.Evaluate(`location.href + ' rows=' + document.querySelectorAll('#view tbody tr').length + ' ' + (document.querySelector('#view .summary') || {}).textContent`, &state))
		t.Fatalf("%v (page: %s)", err, strings.Join(strings.Fields(state), " "))
	}
}

// jsWait polls a JavaScript condition until it is true and htmx is idle (no request in flight, no swap
// settling), as a person would wait for the page before the next action.
func jsWait(cond string) chromedp.Action {
	idle := `!document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping, .htmx-added')`
	return chromedp.Poll("("+cond+") && "+idle, nil, chromedp.WithPollingTimeout(15*time.Second))
}

// setField sets a form control's value as a person would, firing input and change events.
func setField(sel, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q;
		e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); })()`, sel, value), nil)
}

// rowDates reads the dates of the table's rows.
const rowDates = `[...document.querySelectorAll('#view tbody time')].map(e => e.getAttribute('datetime')).join(' ')`

func TestBrowserTableSortPageFilterHistory(t *testing.T) {
	base := browserServer(t)
	b := newBrowser(t)
	var dates string
	var marker bool
	// states records each view as it was shown, for the walk through the history at the end.
	var states []string

	b.run(t,
		chromedp.Navigate(base+"/historic?location=Hyderabad&type=pm25&size=5"),
		chromedp.WaitVisible(`#view tbody`),
		jsWait(`typeof htmx !== 'undefined'`),
		chromedp.Evaluate(`window.__marker = 'kept'`, nil),
	)
	states = append(states, b.state(t))
	b.run(t,
		// Sort by value: a click on the header swaps only the view.
		chromedp.Click(`#view th:nth-child(4) a`),
		jsWait(`location.search.includes('sort=value')`),
		jsWait(`document.querySelector('#view th:nth-child(4)').getAttribute('aria-sort') === 'descending'`),
		chromedp.Evaluate(rowDates, &dates),
		chromedp.Evaluate(`window.__marker === 'kept'`, &marker),
	)
	states = append(states, b.state(t))
	if !marker {
		t.Fatal("the page reloaded: the window marker is gone")
	}

	if dates != "2020-07-10 2020-07-09 2020-07-08 2020-07-07 2020-07-06" {
		t.Fatalf("sorted by value desc: %s", dates)
	}
	var arrows string
	b.run(t,
		// Again: the direction flips, and so does the arrow.
		chromedp.Click(`#view th:nth-child(4) a`),
		jsWait(`document.querySelector('#view th:nth-child(4)').getAttribute('aria-sort') === 'ascending'`),
		chromedp.Evaluate(rowDates, &dates),
		chromedp.Evaluate(`[...document.querySelectorAll('#view th .sort-arrow')].map(e => e.textContent || '-').join('')`, &arrows),
	)
	states = append(states, b.state(t))
	if arrows != "---▲" {
		t.Errorf("sort arrows: %q", arrows)
	}
	b.run(t,
		// Next page, next again, then previous.
		chromedp.Click(`#view a[rel=next]`),
		jsWait(`location.search.includes('page=2')`),
		jsWait(`document.querySelector('.page-of').textContent.includes('Page 2 of 8')`),
	)
	states = append(states, b.state(t))
	if dates != "2020-06-01 2020-06-02 2020-06-03 2020-06-04 2020-06-05" {
		t.Fatalf("sorted by value asc: %s", dates)
	}
	b.run(t,
		chromedp.Click(`#view a[rel=next]`),
		jsWait(`document.querySelector('.page-of').textContent.includes('Page 3 of 8')`),
		chromedp.Evaluate(rowDates, &dates),
	)
	states = append(states, b.state(t))
	if dates != "2020-06-11 2020-06-12 2020-06-13 2020-06-14 2020-06-15" {
		t.Fatalf("page 3 by value asc: %s", dates)
	}
	b.run(t,
		chromedp.Click(`#view a[rel=prev]`),
		jsWait(`document.querySelector('.page-of').textContent.includes('Page 2 of 8')`),
		chromedp.Evaluate(rowDates, &dates),
	)
	states = append(states, b.state(t))
	if dates != "2020-06-06 2020-06-07 2020-06-08 2020-06-09 2020-06-10" {
		t.Fatalf("back to page 2 with Previous: %s", dates)
	}
	b.run(t,
		// Page size, pollutant and location, chosen with the keyboard as a person would: one key of type-ahead
		// each ("1" picks 10 rows, "A" all pollutants, "D" Delhi).
		chromedp.SendKeys(`#f-size`, "1"),
		jsWait(`location.search.includes('size=10') && document.querySelectorAll('#view tbody tr').length === 10`),
	)
	states = append(states, b.state(t))
	b.run(t,
		// Filter by location: Delhi has NO2 only, so pick the pollutant too.
		chromedp.SendKeys(`#f-type`, "A"),
		jsWait(`!location.search.includes('type=')`),
	)
	states = append(states, b.state(t))
	b.run(t,
		chromedp.SendKeys(`#f-location`, "D"),
		jsWait(`location.search.includes('location=Delhi') && document.querySelectorAll('#view tbody tr').length === 10`),
	)
	states = append(states, b.state(t))
	b.run(t,
		// Dates: typed, then applied with the button.
		setField(`#f-from`, "2020-06-03"),
		setField(`#f-to`, "2020-06-05"),
		chromedp.Click(`#view button[type=submit]`),
		jsWait(`location.search.includes('from=2020-06-03') && document.querySelectorAll('#view tbody tr').length === 3`),
		chromedp.Evaluate(`window.__marker === 'kept'`, &marker),
	)
	states = append(states, b.state(t))
	if !marker {
		t.Fatal("a filter reloaded the page")
	}
	var title string
	b.run(t, chromedp.Title(&title))
	if title != "Measurements · Delhi · between 3 Jun 2020 and 5 Jun 2020 · aqdash" {
		t.Errorf("title after swaps = %q", title)
	}

	// Back and forward restore each view exactly (rows, every control, the sort arrows, the title), and each
	// pushed URL loaded afresh is the same view as a whole page.
	walkHistory(t, b, base, states)
}

// TestBrowserWithoutJavaScript: with scripts off, headers, pager and the filter form still work as plain
// links and a GET form.
func TestBrowserWithoutJavaScript(t *testing.T) {
	base := browserServer(t)
	b := newBrowser(t)
	var dates, search string
	b.run(t,
		emulation.SetScriptExecutionDisabled(true),
		chromedp.Navigate(base+"/historic?location=Hyderabad&size=5"),
		chromedp.WaitVisible(`#view tbody`),
		chromedp.Click(`#view th:nth-child(4) a`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#view th[aria-sort="descending"]:nth-child(4)`),
		chromedp.Click(`#view a[rel=next]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#view a[rel=prev]`),
		chromedp.Location(&search),
		chromedp.Evaluate(rowDates, &dates),
	)
	if !strings.Contains(search, "page=2") || !strings.Contains(search, "sort=value") || dates != "2020-07-05 2020-07-04 2020-07-03 2020-07-02 2020-07-01" {
		t.Fatalf("no-JS sort and next: %s %s", search, dates)
	}
	b.run(t,
		setField(`#f-from`, "2020-06-10"),
		setField(`#f-to`, "2020-06-12"),
		chromedp.Click(`#view button[type=submit]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#f-from[value="2020-06-10"]`),
		chromedp.Location(&search),
		chromedp.Evaluate(rowDates, &dates),
	)
	if !strings.Contains(search, "from=2020-06-10") || dates != "2020-06-12 2020-06-11 2020-06-10" {
		t.Fatalf("no-JS filter form: %s %s", search, dates)
	}
}
