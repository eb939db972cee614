package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// selectOptions lists the values of the options of the select with the given id, chosen ones marked "*".
func selectOptions(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `<select id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no select #%s in %.300s", id, body)
	}
	j := strings.Index(body[i:], "</select>")
	var out []string
	for _, m := range regexp.MustCompile(`<option value="([^"]*)"( selected)?>`).FindAllStringSubmatch(body[i:i+j], -1) {
		out = append(out, m[1]+strings.Replace(m[2], " selected", "*", 1))
	}
	return strings.Join(out, " ")
}

// tagOf returns the opening tag of the element with the given id.
func tagOf(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no #%s in %.300s", id, body)
	}
	start := strings.LastIndex(body[:i], "<")
	return body[start : i+strings.Index(body[i:], ">")+1]
}

// TestPollutantsOfTheChosenLocation: the dashboard's pollutant select (and the comparison's, when one
// location is chosen) offers what that location has; a chosen pollutant it lacks stays, selected; the
// tables and an unfiltered comparison offer every pollutant. Twice each, so the second answer comes
// from the caches (options, pollutants per location, pages) as a warm server's would.
func TestPollutantsOfTheChosenLocation(t *testing.T) {
	h, p := compareFixture()
	ts := newTestServer(t, h, p)
	cases := []struct{ target, want string }{
		{"/", "pm25*"},                    // Hyderabad has PM2.5 only
		{"/?location=Delhi", "no2* pm10"}, // Delhi has no PM2.5: its first pollutant
		{"/?location=Delhi&type=no2", "no2* pm10"},
		{"/?location=Delhi&type=pm25", "no2 pm10 pm25*"}, // kept: the form shows what is filtered
		{"/compare?location=Delhi", " no2 pm10"},
		{"/compare?location=Hyderabad&type=no2", " pm25 no2*"},
		{"/compare", " no2 pm10 pm25"},
		{"/compare?location=Delhi&location=Hyderabad", " no2 pm10 pm25"},
		{"/historic?location=Hyderabad", " no2 pm10 pm25"},
	}
	for range 2 {
		for _, c := range cases {
			for _, hx := range []string{"", "true"} {
				resp, body := ts.get(t, c.target, "HX-Request", hx)
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d", c.target, resp.StatusCode)
				}
				if got := selectOptions(t, body, "f-type"); got != c.want {
					t.Errorf("%s (htmx %q): pollutants %q, want %q", c.target, hx, got, c.want)
				}
			}
		}
	}
}

// TestDateInputBounds: the date inputs' min and max are the first and last date of the data the view's
// location and pollutant filters select, per table (the comparison: both).
func TestDateInputBounds(t *testing.T) {
	h, p := compareFixture()
	p += "2020-05-15,Hyderabad,pm25,50\n" // a prediction past the last measurement
	ts := newTestServer(t, h, p)
	cases := []struct{ target, min, max string }{
		{"/historic", "2020-03-01", "2020-04-29"},
		{"/predictions", "2020-03-01", "2020-05-15"},
		{"/historic?location=Delhi", "2020-03-01", "2020-03-20"},
		{"/historic?type=pm25&from=2020-04-01", "2020-03-01", "2020-04-29"}, // the dates do not narrow the bounds
		{"/compare?location=Hyderabad", "2020-03-01", "2020-05-15"},
		{"/", "2020-03-01", "2020-05-15"},
		{"/?location=Delhi&type=no2", "2020-03-01", "2020-03-20"},
		{"/historic?location=Nowhere", "", ""},
	}
	for _, c := range cases {
		_, body := ts.get(t, c.target)
		for _, id := range []string{"f-from", "f-to"} {
			tag := tagOf(t, body, id)
			want := ""
			if c.min != "" {
				want = ` min="` + c.min + `" max="` + c.max + `"`
			}
			if got := regexp.MustCompile(` min="[^"]*" max="[^"]*"`).FindString(tag); got != want {
				t.Errorf("%s #%s: %q, want %q in %s", c.target, id, got, want, tag)
			}
			if !strings.Contains(tag, "data-typed") {
				t.Errorf("%s #%s is not marked as typed (applied on Enter, Apply or blur): %s", c.target, id, tag)
			}
		}
		if strings.Contains(body, `hx-trigger="change`) {
			t.Errorf("%s: a form still submits on every change", c.target)
		}
	}
}

