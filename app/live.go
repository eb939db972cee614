package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/public"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/views"
)

// The view side of live updates. Every live view (the tables, compare, the dashboard) is served through
// liveView, which reads the data version first; its fragment carries data-live-* attributes (see
// partials/live.html and liveAttrs) that public/app.js reads to decide whether a change touches it.

// dataVersionKey is where liveView leaves the data version for newPage, and fragmentETagKey the ETag
// of the view's fragment at that version (what app.js polls with).
const (
	dataVersionKey  = "aqdash.dataVersion"
	fragmentETagKey = "aqdash.fragmentETag"
)

// liveRefreshHeader marks app.js's background re-fetch of the open view: its answer must not add a
// history entry (the URL is the one already shown).
const liveRefreshHeader = "X-Aqdash-Refresh"

// liveView wraps a view handler. It reads the data version before the view's queries (so the version is
// never newer than the rows shown: at worst a page refreshes once more than needed), answers 304 to a
// request whose If-None-Match holds the ETag of that version, answers from the page cache when this URL
// was rendered at this version already (see cache.go), and otherwise sets the ETag on a 200. The
// ETag covers the build (templates, assets, code) and the data version, so it is the same on every
// instance of one release and changes with any write to either table. A live refresh gets
// HX-Push-Url: false, so it never adds a history entry.
func (s *server) liveView(c *fiber.Ctx) error {
	ctx, cancel := s.queryContext(c)
	version, err := s.dataVersion(ctx)
	cancel()
	if err != nil {
		// The view's own queries will fail the same way and say so; without a version there is no ETag.
		return c.Next()
	}
	c.Locals(dataVersionKey, version)
	tag := s.viewETag(version, true)
	c.Locals(fragmentETagKey, tag)
	c.Vary("HX-Request")
	if !wantsFragment(c) {
		tag = s.viewETag(version, false)
	}
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), tag) {
		c.Set(fiber.HeaderETag, tag)
		c.Status(fiber.StatusNotModified)
		return nil
	}
	var key string
	var before []header
	if s.pages != nil {
		// The concatenation copies the request's URI: the key outlives the request, and OriginalURL
		// points into fasthttp's buffer for it, which the next request on that context overwrites.
		key = tag + " " + c.OriginalURL()
		if page, ok := s.pages.Get(key); ok {
			if page, made := page.replay(c); made {
				s.pages.Add(key, page) // the same entry, with the coding just made
			}
			c.Set(fiber.HeaderETag, tag)
			s.markRefresh(c)
			return nil
		}
		before = responseHeaders(c)
	}
	if err := c.Next(); err != nil {
		return err
	}
	if c.Response().StatusCode() == fiber.StatusOK {
		if body := c.Response().Body(); key != "" && len(body) <= pageCacheMaxBody {
			if page, ok := newCachedPage(c, before, body); ok {
				// Compressed here rather than by compressBodies, so that the entry keeps the coding too.
				if coding := codingFor(c); coding != "" {
					compressBody(c, coding)
					page = page.withCoding(coding, c.Response().Body())
				}
				s.pages.Add(key, page)
			}
		}
		c.Set(fiber.HeaderETag, tag)
	}
	s.markRefresh(c)
	return nil
}

// markRefresh keeps a live refresh (app.js re-fetching the view already shown) out of the history.
func (s *server) markRefresh(c *fiber.Ctx) {
	if c.Get(liveRefreshHeader) != "" {
		c.Set("HX-Push-Url", "false")
	}
}

// viewETag is the ETag of a view at a data version: fragment and page differ (Vary: HX-Request). It
// holds today's date too, since the dashboard says how old its latest measurement is ("3 days ago"):
// a page rendered yesterday is not today's even when the data has not changed. It is weak: the view
// goes out in several codings (compress.go), the same content in each, and a strong ETag would have to
// differ between them (RFC 9110 8.8.3), which the copy of it in the fragment (for app.js's polling)
// could not. It starts with the server's render tag: the build and the settings that change what a view
// shows, so a restart with another AQI_SCALE or DEFAULT_MODEL never answers 304 to a page of the old ones.
func (s *server) viewETag(version string, fragment bool) string {
	form := "p"
	if fragment {
		form = "f"
	}
	return `W/"` + s.renderTag + "-" + time.Now().Format("20060102") + "-" + version + "-" + form + `"`
}

