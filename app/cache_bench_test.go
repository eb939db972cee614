package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/valyala/fasthttp"

	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// BenchmarkImmutable weighs Fiber's Immutable (every string a fiber.Ctx hands out copied) against the
// default, in which the code copies only what outlives a request (the page cache's headers and body,
// the comparison's match): the same requests through the app's handler, with the page cache on as users
// run it, so the views are cache hits and the cost of the copies is not hidden behind queries.
//
//	go test -run '^$' -bench Immutable -benchmem ./app/
func BenchmarkImmutable(b *testing.B) {
	url, pool := benchFixture(b)
	ctx := context.Background()
	requests := []struct {
		name, url string
		headers   []string
	}{
		{"dashboard_cached", "/?location=Patna&type=pm10", nil},
		{"dashboard_cached_br", "/?location=Patna&type=pm10", []string{"Accept-Encoding", "gzip, deflate, br, zstd"}},
		{"compare_fragment_cached", "/compare?location=Kolkata&type=pm25&sort=abs_error&dir=desc", []string{"HX-Request", "true"}},
		{"historic_json", "/historic.json?location=Hyderabad&type=pm10&size=50", nil},
	}
	for _, immutable := range []bool{false, true} {
		cfg := Config{Port: "0", DatabaseURL: url, DirectDatabaseURL: url, QueryTimeout: 5 * time.Second, PageCache: true}
		s, err := newServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), pool)
		if err != nil {
			b.Fatal(err)
		}
		s.immutable = immutable
		// The listener's view of the data version, as a running server has it: a hit asks no database.
		v, err := queries.DataVersion(ctx, pool)
		if err != nil {
			b.Fatal(err)
		}
		s.versions.read(v)
		handler := s.newApp().Handler()
		mode := "copies"
		if immutable {
			mode = "immutable"
		}
		for _, r := range requests {
			b.Run(mode+"/"+r.name, func(b *testing.B) {
				var fctx fasthttp.RequestCtx
				for b.Loop() {
					fctx.Request.Reset()
					fctx.Response.Reset()
					fctx.Request.SetRequestURI(r.url)
					fctx.Request.Header.SetMethod(http.MethodGet)
					for i := 0; i+1 < len(r.headers); i += 2 {
						fctx.Request.Header.Set(r.headers[i], r.headers[i+1])
					}
					handler(&fctx)
					if code := fctx.Response.StatusCode(); code != http.StatusOK {
						b.Fatalf("%s: HTTP %d\n%.300s", r.url, code, fctx.Response.Body())
					}
				}
				b.ReportMetric(float64(len(fctx.Response.Body())), "bytes/answer")
			})
		}
	}
}

// benchFixture is a fresh database holding diffFixture's rows.
func benchFixture(b *testing.B) (string, *pgxpool.Pool) {
	b.Helper()
	ctx := context.Background()
	url := dbtest.NewDatabase(b)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	h, p := diffFixture()
	if _, err := ingest.Import(ctx, pool, queries.Historic, strings.NewReader(h)); err != nil {
		b.Fatal(err)
	}
	if _, err := ingest.Import(ctx, pool, queries.Predictions, strings.NewReader(p)); err != nil {
		b.Fatal(err)
	}
	return url, pool
}

// BenchmarkEncode is the cost of compressing one answer at the per-request levels (brotliLevel,
// gzipLevel): what a page costs once per data version with the page cache on, and what a JSON answer
// costs every time.
//
//	go test -run '^$' -bench Encode -benchmem ./app/
func BenchmarkEncode(b *testing.B) {
	url, pool := benchFixture(b)
	cfg := Config{Port: "0", DatabaseURL: url, DirectDatabaseURL: url, QueryTimeout: 5 * time.Second}
	s, err := newServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), pool)
	if err != nil {
		b.Fatal(err)
	}
	app := s.newApp()
	for _, target := range []struct{ name, url string }{
		{"dashboard", "/?location=Patna&type=pm10"},
		{"historic_json_100", "/historic.json?type=pm25&size=100"},
	} {
		resp, err := app.Test(httptest.NewRequest(http.MethodGet, target.url, nil), -1)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%s: %d %v", target.url, resp.StatusCode, err)
		}
		for _, coding := range []string{codingBrotli, codingGzip} {
			b.Run(target.name+"/"+coding, func(b *testing.B) {
				var out []byte
				for b.Loop() {
					out = encode(out[:0], coding, body)
				}
				b.ReportMetric(float64(len(body)), "bytes/plain")
				b.ReportMetric(float64(len(out)), "bytes/coded")
			})
		}
	}
}
