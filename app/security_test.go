package main

import (
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aqdash/aqdash/public"
)

// checkSecurityHeaders asserts the headers every response carries: a Content-Security-Policy that allows
// only our own scripts and styles (no inline script or style, no eval) and no framing, nosniff, a
// Referrer-Policy, and X-Frame-Options for older browsers.
func checkSecurityHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	csp := map[string]string{}
	for _, d := range strings.Split(h.Get("Content-Security-Policy"), ";") {
		if f := strings.Fields(d); len(f) > 0 {
			csp[f[0]] = strings.Join(f[1:], " ")
		}
	}
	for name, want := range map[string]string{
		"default-src":     "'self'",
		"script-src":      "'self'",
		"style-src":       "'self'",
		"connect-src":     "'self'",
		"frame-ancestors": "'none'",
		"base-uri":        "'self'",
		"form-action":     "'self'",
	} {
		if got, ok := csp[name]; !ok || got != want {
			t.Errorf("%s: CSP %s is %q, want %q (CSP %q)", what, name, got, want, h.Get("Content-Security-Policy"))
		}
	}
	if p := h.Get("Content-Security-Policy"); strings.Contains(p, "unsafe-") || strings.Contains(p, "*") || strings.Contains(p, "nonce-") {
		t.Errorf("%s: CSP %q relaxes the policy", what, p)
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "strict-origin-when-cross-origin",
		"X-Frame-Options":        "DENY",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %s %q, want %q", what, name, got, want)
		}
	}
}

// TestSecurityHeadersEverywhere: the headers are on every kind of response: pages, fragments, 304s,
// errors (400, 404, 405, 503), static files, JSON, CSV, /healthz, the ingest API's JSON (401, 200, 413
// is tested with the API) and the SSE stream.
func TestSecurityHeadersEverywhere(t *testing.T) {
	h, p := fixture()
	ts := newTestServer(t, h, p)
	ts.cfg.IngestToken = testIngestToken
	css, _ := ts.assets.URL("app.css")
	htmx, _ := ts.assets.URL("vendor/htmx.min.js")
	icon, _ := ts.assets.URL("favicon.svg")
	cases := []struct {
		target  string
		headers []string
		status  int
		ctype   string
	}{
		{"/", nil, 200, "text/html"},
		{"/historic?location=Hyderabad", nil, 200, "text/html"},
		{"/historic?location=Hyderabad", []string{"HX-Request", "true"}, 200, "text/html"},
		{"/compare?location=Hyderabad&type=pm25", []string{"HX-Request", "true"}, 200, "text/html"},
		{"/locations", nil, 200, "text/html"},
		{"/historic/count?location=Hyderabad", []string{"HX-Request", "true"}, 200, "text/html"},
		{"/no-such-page", nil, 404, "text/html"},
		{"/historic?sort=nonsense", []string{"HX-Request", "true"}, 400, "text/html"},
		{"/historic.json?page=0", nil, 400, "application/json"},
		{css, nil, 200, "text/css"},
		{htmx, nil, 200, "text/javascript"},
		{icon, nil, 200, "image/svg+xml"},
		{"/historic.json", nil, 200, "application/json"},
		{"/compare.json?location=Hyderabad", nil, 200, "application/json"},
		{"/predictions.csv", nil, 200, "text/csv"},
		{"/compare.csv", nil, 200, "text/csv"},
		{"/healthz", nil, 200, "text/plain"},
		{"/api/historic", nil, 404, "application/json"}, // GET: the API answers only POST
	}
	for _, c := range cases {
		resp, body := ts.get(t, c.target, c.headers...)
		what := fmt.Sprintf("GET %s %v", c.target, c.headers)
		if resp.StatusCode != c.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) {
			t.Errorf("%s: %d %s, want %d %s: %.200s", what, resp.StatusCode, resp.Header.Get("Content-Type"), c.status, c.ctype, body)
		}
		checkSecurityHeaders(t, what, resp.Header)
	}
	// A 304 to a conditional request.
	resp, _ := ts.get(t, "/historic")
	if etag := resp.Header.Get("ETag"); etag != "" {
		resp, _ = ts.get(t, "/historic", "If-None-Match", etag)
		if resp.StatusCode != 304 {
			t.Errorf("conditional GET: %d, want 304", resp.StatusCode)
		}
		checkSecurityHeaders(t, "304", resp.Header)
	} else {
		t.Error("/historic has no ETag")
	}
	// The ingest API: refused, then accepted.
	csvBody := []byte("date,location,type,value\n2020-07-01,Pune,pm25,3\n")
	resp, _ = ts.post(t, "/api/historic", csvBody, "Content-Type", "text/csv")
	checkSecurityHeaders(t, "POST /api/historic 401", resp.Header)
	resp, body := ts.post(t, "/api/historic", csvBody, "Content-Type", "text/csv", "Authorization", bearer)
	if resp.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", resp.StatusCode, body)
	}
	checkSecurityHeaders(t, "POST /api/historic 200", resp.Header)
	resp, _ = ts.post(t, "/historic", nil)
	if resp.StatusCode != 405 && resp.StatusCode != 404 {
		t.Errorf("POST /historic: %d", resp.StatusCode)
	}
	checkSecurityHeaders(t, "POST /historic", resp.Header)

	// The database gone: the 503 page.
	host, port, _ := net.SplitHostPort(deadAddress(t))
	down := reliabilityServer(t, fmt.Sprintf("host=%s port=%s user=nobody dbname=nothing sslmode=disable", host, port), Config{})
	for _, fragment := range []bool{false, true} {
		a := down.ask("/compare", fragment, answerLimit)
		if a.status != 503 {
			t.Fatalf("compare with no database: %d %v", a.status, a.err)
		}
		checkSecurityHeaders(t, "503 "+a.form, a.header)
	}

	// The event stream, over a real connection.
	url, _ := liveDatabase(t, "", "")
	_, base := liveServer(t, url)
	stream := subscribe(t, base)
	checkSecurityHeaders(t, "GET /events", stream.resp.Header)
}

