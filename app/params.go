package main

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/queries"
)

// sortable is what the parameter parser needs of a view's columns.
type sortable interface {
	SortKeys() []string
	ValidSort(key string) bool
}

// maxPage bounds page so an offset can never overflow.
const maxPage = 1_000_000_000

// defaultDesc is the direction a column sorts in when none is asked for: newest first for dates,
// alphabetical for names, highest first for numbers.
func defaultDesc(key string) bool { return key != "location" && key != "type" }

// parseView reads a view's state from the query string: sort, dir, page, size, location, type, from, to.
// An empty value means the parameter's default (what a GET form sends for "all"). Anything else that
// cannot be understood is a 400 that names the parameter; unknown locations or pollutants just match
// nothing. No parameter ever becomes SQL text: sort must be one of the view's columns.
func parseView(c *fiber.Ctx, cols sortable) (queries.View, error) {
	q := c.Context().QueryArgs()
	get := func(name string) string { return strings.TrimSpace(string(q.Peek(name))) }
	v := queries.View{Sort: "date", Page: 1, Size: queries.DefaultSize}

	if s := get("sort"); s != "" {
		if !cols.ValidSort(s) {
			return v, badParam("sort", "%q is not a column of this table; use one of %s", s, strings.Join(cols.SortKeys(), ", "))
		}
		v.Sort = s
	}
	v.Desc = defaultDesc(v.Sort)
	switch d := get("dir"); d {
	case "":
	case "asc":
		v.Desc = false
	case "desc":
		v.Desc = true
	default:
		return v, badParam("dir", "%q is not a direction; use asc or desc", d)
	}
	if s := get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPage {
			return v, badParam("page", "%q is not a page number; pages count from 1", s)
		}
		v.Page = n
	}
	if s := get("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > queries.MaxSize {
			return v, badParam("size", "%q is not a page size; use a number from 1 to %d", s, queries.MaxSize)
		}
		v.Size = n
	}
	for _, p := range []struct {
		name string
		dst  **queries.Cursor
	}{{"after", &v.After}, {"before", &v.Before}} {
		if s := get(p.name); s != "" {
			c, err := queries.DecodeCursor(s)
			if err != nil {
				return v, badParam(p.name, "%v", err)
			}
			*p.dst = c
		}
	}
	if v.After != nil && v.Before != nil {
		return v, badParam("after", "use after or before, not both")
	}
	v.Locations = multi(q.PeekMulti("location"))
	v.Types = multi(q.PeekMulti("type"))
	for _, p := range []struct {
		name string
		vals []string
	}{{"location", v.Locations}, {"type", v.Types}} {
		for _, s := range p.vals {
			if !storable(s) {
				return v, badParam(p.name, "%q is not a name: it holds a control character or bytes that are not UTF-8", s)
			}
		}
	}
	for _, p := range []struct {
		name string
		c    *queries.Cursor
	}{{"after", v.After}, {"before", v.Before}} {
		if p.c != nil && (!storable(p.c.Location) || !storable(p.c.Type)) {
			return v, badParam(p.name, "not a cursor from a next or previous link")
		}
	}
	var err error
	if v.From, err = parseDateParam("from", get("from")); err != nil {
		return v, err
	}
	if v.To, err = parseDateParam("to", get("to")); err != nil {
		return v, err
	}
	if !v.From.IsZero() && !v.To.IsZero() && v.From.After(v.To) {
		return v, badParam("from", "%s is after to (%s); from must be on or before to", v.From.Format(time.DateOnly), v.To.Format(time.DateOnly))
	}
	return v, nil
}

func parseDateParam(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return d, badParam(name, "%q is not a date; use YYYY-MM-DD, such as 2020-07-01", s)
	}
	return d, nil
}

// storable reports whether s could be a stored location or pollutant: valid UTF-8 without control
// characters, as the importer requires. Anything else can match no row, and PostgreSQL refuses some of it
// (NUL, invalid UTF-8) outright, so it is a 400, not a query.
func storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

// multi copies a repeated parameter's values, dropping empty ones and repeats.
func multi(vals [][]byte) []string {
	var out []string
	for _, b := range vals {
		s := strings.TrimSpace(string(b))
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// viewQuery writes a view back as a query string, leaving out defaults, so every link and every pushed
// URL is short, canonical and bookmarkable.
func viewQuery(v queries.View) url.Values {
	q := url.Values{}
	for _, l := range v.Locations {
		q.Add("location", l)
	}
	for _, t := range v.Types {
		q.Add("type", t)
	}
	if !v.From.IsZero() {
		q.Set("from", v.From.Format(time.DateOnly))
	}
	if !v.To.IsZero() {
		q.Set("to", v.To.Format(time.DateOnly))
	}
	if v.Sort != "date" || !v.Desc {
		q.Set("sort", v.Sort)
		if v.Desc {
			q.Set("dir", "desc")
		} else {
			q.Set("dir", "asc")
		}
	}
	if v.Page > 1 {
		q.Set("page", strconv.Itoa(v.Page))
	}
	if v.After != nil {
		q.Set("after", v.After.Encode())
	}
	if v.Before != nil {
		q.Set("before", v.Before.Encode())
	}
	if v.Size != queries.DefaultSize {
		q.Set("size", strconv.Itoa(v.Size))
	}
	return q
}

// viewURL is path with the view's query string.
func viewURL(path string, v queries.View) string {
	if q := viewQuery(v).Encode(); q != "" {
		return path + "?" + q
	}
	return path
}
