package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// httpAnswer sends a request over a real connection, giving up after answerLimit.
func httpAnswer(method, url, body string, headers ...string) answer {
	a := answer{target: url, form: "http"}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		a.err = err
		return a
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Timeout: answerLimit}
	start := time.Now()
	resp, err := client.Do(req)
	a.took = time.Since(start)
	if err != nil {
		a.err = err
		return a
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	a.status, a.header, a.body, a.err = resp.StatusCode, resp.Header, string(b), err
	return a
}

// postCSV posts a CSV body to the ingest API over a real connection.
func postCSV(base, table, body string) answer {
	return httpAnswer(http.MethodPost, base+"/api/"+table, body, "Content-Type", "text/csv", "Authorization", bearer)
}

// TestDatabaseCutUnderRunningServer: a running server (its pool and its LISTEN connection both through
// a proxy) loses the database: every connection is closed and new ones are refused. While it is gone,
// pages, fragments, exports, /healthz and the ingest API answer 503 within the time limit, naming no
// internals, and a write attempted then writes nothing. When it comes back, the same server answers 200
// again, its listener reconnects and the SSE stream that stayed open delivers changes again, and every
// row imported before the fault is still there.
func TestDatabaseCutUnderRunningServer(t *testing.T) {
	h, p := fixture()
	url := dbtest.NewDatabase(t)
	proxy, purl := newFaultProxy(t, url)
	ts, base := liveServer(t, purl)

	// Rows arrive through the server, as a pipeline sends them.
	if a := postCSV(base, "historic", h); a.status != 200 || a.body != `{"inserted":50,"updated":0,"unchanged":0}` {
		t.Fatalf("import before the fault: %d %v %s", a.status, a.err, a.body)
	}
	if a := postCSV(base, "predictions", p); a.status != 200 || a.body != `{"inserted":40,"updated":0,"unchanged":0}` {
		t.Fatalf("import before the fault: %d %v %s", a.status, a.err, a.body)
	}
	events := subscribe(t, base)
	events.next(t, "version")
	for _, a := range ts.askAll(downPages, downExports) {
		if a.err != nil || a.status != 200 {
			t.Fatalf("%s %s before the fault: %d %v", a.form, a.target, a.status, a.err)
		}
	}
	historic, predictions := dbtest.CountRows(t, url, queries.Historic), dbtest.CountRows(t, url, queries.Predictions)

	proxy.cut()
	// A live view rendered at the current data version may be answered from memory until the listener
	// notices the loss (at once, here: its connection is closed); then nothing is served without asking.
	// (A page not seen before answers 503 at once; so wait for the listener itself.)
	waitUntil(t, 10*time.Second, "the listener to notice and a page to answer 503", func() bool {
		_, known := ts.versions.get()
		return !known && ts.ask("/historic?size=3", false, answerLimit).status == 503
	})
	answers := ts.askAll(downPages, append(downExports, "/healthz", "/api/predictions"))
	checkDown(t, answers, downMessage)
	t.Logf("database cut: %d requests, the slowest answered in %s", len(answers), slowest(answers).Round(time.Millisecond))
	// Over real connections too, and the write attempted meanwhile.
	for _, a := range []answer{
		httpAnswer(http.MethodGet, base+"/compare?location=Hyderabad&type=pm25", ""),
		httpAnswer(http.MethodGet, base+"/historic?location=Delhi", "", "HX-Request", "true"),
		httpAnswer(http.MethodGet, base+"/healthz", ""),
		postCSV(base, "historic", "date,location,type,value\n2021-01-01,Written while down,pm25,1\n"),
	} {
		if a.err != nil || a.status != 503 || internals.MatchString(a.body) {
			t.Errorf("%s while cut: %d %v %.300s", a.target, a.status, a.err, a.body)
		}
	}

	proxy.restore()
	waitUntil(t, 30*time.Second, "/healthz to answer 200 again", func() bool { return ts.ask("/healthz", false, answerLimit).status == 200 })
	for _, a := range ts.askAll(downPages, downExports) {
		if a.err != nil || a.status != 200 {
			t.Errorf("%s %s after the database came back: %d %v %.300s", a.form, a.target, a.status, a.err, a.body)
		}
	}
	// The listener reconnects by itself (backoff from 0.5 s, doubling) and tells the open stream the
	// version; then changes flow again.
	waitUntil(t, 60*time.Second, "the change listener to reconnect", func() bool { return ts.events.listens.Load() >= 2 })
	events.next(t, "version")
	if a := postCSV(base, "historic", "date,location,type,value\n2021-01-02,Pune,pm25,7\n"); a.status != 200 {
		t.Fatalf("import after the fault: %d %v %s", a.status, a.err, a.body)
	}
	if ch, _ := events.nextChange(t); !slices.Equal(ch.Locations, []string{"Pune"}) {
		t.Fatalf("change after the fault: %+v", ch)
	}

	// Nothing was lost, nothing was half written: the rows before, plus the one imported after.
	if n := dbtest.CountRows(t, url, queries.Historic); n != historic+1 {
		t.Errorf("historic: %d rows, want %d (before the fault) + 1", n, historic)
	}
	if n := dbtest.CountRows(t, url, queries.Predictions); n != predictions {
		t.Errorf("predictions: %d rows, want %d", n, predictions)
	}
}

