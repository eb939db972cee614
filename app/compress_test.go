package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

func TestNegotiateCoding(t *testing.T) {
	for accept, want := range map[string]string{
		"":                          "",
		"identity":                  "",
		"gzip":                      "gzip",
		"x-gzip":                    "gzip",
		"br":                        "br",
		"gzip, deflate, br, zstd":   "br",
		"gzip, deflate":             "gzip",
		"br;q=0, gzip":              "gzip",
		"br;q=0.5, gzip;q=0.8":      "gzip",
		"br;q=0.8, gzip;q=0.8":      "br",
		"gzip;q=0, br;q=0":          "",
		"*":                         "br",
		"*;q=0":                     "",
		"gzip, *;q=0":               "gzip",
		"br;q=0, *":                 "gzip",
		"GZIP ; Q=1":                "gzip",
		"br;q=2":                    "", // not a weight: accepts nothing
		"br;q=nonsense, gzip;q=0.1": "gzip",
		"deflate, compress":         "",
	} {
		if got := negotiateCoding([]byte(accept)); got != want {
			t.Errorf("Accept-Encoding %q: %q, want %q", accept, got, want)
		}
	}
}

// decode undoes a content coding.
func decode(t *testing.T, coding, body string) string {
	t.Helper()
	var out []byte
	var err error
	switch coding {
	case "":
		return body
	case "br":
		out, err = fasthttp.AppendUnbrotliBytes(nil, []byte(body))
	case "gzip":
		out, err = fasthttp.AppendGunzipBytes(nil, []byte(body))
	default:
		t.Fatalf("unexpected coding %q", coding)
	}
	if err != nil {
		t.Fatalf("decoding %s: %v", coding, err)
	}
	return string(out)
}

// TestCompressedAnswers: the views (page and fragment, from the page cache and rendered), the JSON twins,
// the locations page, an error page and the static files go out in Brotli or gzip as the client asks,
// smaller, decoding to exactly the identity answer, with Vary: Accept-Encoding on every form; a client
// that asks for neither gets identity.
func TestCompressedAnswers(t *testing.T) {
	h, p := fixture()
	ts := newTestServer(t, h, p)
	a := newAssetsT(t)
	for _, c := range []struct {
		target  string
		headers []string
		status  int
	}{
		{"/", nil, 200},
		{"/compare?location=Hyderabad&type=pm25", []string{"HX-Request", "true"}, 200},
		{"/historic?size=40", nil, 200},
		{"/historic.json?size=40", nil, 200},
		{"/compare.json", nil, 200},
		{"/locations", nil, 200},
		{"/historic?sort=bogus", nil, 400},
		{"/no-such-page", nil, 404},
		{a("app.css"), nil, 200},
		{a("app.js"), nil, 200},
		{a("vendor/htmx.min.js"), nil, 200},
	} {
		plainResp, plain := ts.get(t, c.target, c.headers...)
		if plainResp.StatusCode != c.status || plainResp.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s without Accept-Encoding: %d, Content-Encoding %q", c.target, plainResp.StatusCode, plainResp.Header.Get("Content-Encoding"))
		}
		for _, enc := range []struct{ accept, want string }{{"gzip, deflate, br, zstd", "br"}, {"gzip", "gzip"}, {"br;q=0, gzip;q=0.5", "gzip"}, {"identity", ""}} {
			// Twice: the second answer of a live view comes from the page cache.
			for round := range 2 {
				resp, body := ts.get(t, c.target, append(append([]string(nil), c.headers...), "Accept-Encoding", enc.accept)...)
				what := c.target + " with Accept-Encoding " + enc.accept
				if resp.StatusCode != c.status || resp.Header.Get("Content-Encoding") != enc.want {
					t.Fatalf("%s (%d): %d, Content-Encoding %q, want %q", what, round+1, resp.StatusCode, resp.Header.Get("Content-Encoding"), enc.want)
				}
				if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") || !strings.Contains(plainResp.Header.Get("Vary"), "Accept-Encoding") {
					t.Errorf("%s: Vary %q (identity: %q), want Accept-Encoding in both", what, resp.Header.Get("Vary"), plainResp.Header.Get("Vary"))
				}
				if enc.want != "" && len(body) >= len(plain)*3/4 {
					t.Errorf("%s: %d bytes compressed, %d plain", what, len(body), len(plain))
				}
				if got := decode(t, enc.want, body); got != plain {
					t.Errorf("%s: decodes to %d bytes that differ from the %d of the identity answer", what, len(got), len(plain))
				}
				if resp.Header.Get("Content-Type") != plainResp.Header.Get("Content-Type") || resp.Header.Get("ETag") != plainResp.Header.Get("ETag") && enc.want == "" {
					t.Errorf("%s: Content-Type %q ETag %q, identity %q %q", what, resp.Header.Get("Content-Type"), resp.Header.Get("ETag"), plainResp.Header.Get("Content-Type"), plainResp.Header.Get("ETag"))
				}
			}
		}
	}
	// A body too small to gain is left alone, Vary still said.
	resp, body := ts.get(t, "/healthz", "Accept-Encoding", "br")
	if resp.Header.Get("Content-Encoding") != "" || body != "ok\n" {
		t.Errorf("/healthz: Content-Encoding %q, body %q", resp.Header.Get("Content-Encoding"), body)
	}
}

