package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/app/demo"
	"github.com/aqdash/aqdash/queries"
)

// fixture: 40 days of Hyderabad PM2.5, 10 days of Delhi NO2, and predictions for Hyderabad.
func fixture() (historic, predictions string) {
	var h, p strings.Builder
	h.WriteString("date,location,type,value\n")
	p.WriteString("date,location,type,prediction\n")
	d0 := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 40; i++ {
		d := d0.AddDate(0, 0, i).Format(time.DateOnly)
		fmt.Fprintf(&h, "%s,Hyderabad,pm25,%d.5\n", d, 10+i)
		fmt.Fprintf(&p, "%s,Hyderabad,pm25,%d\n", d, 12+i)
		if i < 10 {
			fmt.Fprintf(&h, "%s,Delhi,no2,%d\n", d, 40-i)
		}
	}
	return h.String(), p.String()
}

var timeRE = regexp.MustCompile(`<time datetime="(\d{4}-\d{2}-\d{2})">`)

// tbodyDates lists the dates of the rows inside <tbody>, in order.
func tbodyDates(t *testing.T, body string) []string {
	t.Helper()
	i, j := strings.Index(body, "<tbody>"), strings.Index(body, "</tbody>")
	if i < 0 || j < i {
		return nil
	}
	var out []string
	for _, m := range timeRE.FindAllStringSubmatch(body[i:j], -1) {
		out = append(out, m[1])
	}
	return out
}

func TestTablePageFragmentAndHistoryRestore(t *testing.T) {
	h, p := fixture()
	ts := newTestServer(t, h, p)
	target := "/historic?location=Hyderabad&type=pm25&size=5"

	resp, page := ts.get(t, target)
	if resp.StatusCode != 200 || resp.Header.Get("Vary") != "HX-Request, Accept-Encoding" {
		t.Fatalf("page: status %d, Vary %q", resp.StatusCode, resp.Header.Get("Vary"))
	}
	if !strings.Contains(page, "<!doctype html>") || !strings.Contains(page, "<footer") || !strings.Contains(page, `id="view"`) {
		t.Fatal("a normal request did not get the whole page")
	}
	if got := tbodyDates(t, page); strings.Join(got, " ") != "2020-07-10 2020-07-09 2020-07-08 2020-07-07 2020-07-06" {
		t.Fatalf("page dates = %v", got)
	}

	resp, frag := ts.get(t, target, "HX-Request", "true")
	if resp.StatusCode != 200 || resp.Header.Get("Vary") != "HX-Request, Accept-Encoding" {
		t.Fatalf("fragment: status %d, Vary %q", resp.StatusCode, resp.Header.Get("Vary"))
	}
	if strings.Contains(frag, "<html") || strings.Contains(frag, "<footer") || !strings.Contains(frag, `<section id="view"`) ||
		!strings.HasPrefix(frag, "<title>Measurements · Hyderabad · PM2.5 · aqdash</title>") {
		t.Fatalf("an htmx request did not get only the fragment:\n%.300s", frag)
	}
	if tbodyDates(t, frag)[0] != "2020-07-10" || !strings.Contains(frag, "Page 1 of 8") || !strings.Contains(frag, "<strong>40</strong> rows") {
		t.Fatal("fragment lacks rows, pager or count")
	}

	for _, hdrs := range [][]string{
		{"HX-Request", "true", "HX-History-Restore-Request", "true"},
		{"HX-History-Restore-Request", "true"},
	} {
		resp, restore := ts.get(t, target, hdrs...)
		if resp.StatusCode != 200 || resp.Header.Get("Vary") != "HX-Request, Accept-Encoding" || !strings.Contains(restore, "<!doctype html>") {
			t.Fatalf("history restore %v did not get the whole page", hdrs)
		}
	}
}

