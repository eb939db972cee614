package main

import (
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Compression. HTML, CSS, JavaScript, JSON and SVG go out in the coding the client prefers, Brotli or
// gzip (Accept-Encoding, q-values honoured), with Vary: Accept-Encoding on every such response,
// compressed or not. Three places do it, one negotiation and one encoder for all:
//
//   - compressBodies, the middleware, compresses whatever body a handler left in memory (JSON, the
//     locations page, error pages, a live view with the page cache off). It never touches a streamed body:
//     /events must reach the browser event by event, and a CSV export stays a stream of flat memory.
//   - liveView keeps each coding of a page it caches beside the page (cache.go), so a cached view is
//     compressed once per data version, not once per request.
//   - the static files are compressed once per process, at the highest levels (static.go).
//
// ETags: a live view's is weak (W/"…"), the same for every coding, since the codings of one rendering are
// the same content (RFC 9110 8.8.1) and the page's own copy of its ETag, which app.js polls with, cannot
// know the coding its response travelled in. A static file's is strong and differs per coding, as RFC
// 9110 8.8.3 asks of strong validators.

// Content codings the server sends; identity is "".
const (
	codingBrotli = "br"
	codingGzip   = "gzip"
)

// Levels of the per-request compression: Brotli 5 and gzip 6 make a 33 KB dashboard 7.6 KB or 8.8 KB in
// about a millisecond or half of one (README, Performance).
const (
	brotliLevel = 5
	gzipLevel   = 6
)

// minCompress is the smallest body worth compressing: below it the coding's framing eats the gain.
const minCompress = 512

// negotiateCoding picks the coding of a response from the request's Accept-Encoding: Brotli or gzip,
// whichever has the higher q-value (Brotli on a tie, as it is smaller), neither when both are refused
// (q=0) or not named (a "*" names every coding not listed). "" is identity.
func negotiateCoding(accept []byte) string {
	if len(accept) == 0 {
		return ""
	}
	br, gz, star := -1.0, -1.0, -1.0
	for _, part := range strings.Split(string(accept), ",") {
		name, params, _ := strings.Cut(part, ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0 // an unreadable weight accepts nothing
				}
				q = f
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case codingBrotli:
			br = q
		case codingGzip, "x-gzip":
			gz = q
		case "*":
			star = q
		}
	}
	if br < 0 {
		br = star
	}
	if gz < 0 {
		gz = star
	}
	switch {
	case br > 0 && br >= gz:
		return codingBrotli
	case gz > 0:
		return codingGzip
	}
	return ""
}

// compressible reports whether a response of this Content-Type is worth compressing: text the server
// writes (HTML, CSS, JavaScript, JSON, SVG, plain text and markdown). CSV and event streams are
// text too, but those are streamed and never pass through here.
func compressible(contentType []byte) bool {
	ct := string(contentType)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	switch strings.ToLower(strings.TrimSpace(ct)) {
	case "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
		"image/svg+xml", "text/plain", "text/markdown":
		return true
	}
	return false
}

// encode compresses body in coding at the per-request level, appending to dst.
func encode(dst []byte, coding string, body []byte) []byte {
	if coding == codingBrotli {
		return fasthttp.AppendBrotliBytesLevel(dst, body, brotliLevel)
	}
	return fasthttp.AppendGzipBytesLevel(dst, body, gzipLevel)
}

// scratch holds the buffers compressed bodies are built in before the response copies them.
var scratch = sync.Pool{New: func() any { return new([]byte) }}

// compressBodies is the middleware; see the top of this file. It runs outside logRequests, so an error
// page has been written by the time it looks at the body.
func compressBodies(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		return err
	}
	if coding := codingFor(c); coding != "" {
		compressBody(c, coding)
	}
	return nil
}

// codingFor decides how c's response goes out: it adds Vary: Accept-Encoding to every compressible
// response (compressed or not, so that no cache hands a compressed body to a client that cannot read
// it) and returns the coding to compress it in, "" when it stays as it is: a streamed body, one already
// encoded, one not worth compressing (its type, or under minCompress bytes), or a client that takes
// neither coding.
func codingFor(c *fiber.Ctx) string {
	resp := c.Response()
	if resp.IsBodyStream() || len(resp.Header.ContentEncoding()) > 0 || !compressible(resp.Header.ContentType()) {
		return ""
	}
	c.Vary(fiber.HeaderAcceptEncoding)
	if len(resp.Body()) < minCompress {
		return ""
	}
	return negotiateCoding(c.Request().Header.Peek(fiber.HeaderAcceptEncoding))
}

// compressBody compresses c's response body in coding.
func compressBody(c *fiber.Ctx, coding string) {
	resp := c.Response()
	buf := scratch.Get().(*[]byte)
	*buf = encode((*buf)[:0], coding, resp.Body())
	resp.SetBody(*buf) // a copy: the scratch buffer goes back to the pool
	scratch.Put(buf)
	resp.Header.SetContentEncoding(coding)
}
