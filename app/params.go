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
func defaultDesc(key string) bool { return key != "location" && key != "type" && key != "model" }

// parseView reads a view's state from the query string: sort, dir, page, size, location, type, from, to,
// scale.
// An empty value means the parameter's default (what a GET form sends for "all"). Anything else that
// cannot be understood is a 400 that names the parameter; unknown locations or pollutants just match
// nothing. No parameter ever becomes SQL text: sort must be one of the view's columns.
func parseView(c *fiber.Ctx, cols sortable) (queries.View, error) {
	v, errs := parseViewAll(c, cols)
	if len(errs) > 0 {
		return v, errs[0].err
	}
	return v, nil
}

// fieldError is a 400 for one parameter, with the parameter's name: the view marks that field.
type fieldError struct {
	param string
	err   *pageError
}

// parseViewAll is parseView that goes on past a bad parameter (scale= included: see parseScale): it returns the view with every good
// parameter applied and every bad one at its default, and a 400 for each bad one, in the order of the
// query string's meaning (sort first, dates last). The view with a bad filter shows its form from it,
// the person's good values kept and the bad fields marked.
func parseViewAll(c *fiber.Ctx, cols sortable) (queries.View, []fieldError) {
	q := c.Context().QueryArgs()
	get := func(name string) string { return strings.TrimSpace(string(q.Peek(name))) }
	v := queries.View{Sort: "date", Page: 1, Size: queries.DefaultSize}
	var errs []fieldError
	bad := func(name, format string, args ...any) {
		errs = append(errs, fieldError{name, badParam(name, format, args...)})
	}

	if s := get("sort"); s != "" {
		if cols.ValidSort(s) {
			v.Sort = s
		} else {
			bad("sort", "%q is not a column of this table; use one of %s", s, strings.Join(cols.SortKeys(), ", "))
		}
	}
	v.Desc = defaultDesc(v.Sort)
	switch d := get("dir"); d {
	case "":
	case "asc":
		v.Desc = false
	case "desc":
		v.Desc = true
	default:
		bad("dir", "%q is not a direction; use asc or desc", d)
	}
	if s := get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPage {
			bad("page", "%q is not a page number; pages count from 1", s)
		} else {
			v.Page = n
		}
	}
	if s := get("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > queries.MaxSize {
			bad("size", "%q is not a page size; use a number from 1 to %d", s, queries.MaxSize)
		} else {
			v.Size = n
		}
	}
	for _, p := range []struct {
		name string
		dst  **queries.Cursor
	}{{"after", &v.After}, {"before", &v.Before}} {
		if s := get(p.name); s != "" {
			c, err := queries.DecodeCursor(s)
			switch {
			case err != nil:
				bad(p.name, "%v", err)
			case !storable(c.Location) || !storable(c.Type):
				bad(p.name, "not a cursor from a next or previous link")
			default:
				*p.dst = c
			}
		}
	}
	if v.After != nil && v.Before != nil {
		bad("after", "use after or before, not both")
		v.After, v.Before = nil, nil
	}
	for _, p := range []struct {
		name string
		dst  *[]string
	}{{"location", &v.Locations}, {"type", &v.Types}} {
		for _, s := range multi(q.PeekMulti(p.name)) {
			if !storable(s) {
				bad(p.name, "%q is not a name: it holds a control character or bytes that are not UTF-8", s)
				continue
			}
			*p.dst = append(*p.dst, s)
		}
	}
	if t, ok := cols.(queries.Table); ok && t.Key == queries.Predictions.Key {
		// The predictions' own filters: which models, which lead times (days ahead).
		for _, m := range multi(q.PeekMulti("model")) {
			if !validModelName(m) {
				bad("model", "%q is not a model name; a name is 1 to 64 letters, digits, '.', '_' or '-'", m)
				continue
			}
			v.Models = append(v.Models, m)
		}
		for _, l := range multi(q.PeekMulti("lead")) {
			n, ok := parseLead(l)
			if !ok {
				bad("lead", "%q is not a lead time; use a whole number of days from 0 to %d", l, maxLead)
				continue
			}
			if !slices.Contains(v.Leads, n) {
				v.Leads = append(v.Leads, n)
			}
		}
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &v.From}, {"to", &v.To}} {
		if s := get(p.name); s != "" {
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				bad(p.name, "%q is not a date; use YYYY-MM-DD, such as 2020-07-01", s)
				continue
			}
			*p.dst = d
		}
	}
	if !v.From.IsZero() && !v.To.IsZero() && v.From.After(v.To) {
		bad("from", "%s is after to (%s); from must be on or before to", v.From.Format(time.DateOnly), v.To.Format(time.DateOnly))
	}
	key, _, perr := parseScale(c)
	if perr != nil {
		errs = append(errs, fieldError{"scale", perr})
	}
	v.Scale = key
	return v, errs
}

// parseLead reads a lead time: a whole number of days from 0 to maxLead.
func parseLead(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n <= maxLead
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
	for _, m := range v.Models {
		q.Add("model", m)
	}
	for _, l := range v.Leads {
		q.Add("lead", strconv.Itoa(l))
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
	if v.Scale != "" {
		q.Set("scale", v.Scale)
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
