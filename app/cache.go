package main

import (
	"bytes"
	"context"
	"net/textproto"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/aqdash/aqdash/queries"
)

// The data version and the page cache. Every write to either table bumps a per-table counter (migration
// 002), and the change listener hears of it within milliseconds. While the listener is connected the
// server knows the version without asking the database, and a live view already rendered at that version
// (same URL, page or fragment) is answered from memory: most requests then touch no database at all.
// While the listener is down the version is read from the database on every request, so nothing stale
// is ever served.

// versionTracker holds the data version as the change listener reports it.
type versionTracker struct {
	mu    sync.Mutex
	known bool
	v     [2]int64 // historic, predictions
}

// parseVersion reads "historic.predictions" ("12.7").
func parseVersion(s string) ([2]int64, bool) {
	a, b, ok := strings.Cut(s, ".")
	h, err1 := strconv.ParseInt(a, 10, 64)
	p, err2 := strconv.ParseInt(b, 10, 64)
	return [2]int64{h, p}, ok && err1 == nil && err2 == nil
}

// reset forgets the version: changes may now go unheard (the listener is reconnecting).
func (t *versionTracker) reset() {
	t.mu.Lock()
	t.known = false
	t.mu.Unlock()
}

// read sets the version from the database's own, after the listener (re)connects.
func (t *versionTracker) read(s string) {
	v, ok := parseVersion(s)
	t.mu.Lock()
	defer t.mu.Unlock()
	if ok {
		t.v = [2]int64{max(t.v[0], v[0]), max(t.v[1], v[1])}
	}
	t.known = ok
}

// changed takes the version a change notification carries. Each counter only grows, and a payload may
// carry the other table's counter as its transaction saw it before a concurrent commit, so the version
// is merged counter by counter.
func (t *versionTracker) changed(s string) {
	v, ok := parseVersion(s)
	t.mu.Lock()
	defer t.mu.Unlock()
	if !ok {
		t.known = false // a change we cannot place: ask the database until the next reconnect
		return
	}
	t.v = [2]int64{max(t.v[0], v[0]), max(t.v[1], v[1])}
}

// get returns the version, if the listener keeps it current.
func (t *versionTracker) get() (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.known {
		return "", false
	}
	return strconv.FormatInt(t.v[0], 10) + "." + strconv.FormatInt(t.v[1], 10), true
}

// dataVersion is the data version now: from memory while the listener is connected, else from the database.
func (s *server) dataVersion(ctx context.Context) (string, error) {
	if v, ok := s.versions.get(); ok {
		return v, nil
	}
	return queries.DataVersion(ctx, s.db)
}

// Page cache bounds: at most pageCacheEntries pages of at most pageCacheMaxBody bytes each.
const (
	pageCacheEntries = 256
	pageCacheMaxBody = 128 << 10
)

// cachedPage is a rendered live view: its body and the headers its handler set (Content-Type,
// HX-Push-Url, anything a view adds), every byte a copy the cache owns. Nothing in it may point into
// fasthttp's request or response buffers: those are reused by the next request on the same context, so
// an alias would change under the cache (it did: HX-Push-Url read with GetRespHeader came back as the
// bytes of a later response's ETag).
type cachedPage struct {
	headers []header
	body    []byte
	// br and gzip are the body in those codings, made the first time a client asked for them (nil
	// until then): a cached view is compressed once, not on every request.
	br, gzip []byte
}

// header is one response header, copied out of fasthttp's buffers.
type header struct{ key, value string }

// unreplayed are the headers a cached page never carries: framing and per-request ones, and the ETag,
// which liveView sets itself.
var unreplayed = map[string]bool{
	"Content-Length": true, "Date": true, "Server": true, "Connection": true, "Transfer-Encoding": true,
	"X-Request-Id": true, "Etag": true,
}

// responseHeaders copies the response's headers as they are now.
func responseHeaders(c *fiber.Ctx) []header {
	var hs []header
	c.Response().Header.VisitAll(func(k, v []byte) {
		hs = append(hs, header{string(k), string(v)}) // string([]byte) copies
	})
	return hs
}

