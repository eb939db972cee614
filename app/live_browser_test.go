package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/aqdash/aqdash/queries"
)

// countEvents counts, in the page, the change events app.js has seen, and the requests and swaps htmx has
// made (the counters are registered after app.js's own listeners, so they move after app.js has reacted).
const countEvents = `(() => {
	window.__changes = 0; window.__swaps = 0; window.__requests = 0;
	document.body.addEventListener('sse:change', () => window.__changes++);
	document.body.addEventListener('htmx:afterSwap', () => window.__swaps++);
	document.body.addEventListener('htmx:beforeRequest', () => window.__requests++);
})()`

// summaryCount reads the view's row count ("41 rows").
const summaryCount = `document.querySelector('#view .summary strong').textContent`

// TestBrowserLiveTable: a row inserted with plain SQL appears in the open table without a reload, at the
// same URL; a change elsewhere does not touch it; on page 2 the view stays put and offers a refresh.
func TestBrowserLiveTable(t *testing.T) {
	h, p := fixture()
	url, db := liveDatabase(t, h, p)
	_, base := liveServer(t, url)
	b := newBrowser(t)
	var before, after, search, count string
	var marker bool
	var histLen, histLen2, swaps int
	b.run(t,
		chromedp.Navigate(base+"/historic?location=Hyderabad&type=pm25&size=5"),
		chromedp.WaitVisible(`#view tbody`),
		jsWait(`document.body.dataset.live === 'open'`),
		chromedp.Evaluate(`window.__marker = 'kept'`, nil),
		chromedp.Evaluate(countEvents, nil),
		chromedp.Evaluate(`history.length`, &histLen),
		chromedp.Evaluate(rowDates, &before),
	)
	if before != "2020-07-10 2020-07-09 2020-07-08 2020-07-07 2020-07-06" {
		t.Fatalf("first view: %s", before)
	}

	// A change to another series is seen and ignored.
	if _, err := db.Exec(t.Context(), "INSERT INTO daily_historic_pollution VALUES ('Delhi', 'no2', '2020-07-11', 5)"); err != nil {
		t.Fatal(err)
	}
	b.run(t,
		jsWait(`window.__changes === 1`),
		chromedp.Evaluate(`window.__requests + window.__swaps`, &swaps),
	)
	if swaps != 0 {
		t.Fatal("a change to Delhi NO2 re-fetched the Hyderabad PM2.5 view")
	}

	start := time.Now()
	insertHistoric(t, db, "Hyderabad", "2020-07-11", 99)
	b.run(t,
		jsWait(`document.querySelector('#view tbody time').getAttribute('datetime') === '2020-07-11'`),
	)
	t.Logf("insert to the row shown in the browser: %v", time.Since(start))
	b.run(t,
		chromedp.Evaluate(rowDates, &after),
		chromedp.Evaluate(`window.__marker === 'kept'`, &marker),
		chromedp.Evaluate(`history.length`, &histLen2),
		chromedp.Evaluate(`location.search`, &search),
	)
	if after != "2020-07-11 2020-07-10 2020-07-09 2020-07-08 2020-07-07" || !marker {
		t.Fatalf("after the insert: rows %s, marker kept %v", after, marker)
	}
	if histLen2 != histLen || search != "?location=Hyderabad&type=pm25&size=5" {
		t.Fatalf("a live refresh must keep the URL and add no history entry: %s, history %d -> %d", search, histLen, histLen2)
	}

	// Page 2: the view does not move; a notice offers the refresh, which keeps the page.
	b.run(t,
		chromedp.Click(`#view a[rel=next]`),
		jsWait(`location.search.includes('page=2') && document.querySelector('.page-of').textContent.includes('Page 2')`),
		chromedp.Evaluate(rowDates, &before),
		chromedp.Evaluate(summaryCount, &count),
		chromedp.Evaluate(`window.__swaps`, &swaps),
		chromedp.Evaluate(`history.length`, &histLen),
	)
	if count != "41" {
		t.Fatalf("page 2 counts %s rows", count)
	}
	insertHistoric(t, db, "Hyderabad", "2020-07-12", 98)
	var notice string
	var swaps2 int
	b.run(t,
		jsWait(`!!document.querySelector('#view .live-notice')`),
		chromedp.Text(`#view .live-notice`, &notice),
		chromedp.Evaluate(rowDates, &after),
		chromedp.Evaluate(`window.__swaps`, &swaps2),
	)
	if after != before || swaps2 != swaps || !strings.Contains(notice, "New data") {
		t.Fatalf("page 2 moved (%s -> %s, swaps %d -> %d) or no notice (%q)", before, after, swaps, swaps2, notice)
	}
	b.run(t,
		chromedp.Click(`#view [data-live-refresh]`),
		jsWait(`!document.querySelector('#view .live-notice') && document.querySelector('#view .summary strong').textContent === '42'`),
		chromedp.Evaluate(`location.search`, &search),
		chromedp.Evaluate(`history.length`, &histLen2),
		chromedp.Evaluate(`window.__marker === 'kept'`, &marker),
	)
	if !strings.Contains(search, "page=2") || histLen2 != histLen || !marker {
		t.Fatalf("the refresh left page 2 (%s), added history (%d -> %d) or reloaded (marker %v)", search, histLen, histLen2, marker)
	}
}

