package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// hostile are location names that are HTML, script, or break out of a title, an attribute, a CDATA
// section or SQL, each a valid location (free text up to 100 characters, no control characters).
var hostile = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`</title><script>alert(2)</script>`,
	`]]><svg onload=alert(3)>`,
	`'; DROP TABLE daily_historic_pollution; --`,
	`Tom & Jerry's "place" {{.}} + &lt;`,
}

// hostileType is a pollutant no import accepts (types must be known codes), so it can only come in
// through the URL.
const hostileType = `"><script>alert(4)</script>`

// htmlEscaped is s as html/template writes it in text and attribute values.
func htmlEscaped(s string) string {
	return strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;", `'`, "&#39;", `+`, "&#43;").Replace(s)
}

// hostileCSV writes ten days of each hostile location, measured and predicted, with encoding/csv (which
// quotes what must be quoted).
func hostileCSV(column string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"date", "location", "type", column})
	for _, loc := range hostile {
		for d := range 10 {
			_ = w.Write([]string{time.Date(2020, 5, 1+d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), loc, "pm25", fmt.Sprint(40 + d)})
		}
	}
	w.Flush()
	return b.String()
}

// markup finds tags that only a failure to escape could produce (escaped, "onerror=" is harmless text).
var markup = regexp.MustCompile(`(?i)<(img\b|svg onload|script>|/title><script)`)

// checkHTML asserts a page or fragment holds s only escaped: never raw, and escaped at least once.
func checkHTML(t *testing.T, what, body string, s ...string) {
	t.Helper()
	if m := markup.FindString(body); m != "" {
		t.Errorf("%s: markup from data: %q", what, m)
	}
	for _, tag := range scriptTag.FindAllString(body, -1) {
		if !strings.Contains(tag, ` src="/static/`) {
			t.Errorf("%s: a script tag from data: %s", what, tag)
		}
	}
	for _, x := range s {
		if strings.ContainsAny(x, `<>"`) && strings.Contains(body, x) {
			t.Errorf("%s: %q appears unescaped", what, x)
		}
		if !strings.Contains(body, htmlEscaped(x)) {
			t.Errorf("%s: %q does not appear (escaped as %q)", what, x, htmlEscaped(x))
		}
	}
}

// selectedOption finds a select's chosen options: value and label, both still escaped.
var selectedOption = regexp.MustCompile(`<option value="([^"<>]*)" selected>([^"<>]*)</option>`)

// hasSelectedOption reports whether body has an option selected whose value and label, unescaped, are s.
func hasSelectedOption(body, s string) bool {
	for _, m := range selectedOption.FindAllStringSubmatch(body, -1) {
		if html.UnescapeString(m[1]) == s && html.UnescapeString(m[2]) == s {
			return true
		}
	}
	return false
}

// between returns the text between the first open and the next close after it.
func between(body, open, close string) string {
	_, rest, ok := strings.Cut(body, open)
	if !ok {
		return ""
	}
	in, _, _ := strings.Cut(rest, close)
	return in
}