func TestTableSortAndPagerLinks(t *testing.T) {
	h, p := fixture()
	ts := newTestServer(t, h, p)
	_, body := ts.get(t, "/historic?location=Hyderabad&sort=value&dir=asc&size=10&page=2")
	if got := tbodyDates(t, body); len(got) != 10 || got[0] != "2020-06-11" {
		t.Fatalf("page 2 by value asc = %v", got)
	}
	if !strings.Contains(body, `aria-sort="ascending"`) || strings.Count(body, "aria-sort=") != 1 {
		t.Error("the sorted header lacks aria-sort, or others have it")
	}
	// Clicking the sorted header flips its direction and goes back to page 1; others sort by themselves.
	for _, want := range []string{
		`href="/historic?dir=desc&amp;location=Hyderabad&amp;size=10&amp;sort=value"`,
		`href="/historic?location=Hyderabad&amp;size=10"`, // date, desc: the default
		`href="/historic?dir=asc&amp;location=Hyderabad&amp;size=10&amp;sort=location"`,
		`rel="prev"`, `rel="next"`, `Page 2 of 4`,
		// Next seeks from the page's last row (2020-06-20, value 29.5); previous to page 1 needs no cursor.
		`href="/historic?after=` + queries.CursorOf(queries.Row{Date: time.Date(2020, 6, 20, 0, 0, 0, 0, time.UTC), Location: "Hyderabad", Type: "pm25", Value: 29.5}).Encode() +
			`&amp;dir=asc&amp;location=Hyderabad&amp;page=3&amp;size=10&amp;sort=value"`,
		`href="/historic?dir=asc&amp;location=Hyderabad&amp;size=10&amp;sort=value" hx-get="/historic?dir=asc&amp;location=Hyderabad&amp;size=10&amp;sort=value" rel="prev">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// Every control works without JavaScript: links have href, the filter form is a GET form.
	if !strings.Contains(body, `<form class="filters" method="get" action="/historic"`) {
		t.Error("the filter form is not a plain GET form")
	}
	if strings.Count(body, `hx-get=`) < 8 || strings.Count(body, `hx-push-url="true"`) != 1 {
		t.Error("controls lack hx-get, or the view lacks hx-push-url")
	}
	// The predictions table sorts by prediction.
	resp, body := ts.get(t, "/predictions?sort=prediction&dir=desc&size=3")
	if resp.StatusCode != 200 || strings.Join(tbodyDates(t, body), " ") != "2020-07-10 2020-07-09 2020-07-08" {
		t.Fatalf("predictions by prediction: %d %v", resp.StatusCode, tbodyDates(t, body))
	}
	// An empty GET form value means "all": the form's own submission works.
	resp, body = ts.get(t, "/historic?sort=date&dir=desc&location=&type=&from=&to=&size=25")
	if resp.StatusCode != 200 || !strings.Contains(body, "<strong>50</strong> rows") {
		t.Fatalf("empty form values: %d", resp.StatusCode)
	}
	// Filters by date range and several locations.
	_, body = ts.get(t, "/historic?location=Delhi&location=Hyderabad&from=2020-06-09&to=2020-06-10&sort=location&dir=asc")
	if got := tbodyDates(t, body); strings.Join(got, " ") != "2020-06-09 2020-06-10 2020-06-09 2020-06-10" {
		t.Fatalf("date range over two locations = %v", got)
	}
	// An unknown location is an empty table, not an error.
	resp, body = ts.get(t, "/historic?location=Atlantis")
	if resp.StatusCode != 200 || len(tbodyDates(t, body)) != 0 || !strings.Contains(body, "Nothing matches") {
		t.Fatalf("unknown location: %d", resp.StatusCode)
	}
}

func TestTableBadParameters(t *testing.T) {
	h, p := fixture()
	ts := newTestServer(t, h, p)
	cases := map[string]string{
		"/historic?sort=prediction":               "sort:",
		"/historic?sort=value%3Bdrop":             "sort:",
		"/predictions?sort=value":                 "sort:",
		"/historic?dir=up":                        "dir:",
		"/historic?page=0":                        "page:",
		"/historic?page=-1":                       "page:",
		"/historic?page=two":                      "page:",
		"/historic?page=99999999999999999999":     "page:",
		"/historic?size=0":                        "size:",
		"/historic?size=501":                      "size:",
		"/historic?size=ten":                      "size:",
		"/historic?from=2020-13-01":               "from:",
		"/historic?to=yesterday":                  "to:",
		"/historic?from=2020-02-30":               "from:",
		"/historic?from=2020-07-02&to=2020-07-01": "from:",
		"/historic.json?dir=sideways":             "dir:",
		"/predictions.csv?size=1000":              "size:",
	}
	for target, param := range cases {
		resp, body := ts.get(t, target)
		if dataRoute(strings.Split(target, "?")[0]) {
			// The JSON and CSV twins answer JSON (errors_json_test.go).
			if resp.StatusCode != 400 || !strings.Contains(body, `"parameter":"`+strings.TrimSuffix(param, ":")+`"`) {
				t.Errorf("%s: status %d, want a JSON 400 naming %q: %s", target, resp.StatusCode, param, body)
			}
			continue
		}
		if resp.StatusCode != 400 || !strings.Contains(body, param) || !strings.Contains(body, "<!doctype html>") {
			t.Errorf("%s: status %d, want a 400 page naming %q", target, resp.StatusCode, param)
		}
		resp, body = ts.get(t, target, "HX-Request", "true")
		if resp.StatusCode != 400 || !strings.Contains(body, param) || strings.Contains(body, "<html") {
			t.Errorf("%s (htmx): status %d, want a 400 fragment naming %q", target, resp.StatusCode, param)
		}
		// (The view's 400 holds its filter form, whose <select>s are not SQL.)
		if strings.Contains(strings.ToUpper(strings.ReplaceAll(body, "<select ", "")), "SELECT ") || strings.Contains(body, "SQLSTATE") {
			t.Errorf("%s: the error leaks SQL", target)
		}
	}
}

func TestJSONAndCSVMatchTheTable(t *testing.T) {
	h, p := fixture()
	ts := newTestServer(t, h, p)
	q := "?location=Hyderabad&type=pm25&sort=value&dir=desc&size=7&page=2"
	_, page := ts.get(t, "/historic"+q)
	dates := tbodyDates(t, page)

	resp, body := ts.get(t, "/historic.json"+q)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var out struct {
		Rows  []map[string]any `json:"rows"`
		Page  int              `json:"page"`
		Size  int              `json:"size"`
		Total int              `json:"total"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if out.Page != 2 || out.Size != 7 || out.Total != 40 || len(out.Rows) != len(dates) {
		t.Fatalf("json = page %d size %d total %d rows %d", out.Page, out.Size, out.Total, len(out.Rows))
	}
	for i, r := range out.Rows {
		if r["date"] != dates[i] || r["location"] != "Hyderabad" || r["type"] != "pm25" || len(r) != 6 || r["band"] == nil || r["aqi"] == nil {
			t.Fatalf("json row %d = %v, table has %s", i, r, dates[i])
		}
	}
	if v := out.Rows[0]["value"]; v != 42.5 {
		t.Fatalf("json first value = %v, want 42.5", v)
	}
	_, body = ts.get(t, "/predictions.json?size=1")
	if !strings.Contains(body, `"prediction":`) || strings.Contains(body, `"value"`) {
		t.Fatalf("predictions json: %s", body)
	}

	resp, body = ts.get(t, "/historic.csv"+q)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "date,location,type,value" || len(recs) != 41 {
		t.Fatalf("csv: header %v, %d records (want every matching row, not a page)", recs[0], len(recs))
	}
	// The CSV holds every row in the view's order: rows 8-14 are the table's page 2.
	for i, d := range dates {
		if recs[8+i][0] != d {
			t.Fatalf("csv row %d = %v, table page 2 row %d = %s", 8+i, recs[8+i], i, d)
		}
	}
	_, body = ts.get(t, "/predictions.csv?size=1")
	if !strings.HasPrefix(body, "date,location,type,model,lead,prediction\n") || strings.Count(body, "\n") != 41 {
		t.Fatalf("predictions csv: %.80s", body)
	}
}

func TestHomeSeedURLsAndNotFound(t *testing.T) {
	h, p := fixture()
	ts := newTestServer(t, h, p)
	for _, path := range []string{"/", "/index"} {
		resp, body := ts.get(t, path)
		if resp.StatusCode != 200 || !strings.Contains(body, "Hyderabad") || !strings.Contains(body, "Delhi") {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	for path, want := range map[string]string{"/raw_historic_data": "/historic?size=15", "/raw_prediction_data": "/predictions?size=15"} {
		resp, _ := ts.get(t, path)
		if resp.StatusCode != 302 || resp.Header.Get("Location") != want {
			t.Fatalf("%s: %d to %q", path, resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body := ts.get(t, want)
		if got := tbodyDates(t, body); len(got) != 15 || got[0] != "2020-07-10" {
			t.Fatalf("%s: %d rows from %v", want, len(got), got)
		}
	}
	resp, body := ts.get(t, "/nope")
	if resp.StatusCode != 404 || !strings.Contains(body, "Not found") {
		t.Fatalf("/nope: %d", resp.StatusCode)
	}
	resp, _ = ts.get(t, "/static/app.css")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("/static/app.css: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestEstimatedCountLoadsExactLater: over queries.CountCap rows the page shows the planner's estimate at
// once and an htmx request for the exact count, which swaps in the count and the pager's page total.
func TestEstimatedCountLoadsExactLater(t *testing.T) {
	ts := newTestServer(t, "", "")
	ctx := context.Background()
	if _, err := demo.Synthetic(ctx, ts.db, queries.CountCap+5000); err != nil {
		t.Fatal(err)
	}
	if err := queries.Analyze(ctx, ts.db); err != nil {
		t.Fatal(err)
	}
	// Without a date range the count comes exact from series_stats; with one, rows are counted.
	resp, body := ts.get(t, "/historic?size=100")
	if resp.StatusCode != 200 || strings.Contains(body, "about <strong>") || !strings.Contains(body, "<strong>"+formatCount(queries.CountCap+5000)+"</strong>") {
		t.Fatalf("a view without dates should be counted exactly from series_stats: %d", resp.StatusCode)
	}
	resp, body = ts.get(t, "/historic?size=100&from=2010-01-01")
	if resp.StatusCode != 200 || !strings.Contains(body, `about <strong>`) || !strings.Contains(body, `hx-get="/historic/count?from=2010-01-01&amp;size=100"`) || !strings.Contains(body, "of about ") {
		t.Fatalf("a large view should show an estimate and load the exact count: %d", resp.StatusCode)
	}
	resp, body = ts.get(t, "/historic/count?size=100&from=2010-01-01", "HX-Request", "true")
	want := fmt.Sprintf(`<strong>%s</strong>`, formatCount(queries.CountCap+5000))
	pager := fmt.Sprintf(`hx-swap-oob="true">Page 1 of %d</span>`, (queries.CountCap+5000+99)/100)
	if resp.StatusCode != 200 || !strings.Contains(body, want) || !strings.Contains(body, pager) {
		t.Fatalf("exact count fragment: %d %s", resp.StatusCode, body)
	}
	_, body = ts.get(t, "/historic.json?size=1&from=2010-01-01")
	if !strings.Contains(body, `"total_estimated":true`) {
		t.Fatalf("json of a large view should say its total is estimated: %s", body)
	}
	// A filter under the cap is counted exactly, at once.
	_, body = ts.get(t, "/historic?location=Synthetic+0001&type=pm25&size=100&from=2010-01-01")
	if strings.Contains(body, "about <strong>") || strings.Contains(body, "/historic/count") {
		t.Fatal("a small view should be counted exactly")
	}
}
