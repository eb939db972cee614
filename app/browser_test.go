package main

import (
	"context"
	"fmt"
	"net"
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
			if e.Response.Status >= 400 {
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
	var dates, search string
	var marker bool

	b.run(t,
		chromedp.Navigate(base+"/historic?location=Hyderabad&type=pm25&size=5"),
		chromedp.WaitVisible(`#view tbody`),
		jsWait(`typeof htmx !== 'undefined'`),
		chromedp.Evaluate(`window.__marker = 'kept'`, nil),
		// Sort by value: a click on the header swaps only the view.
		chromedp.Click(`#view th:nth-child(4) a`),
		jsWait(`location.search.includes('sort=value')`),
		jsWait(`document.querySelector('#view th:nth-child(4)').getAttribute('aria-sort') === 'descending'`),
		chromedp.Evaluate(rowDates, &dates),
		chromedp.Evaluate(`window.__marker === 'kept'`, &marker),
	)
	if !marker {
		t.Fatal("the page reloaded: the window marker is gone")
	}

	if dates != "2020-07-10 2020-07-09 2020-07-08 2020-07-07 2020-07-06" {
		t.Fatalf("sorted by value desc: %s", dates)
	}
	b.run(t,
		// Again: the direction flips.
		chromedp.Click(`#view th:nth-child(4) a`),
		jsWait(`document.querySelector('#view th:nth-child(4)').getAttribute('aria-sort') === 'ascending'`),
		chromedp.Evaluate(rowDates, &dates),
		// Next page.
		chromedp.Click(`#view a[rel=next]`),
		jsWait(`location.search.includes('page=2')`),
		jsWait(`document.querySelector('.page-of').textContent.includes('Page 2 of 8')`),
	)
	if dates != "2020-06-01 2020-06-02 2020-06-03 2020-06-04 2020-06-05" {
		t.Fatalf("sorted by value asc: %s", dates)
	}
	b.run(t,
		chromedp.Evaluate(rowDates, &dates),
		// Page size, pollutant and location, chosen with the keyboard as a person would: one key of type-ahead
		// each ("1" picks 10 rows, "A" all pollutants, "D" Delhi).
		chromedp.SendKeys(`#f-size`, "1"),
		jsWait(`location.search.includes('size=10') && document.querySelectorAll('#view tbody tr').length === 10`),
		// Filter by location: Delhi has NO2 only, so pick the pollutant too.
		chromedp.SendKeys(`#f-type`, "A"),
		jsWait(`!location.search.includes('type=')`),
		chromedp.SendKeys(`#f-location`, "D"),
		jsWait(`location.search.includes('location=Delhi') && document.querySelectorAll('#view tbody tr').length === 10`),
		// Dates: typed, then applied with the button.
		setField(`#f-from`, "2020-06-03"),
		setField(`#f-to`, "2020-06-05"),
		chromedp.Click(`#view button[type=submit]`),
		jsWait(`location.search.includes('from=2020-06-03') && document.querySelectorAll('#view tbody tr').length === 3`),
		chromedp.Evaluate(`window.__marker === 'kept'`, &marker),
	)
	if dates != "2020-06-06 2020-06-07 2020-06-08 2020-06-09 2020-06-10" {
		t.Fatalf("page 2 by value asc: %s", dates)
	}
	if !marker {
		t.Fatal("a filter reloaded the page")
	}
	var title string
	b.run(t, chromedp.Title(&title))
	if title != "Measurements · Delhi · between 3 Jun 2020 and 5 Jun 2020 · aqdash" {
		t.Errorf("title after swaps = %q", title)
	}

	// Back and forward restore each view, rows and controls.
	var loc, from string
	b.run(t,
		chromedp.NavigateBack(),
		jsWait(`!location.search.includes('from=')`),
		jsWait(`document.querySelectorAll('#view tbody tr').length === 10`),
		chromedp.Evaluate(`document.querySelector('#f-location').value`, &loc),
		chromedp.Evaluate(`document.querySelector('#f-from').value`, &from),
	)
	if loc != "Delhi" || from != "" {
		t.Fatalf("back: location %q from %q", loc, from)
	}
	b.run(t,
		// Three more steps back: the pollutant choice, the page size, then page 2.
		chromedp.NavigateBack(),
		chromedp.NavigateBack(),
		chromedp.NavigateBack(),
		jsWait(`location.search.includes('page=2') && !location.search.includes('size=10')`),
		chromedp.Evaluate(rowDates, &dates),
	)
	if dates != "2020-06-06 2020-06-07 2020-06-08 2020-06-09 2020-06-10" {
		t.Fatalf("back to page 2: %s", dates)
	}
	b.run(t,
		chromedp.NavigateForward(),
		jsWait(`location.search.includes('size=10')`),
		chromedp.Evaluate(`location.search`, &search),
		// A reload of the pushed URL is the same view as a whole page.
		chromedp.Reload(),
		chromedp.WaitVisible(`#view tbody`),
		chromedp.Evaluate(`typeof window.__marker`, &loc),
		chromedp.Evaluate(`document.querySelectorAll('#view tbody tr').length + ' ' + document.querySelector('#f-size').value + ' ' + document.querySelector('th[aria-sort]').getAttribute('aria-sort')`, &dates),
	)
	if loc != "undefined" || dates != "10 10 ascending" {
		t.Fatalf("reload of %s: marker %s, view %q", search, loc, dates)
	}
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