// TestBrowserLiveCompareTwoWindows: two windows on /compare?location=Hyderabad&type=pm25; a prediction
// posted through the ingest API updates the table, the metrics and the chart in both, without a reload,
// and still does after the server's LISTEN backend is killed.
func TestBrowserLiveCompareTwoWindows(t *testing.T) {
	h, p := fixture()
	url, db := liveDatabase(t, h, p)
	ts, base := liveServer(t, url)
	b := newBrowser(t)
	second, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	// The first row (2020-07-10), the metrics strip's MAE and the predicted line of the chart.
	const state = `[
		document.querySelector('#view tbody tr td:nth-child(5)').textContent.trim(),
		document.querySelectorAll('#view .metrics dd')[1].textContent.trim(),
		document.querySelector('#view .line-predicted[d]').getAttribute('d'),
	].join(' | ')`
	open := []chromedp.Action{
		chromedp.Navigate(base + "/compare?location=Hyderabad&type=pm25"),
		chromedp.WaitVisible(`#view svg`),
		jsWait(`document.body.dataset.live === 'open'`),
		chromedp.Evaluate(`window.__marker = 'kept'`, nil),
	}
	var before, before2, after string
	b.run(t, append(open, chromedp.Evaluate(state, &before))...)
	if err := chromedp.Run(second, append(open, chromedp.Evaluate(state, &before2))...); err != nil {
		t.Fatal(err)
	}
	if before != before2 || !strings.HasPrefix(before, "51.00") {
		t.Fatalf("first views: %q and %q", before, before2)
	}

	// Round 2 comes after the server's LISTEN backend has been killed: the listener reconnects and
	// later updates arrive all the same.
	for round, value := range []string{"99", "77"} {
		if round == 1 {
			var killed int
			if err := db.QueryRow(t.Context(), "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
				queries.ListenerAppName).Scan(&killed); err != nil || killed != 1 {
				t.Fatalf("killed %d listener backends (%v)", killed, err)
			}
			waitFor(t, "the listener to reconnect", func() bool { return ts.events.listens.Load() >= 2 })
			before = after
		}
		start := time.Now()
		body := `{"rows":[{"date":"2020-07-10","location":"Hyderabad","type":"pm25","prediction":` + value + `}]}`
		req, err := http.NewRequest(http.MethodPost, base+"/api/predictions", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", bearer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST /api/predictions: %d", resp.StatusCode)
		}
		// One of the two tabs is in the background, where requestAnimationFrame (jsWait's polling) never runs.
		updated := chromedp.Poll(`document.querySelector('#view tbody tr td:nth-child(5)').textContent.trim().startsWith('`+value+`.00') &&
			!document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping, .htmx-added')`,
			nil, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))
		var after2 string
		var marker, marker2 bool
		done := make(chan error, 1)
		go func() {
			done <- chromedp.Run(second, updated, chromedp.Evaluate(state, &after2), chromedp.Evaluate(`window.__marker === 'kept'`, &marker2))
		}()
		b.run(t, updated, chromedp.Evaluate(state, &after), chromedp.Evaluate(`window.__marker === 'kept'`, &marker))
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: ingest POST to both windows updated: %v", round+1, time.Since(start))
		if after != after2 || !marker || !marker2 {
			t.Fatalf("windows differ or reloaded: %q / %q (markers %v %v)", after, after2, marker, marker2)
		}
		a, bf := strings.Split(after, " | "), strings.Split(before, " | ")
		if a[1] == bf[1] || a[2] == bf[2] {
			t.Fatalf("metrics or chart did not change:\nbefore %s\nafter  %s", before, after)
		}
	}
}