// scriptTag, styleAttr, handlerAttr and the rest find what a page must not hold under our policy: a
// script element without src (inline script), a style attribute or element (inline style), an event
// handler attribute, a javascript: URL, or htmx's hx-on (which needs eval).
var (
	scriptTag   = regexp.MustCompile(`(?i)<script\b[^>]*>`)
	styleAttr   = regexp.MustCompile(`(?i)<[a-z][^>]*\sstyle\s*=`)
	styleTag    = regexp.MustCompile(`(?i)<style\b`)
	handlerAttr = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
	jsURL       = regexp.MustCompile(`(?i)javascript:`)
	hxOn        = regexp.MustCompile(`(?i)\shx-on`)
)

// TestPagesNeedNoInlineScriptOrStyle: what our policy forbids never appears in our pages and fragments,
// htmx is configured to need neither eval nor inline styles, and none of our scripts (app.js, the SSE
// extension) sets inline styles or evaluates strings.
func TestPagesNeedNoInlineScriptOrStyle(t *testing.T) {
	h, p := fixture()
	ts := newTestServer(t, h, p)
	for _, target := range []string{"/", "/compare?location=Hyderabad&type=pm25&match=all", "/historic?location=Hyderabad&size=5&page=2",
		"/predictions", "/locations", "/no-such-page", "/historic?dir=sideways", "/historic/count?location=Hyderabad"} {
		for _, fragment := range []bool{false, true} {
			var headers []string
			if fragment {
				headers = []string{"HX-Request", "true"}
			}
			_, body := ts.get(t, target, headers...)
			what := fmt.Sprintf("%s (fragment %v)", target, fragment)
			for _, tag := range scriptTag.FindAllString(body, -1) {
				if !strings.Contains(tag, ` src="/static/`) {
					t.Errorf("%s: a script that is not one of our files: %s", what, tag)
				}
			}
			if strings.Count(body, "<script") != strings.Count(body, "</script>") || strings.Contains(body, "<script") && regexp.MustCompile(`<script[^>]*>[^<]+</script>`).MatchString(body) {
				t.Errorf("%s: a script element with content", what)
			}
			for name, re := range map[string]*regexp.Regexp{"style attribute": styleAttr, "style element": styleTag, "event handler attribute": handlerAttr, "javascript: URL": jsURL, "hx-on": hxOn} {
				if m := re.FindString(body); m != "" {
					t.Errorf("%s: a %s: %s", what, name, m)
				}
			}
			page := !fragment && !strings.Contains(target, "/count")
			if page && (!strings.Contains(body, `"allowEval":false`) || !strings.Contains(body, `"includeIndicatorStyles":false`)) {
				t.Errorf("%s: the htmx-config meta must turn off eval and indicator styles", what)
			}
		}
	}
	for _, name := range []string{"app.js", "vendor/sse.min.js"} {
		b, err := fs.ReadFile(public.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"eval(", "new Function", ".style", "'style'", `"style"`, "cssText", "insertRule", "<style", "setTimeout('", `setTimeout("`} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s contains %q: it would need an inline style or eval", name, bad)
			}
		}
	}
	// The served copy is the embedded one.
	js, _ := ts.assets.URL("app.js")
	resp, body := ts.get(t, js)
	b, _ := fs.ReadFile(public.FS, "app.js")
	if resp.StatusCode != 200 || body != string(b) {
		t.Errorf("%s: %d, %d bytes", js, resp.StatusCode, len(body))
	}
}