// newAssetsT returns the fingerprinted URL of a static file, as the pages link it.
func newAssetsT(t *testing.T) func(string) string {
	t.Helper()
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	return func(name string) string {
		u, err := a.URL(name)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
}

// TestCompressionAndETags: a live view has one weak ETag for every coding (the same content), so its
// page's copy of it (data-live-etag, which app.js polls with) gets a 304 whatever coding the poll would
// travel in. A static file has a strong ETag per coding (RFC 9110 8.8.3): its If-None-Match is a 304
// only for the coding it names, and a 200 in another.
func TestCompressionAndETags(t *testing.T) {
	h, p := fixture()
	ts := newTestServer(t, h, p)
	const view = "/historic?location=Hyderabad&size=5"
	var tag string
	for _, accept := range []string{"", "gzip", "br", "gzip, br"} {
		resp, body := ts.get(t, view, "HX-Request", "true", "Accept-Encoding", accept)
		got := resp.Header.Get("ETag")
		if !strings.HasPrefix(got, `W/"`) || (tag != "" && got != tag) {
			t.Fatalf("%s in %q: ETag %q, want one weak tag for every coding (%q)", view, accept, got, tag)
		}
		tag = got
		if plain := decode(t, resp.Header.Get("Content-Encoding"), body); !strings.Contains(plain, `data-live-etag="`+strings.ReplaceAll(tag, `"`, "&#34;")+`"`) {
			t.Fatalf("%s: the fragment does not carry its ETag %s", view, tag)
		}
	}
	for _, accept := range []string{"", "gzip", "br"} {
		for _, inm := range []string{tag, strings.TrimPrefix(tag, "W/"), `"x", ` + tag} {
			resp, body := ts.get(t, view, "HX-Request", "true", "Accept-Encoding", accept, "If-None-Match", inm)
			if resp.StatusCode != 304 || body != "" || resp.Header.Get("ETag") != tag || resp.Header.Get("Content-Encoding") != "" {
				t.Errorf("%s in %q with If-None-Match %s: %d, ETag %q, Content-Encoding %q, %d bytes", view, accept, inm, resp.StatusCode, resp.Header.Get("ETag"), resp.Header.Get("Content-Encoding"), len(body))
			}
		}
	}

	css := newAssetsT(t)("app.css")
	tags := map[string]string{}
	for _, accept := range []string{"", "gzip", "br"} {
		resp, _ := ts.get(t, css, "Accept-Encoding", accept)
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != 200 || !strings.HasPrefix(etag, `"`) || resp.Header.Get("Cache-Control") != staticMaxAge {
			t.Fatalf("%s in %q: %d, ETag %q, Cache-Control %q", css, accept, resp.StatusCode, etag, resp.Header.Get("Cache-Control"))
		}
		for other, otherTag := range tags {
			if otherTag == etag {
				t.Errorf("%s: the same strong ETag %s in %q and %q", css, etag, accept, other)
			}
		}
		tags[accept] = etag
	}
	for accept, etag := range tags {
		resp, body := ts.get(t, css, "Accept-Encoding", accept, "If-None-Match", etag)
		if resp.StatusCode != 304 || body != "" || resp.Header.Get("ETag") != etag {
			t.Errorf("%s in %q with its ETag: %d, ETag %q", css, accept, resp.StatusCode, resp.Header.Get("ETag"))
		}
		for other, otherTag := range tags {
			if other == accept {
				continue
			}
			if resp, _ := ts.get(t, css, "Accept-Encoding", other, "If-None-Match", etag); resp.StatusCode != 200 || resp.Header.Get("ETag") != otherTag {
				t.Errorf("%s in %q with the ETag of %q: %d, ETag %q, want 200 %s", css, other, accept, resp.StatusCode, resp.Header.Get("ETag"), otherTag)
			}
		}
	}
}

// TestStreamsAreNeverCompressed: /events and the CSV exports, asked with Accept-Encoding: gzip, br over
// a real connection, come uncompressed and streamed: the event stream's first frame is read while the
// stream is still open (nothing buffers it to the end), and an export has no length, only its chunks.
func TestStreamsAreNeverCompressed(t *testing.T) {
	h, p := fixture()
	url := newTestServer(t, h, p).url
	_, base := liveServer(t, url)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "gzip, br") // set by hand, so Go's client does not decode it
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		t.Fatalf("/events: %d, Content-Encoding %q, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(resp.Body)
	line, err := r.ReadString('\n')
	if err != nil || line != "retry: 2000\n" {
		t.Fatalf("/events: first line %q (%v), want the stream's opening, uncompressed, while it is open", line, err)
	}
	cancel()

	for _, target := range []string{"/historic.csv", "/compare.csv?match=all"} {
		req, _ := http.NewRequest(http.MethodGet, base+target, nil)
		req.Header.Set("Accept-Encoding", "gzip, br")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || resp.ContentLength != -1 ||
			len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" || !strings.HasPrefix(string(b), "date,location,type,") {
			t.Errorf("%s: %d %v, Content-Encoding %q, length %d, transfer %v: %.80q", target, resp.StatusCode, err, resp.Header.Get("Content-Encoding"), resp.ContentLength, resp.TransferEncoding, b)
		}
	}
}
