package main

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// accuracyLocations are the browser fixture's locations: the MAE of location i is 3 × (i%4 + 1), so
// i and i+4 tie.
var accuracyLocations = []string{"Agra", "Bhopal", "Chennai", "Delhi", "Erode", "Faridabad", "Guwahati", "Hyderabad"}

// accuracyFixture: PM2.5 of eight locations over half a year, the prediction off by ±3(i%4+1).
func accuracyFixture() (historic, predictions string) {
	var h, p strings.Builder
	h.WriteString("date,location,type,value\n")
	p.WriteString("date,location,type,prediction\n")
	d0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, loc := range accuracyLocations {
		for d := range 182 {
			day := d0.AddDate(0, 0, d).Format(time.DateOnly)
			a := 40 + float64(d%10)*9
			off := float64(3 * (i%4 + 1))
			if d%2 == 1 {
				off = -off
			}
			fmt.Fprintf(&h, "%s,%s,pm25,%g\n", day, loc, a)
			fmt.Fprintf(&p, "%s,%s,pm25,%g\n", day, loc, a+off)
		}
	}
	return h.String(), p.String()
}

func accuracyBrowserServer(t *testing.T) string {
	t.Helper()
	h, p := accuracyFixture()
	ts := newTestServer(t, h, p)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.app.Listener(ln) //nolint:errcheck // ends with Shutdown below
	t.Cleanup(func() { ts.stop(); _ = ts.app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// accuracyState reads the table: the first column's header, the page line and each row's key and the
// sorted column's figure ("Agra=3.00").
const accuracyState = `(() => {
	const ths = [...document.querySelectorAll('#view table.accuracy-table thead th')];
	const sorted = ths.findIndex(th => th.hasAttribute('aria-sort'));
	const rows = [...document.querySelectorAll('#view table.accuracy-table tbody tr')].map(tr => {
		const cells = [...tr.children];
		return cells[0].textContent.trim() + '=' + (sorted >= 0 ? cells[sorted].textContent.trim() : '');
	});
	return [ths.length ? ths[0].textContent.trim().replace(/[▲▼]/g, '') : '', (document.querySelector('#page-of') || {}).textContent, rows.join(' ')].join(' | ');
})()`

// TestBrowserAccuracy: sorting by a header (ties by location), paging, switching by and threshold,
// back and forward, and following a row to its comparison, all by htmx swaps of one page.
func TestBrowserAccuracy(t *testing.T) {
	base := accuracyBrowserServer(t)
	b := newBrowser(t)
	var state, search string
	var marker bool
	b.run(t,
		chromedp.Navigate(base+"/accuracy?type=pm25&size=5"),
		chromedp.WaitVisible(`#view tbody`),
		jsWait(`typeof htmx !== 'undefined'`),
		chromedp.Evaluate(`window.__marker = 'kept'`, nil),
		chromedp.Evaluate(accuracyState, &state),
	)
	if !strings.HasPrefix(state, "Location | Page 1 of 2 | Agra=Agra Bhopal=Bhopal Chennai=Chennai Delhi=Delhi Erode=Erode") {
		t.Fatalf("first view: %s", state)
	}
	// Sort by MAE (largest first): ties in location order; the bar beside the sorted figure.
	b.run(t,
		chromedp.Click(`#sort-mae`, chromedp.NodeVisible),
		jsWait(`location.search.includes('sort=mae') && document.querySelector('#view th[aria-sort]') !== null`),
		chromedp.Evaluate(accuracyState, &state),
	)
	if !strings.Contains(state, "| Page 1 of 2 | Delhi=12.00 Hyderabad=12.00 Chennai=9.00 Guwahati=9.00 Bhopal=6.00") {
		t.Fatalf("sorted by MAE: %s", state)
	}
	var bars int
	b.run(t, chromedp.Evaluate(`document.querySelectorAll('#view td.sorted svg.acc-bar').length`, &bars))
	if bars != 5 {
		t.Errorf("%d bars beside the sorted metric, want 5", bars)
	}
	// Ascending, then page 2.
	b.run(t,
		chromedp.Click(`#sort-mae`, chromedp.NodeVisible),
		jsWait(`location.search.includes('dir=asc')`),
		chromedp.Click(`#page-next`, chromedp.NodeVisible),
		jsWait(`location.search.includes('page=2')`),
		chromedp.Evaluate(accuracyState, &state),
	)
	if !strings.Contains(state, "| Page 2 of 2 | Guwahati=9.00 Delhi=12.00 Hyderabad=12.00") {
		t.Fatalf("ascending, page 2: %s", state)
	}
	// Group by season: the first column follows, the canonical URL is pushed.
	b.run(t,
		setField(`#f-by`, "season"),
		jsWait(`location.search.includes('by=season')`),
		chromedp.Evaluate(accuracyState, &state),
		chromedp.Evaluate(`location.search`, &search),
	)
	if !strings.HasPrefix(state, "Season | Page 1 of 1 | Winter (Jan–Feb)=") || !strings.Contains(state, "Monsoon (Jun–Sep)=") {
		t.Fatalf("by season: %s (%s)", state, search)
	}
	// The threshold: the POD column counts events at Moderate or worse.
	var pod1, pod2 string
	b.run(t,
		chromedp.Evaluate(`document.querySelector('#view th a#sort-pod') !== null`, &marker),
	)
	if !marker {
		t.Fatalf("no threshold columns for PM2.5")
	}
	podCell := `(() => { const ths = [...document.querySelectorAll('#view thead th')]; const i = ths.findIndex(th => th.querySelector('#sort-pod'));
		return document.querySelector('#view tbody tr').children[i].textContent.trim(); })()`
	b.run(t, chromedp.Evaluate(podCell, &pod1),
		setField(`#f-threshold`, "moderate"),
		jsWait(`location.search.includes('threshold=moderate')`),
		chromedp.Evaluate(podCell, &pod2),
		chromedp.Evaluate(`window.__marker === 'kept'`, &marker),
	)
	if pod1 == pod2 || !marker {
		t.Errorf("POD at Poor %s, at Moderate %s (page kept: %v)", pod1, pod2, marker)
	}
	// Back: by season at Poor, then by location page 2; forward again.
	b.run(t,
		chromedp.Evaluate(`history.back()`, nil),
		jsWait(`!location.search.includes('threshold=') && location.search.includes('by=season')`),
		chromedp.Evaluate(`history.back()`, nil),
		jsWait(`location.search.includes('page=2') && !location.search.includes('by=season')`),
		chromedp.WaitVisible(`#view tbody`),
		chromedp.Evaluate(accuracyState, &state),
	)
	if !strings.Contains(state, "| Page 2 of 2 | Guwahati=9.00 Delhi=12.00 Hyderabad=12.00") {
		t.Fatalf("back to page 2: %s", state)
	}
	b.run(t,
		chromedp.Evaluate(`history.forward()`, nil),
		jsWait(`location.search.includes('by=season')`),
		chromedp.WaitVisible(`#view tbody`),
		chromedp.Evaluate(accuracyState, &state),
	)
	if !strings.HasPrefix(state, "Season |") {
		t.Fatalf("forward: %s", state)
	}
	// Follow a row of the location view to its comparison.
	var title string
	b.run(t,
		chromedp.Navigate(base+"/accuracy?type=pm25&sort=mae"),
		chromedp.WaitVisible(`#view tbody`),
		jsWait(`typeof htmx !== 'undefined'`),
		chromedp.Click(`#view tbody tr:first-child a.group-link`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#view .metrics dd`),
		chromedp.Title(&title),
		chromedp.Evaluate(`location.search`, &search),
	)
	if !strings.Contains(title, "Compare · Delhi · PM2.5") || !strings.Contains(search, "location=Delhi") || !strings.Contains(search, "type=pm25") {
		t.Fatalf("row link: %q %s", title, search)
	}
	var mae string
	b.run(t, chromedp.Evaluate(`[...document.querySelectorAll('#view .metrics dd')][1].textContent.trim()`, &mae))
	if !strings.HasPrefix(mae, "12.00") {
		t.Errorf("the comparison of Delhi has MAE %q, the accuracy row said 12.00", mae)
	}
}

// TestBrowserAccuracyWithoutJavaScript: with scripts off, the headers, the pager and the form work as
// plain links and a GET form, and /accuracy alone lands on its PM2.5 URL.
func TestBrowserAccuracyWithoutJavaScript(t *testing.T) {
	base := accuracyBrowserServer(t)
	b := newBrowser(t)
	var state, search string
	b.run(t,
		emulation.SetScriptExecutionDisabled(true),
		chromedp.Navigate(base+"/accuracy"),
		chromedp.WaitVisible(`#view tbody`),
		chromedp.Location(&search),
	)
	if !strings.Contains(search, "type=pm25") {
		t.Fatalf("/accuracy without a pollutant is at %s", search)
	}
	b.run(t,
		chromedp.Navigate(base+"/accuracy?type=pm25&size=5"),
		chromedp.WaitVisible(`#view tbody`),
		chromedp.Click(`#sort-rmse`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#view th[aria-sort="descending"] #sort-rmse`),
		chromedp.Click(`#page-next`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#page-prev`),
		chromedp.Evaluate(accuracyState, &state),
		chromedp.Location(&search),
	)
	if !strings.Contains(search, "page=2") || !strings.Contains(search, "sort=rmse") || !strings.Contains(state, "| Page 2 of 2 | Faridabad=6.00 Agra=3.00 Erode=3.00") {
		t.Fatalf("no-JS sort and next: %s %s", search, state)
	}
	b.run(t,
		setField(`#f-by`, "lead"),
		chromedp.Click(`#f-apply`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#sort-lead`),
		chromedp.Evaluate(accuracyState, &state),
		chromedp.Location(&search),
	)
	if !strings.Contains(search, "by=lead") || !strings.HasPrefix(state, "Lead | Page 1 of 1 | 1 day ahead=") {
		t.Fatalf("no-JS form: %s %s", search, state)
	}
}
