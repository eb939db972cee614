package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The page cache must be invisible: whatever a live view answers from memory is byte for byte, header
// for header, what rendering it anew would have answered. The differential test below checks that
// against a twin server on the same database with the cache off.

// diffFixture holds five locations and three pollutants over 75 days, measured and predicted, with gaps
// on both sides so that every match of the comparison lists something.
func diffFixture() (historic, predictions string) {
	var h, p strings.Builder
	h.WriteString("date,location,type,value\n")
	p.WriteString("date,location,type,prediction\n")
	d0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for li, loc := range []string{"Hyderabad", "Patna", "Chennai", "Kolkata", "Delhi"} {
		for ti, typ := range []string{"pm25", "pm10", "no2"} {
			for i := range 75 {
				d := d0.AddDate(0, 0, i).Format(time.DateOnly)
				v := float64(20+li*7+ti*11) + float64((i*13+li*5)%37)
				if i%9 != 4 {
					fmt.Fprintf(&h, "%s,%s,%s,%g\n", d, loc, typ, v)
				}
				if i%7 != 2 {
					fmt.Fprintf(&p, "%s,%s,%s,%g\n", d, loc, typ, v+float64((i%5)-2)*1.5)
				}
			}
		}
	}
	return h.String(), p.String()
}

// diffViews are the live views the differential test asks for: every view, filtered, sorted and paged,
// including raw form submissions (empty fields, repeats) whose pushed URL differs from the one asked.
var diffViews = []string{
	"/",
	"/index",
	"/?location=Patna&type=pm10",
	"/?location=Chennai&type=no2&sort=abs_error&dir=desc",
	"/?location=Kolkata&type=pm25&from=2020-02-01&to=2020-03-01&page=2&size=10",
	"/compare",
	"/compare?location=Patna&type=pm10",
	"/compare?location=Kolkata&location=Chennai&type=pm25&match=all&page=2&size=10",
	"/compare?location=Hyderabad&type=pm10&from=2020-02-01&to=2020-03-15&sort=actual",
	"/compare?location=Patna&type=pm10&from=&to=&match=&sort=&dir=",
	"/compare?type=no2&match=missing_actual&sort=location",
	"/compare?location=Patna&type=pm10&threshold=moderate",

	"/accuracy?type=pm25",
	"/accuracy?by=type&sort=mae",
	"/accuracy?by=location&by=month&type=pm10&sort=far&threshold=moderate&page=2&size=5",
	"/accuracy?by=season&location=Patna&type=pm10&from=2020-01-10&to=2020-03-05",
	"/accuracy?by=location&by=&type=pm25&sort=&dir=&threshold=",
	"/historic",
	"/historic?location=Hyderabad&type=pm10",
	"/historic?location=Hyderabad&type=pm10&sort=value&dir=asc&page=2&size=10",
	"/historic?type=pm25&sort=location&size=50",
	"/historic?location=Chennai&location=Kolkata&type=no2&from=2020-01-10",
	"/predictions",
	"/predictions?location=Kolkata&type=no2&sort=prediction&page=3&size=5",
	"/predictions?location=Nowhere",
	"/calendar",
	"/calendar?location=Patna&type=pm10&year=2020",
	"/calendar?location=Patna&type=pm10&year=2020&scale=us_epa",
	"/calendar?location=Delhi&type=no2&year=2019",
	"/locations",
	"/locations?type=pm10&from=2020-02-01&to=2020-03-20&sort=poor_or_worse&dir=asc",
	"/locations?type=pm25&scale=us_epa&sort=location&from=&to=",
}

// diffForms are the ways a view is asked for: the page, the htmx fragment, a history restore (the page,
// though htmx says HX-Request), app.js's live refresh (a fragment that must not be pushed) and its poll.
var diffForms = []struct {
	name, method string
	headers      []string
}{
	{"page", http.MethodGet, nil},
	{"fragment", http.MethodGet, []string{"HX-Request", "true"}},
	{"restore", http.MethodGet, []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}},
	{"refresh", http.MethodGet, []string{"HX-Request", "true", liveRefreshHeader, "1"}},
	// app.js's poll, where EventSource cannot work: a HEAD of the fragment.
	{"poll", http.MethodHead, []string{"HX-Request", "true", liveRefreshHeader, "1"}},
}

// diffEncodings are the Accept-Encoding headers asked with: none, and what browsers send.
var diffEncodings = []string{"", "gzip, deflate, br, zstd"}

// diffAnswer is what a client sees of one answer: status, headers but the per-request ones, body.
type diffAnswer struct {
	status int
	header http.Header
	body   string
}

// perRequest are the headers that differ between any two answers, cached or not.
var perRequest = []string{"Date", "X-Request-Id"}

func askDiff(t *testing.T, app *fiber.App, method, target string, headers []string) diffAnswer {
	t.Helper()
	resp, body := send(t, app, httptest.NewRequest(method, target, nil), headers...)
	h := resp.Header.Clone()
	for _, name := range perRequest {
		h.Del(name)
	}
	return diffAnswer{resp.StatusCode, h, body}
}