// TestBrowserLivePolling: without EventSource the page polls with its view's ETag, gets 304s while
// nothing changes, and refreshes once a row is inserted.
func TestBrowserLivePolling(t *testing.T) {
	h, p := fixture()
	url, db := liveDatabase(t, h, p)
	_, base := liveServer(t, url)
	b := newBrowser(t)
	var notModified atomic.Int64
	chromedp.ListenTarget(b.ctx, func(ev any) {
		if e, ok := ev.(*network.EventResponseReceived); ok && e.Response.Status == 304 && strings.Contains(e.Response.URL, "/historic") {
			notModified.Add(1)
		}
	})
	var marker bool
	b.run(t,
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(`delete window.EventSource; window.aqdashPollMs = 200;`).Do(ctx)
			return err
		}),
		chromedp.Navigate(base+"/historic?location=Hyderabad&type=pm25&size=5"),
		chromedp.WaitVisible(`#view tbody`),
		jsWait(`document.body.dataset.live === 'polling'`),
		chromedp.Evaluate(`window.__marker = 'kept'`, nil),
	)
	waitFor(t, "two 304 answers to polls", func() bool { return notModified.Load() >= 2 })
	insertHistoric(t, db, "Hyderabad", "2020-07-11", 99)
	b.run(t,
		jsWait(`document.querySelector('#view tbody time').getAttribute('datetime') === '2020-07-11'`),
		chromedp.Evaluate(`window.__marker === 'kept'`, &marker),
	)
	if !marker {
		t.Fatal("polling reloaded the page")
	}
}

// TestBrowserLiveWaitsForARequestInFlight: a change that arrives while a request is in flight (a person's
// click, say) does not race it; once the request is over, the view is weighed again and refreshed.
func TestBrowserLiveWaitsForARequestInFlight(t *testing.T) {
	h, p := fixture()
	url, _ := liveDatabase(t, h, p)
	_, base := liveServer(t, url)
	b := newBrowser(t)
	var requests int
	change := `document.body.dispatchEvent(new CustomEvent('sse:change', {detail: {data: JSON.stringify(
		{table: 'historic', op: 'insert', locations: ['Hyderabad'], types: ['pm25'], version: '9.9'})}}))`
	b.run(t,
		chromedp.Navigate(base+"/historic?location=Hyderabad&type=pm25&size=5"),
		chromedp.WaitVisible(`#view tbody`),
		jsWait(`document.body.dataset.live === 'open'`),
		chromedp.Evaluate(countEvents, nil),
		// A request in flight, as htmx marks it.
		chromedp.Evaluate(`document.querySelector('#busy').classList.add('htmx-request')`, nil),
		chromedp.Evaluate(change, nil),
		chromedp.Evaluate(`window.__requests`, &requests),
	)
	if requests != 0 {
		t.Fatal("a change re-fetched the view while a request was in flight")
	}
	b.run(t,
		chromedp.Evaluate(`document.querySelector('#busy').classList.remove('htmx-request');
			document.body.dispatchEvent(new CustomEvent('htmx:afterRequest'))`, nil),
		jsWait(`window.__swaps === 1`),
	)
}
