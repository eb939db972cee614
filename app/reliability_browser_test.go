package main

import (
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestBrowserNoCSPViolationsWithHostileData: in Chromium, under our Content-Security-Policy, every view
// loads, connects its event stream and swaps with htmx without one CSP violation (newBrowser fails the
// test on any, as on console errors), with hostile location names in the data: none becomes an element
// or runs (no dialog opens, no img or inline script reaches the DOM). Seven page loads in one tab also
// show that pages left behind (kept in the back/forward cache) close their event streams: otherwise,
// over HTTP/1.1's six connections per host, the sixth page's htmx requests stall. A deliberate inline
// style at the end shows a violation is caught.
func TestBrowserNoCSPViolationsWithHostileData(t *testing.T) {
	h, p := fixture()
	_, hh, _ := strings.Cut(hostileCSV("value"), "\n")
	_, hp, _ := strings.Cut(hostileCSV("prediction"), "\n")
	ts := newTestServer(t, h+hh, p+hp)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.app.Listener(ln) //nolint:errcheck // ends with the shutdown below
	t.Cleanup(func() { ts.stop(); _ = ts.app.ShutdownWithTimeout(5 * time.Second) })
	base := "http://" + ln.Addr().String()

	b := newBrowser(t)
	chromedp.ListenTarget(b.ctx, func(ev any) {
		if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			b.mu.Lock()
			b.problems = append(b.problems, "a dialog opened (script from data ran): "+e.Message)
			b.mu.Unlock()
			go chromedp.Run(b.ctx, page.HandleJavaScriptDialog(false)) //nolint:errcheck // best effort
		}
	})
	q := "?location=" + url.QueryEscape(hostile[0]) + "&type=pm25"
	for _, target := range []string{"/", "/" + q, "/compare" + q, "/historic" + q, "/historic?size=100", "/predictions?sort=location", "/locations"} {
		var injected int
		actions := []chromedp.Action{
			chromedp.Navigate(base + target),
			chromedp.WaitVisible(`main`),
			jsWait(`typeof htmx !== 'undefined' && document.body.dataset.live === 'open'`),
		}
		if target != "/locations" {
			// An htmx swap: sort by the second column (or flip it), and wait for the new URL.
			actions = append(actions,
				chromedp.Evaluate(`window.__before = location.search`, nil),
				chromedp.Evaluate(`document.querySelector('#view thead th:nth-child(2) a').click()`, nil),
				jsWait(`location.search !== window.__before`))
		}
		actions = append(actions, chromedp.Evaluate(`document.querySelectorAll('img, script:not([src]), [onerror], [onload], svg:not(.chart-svg):not(.rank-bar):not(.diag-svg):not(.acc-bar)').length`, &injected))
		b.run(t, actions...)
		if injected != 0 {
			t.Errorf("%s: %d elements from data in the DOM", target, injected)
		}
	}

	// The detector works: an inline style is a violation, reported in the log.
	b.run(t, chromedp.Evaluate(`document.body.setAttribute('style', 'color: red'); true`, nil))
	waitUntil(t, 10*time.Second, "the CSP violation to be reported", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		for i, p := range b.problems {
			if strings.HasPrefix(p, "CSP: ") && strings.Contains(p, "style-src") {
				b.problems = append(b.problems[:i], b.problems[i+1:]...) // expected: not a failure
				return true
			}
		}
		return false
	})
}
