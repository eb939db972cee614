package main

import (
	"bytes"
	stdhtml "html"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"

	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/views"
)

// renderer executes the embedded templates.
type renderer struct {
	engine *html.Engine
	bufs   sync.Pool
}

func newRenderer(a *assets) (*renderer, error) {
	e := html.NewFileSystem(http.FS(views.FS), ".html")
	e.AddFuncMap(template.FuncMap{
		"asset":     a.URL,
		"isoDate":   func(t time.Time) string { return t.Format(time.DateOnly) },
		"humanDate": func(t time.Time) string { return t.Format("2 Jan 2006") },
		"number":    formatNumber,
		"count":     formatCount,
		"int64":     func(n int) int64 { return int64(n) },
		"label":     pollutantLabel,
		"leadName":  leadLabel,
		"unit":      pollutantUnit,
		"live":      liveAttrsOf,
		// homeLinks is the data of layouts/home-links: the dashboard's links on a scale, in the page or
		// out of band in a swap.
		"homeLinks": func(scale string, oob bool) struct {
			ScaleKey string
			OOB      bool
		} {
			return struct {
				ScaleKey string
				OOB      bool
			}{scale, oob}
		},
		// optionTags writes a select's options.
		"optionTags": optionTags,
	})
	if err := e.Load(); err != nil {
		return nil, err
	}
	return &renderer{engine: e, bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}, nil
}

// optionTags writes the options of a select as HTML, every value and label escaped (stdhtml.EscapeString
// escapes the five characters that matter in text and in a quoted attribute). The location select lists
// every location, hundreds of them, and an action costs about a microsecond of reflection: kept as a
// template partial, the options cut the unfiltered table on 10M rows (238 locations) from 942 to 615
// req/s and the one-series comparison from 467 to 243 (README, Performance). So this one piece of markup
// lives here.
func optionTags(opts []option) template.HTML {
	var b strings.Builder
	for _, o := range opts {
		b.WriteString(`<option value="`)
		b.WriteString(stdhtml.EscapeString(o.Value))
		b.WriteByte('"')
		if o.Selected {
			b.WriteString(" selected")
		}
		b.WriteByte('>')
		b.WriteString(stdhtml.EscapeString(o.Label))
		b.WriteString("</option>")
	}
	return template.HTML(b.String())
}

// wantsFragment tells an htmx swap (which gets only the view's fragment) from every other request: a
// normal load, a reload, and an htmx history restore all get the whole page.
func wantsFragment(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-History-Restore-Request") != "true"
}

// pushCanonical makes htmx push the view's canonical URL (defaults left out, parameters in one order)
// instead of the raw query a form sent, so the address bar and history always hold a clean, bookmarkable
// URL of what is shown.
func pushCanonical(c *fiber.Ctx, url string) {
	if wantsFragment(c) {
		c.Set("HX-Push-Url", url)
	}
}

// render answers with the page template, or the fragment template for an htmx swap, rendered into a
// buffer first so a template error becomes a clean error page instead of half a page.
func (s *server) render(c *fiber.Ctx, status int, page, fragment string, data any) error {
	c.Vary("HX-Request")
	buf := s.views.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer s.views.bufs.Put(buf)
	name := page
	if wantsFragment(c) {
		// A fragment starts with its page's <title>, which htmx moves into the document's head.
		if err := s.views.engine.Render(buf, "layouts/title", data); err != nil {
			return &renderError{"layouts/title", err}
		}
		// And the navigation out of band, on the fragment's scale (layouts/nav-oob), when the swap
		// changes the scale the page's links carry (a view's swap, not the count's).
		if fragment != "partials/count" && scaleChanged(c) {
			if err := s.views.engine.Render(buf, "layouts/nav-oob", data); err != nil {
				return &renderError{"layouts/nav-oob", err}
			}
		}
		name = fragment
	}
	if err := s.views.engine.Render(buf, name, data); err != nil {
		return &renderError{name, err}
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// renderError is a template that failed to execute: a bug, logged, shown as a plain 500 page.
type renderError struct {
	name string
	err  error
}

func (e *renderError) Error() string { return "render " + e.name + ": " + e.err.Error() }
func (e *renderError) Unwrap() error { return e.err }

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// formatCount writes a count with thin separators between thousands: 1 891, 29 531.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return s
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ","...)
		}
		b = append(b, s[i])
	}
	return string(b)
}

func pollutantLabel(code string) string {
	if p, ok := ingest.LookupPollutant(code); ok {
		return p.Label
	}
	return code
}

func pollutantUnit(code string) string {
	if p, ok := ingest.LookupPollutant(code); ok {
		return p.Unit
	}
	return ""
}
