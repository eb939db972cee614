package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// fuzzTargets are the routes that read a view from the query string (parseView, parseCompare).
var fuzzTargets = []string{
	"/historic", "/predictions", "/compare", "/", "/historic.json", "/predictions.json", "/compare.json",
	"/historic.csv", "/predictions.csv", "/compare.csv", "/historic/count", "/predictions/count", "/index",
}

// logProblems is a slog handler that keeps the server's warnings and errors: a request that failed on
// our side, or a CSV export that broke off after its 200 was sent.
type logProblems struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logProblems) Enabled(_ context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn
}
func (l *logProblems) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logProblems) WithGroup(string) slog.Handler      { return l }
func (l *logProblems) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
	l.mu.Lock()
	l.msgs = append(l.msgs, msg)
	l.mu.Unlock()
	return nil
}

// take returns the problems logged since the last call.
func (l *logProblems) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.msgs
	l.msgs = nil
	return m
}

// fuzzQuery makes a fuzzed query string sendable on a request line: bytes that cannot appear there
// (controls, space, '#', non-ASCII) are percent-encoded; everything else, '%' included, is sent as is,
// so the server sees bad escapes, repeated and empty parameters and the rest.
func fuzzQuery(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == '#' || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// FuzzParseView sends fuzzed query strings to every route that parses a view, through the real Fiber app
// over a real database (one per fuzzing process, holding the table fixture): the answer is 200 or 400,
// never a panic (the recover middleware would make it a 500), never a 500 or 503, and nothing is logged
// as a failure (a CSV export that broke off after its 200 included).
func FuzzParseView(f *testing.F) {
	dbtest.DropStale(f) // the databases of the workers of earlier runs, which are killed at the end
	url := dbtest.NewDatabase(f)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(pool.Close)
	h, p := fixture()
	for tbl, csv := range map[queries.Table]string{queries.Historic: h, queries.Predictions: p} {
		if _, err := ingest.Import(context.Background(), pool, tbl, strings.NewReader(csv)); err != nil {
			f.Fatal(err)
		}
	}
	problems := &logProblems{}
	s, err := newServer(Config{Port: "0", DatabaseURL: url, DirectDatabaseURL: url, QueryTimeout: 10 * time.Second, PageCache: true}, slog.New(problems), pool)
	if err != nil {
		f.Fatal(err)
	}
	app := s.newApp()

	f.Add(uint8(0), "sort=value&dir=asc&page=2&size=10&location=Hyderabad&type=pm25&from=2020-06-01&to=2020-06-30", false)
	f.Add(uint8(2), "match=all&sort=abs_error&dir=desc&location=Delhi&location=Hyderabad&type=no2", true)
	f.Add(uint8(0), "after=WyIyMDIwLTA3LTEwIiwiSHlkZXJhYmFkIiwicG0yNSIsNDkuNV0&size=5", true)

	f.Fuzz(func(t *testing.T, route uint8, query string, htmx bool) {
		raw := fuzzQuery(query)
		if len(raw) > 2000 { // a longer request line is fasthttp's 431, before any of our code runs
			return
		}
		target := fuzzTargets[int(route)%len(fuzzTargets)]
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.URL.RawQuery = raw
		req.RequestURI = req.URL.RequestURI() // what app.Test sends; NewRequest set it to the bare path
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		resp, err := app.Test(req, 30_000)
		if err != nil {
			t.Fatalf("%s?%s: %v", target, req.URL.RawQuery, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		logged := problems.take()
		if resp.StatusCode != 200 && resp.StatusCode != 400 {
			t.Fatalf("%s?%s: %d, want 200 or 400: %.500s (logged: %s)", target, req.URL.RawQuery, resp.StatusCode, body, strings.Join(logged, "; "))
		}
		if len(logged) > 0 {
			t.Fatalf("%s?%s: %d, and the server logged: %s", target, req.URL.RawQuery, resp.StatusCode, strings.Join(logged, "; "))
		}
	})
}
