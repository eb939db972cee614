package main

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/demo"
	"github.com/aqdash/aqdash/queries"
)

// pageData is what every page's layout needs; each view's page struct embeds it.
type pageData struct {
	Title  string
	Path   string
	Credit string
	Nav    []navItem
	// DataVersion is the data version a live view was rendered at (see liveView); empty elsewhere.
	DataVersion string
	// FragmentETag is the ETag of the view's fragment at DataVersion, which app.js polls with; empty
	// where DataVersion is.
	FragmentETag string
	// ScaleKey is the request's scale= when it is a scale other than the deployment's, else "": links
	// a page writes by hand carry it.
	ScaleKey string
}

// navItem is one link of the site navigation.
type navItem struct {
	Label, URL string
	Current    bool
}

// newPage is the one helper that starts every page's data.
func (s *server) newPage(c *fiber.Ctx, title string) pageData {
	p := pageData{Title: title, Path: c.Path(), Credit: demo.Credit}
	p.DataVersion, _ = c.Locals(dataVersionKey).(string)
	p.FragmentETag, _ = c.Locals(fragmentETagKey).(string)
	// The navigation keeps a scale other than the deployment's.
	scale, _ := requestScale(c)
	p.ScaleKey = scale
	for _, n := range []navItem{{Label: "Dashboard", URL: "/"}, {Label: "Compare", URL: "/compare"}, {Label: "Accuracy", URL: "/accuracy?type=pm25"}, {Label: "Measurements", URL: "/historic"}, {Label: "Predictions", URL: "/predictions"}, {Label: "Calendar", URL: "/calendar"}, {Label: "Locations", URL: "/locations"}} {
		n.Current = n.URL == p.Path || (n.URL == "/" && p.Path == "/index") || strings.HasPrefix(n.URL, p.Path+"?")
		n.URL = withScale(n.URL, scale)
		p.Nav = append(p.Nav, n)
	}
	return p
}

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// options builds a select's choices, marking the chosen ones; chosen values missing from all (an unknown
// location in the URL) are kept so the form shows what is filtered.
func options(all, chosen []string, label func(string) string) []option {
	out := make([]option, 0, len(all)+len(chosen))
	seen := map[string]bool{}
	for _, v := range all {
		seen[v] = true
		out = append(out, option{v, label(v), contains(chosen, v)})
	}
	for _, v := range chosen {
		if !seen[v] {
			out = append(out, option{v, label(v), true})
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func identity(s string) string { return s }

// describe says in words which rows a view holds: "Hyderabad · PM2.5 · 1 Jan 2019 to 31 Dec 2019".
func describe(v queries.View) string {
	var parts []string
	if len(v.Locations) > 0 {
		parts = append(parts, strings.Join(v.Locations, ", "))
	}
	if len(v.Types) > 0 {
		labels := make([]string, len(v.Types))
		for i, t := range v.Types {
			labels[i] = pollutantLabel(t)
		}
		parts = append(parts, strings.Join(labels, ", "))
	}
	const f = "2 Jan 2006"
	switch {
	case !v.From.IsZero() && !v.To.IsZero():
		parts = append(parts, "between "+v.From.Format(f)+" and "+v.To.Format(f))
	case !v.From.IsZero():
		parts = append(parts, "from "+v.From.Format(f))
	case !v.To.IsZero():
		parts = append(parts, "up to "+v.To.Format(f))
	}
	return strings.Join(parts, " · ")
}

// dateInput formats a date for an <input type="date">; the zero time is empty.
func dateInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