// TestDatabaseCutMidImport: the connection of an import in progress dies (the import waits on a lock,
// so the cut lands mid-transaction): the API answers 503 and not one row of it is written, even once
// the database gets on with the statement it was waiting for. The same import succeeds after.
func TestDatabaseCutMidImport(t *testing.T) {
	url := dbtest.NewDatabase(t)
	proxy, purl := newFaultProxy(t, url)
	ts, base := liveServer(t, purl)
	var csv strings.Builder
	csv.WriteString("date,location,type,value\n")
	d0 := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2000 {
		fmt.Fprintf(&csv, "%s,Loc %d,pm10,%d\n", d0.AddDate(0, 0, i%500).Format(time.DateOnly), i/500, i)
	}
	release := dbtest.LockTables(t, url)
	done := make(chan answer, 1)
	go func() { done <- postCSV(base, "historic", csv.String()) }()
	waitUntil(t, 10*time.Second, "the import to wait on the lock", func() bool { return dbtest.LockWaiters(t, url) == 1 })
	proxy.cut()
	a := <-done
	if a.err != nil || a.status != 503 || !strings.Contains(a.body, downMessage) || internals.MatchString(a.body) {
		t.Errorf("an import whose connection died: %d %v %s", a.status, a.err, a.body)
	}
	release() // the statement it waited for may now run: without its COMMIT it must come to nothing
	waitUntil(t, 10*time.Second, "the lock to be free", func() bool { return dbtest.LockWaiters(t, url) == 0 })
	if n := dbtest.CountRows(t, url, queries.Historic); n != 0 {
		t.Fatalf("a cut import wrote %d rows", n)
	}
	proxy.restore()
	waitUntil(t, 30*time.Second, "/healthz to answer 200 again", func() bool { return ts.ask("/healthz", false, answerLimit).status == 200 })
	if a := postCSV(base, "historic", csv.String()); a.status != 200 || a.body != `{"inserted":2000,"updated":0,"unchanged":0}` {
		t.Fatalf("the import again: %d %v %s", a.status, a.err, a.body)
	}
	if n := dbtest.CountRows(t, url, queries.Historic); n != 2000 {
		t.Fatalf("%d rows after the import, want 2000", n)
	}
}

// TestServeStartsWithTheDatabaseDown: serve, as main runs it, with its database unreachable from the
// start: it listens at once, answers 503 (page, fragment, /healthz), keeps retrying, and once the
// database is there serves pages and live updates without a restart; then it shuts down cleanly.
func TestServeStartsWithTheDatabaseDown(t *testing.T) {
	url := dbtest.NewDatabase(t)
	proxy, purl := newFaultProxy(t, url)
	proxy.cut()
	level := slog.Level(100) // quiet
	if os.Getenv("TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	port := deployFreePort(t)
	cfg := Config{Port: port, DatabaseURL: purl, DirectDatabaseURL: purl, QueryTimeout: 2 * time.Second,
		StatementTimeout: 2 * time.Second, LogLevel: level, TrustedProxy: ProxyNone, IngestToken: testIngestToken, IngestRate: defaultIngestRate}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	exited := make(chan int, 1)
	go func() { exited <- serve(ctx, cfg) }()
	base := "http://127.0.0.1:" + port

	waitUntil(t, 10*time.Second, "the server to listen", func() bool { return httpAnswer(http.MethodGet, base+"/healthz", "").status == 503 })
	for _, a := range []answer{
		httpAnswer(http.MethodGet, base+"/", ""),
		httpAnswer(http.MethodGet, base+"/predictions", "", "HX-Request", "true"),
		postCSV(base, "predictions", "date,location,type,prediction\n2020-01-01,Pune,pm25,1\n"),
	} {
		if a.err != nil || a.status != 503 || !strings.Contains(a.body, downMessage) || internals.MatchString(a.body) {
			t.Errorf("%s with the database down from the start: %d %v %.300s", a.target, a.status, a.err, a.body)
		}
	}

	proxy.restore()
	waitUntil(t, 60*time.Second, "/healthz to answer 200", func() bool { return httpAnswer(http.MethodGet, base+"/healthz", "").status == 200 })
	if a := httpAnswer(http.MethodGet, base+"/historic", ""); a.status != 200 {
		t.Fatalf("/historic once the database is up: %d %v", a.status, a.err)
	}
	// The listener's backoff may be several seconds long by now: import a row a second until one is
	// announced on the stream.
	events := subscribe(t, base)
	day := 0
	waitUntil(t, 60*time.Second, "a change on the stream", func() bool {
		day++
		row := fmt.Sprintf("date,location,type,value\n%s,Pune,pm25,1\n", time.Date(2020, 1, day, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
		if a := postCSV(base, "historic", row); a.status != 200 {
			t.Fatalf("import: %d %v %s", a.status, a.err, a.body)
		}
		deadline := time.After(time.Second)
		for {
			select {
			case ev := <-events.events:
				if ev.name == "change" && strings.Contains(ev.data, `"locations":["Pune"]`) {
					return true
				}
			case <-deadline:
				return false
			}
		}
	})
	events.close()

	stop()
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("serve exited %d after a clean shutdown, want 0", code)
		}
	case <-time.After(shutdownTimeout + closeTimeout + 5*time.Second):
		t.Fatal("serve did not return after the shutdown began")
	}
}
