package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/valyala/fasthttp"

	"github.com/aqdash/aqdash/public"
)

// The static files, /static/…: embedded, fingerprinted by assets.go (?v=hash), cached by browsers for a
// year, and served from memory in the coding the client prefers, each coding made once per process at
// the highest level (htmx: 52 KB, 15 KB in Brotli 11, which takes 0.15 s once). Each coding has its own
// strong ETag ("hash", "hash-br", "hash-gzip"), as RFC 9110 8.8.3 asks, and If-None-Match gets a 304.

// staticMaxAge is the Cache-Control of a static file: a year, since its URL changes with its content.
const staticMaxAge = "public, max-age=31536000"

// staticFile is one embedded file as served.
type staticFile struct {
	contentType string
	// tag is the opaque part of its identity ETag: a hash of its bytes.
	tag  string
	body []byte
	// compress is set for the types worth compressing; br and gzip are then made on first request.
	compress bool
	br, gzip lazyBytes
}

// lazyBytes is a body made once, on first use.
type lazyBytes struct {
	once sync.Once
	b    []byte
}

func (l *lazyBytes) get(build func() []byte) []byte {
	l.once.Do(func() { l.b = build() })
	return l.b
}

// staticFiles reads every embedded file once per process: public.FS is the same for every server.
var staticFiles = sync.OnceValues(func() (map[string]*staticFile, error) {
	files := map[string]*staticFile{}
	err := fs.WalkDir(public.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(public.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := utils.GetMIME(path.Ext(p))
		files[p] = &staticFile{contentType: ct, tag: hex.EncodeToString(sum[:8]), body: b,
			compress: compressible([]byte(ct)) && len(b) >= minCompress}
		return nil
	})
	return files, err
})

// coded returns the file's body and strong ETag in coding ("" is identity).
func (f *staticFile) coded(coding string) (body []byte, etag string) {
	switch coding {
	case codingBrotli:
		return f.br.get(func() []byte {
				return fasthttp.AppendBrotliBytesLevel(nil, f.body, fasthttp.CompressBrotliBestCompression)
			}),
			`"` + f.tag + `-br"`
	case codingGzip:
		return f.gzip.get(func() []byte { return fasthttp.AppendGzipBytesLevel(nil, f.body, fasthttp.CompressBestCompression) }),
			`"` + f.tag + `-gzip"`
	}
	return f.body, `"` + f.tag + `"`
}

// serveStatic answers GET and HEAD of an embedded file under /static/; anything else goes on (to the
// 404 page).
func serveStatic(c *fiber.Ctx) error {
	if m := c.Method(); m != fiber.MethodGet && m != fiber.MethodHead {
		return c.Next()
	}
	files, err := staticFiles()
	if err != nil {
		return err
	}
	f := files[strings.TrimPrefix(c.Path(), "/static/")]
	if f == nil {
		return c.Next()
	}
	coding := ""
	if f.compress {
		c.Vary(fiber.HeaderAcceptEncoding)
		coding = negotiateCoding(c.Request().Header.Peek(fiber.HeaderAcceptEncoding))
	}
	body, etag := f.coded(coding)
	c.Set(fiber.HeaderCacheControl, staticMaxAge)
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderContentType, f.contentType)
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
		c.Status(fiber.StatusNotModified)
		return nil
	}
	if coding != "" {
		c.Set(fiber.HeaderContentEncoding, coding)
	}
	// The file's own bytes, not copied: nothing writes to them.
	c.Response().SetBodyRaw(body)
	return nil
}