// renderTag is the part of every view's ETag that a configuration fixes: the build (buildID) and a
// hash of the settings that change a rendering: the default scale and the default model.
func renderTag(cfg Config) string {
	h := sha256.New()
	scale := ""
	if cfg.Scale != nil {
		scale = cfg.Scale.Key
	}
	fmt.Fprintf(h, "scale=%s\nmodel=%s\n", scale, cfg.DefaultModel)
	return buildID() + "." + hex.EncodeToString(h.Sum(nil)[:4])
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 8.8.3.2): any listed tag whose opaque
// part, W/ or not, is tag's, or *.
func etagMatches(header, tag string) bool {
	tag = strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == tag || t == "*" {
			return true
		}
	}
	return false
}

// buildID identifies this release: a hash of the embedded templates and static files and of the build's
// VCS stamp, the same on every instance running the same binary.
var buildID = sync.OnceValue(func() string {
	h := sha256.New()
	for _, fsys := range []fs.FS{views.FS, public.FS} {
		_ = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, path)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s %d\n", path, len(b))
			h.Write(b)
			return nil
		})
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintln(h, bi.GoVersion, bi.Main.Path, bi.Main.Version, bi.Main.Sum)
		for _, s := range bi.Settings {
			if strings.HasPrefix(s.Key, "vcs.") {
				fmt.Fprintln(h, s.Key, s.Value)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
})

// liveAttrs is what public/app.js needs to know about the open view, written as data-live-* attributes
// on its fragment's root by partials/live.html.
type liveAttrs struct {
	// URL is the view's canonical URL: what a refresh re-fetches (same filters, sort and page).
	URL string
	// Tables lists, space-separated, the tables whose changes touch the view.
	Tables string
	// Locations and Types are JSON arrays of the view's filters; [] means all. Models lists the models
	// whose predictions it shows (a comparison's model, ref and vs models; a table's model filter).
	Locations, Types, Models string
	// From and To bound its dates (ISO, empty when open).
	From, To string
	// Sort and Page decide between refreshing and offering a refresh: a view sorted by date on page 1
	// refreshes; any other is left alone and shows a "new data" notice.
	Sort string
	Page int
	// Version is the data version the view was rendered at; ETag is its fragment's ETag, for polling.
	Version, ETag string
}

// liveViewer is a page whose view is live.
type liveViewer interface {
	liveAttrs() liveAttrs
}

// liveAttrsOf is the template function live: the live attributes of a page's view.
func liveAttrsOf(p any) (liveAttrs, error) {
	if lv, ok := p.(liveViewer); ok {
		return lv.liveAttrs(), nil
	}
	return liveAttrs{}, fmt.Errorf("live: %T has no live view", p)
}

// newLiveAttrs fills the live attributes of a view from its URL, tables and filters, and the data
// version and fragment ETag liveView left in the page's data.
func newLiveAttrs(url, tables string, v queries.View, pd pageData) liveAttrs {
	return liveAttrs{
		URL: url, Tables: tables,
		Locations: jsonList(v.Locations), Types: jsonList(v.Types),
		From: dateInput(v.From), To: dateInput(v.To),
		Sort: v.Sort, Page: v.Page,
		Version: pd.DataVersion, ETag: pd.FragmentETag,
	}
}

func jsonList(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list)
	return string(b)
}

func (p tablePage) liveAttrs() liveAttrs {
	a := newLiveAttrs(p.SelfURL, p.Table.Key, p.View, p.pageData)
	a.Models = jsonList(p.View.Models)
	return a
}

func (p comparePage) liveAttrs() liveAttrs {
	a := newLiveAttrs(p.SelfURL, queries.Historic.Key+" "+queries.Predictions.Key, p.View.View, p.pageData)
	models := chartModels(p.View)
	if p.View.Ref != "" {
		models = append(models, p.View.Ref)
	}
	if p.View.Model == "" {
		models = nil
	}
	a.Models = jsonList(models)
	return a
}

// String makes the attributes printable in test failures.
func (a liveAttrs) String() string {
	return a.URL + " tables=" + a.Tables + " page=" + strconv.Itoa(a.Page) + " version=" + a.Version
}