// TestHostileStringsRenderAsText: locations holding HTML and script, imported through the real importer,
// and a pollutant code holding them in the URL, come out as text everywhere: table cells, select
// options, page titles, the chart's SVG title and description, the locations overview, JSON (with <, >
// and & escaped), CSV (quoted, exact), the HX-Push-Url header and the SSE change payload.
func TestHostileStringsRenderAsText(t *testing.T) {
	ts := newTestServer(t, hostileCSV("value"), hostileCSV("prediction"))

	for _, form := range [][]string{nil, {"HX-Request", "true"}} {
		_, body := ts.get(t, "/historic?size=100", form...)
		checkHTML(t, fmt.Sprint("/historic ", form), body, hostile...)
		_, body = ts.get(t, "/compare?type=pm25&size=100", form...)
		checkHTML(t, fmt.Sprint("/compare ", form), body, hostile...)
	}
	_, body := ts.get(t, "/locations")
	checkHTML(t, "/locations", body, hostile...)

	for _, loc := range hostile {
		q := "?location=" + url.QueryEscape(loc) + "&type=pm25"
		for _, path := range []string{"/historic", "/predictions", "/compare", "/"} {
			for _, form := range [][]string{nil, {"HX-Request", "true"}} {
				what := fmt.Sprintf("%s for %q %v", path, loc, form)
				resp, body := ts.get(t, path+q, form...)
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d", what, resp.StatusCode)
				}
				checkHTML(t, what, body, loc)
				// The location is chosen: its option is selected, its value and label escaped.
				if !hasSelectedOption(body, loc) {
					t.Errorf("%s: no selected option with the value and label %q", what, loc)
				}
				if title := between(body, "<title>", "</title>"); !strings.Contains(title, htmlEscaped(loc)) {
					t.Errorf("%s: the title %q does not name the location", what, title)
				}
				if path == "/compare" || path == "/" {
					svg := between(body, `<svg class="chart-svg"`, "</svg>")
					if !strings.Contains(between(svg, `<title id="chart-title">`, "</title>"), htmlEscaped(loc)) ||
						!strings.Contains(between(svg, `<desc id="chart-desc">`, "</desc>"), htmlEscaped(loc)) {
						t.Errorf("%s: the chart's title and description do not name the location: %.600s", what, svg)
					}
				}
				if push := resp.Header.Get("HX-Push-Url"); form != nil && (push == "" || strings.ContainsAny(push, "<>\"' \n")) {
					t.Errorf("%s: HX-Push-Url %q", what, push)
				}
			}
		}

		// JSON: <, > and & escaped, the exact name once decoded.
		for _, path := range []string{"/historic.json", "/compare.json"} {
			_, body := ts.get(t, path+q)
			if strings.ContainsAny(body, "<>") || strings.Contains(body, "&") {
				t.Errorf("%s for %q: raw <, > or & in JSON: %.300s", path, loc, body)
			}
			var out struct {
				Rows []struct{ Location string } `json:"rows"`
			}
			if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Rows) != 10 || out.Rows[0].Location != loc {
				t.Errorf("%s for %q: %v, %d rows: %.300s", path, loc, err, len(out.Rows), body)
			}
		}
		// CSV: the exact name, quoted where it must be.
		for _, path := range []string{"/historic.csv", "/predictions.csv", "/compare.csv"} {
			resp, body := ts.get(t, path+q)
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil || len(recs) != 11 || recs[1][1] != loc || resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
				t.Errorf("%s for %q: %v, %d records, %s: %.300s", path, loc, err, len(recs), resp.Header.Get("Content-Type"), body)
			}
		}
	}

	// A hostile pollutant code in the URL: an empty view, never markup.
	q := "?type=" + url.QueryEscape(hostileType)
	for _, path := range []string{"/historic", "/compare", "/", "/predictions.json", "/compare.json", "/historic/count"} {
		for _, form := range [][]string{nil, {"HX-Request", "true"}} {
			what := fmt.Sprintf("%s with type %q %v", path, hostileType, form)
			resp, body := ts.get(t, path+q, form...)
			if resp.StatusCode != 200 {
				t.Errorf("%s: %d %.300s", what, resp.StatusCode, body)
				continue
			}
			if strings.HasSuffix(path, ".json") {
				if strings.ContainsAny(body, "<>") {
					t.Errorf("%s: raw < or > in JSON: %s", what, body)
				}
				continue
			}
			if strings.Contains(body, hostileType) || markup.MatchString(body) {
				t.Errorf("%s: the type appears unescaped: %.600s", what, body)
			}
			if path != "/historic/count" && !strings.Contains(body, htmlEscaped(hostileType)) {
				t.Errorf("%s: the type is not shown (escaped)", what)
			}
		}
	}
}

// TestHostileStringsInEvents: a hostile location written through the ingest API reaches an SSE client
// as one line of JSON with < and > escaped, and decodes to the exact name.
func TestHostileStringsInEvents(t *testing.T) {
	url, _ := liveDatabase(t, "", "")
	_, base := liveServer(t, url)
	stream := subscribe(t, base)
	stream.next(t, "version")
	for _, loc := range hostile {
		var b strings.Builder
		w := csv.NewWriter(&b)
		_ = w.Write([]string{"date", "location", "type", "value"})
		_ = w.Write([]string{"2020-07-01", loc, "pm25", "1"})
		w.Flush()
		if a := postCSV(base, "historic", b.String()); a.status != 200 {
			t.Fatalf("ingest %q: %d %v %s", loc, a.status, a.err, a.body)
		}
		ch, ev := stream.nextChange(t)
		if strings.ContainsAny(ev.data, "<>\n") || !slices.Equal(ch.Locations, []string{loc}) {
			t.Errorf("change for %q: data %q", loc, ev.data)
		}
	}
}
