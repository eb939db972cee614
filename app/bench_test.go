package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/valyala/fasthttp"

	"github.com/aqdash/aqdash/app/demo"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// The benchmarks here measure rendering (the templates alone, on page data built once) and whole requests
// through the app's handler (parsing, queries, rendering; no network), on a real database of synthetic
// series with the page cache off, so every request runs its queries:
//
//	go test -run '^$' -bench . -benchmem ./app/
//
// `make bench` measures the same pages under load over loopback on ten million rows.

// benchServer returns the real server over a fresh database of rows synthetic rows per table.
func benchServer(b *testing.B, rows int64) *server {
	b.Helper()
	ctx := context.Background()
	url := dbtest.NewDatabase(b)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	if _, err := demo.Synthetic(ctx, pool, rows); err != nil {
		b.Fatal(err)
	}
	if err := queries.Analyze(ctx, pool); err != nil {
		b.Fatal(err)
	}
	cfg := Config{Port: "0", DatabaseURL: url, DirectDatabaseURL: url, QueryTimeout: 5 * time.Second, PageCache: false}
	s, err := newServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), pool)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchPages are the pages the benchmarks render and request. Their series is Synthetic 0001: at the
// benchmarks' sizes (50,000 and 200,000 rows) only the first locations have predictions, and a
// comparison without them shows no rows (match=both), so a later location would render no table.
var benchPages = []struct{ name, url string }{
	{"latest15", "/historic?sort=date&dir=desc&size=15"},
	{"table_series_value", "/historic?location=Synthetic+0001&type=pm25&sort=value&dir=desc"},
	{"compare_series", "/compare?location=Synthetic+0001&type=pm25"},
	{"compare_everything_abs_error", "/compare?sort=abs_error&dir=desc"},
	{"dashboard", "/?location=Synthetic+0001&type=pm10"},
	{"accuracy_by_location", "/accuracy?by=location&type=pm25"},
	{"accuracy_by_location_model", "/accuracy?by=location&by=model&type=pm25"},
	{"accuracy_series_by_month", "/accuracy?by=month&location=Synthetic+0001&type=pm25"},
	{"ranking_year", "/locations?type=pm25&from=2015-01-01&to=2015-12-31"},
	{"calendar_year", "/calendar?location=Synthetic+0001&type=pm25&year=2015"},
}

// BenchmarkRequests serves each page whole, and as the htmx fragment, through the app's handler.
func BenchmarkRequests(b *testing.B) {
	s := benchServer(b, 200_000)
	handler := s.newApp().Handler()
	for _, p := range benchPages {
		for _, fragment := range []bool{false, true} {
			name := p.name
			if fragment {
				name += "/fragment"
			}
			b.Run(name, func(b *testing.B) {
				var ctx fasthttp.RequestCtx
				for b.Loop() {
					ctx.Request.Reset()
					ctx.Response.Reset()
					ctx.Request.SetRequestURI(p.url)
					ctx.Request.Header.SetMethod(http.MethodGet)
					if fragment {
						ctx.Request.Header.Set("HX-Request", "true")
					}
					handler(&ctx)
					if code := ctx.Response.StatusCode(); code != http.StatusOK || !bytes.Contains(ctx.Response.Body(), []byte("<table")) {
						b.Fatalf("%s: HTTP %d\n%.300s", p.url, code, ctx.Response.Body())
					}
				}
				b.ReportMetric(float64(len(ctx.Response.Body())), "bytes/page")
			})
		}
	}
}

// BenchmarkRender executes the templates alone, into a buffer as the server does, on each page's data
// built once by the page's own builder.
func BenchmarkRender(b *testing.B) {
	s := benchServer(b, 50_000)
	app := s.newApp()
	for _, p := range benchPages {
		if p.name == "ranking_year" || p.name == "calendar_year" {
			continue // their page data is built inside their handlers: BenchmarkRequests measures them
		}
		var fctx fasthttp.RequestCtx
		fctx.Request.SetRequestURI(p.url)
		c := app.AcquireCtx(&fctx)
		var data any
		page, fragment := "pages/compare", "partials/compare"
		var err error
		switch p.name {
		case "latest15", "table_series_value":
			page, fragment = "pages/table", "partials/table"
			v, perr := parseView(c, queries.Historic)
			if perr != nil {
				b.Fatal(perr)
			}
			data, err = s.tablePage(c, queries.Historic, v)
		case "accuracy_by_location", "accuracy_by_location_model", "accuracy_series_by_month":
			page, fragment = "pages/accuracy", "partials/accuracy"
			_, scale := requestScale(c)
			av, ap, errs, perr := s.parseAccuracyResolved(c, scale)
			if perr != nil || len(errs) > 0 {
				b.Fatal(perr, errs)
			}
			data, err = s.accuracyPage(c, av, ap, scale)
		default:
			cv, perr := s.parseCompare(c)
			if perr != nil {
				b.Fatal(perr)
			}
			base, dashboard := "/compare", false
			if p.name == "dashboard" {
				base, dashboard, page = "/", true, "pages/home"
			}
			data, err = s.comparePage(c, base, cv, dashboard)
		}
		app.ReleaseCtx(c)
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range []string{page, fragment} {
			b.Run(p.name+"/"+name, func(b *testing.B) {
				var buf bytes.Buffer
				for b.Loop() {
					buf.Reset()
					if err := s.views.engine.Render(&buf, name, data); err != nil {
						b.Fatal(err)
					}
				}
				if !bytes.Contains(buf.Bytes(), []byte("<table")) {
					b.Fatalf("%s rendered no table", name)
				}
				b.ReportMetric(float64(buf.Len()), "bytes/page")
			})
		}
	}
}
