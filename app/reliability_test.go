package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// answerLimit is how long any request may take while the database is gone: QUERY_TIMEOUT (2 s) twice
// (a live view reads the data version, then runs its queries) with room to spare. A request still
// running then has hung.
const answerLimit = 8 * time.Second

// downPages are the pages and fragments that need the database.
var downPages = []string{
	"/", "/index", "/compare?location=Hyderabad&type=pm25", "/historic", "/predictions?size=10&sort=location",
	"/locations", "/historic/count?location=Hyderabad", "/predictions/count",
}

// downExports are the data views that need the database.
var downExports = []string{"/historic.json", "/predictions.json?page=2", "/compare.json", "/historic.csv", "/predictions.csv", "/compare.csv?match=all"}

// reliabilityServer is the real server (routes, templates, middleware) over pools built as serve builds
// them (queries.NewPool with the statement timeout: the request pool and the export pool) on url, with
// the ingest API on.
func reliabilityServer(t *testing.T, url string, cfg Config) *testServer {
	t.Helper()
	cfg.Port, cfg.DatabaseURL, cfg.DirectDatabaseURL = "0", url, url
	cfg.PageCache = true // as users run it
	if cfg.QueryTimeout == 0 {
		cfg.QueryTimeout = 2 * time.Second
	}
	if cfg.IngestToken == "" {
		cfg.IngestToken = testIngestToken
	}
	if cfg.ExportMaxConns == 0 {
		// These tests ask every export at once; the default limit of 2 is TestStalledExportsCannotTakeTheSiteDown's.
		cfg.ExportMaxConns = int32(len(downExports))
	}
	pool, err := queries.NewPool(context.Background(), queries.PoolConfig{URL: url, StatementTimeout: cfg.StatementTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	exports, err := queries.NewPool(context.Background(), queries.PoolConfig{URL: url, MaxConns: cfg.ExportMaxConns, StatementTimeout: cfg.StatementTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(exports.Close)
	logTo := io.Discard
	if os.Getenv("TEST_LOG") != "" {
		logTo = os.Stderr
	}
	s, err := newServer(cfg, slog.New(slog.NewTextHandler(logTo, nil)), pool)
	if err != nil {
		t.Fatal(err)
	}
	s.exportDB = exports
	return &testServer{server: s, app: s.newApp(), url: url}
}

// answer is one request's result.
type answer struct {
	target, form string
	status       int
	header       http.Header
	body         string
	err          error
	took         time.Duration
}

// ask sends a GET (or, with a body, a POST to the ingest API) through the app, giving up after limit.
func (ts *testServer) ask(target string, fragment bool, limit time.Duration) answer {
	a := answer{target: target, form: "page"}
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if strings.HasPrefix(target, "/api/") {
		a.form = "api"
		req = httptest.NewRequest(http.MethodPost, target, strings.NewReader("date,location,type,value\n2020-07-01,Pune,pm25,3\n"))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", bearer)
	}
	if fragment {
		a.form = "fragment"
		req.Header.Set("HX-Request", "true")
	}
	start := time.Now()
	resp, err := ts.app.Test(req, int(limit.Milliseconds()))
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

// askAll sends every target, as a page and (for pages) as an htmx fragment, all at once, and returns the
// answers in a stable order.
func (ts *testServer) askAll(pages, others []string) []answer {
	type job struct {
		target   string
		fragment bool
	}
	var jobs []job
	for _, p := range pages {
		jobs = append(jobs, job{p, false}, job{p, true})
	}
	for _, o := range others {
		jobs = append(jobs, job{o, false})
	}
	out := make([]answer, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = ts.ask(j.target, j.fragment, answerLimit)
		}()
	}
	wg.Wait()
	return out
}

// internals are words of SQL, the driver, the network or Go that must never reach a response body.
var internals = regexp.MustCompile(`(?i)select |insert |from daily|sql|pgx|pgconn|postgres|dial|refused|connect:|127\.0\.0\.1|:5432|deadline|i/o|\beof\b|socket|tcp|context|\.go:|goroutine|panic|aqdash_`)

// checkDown asserts the answers of a server whose database is gone: pages and fragments 503 with the
// friendly message (a fragment is no whole page), exports 503, /healthz a bare 503, the ingest API a
// JSON 503; none took longer than answerLimit and none names an internal.
func checkDown(t *testing.T, answers []answer, wantMessage string) {
	t.Helper()
	for _, a := range answers {
		what := a.form + " " + a.target
		if a.err != nil {
			t.Errorf("%s: no answer within %s (%v): it hung", what, answerLimit, a.err)
			continue
		}
		if a.status != http.StatusServiceUnavailable {
			t.Errorf("%s: %d, want 503: %.300s", what, a.status, a.body)
			continue
		}
		if m := internals.FindString(a.body); m != "" {
			t.Errorf("%s: the body names an internal (%q): %.500s", what, m, a.body)
		}
		if a.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", what, a.header.Get("Cache-Control"))
		}
		switch {
		case a.target == "/healthz":
			if a.body != "unavailable\n" {
				t.Errorf("%s: %q", what, a.body)
			}
		case a.form == "api":
			if !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") || !strings.Contains(a.body, `{"error":"`+wantMessage) {
				t.Errorf("%s: %s %s", what, a.header.Get("Content-Type"), a.body)
			}
		case dataRoute(strings.Split(a.target, "?")[0]):
			// The JSON and CSV twins answer JSON, with the page's message.
			if !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") || !strings.HasPrefix(a.body, `{"error":"`+wantMessage) || strings.Contains(a.body, `"parameter"`) {
				t.Errorf("%s: %s %s", what, a.header.Get("Content-Type"), a.body)
			}
		case a.form == "fragment":
			if strings.Contains(a.body, "<!doctype") || !strings.Contains(a.body, `id="view"`) || !strings.Contains(a.body, wantMessage) {
				t.Errorf("%s: not the error fragment: %.500s", what, a.body)
			}
		default:
			if !strings.Contains(a.body, "<!doctype html>") || !strings.Contains(a.body, "503 · ") || !strings.Contains(a.body, wantMessage) {
				t.Errorf("%s: not the error page: %.500s", what, a.body)
			}
		}
	}
}

// deadAddress is a loopback address where nothing listens.
func deadAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

const (
	downMessage    = "The database is not answering right now. Please try again in a moment."
	timeoutMessage = "The database did not answer within 2s, so this view was stopped."
)

// TestDatabaseDownNothingListens: with nothing listening at the database's address, every page and
// fragment is a friendly 503 at once, /healthz and the ingest API too, and static files and error pages
// that need no database still work.
func TestDatabaseDownNothingListens(t *testing.T) {
	host, port, _ := net.SplitHostPort(deadAddress(t))
	ts := reliabilityServer(t, fmt.Sprintf("host=%s port=%s user=nobody dbname=nothing sslmode=disable", host, port), Config{StatementTimeout: 2 * time.Second})
	answers := ts.askAll(downPages, append(downExports, "/healthz", "/api/historic"))
	checkDown(t, answers, downMessage)
	t.Logf("%d requests with nothing listening: the slowest answered in %s", len(answers), slowest(answers).Round(time.Millisecond))

	for target, want := range map[string]int{"/static/app.css": 200, "/static/vendor/htmx.min.js": 200, "/no-such-page": 404, "/historic?sort=nonsense": 400} {
		if a := ts.ask(target, false, answerLimit); a.err != nil || a.status != want {
			t.Errorf("%s: %d %v, want %d", target, a.status, a.err, want)
		}
	}
}

// TestDatabaseBlackHoled: a database that accepts connections but never answers (packets dropped, a hung
// server) holds no request past the time limit: pages answer 503 "did not answer within 2s", both
// before the pool has connections and once its open connections go silent. When the database answers
// again the same server serves pages again, without a restart.
func TestDatabaseBlackHoled(t *testing.T) {
	h, p := fixture()
	url := dbtest.NewDatabase(t)
	loadCSV(t, url, h, p)
	proxy, purl := newFaultProxy(t, url)
	ts := reliabilityServer(t, purl, Config{StatementTimeout: 2 * time.Second})

	// Silent from the start: connecting never completes.
	proxy.blackhole()
	answers := ts.askAll(downPages, append(downExports, "/healthz", "/api/historic"))
	checkDown(t, answers, timeoutMessage)
	t.Logf("%d requests, black hole before any connection: the slowest answered in %s", len(answers), slowest(answers).Round(time.Millisecond))

	// Up: the pool fills with connections.
	proxy.restore()
	for _, a := range ts.askAll(downPages, downExports) {
		if a.err != nil || a.status != 200 {
			t.Fatalf("%s %s with the database up: %d %v %.300s", a.form, a.target, a.status, a.err, a.body)
		}
	}
	// Silent again, now with open connections in the pool: queries on them are cut off by the deadline.
	if proxy.open() == 0 {
		t.Fatal("the pool holds no connection through the proxy")
	}
	proxy.blackhole()
	answers = ts.askAll(downPages, append(downExports, "/healthz", "/api/historic"))
	checkDown(t, answers, timeoutMessage)
	t.Logf("%d requests, black hole with open connections: the slowest answered in %s", len(answers), slowest(answers).Round(time.Millisecond))

	proxy.restore()
	for _, a := range ts.askAll(downPages, append(downExports, "/healthz")) {
		if a.err != nil || a.status != 200 {
			t.Errorf("%s %s after the database came back: %d %v %.300s", a.form, a.target, a.status, a.err, a.body)
		}
	}
}

// loadCSV imports the given CSV files (historic, predictions; either may be empty) into url's database
// through the real importer, on a connection of its own.
func loadCSV(t *testing.T, url, historic, predictions string) {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, f := range []struct {
		t   queries.Table
		csv string
	}{{queries.Historic, historic}, {queries.Predictions, predictions}} {
		if f.csv == "" {
			continue
		}
		if _, err := ingest.Import(context.Background(), pool, f.t, strings.NewReader(f.csv)); err != nil {
			t.Fatal(err)
		}
	}
}

// slowest is the longest any answer took.
func slowest(answers []answer) time.Duration {
	var d time.Duration
	for _, a := range answers {
		d = max(d, a.took)
	}
	return d
}

// TestStatementTimeout: the pool's connections carry PostgreSQL's statement_timeout, so a query that runs
// too long (here: waiting on a table another session has locked) is stopped by the database itself and
// the page is a clear 503, as a page or a fragment; the server's queries do not linger on the lock. A CSV
// export and an ingest, which may outlast a page's limit, wait through it and complete. Without a
// statement timeout the request's own deadline (QUERY_TIMEOUT) gives the same 503.
func TestStatementTimeout(t *testing.T) {
	h, p := fixture()
	url := dbtest.NewDatabase(t)
	loadCSV(t, url, h, p)
	// QUERY_TIMEOUT far above the statement timeout: the database, not the client, gives up first.
	ts := reliabilityServer(t, url, Config{QueryTimeout: 30 * time.Second, StatementTimeout: 300 * time.Millisecond})
	if got, err := queries.StatementTimeout(context.Background(), ts.db); err != nil || got != "300ms" {
		t.Fatalf("the pool's statement_timeout is %q (%v), want 300ms", got, err)
	}
	release := dbtest.LockTables(t, url)
	const msg = "The database did not answer within 300ms, so this view was stopped."
	// Each URL once: a live view already rendered at this data version could come from the page cache.
	for i, target := range []string{"/historic?location=Hyderabad", "/compare?location=Hyderabad&type=pm25", "/", "/predictions?size=7", "/historic.json?size=3", "/compare.json?size=4"} {
		a := ts.ask(target, i%2 == 1, answerLimit)
		if a.err != nil || a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, msg) || internals.MatchString(a.body) {
			t.Errorf("%s %s under a lock: %d %v %.400s", a.form, target, a.status, a.err, a.body)
		}
	}
	// The statement timeout ended the server's waits: none is left queued on the lock, which is still held.
	waitUntil(t, 10*time.Second, "the server's queries to stop waiting on the lock", func() bool { return dbtest.LockWaiters(t, url) == 0 })

	// An export and an import wait on the lock past the statement timeout, and finish once it is released.
	exported, imported := make(chan answer, 1), make(chan answer, 1)
	go func() { exported <- ts.ask("/historic.csv", false, 60*time.Second) }()
	go func() { imported <- ts.ask("/api/historic", false, 60*time.Second) }()
	waitUntil(t, 10*time.Second, "the export and the import to wait on the lock", func() bool { return dbtest.LockWaiters(t, url) == 2 })
	time.Sleep(3 * 300 * time.Millisecond) // well past the statement timeout
	if n := dbtest.LockWaiters(t, url); n != 2 {
		t.Fatalf("%d sessions still wait on the lock past the statement timeout, want the export and the import", n)
	}
	release()
	if a := <-exported; a.err != nil || a.status != 200 || strings.Count(a.body, "\n") != 51 {
		t.Errorf("export through a lock: %d %v, %d lines, want 51: %.300s", a.status, a.err, strings.Count(a.body, "\n"), a.body)
	}
	if a := <-imported; a.err != nil || a.status != 200 || a.body != `{"inserted":1,"updated":0,"unchanged":0}` {
		t.Errorf("import through a lock: %d %v %s", a.status, a.err, a.body)
	}

	// No statement timeout: QUERY_TIMEOUT's deadline answers.
	ts = reliabilityServer(t, url, Config{QueryTimeout: time.Second})
	if got, err := queries.StatementTimeout(context.Background(), ts.db); err != nil || got != "0" {
		t.Fatalf("statement_timeout with none configured: %q (%v)", got, err)
	}
	dbtest.LockTables(t, url)
	for _, fragment := range []bool{false, true} {
		a := ts.ask("/historic?type=pm25", fragment, answerLimit)
		if a.err != nil || a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, "The database did not answer within 1s, so this view was stopped.") {
			t.Errorf("%s under a lock, deadline only: %d %v %.400s", a.form, a.status, a.err, a.body)
		}
	}
}

// waitUntil polls cond every 20 ms for up to limit.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