// newCachedPage copies what the view's handler made of the response: its body, and every header that
// is not in before (the headers as they were when the handler started) or has changed since. A
// response that sets a cookie is never cached (ok is false).
func newCachedPage(c *fiber.Ctx, before []header, body []byte) (page cachedPage, ok bool) {
	had := make(map[header]bool, len(before))
	for _, h := range before {
		had[h] = true
	}
	ok = true
	c.Response().Header.VisitAll(func(k, v []byte) {
		key := textproto.CanonicalMIMEHeaderKey(string(k))
		if key == fiber.HeaderSetCookie {
			ok = false
		}
		if h := (header{string(k), string(v)}); !had[h] && !unreplayed[key] {
			page.headers = append(page.headers, h)
		}
	})
	page.body = bytes.Clone(body)
	return page, ok
}

// replay answers c with the cached page, as its handler answered when it was rendered, in the coding
// the client prefers (see codingFor). It returns the page with a coding it had to make, and whether it
// made one: the caller stores it again so that the next request finds it.
func (p cachedPage) replay(c *fiber.Ctx) (cachedPage, bool) {
	for _, h := range p.headers {
		c.Set(h.key, h.value) // Set copies the value into the response's own buffer
	}
	resp := c.Response()
	// The cache's slices become the response body without a copy: fasthttp only reads them, and an
	// entry's slices are never written once made.
	resp.SetBodyRaw(p.body)
	coding := codingFor(c)
	if coding == "" {
		return p, false
	}
	if encoded := p.coded(coding); encoded != nil {
		resp.SetBodyRaw(encoded)
		resp.Header.SetContentEncoding(coding)
		return p, false
	}
	compressBody(c, coding)
	return p.withCoding(coding, resp.Body()), true
}

// coded is the body in coding, nil when not made yet.
func (p cachedPage) coded(coding string) []byte {
	if coding == codingBrotli {
		return p.br
	}
	return p.gzip
}

// withCoding is the page with a copy of its body in coding.
func (p cachedPage) withCoding(coding string, encoded []byte) cachedPage {
	if coding == codingBrotli {
		p.br = bytes.Clone(encoded)
	} else {
		p.gzip = bytes.Clone(encoded)
	}
	return p
}

// newPageCache makes the server's cache of rendered live views, keyed by ETag (build, data version,
// page or fragment) and URL: an entry can never be served for other data than it was rendered from.
// It is nil when turned off.
func newPageCache(on bool) *lru.Cache[string, cachedPage] {
	if !on {
		return nil
	}
	c, err := lru.New[string, cachedPage](pageCacheEntries)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return c
}

// optionsCache holds the filter form's choices (every location and pollutant) at one data version: they
// change only when the data does, and every view's form needs them.
type optionsCache struct {
	mu          sync.Mutex
	version     string
	locs, types []string
}

// listOptions returns every location and pollutant, from memory when the listener vouches that the data
// has not changed since they were read.
func (s *server) listOptions(ctx context.Context) (locs, types []string, err error) {
	v, known := s.versions.get()
	if known {
		s.options.mu.Lock()
		if s.options.version == v {
			locs, types = s.options.locs, s.options.types
			s.options.mu.Unlock()
			return locs, types, nil
		}
		s.options.mu.Unlock()
	}
	locs, types, err = queries.ListOptions(ctx, s.db)
	if err == nil && known {
		s.options.mu.Lock()
		s.options.version, s.options.locs, s.options.types = v, locs, types
		s.options.mu.Unlock()
	}
	return locs, types, err
}

// modelsCache holds every model and its leads (queries.ListModels) at one data version, like optionsCache:
// every comparison's form and its parameters' checks need them.
type modelsCache struct {
	mu      sync.Mutex
	version string
	models  []queries.ModelLeads
}

// listModels returns every model and its leads, sorted by name, from memory when the listener vouches
// that the data has not changed since they were read.
func (s *server) listModels(ctx context.Context) ([]queries.ModelLeads, error) {
	v, known := s.versions.get()
	if known {
		s.models.mu.Lock()
		if s.models.version == v && s.models.models != nil {
			models := s.models.models
			s.models.mu.Unlock()
			return models, nil
		}
		s.models.mu.Unlock()
	}
	models, err := queries.ListModels(ctx, s.db)
	if err == nil && known {
		if models == nil {
			models = []queries.ModelLeads{}
		}
		s.models.mu.Lock()
		s.models.version, s.models.models = v, models
		s.models.mu.Unlock()
	}
	return models, err
}