// TestBadFilterStaysInTheView: a 400 from a filter keeps the view's form, with the person's good values,
// the bad field marked (aria-invalid, the message by aria-describedby) and the message inside the view,
// as a fragment and as a whole page, never cached and never live.
func TestBadFilterStaysInTheView(t *testing.T) {
	h, p := compareFixture()
	ts := newTestServer(t, h, p)
	cases := []struct {
		target, field, message string
		kept                   []string // what the form must still show
	}{
		{"/historic?location=Delhi&from=2020-03-10&to=2020-03-01", "f-from", "from: 2020-03-10 is after to (2020-03-01)",
			[]string{`id="f-from" type="date" name="from" value="2020-03-10"`, `id="f-to" type="date" name="to" value="2020-03-01"`, `<option value="Delhi" selected>`}},
		{"/predictions?type=pm25&from=2020-02-30", "f-from", `from: &#34;2020-02-30&#34; is not a date`, []string{`<option value="pm25" selected>`}},
		{"/historic?size=ten&to=2020-03-05", "f-size", `size: &#34;ten&#34; is not a page size`, []string{`<option value="ten" selected>ten</option>`, `value="2020-03-05"`}},
		{"/compare?location=Hyderabad&match=sometimes", "f-match", `match: &#34;sometimes&#34; is not a kind of match`, []string{`<option value="sometimes" selected>`, `<option value="Hyderabad" selected>`}},
		{"/?location=Delhi&type=pm10&from=2020-03-19&to=2020-03-02", "f-from", "from: 2020-03-19 is after to", []string{`<option value="Delhi" selected>`, `<option value="pm10" selected>`, `value="2020-03-19"`}},
		{"/?to=yesterday", "f-to", `to: &#34;yesterday&#34; is not a date`, nil},
		{"/historic?sort=bogus&location=Delhi", "", `sort: &#34;bogus&#34; is not a column`, []string{`<input type="hidden" name="sort" value="date">`, `<option value="Delhi" selected>`}},
	}
	for _, c := range cases {
		for _, hx := range []string{"", "true"} {
			resp, body := ts.get(t, c.target, "HX-Request", hx)
			what := c.target + " (htmx " + hx + ")"
			if resp.StatusCode != 400 {
				t.Errorf("%s: status %d", what, resp.StatusCode)
				continue
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("%s: Cache-Control %q", what, cc)
			}
			if hx == "" != strings.Contains(body, "<!doctype html>") {
				t.Errorf("%s: page or fragment mixed up", what)
			}
			view := body[strings.Index(body, `<section id="view"`):]
			for _, want := range append([]string{`<form class="filters"`, `id="view-error" role="alert"`, c.message}, c.kept...) {
				if !strings.Contains(view, want) {
					t.Errorf("%s: the view lacks %s", what, want)
				}
			}
			if strings.Contains(view, "data-live-url") || strings.Contains(view, "<tbody>") {
				t.Errorf("%s: a bad view is live or shows rows", what)
			}
			if strings.Count(view, `aria-invalid="true"`) != min(1, len(c.field)) {
				t.Errorf("%s: %d fields marked, want %d", what, strings.Count(view, `aria-invalid="true"`), min(1, len(c.field)))
			}
			if c.field != "" {
				if tag := tagOf(t, view, c.field); !strings.Contains(tag, `aria-invalid="true" aria-describedby="view-error"`) {
					t.Errorf("%s: #%s is not marked: %s", what, c.field, tag)
				}
			}
		}
	}
	// Several bad parameters: every one is said and marked.
	_, body := ts.get(t, "/historic?size=0&to=never", "HX-Request", "true")
	if !strings.Contains(body, "size: ") || !strings.Contains(body, "to: ") || strings.Count(body, `aria-invalid="true"`) != 2 {
		t.Errorf("two bad parameters: %.2000s", body)
	}
}

// TestLatestMeasurementAge: the dashboard says how old its latest measurement is, by the server's clock,
// when that is more than two days.
func TestLatestMeasurementAge(t *testing.T) {
	h, p := compareFixture()
	ts := newTestServer(t, h, p) // Hyderabad's PM2.5 ends on 29 Apr 2020
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), `<time datetime="2020-04-29">29 Apr 2020</time>, <span class="latest-age">6 years ago</span>.`},
		{time.Date(2020, 5, 1, 9, 0, 0, 0, time.UTC), `<time datetime="2020-04-29">29 Apr 2020</time>.`},
		{time.Date(2020, 5, 2, 9, 0, 0, 0, time.UTC), `<time datetime="2020-04-29">29 Apr 2020</time>, <span class="latest-age">3 days ago</span>.`},
	} {
		now := c.now
		ts.now = func() time.Time { return now }
		ts.pages.Purge() // the clock moved, not the data: this test's clock is not the ETag's
		_, body := ts.get(t, "/")
		if !strings.Contains(body, c.want) {
			i := strings.Index(body, `class="latest-when"`)
			t.Errorf("at %s: want %s in %.200s", now.Format(time.DateOnly), c.want, body[max(i, 0):])
		}
	}
}