// diffHeaders lists how two answers' headers differ.
func diffHeaders(on, off http.Header) []string {
	var out []string
	names := map[string]bool{}
	for k := range on {
		names[k] = true
	}
	for k := range off {
		names[k] = true
	}
	for k := range names {
		if !slices.Equal(on[k], off[k]) {
			out = append(out, fmt.Sprintf("%s: cached %q, rendered %q", k, on[k], off[k]))
		}
	}
	slices.Sort(out)
	return out
}

// TestPageCacheDifferential: every live view, in every form and encoding, asked several times in a
// shuffled order (so that consecutive requests differ and a cached entry that aliased an earlier
// request's buffers would show another's bytes), answers with the page cache on exactly what the same
// server answers with it off over the same data: status, body and every header (HX-Push-Url, ETag,
// Content-Type, Vary, Content-Encoding...). The data then changes and the same holds again.
func TestPageCacheDifferential(t *testing.T) {
	h, p := diffFixture()
	on := newTestServer(t, h, p)
	if on.pages == nil {
		t.Fatal("newTestServer must run with the page cache on, as users do")
	}
	offSrv, err := newServer(Config{Port: "0", DatabaseURL: on.url, DirectDatabaseURL: on.url, QueryTimeout: 2 * time.Second, PageCache: false},
		slog.New(slog.NewTextHandler(io.Discard, nil)), on.db)
	if err != nil {
		t.Fatal(err)
	}
	if offSrv.pages != nil {
		t.Fatal("the twin must run with the page cache off")
	}
	off := offSrv.newApp()

	type job struct {
		view, form, method string
		headers            []string
	}
	var jobs []job
	for _, v := range diffViews {
		for _, f := range diffForms {
			for _, enc := range diffEncodings {
				hs := slices.Clone(f.headers)
				name := f.name
				if enc != "" {
					hs = append(hs, "Accept-Encoding", enc)
					name += "+compressed"
				}
				jobs = append(jobs, job{v, name, f.method, hs})
			}
		}
	}
	rng := rand.New(rand.NewPCG(12, 13))
	compared, pushed := 0, 0
	round := func(phase string, rounds int) {
		for r := range rounds {
			rng.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
			for _, j := range jobs {
				cached := askDiff(t, on.app, j.method, j.view, j.headers)
				rendered := askDiff(t, off, j.method, j.view, j.headers)
				what := fmt.Sprintf("%s, round %d: %s %s", phase, r+1, j.form, j.view)
				if cached.status != 200 || rendered.status != 200 {
					t.Fatalf("%s: status cached %d, rendered %d: %.300s", what, cached.status, rendered.status, rendered.body)
				}
				if d := diffHeaders(cached.header, rendered.header); len(d) > 0 {
					t.Errorf("%s: headers differ:\n  %s", what, strings.Join(d, "\n  "))
				}
				if cached.body != rendered.body {
					t.Errorf("%s: bodies differ (cached %d bytes, rendered %d)", what, len(cached.body), len(rendered.body))
				}
				if cached.header.Get("HX-Push-Url") != "" {
					pushed++
				}
				compared++
			}
		}
	}
	round("before a write", 3)
	if entries := on.pages.Len(); entries == 0 {
		t.Fatal("nothing was cached: the test compared rendering with rendering")
	}
	// A write moves the data version: new ETags, new entries, the same equality.
	if _, err := on.db.Exec(context.Background(), "INSERT INTO daily_historic_pollution (location, type, date, value) VALUES ('Patna', 'pm10', '2020-03-20', 99)"); err != nil {
		t.Fatal(err)
	}
	round("after a write", 2)
	if pushed == 0 {
		t.Fatal("no answer pushed a URL: the fragments were not asked for")
	}
	t.Logf("%d answers compared (%d with HX-Push-Url), %d pages cached", compared, pushed, on.pages.Len())
}

// TestPageCacheIsTheDefault: the configuration people run has the page cache on (PAGE_CACHE unset), and
// the servers the tests build run it too; only PAGE_CACHE=off turns it off.
func TestPageCacheIsTheDefault(t *testing.T) {
	for env, want := range map[string]bool{"": true, "on": true, "off": false} {
		cfg, err := LoadConfig(envOf("PAGE_CACHE", env))
		if err != nil || cfg.PageCache != want {
			t.Errorf("PAGE_CACHE=%q: PageCache %v (%v), want %v", env, cfg.PageCache, err, want)
		}
	}
	h, p := fixture()
	ts := newTestServer(t, h, p)
	if ts.pages == nil {
		t.Error("newTestServer (the browser suite's server) runs without the page cache")
	}
	if live, _ := liveServer(t, ts.url); live.pages == nil {
		t.Error("liveServer (the live browser tests' server) runs without the page cache")
	}
	if rs := reliabilityServer(t, ts.url, Config{}); rs.pages == nil {
		t.Error("reliabilityServer runs without the page cache")
	}
}
