package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestBrowserWarmCacheAddressBar: with the page cache warm, as other visitors make it, the address bar
// always holds the URL of the view shown. A person flips a sort back and forth and pages forward and
// back; another client then asks for the same fragments, interleaved, over one keep-alive connection
// (whose fasthttp buffers each answer reuses: a cache entry aliasing them changes under it); with its
// own cache cleared, the browser clicks through again, every fragment now a page-cache hit. After each
// click the pushed URL is the view's own canonical URL (its data-live-url) and the same URL always
// shows the same rows; loading each afresh (a bookmark, a shared link) shows them too.
func TestBrowserWarmCacheAddressBar(t *testing.T) {
	base := browserServer(t)
	b := newBrowser(t)
	const start = "/historic?location=Hyderabad&type=pm25&size=5"
	clicks := []struct{ sel, wait string }{
		{`#view th:nth-child(4) a`, `document.querySelector('#view th:nth-child(4)').getAttribute('aria-sort') === 'descending'`},
		{`#view th:nth-child(4) a`, `document.querySelector('#view th:nth-child(4)').getAttribute('aria-sort') === 'ascending'`},
		{`#view a[rel=next]`, `document.querySelector('.page-of').textContent.includes('Page 2 of 8')`},
		{`#view a[rel=prev]`, `document.querySelector('.page-of').textContent.includes('Page 1 of 8')`},
	}
	// check reads the address bar, the view's own URL and its rows, and requires the first two to agree.
	check := func(step string) (url, rows string) {
		t.Helper()
		var live string
		b.run(t,
			chromedp.Evaluate(`location.pathname + location.search`, &url),
			chromedp.Evaluate(`document.querySelector('#view').getAttribute('data-live-url')`, &live),
			chromedp.Evaluate(rowDates, &rows),
		)
		if url != live {
			t.Fatalf("%s: the address bar says %q, the view shown is %q", step, url, live)
		}
		return url, rows
	}
	seen := map[string]string{}
	walk := func(round int) {
		t.Helper()
		b.run(t, chromedp.Navigate(base+start), chromedp.WaitVisible(`#view tbody`), jsWait(`typeof htmx !== 'undefined'`))
		for _, click := range clicks {
			b.run(t, chromedp.Click(click.sel), jsWait(click.wait))
			url, rows := check(fmt.Sprintf("round %d, after %s", round, click.sel))
			if want, ok := seen[url]; ok && want != rows {
				t.Fatalf("round %d: %s shows %s, and showed %s before", round, url, rows, want)
			}
			seen[url] = rows
		}
	}
	walk(1)
	// Sorted by value descending, ascending, its page 2, and back to page 1 (Previous from page 2 links
	// page 1's own URL).
	if len(seen) != 3 {
		t.Fatalf("the clicks went through %d distinct URLs, want 3: %v", len(seen), seen)
	}

	// Another visitor asks for the same fragments, in turns, over one connection.
	client := &http.Client{}
	for range 3 {
		for url := range seen {
			req, _ := http.NewRequest(http.MethodGet, base+url, nil)
			req.Header.Set("HX-Request", "true")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if got := resp.Header.Get("HX-Push-Url"); resp.StatusCode != 200 || got != url {
				t.Errorf("another client's %s: %d, HX-Push-Url %q", url, resp.StatusCode, got)
			}
		}
	}

	// The browser again, without its own cache: every fragment comes from the page cache.
	b.run(t, network.ClearBrowserCache())
	walk(2)
	walk(3)
	for url, rows := range seen {
		var got string
		b.run(t, chromedp.Navigate(base+url), chromedp.WaitVisible(`#view tbody`), chromedp.Evaluate(rowDates, &got))
		if got != rows || strings.TrimSpace(got) == "" {
			t.Errorf("%s loaded afresh shows %q, pushed showing %q", url, got, rows)
		}
		check("loading " + url)
	}
}
