package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/app/aqi"
)

// TestRankingAgainstGoLoops: /locations.json's rows for periods of every shape, every scale and sort are
// plain loops over the measurements: the mean, days, WHO days, every band's days, the latest day in the
// period; ordered by the sort, ties by location; the CSV twin holds the same figures, and the page the
// same rows in the same order with the sorted column marked and barred.
func TestRankingAgainstGoLoops(t *testing.T) {
	historic, predictions, days := scaleFixture(4)
	ts := newTestServer(t, historic, predictions)
	last := map[string]time.Time{}
	for _, d := range days {
		if d.date.After(last[d.typ]) {
			last[d.typ] = d.date
		}
	}
	periods := [][2]string{{"", ""}, {"2019-01-01", "2019-12-31"}, {"2019-02-10", "2019-02-10"}, {"2018-12-15", "2019-03-14"}, {"2019-06-01", "2019-06-30"}, {"2019-06-16", ""}, {"", "2019-05-05"}}
	for _, typ := range []string{"pm25", "pm10", "o3"} {
		for _, per := range periods {
			for _, sc := range aqi.Scales() {
				sorts := rankSortKeys(sc, typ)
				for _, sortKey := range []string{"", sorts[len(sorts)-2], sorts[len(sorts)-3], "location", "days"} {
					q := url.Values{"type": {typ}, "scale": {sc.Key}}
					if per[0] != "" {
						q.Set("from", per[0])
					}
					if per[1] != "" {
						q.Set("to", per[1])
					}
					if sortKey != "" {
						q.Set("sort", sortKey)
					}
					checkRanking(t, ts, q, typ, per, sc, sortKey, days, last[typ])
				}
			}
		}
	}
}

func checkRanking(t *testing.T, ts *testServer, q url.Values, typ string, per [2]string, sc *aqi.Scale, sortKey string, days []scaleDay, last time.Time) {
	t.Helper()
	target := "/locations.json?" + q.Encode()
	resp, body := ts.get(t, target)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", target, resp.StatusCode, body)
	}
	var got rankingJSON
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	from, to := last.AddDate(0, 0, -364), last
	switch {
	case per[0] != "" && per[1] != "":
		from, to = parseDay(per[0]), parseDay(per[1])
	case per[0] != "":
		from = parseDay(per[0])
		to = from.AddDate(0, 0, 364)
	case per[1] != "":
		to = parseDay(per[1])
		from = to.AddDate(0, 0, -364)
	}
	type acc struct {
		row  rankingJSONRow
		sum  float64
		last time.Time
	}
	byLoc := map[string]*acc{}
	guide, hasWHO := aqi.WHOGuideline(typ)
	for _, d := range days {
		if d.typ != typ || d.date.Before(from) || d.date.After(to) {
			continue
		}
		a := byLoc[d.loc]
		if a == nil {
			a = &acc{row: rankingJSONRow{Location: d.loc, BandDays: map[string]int64{}}}
			for _, b := range sc.Bands(typ) {
				a.row.BandDays[b.Key] = 0
			}
			if hasWHO {
				a.row.WHODays = new(int64)
			}
			byLoc[d.loc] = a
		}
		a.row.Days++
		a.sum += d.value
		if hasWHO && d.value > guide {
			*a.row.WHODays++
		}
		if l, ok := sc.Level(typ, d.value); ok {
			a.row.BandDays[sc.Bands(typ)[l].Key]++
		}
		if d.date.After(a.last) {
			a.last = d.date
			a.row.Latest = rankingJSONDay{Date: d.date.Format(time.DateOnly), Value: d.value}
			if l, ok := sc.Level(typ, d.value); ok {
				k := sc.Bands(typ)[l].Key
				a.row.Latest.Band = &k
			}
		}
	}
	figure := func(r rankingJSONRow) float64 {
		switch sortKey {
		case "", "mean":
			return r.Mean
		case "days":
			return float64(r.Days)
		case "who_days":
			return float64(*r.WHODays)
		}
		if strings.HasSuffix(sortKey, "_or_worse") {
			var n int64
			for _, b := range sc.Bands(typ)[3:] {
				n += r.BandDays[b.Key]
			}
			return float64(n)
		}
		return float64(r.BandDays[sortKey])
	}
	var want []rankingJSONRow
	for _, a := range byLoc {
		a.row.Mean = a.sum / float64(a.row.Days)
		want = append(want, a.row)
	}
	slices.SortFunc(want, func(a, b rankingJSONRow) int {
		if sortKey == "location" {
			return strings.Compare(a.Location, b.Location)
		}
		if fa, fb := figure(a), figure(b); fa != fb {
			if fa > fb {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Location, b.Location)
	})
	if got.Type != typ || got.From != from.Format(time.DateOnly) || got.To != to.Format(time.DateOnly) || got.Scale != sc.Key || len(got.Rows) != len(want) {
		t.Fatalf("%s: %s %s..%s %s, %d rows; want %s..%s, %d rows", target, got.Type, got.From, got.To, got.Scale, len(got.Rows), from.Format(time.DateOnly), to.Format(time.DateOnly), len(want))
	}
	for i, w := range want {
		g := got.Rows[i]
		if math.Abs(g.Mean-w.Mean) > 1e-9*w.Mean {
			t.Errorf("%s row %d %s: mean %v, want %v", target, i, g.Location, g.Mean, w.Mean)
		}
		g.Mean = w.Mean
		okPtrs := equalPtr(g.WHODays, w.WHODays) && equalPtr(g.Latest.Band, w.Latest.Band)
		g.WHODays, g.Latest.Band, w.WHODays, w.Latest.Band = nil, nil, nil, nil
		if fmt.Sprint(g) != fmt.Sprint(w) || !okPtrs {
			t.Errorf("%s row %d:\n got %+v\nwant %+v", target, i, g, w)
		}
	}
	// The CSV twin: the same rows, the same figures.
	resp, body = ts.get(t, "/locations.csv?"+q.Encode())
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if resp.StatusCode != 200 || err != nil || len(recs) != len(got.Rows)+1 {
		t.Fatalf("%s CSV: %d %v, %d lines", target, resp.StatusCode, err, len(recs))
	}
	for i, r := range got.Rows {
		rec := recs[i+1]
		mean, _ := strconv.ParseFloat(rec[1], 64)
		if rec[0] != r.Location || mean != r.Mean || rec[2] != strconv.FormatInt(r.Days, 10) || rec[len(rec)-3] != r.Latest.Date {
			t.Errorf("%s CSV line %d: %v, JSON %+v", target, i+2, rec, r)
		}
		for j, b := range sc.Bands(typ) {
			if rec[4+j] != strconv.FormatInt(r.BandDays[b.Key], 10) || recs[0][4+j] != "band_"+b.Key {
				t.Errorf("%s CSV line %d: band %s %s, JSON %d", target, i+2, b.Key, rec[4+j], r.BandDays[b.Key])
			}
		}
	}
	if sortKey == "days" || sortKey == "location" {
		return
	}
	// The page: the same locations in the same order, the sorted header marked, a bar per row.
	resp, page := ts.get(t, "/locations?"+q.Encode(), "HX-Request", "true")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Vary"), "HX-Request") || strings.Contains(page, "<html") {
		t.Fatalf("%s page: %d", target, resp.StatusCode)
	}
	pos := 0
	for _, r := range got.Rows {
		i := strings.Index(page[pos:], `title="Calendar of `+r.Location+`">`)
		if i < 0 {
			t.Fatalf("%s page: %s missing or out of order", target, r.Location)
		}
		pos += i
	}
	if n := strings.Count(page, `class="rank-bar"`); n != len(got.Rows) {
		t.Errorf("%s page: %d bars for %d rows", target, n, len(got.Rows))
	}
	if len(got.Rows) > 0 && strings.Count(page, `aria-sort="descending"`) != 1 {
		t.Errorf("%s page: the sorted column is not marked descending", target)
	}
}

func parseDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func equalPtr[T comparable](a, b *T) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// TestRankingPageLinks: the default ranking is PM2.5 over the 365 days to its last day, highest mean
// first, its URL left short; the column headers sort both ways; the year links set a calendar year; the
// overview of every series moved behind a link.
func TestRankingPageLinks(t *testing.T) {
	historic, predictions, _ := scaleFixture(5)
	ts := newTestServer(t, historic, predictions)
	resp, body := ts.get(t, "/locations", "HX-Request", "true")
	if resp.StatusCode != 200 || resp.Header.Get("HX-Push-Url") != "/locations?type=pm25" {
		t.Fatalf("default: %d push %q", resp.StatusCode, resp.Header.Get("HX-Push-Url"))
	}
	for _, want := range []string{
		`<th scope="col" aria-sort="descending" class="num">`,
		`href="/locations?dir=asc&amp;sort=mean&amp;type=pm25"`,
		`href="/locations?dir=desc&amp;sort=poor_or_worse&amp;type=pm25"`,
		`href="/locations?dir=asc&amp;sort=location&amp;type=pm25"`,
		`href="/locations?from=2019-01-01&amp;to=2019-12-31&amp;type=pm25"`,
		`Poor or worse`, `>Above WHO<`, `title="Days above the WHO 2021 24-hour guideline (15 µg/m³)"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("ranking lacks %s", want)
		}
	}
	_, body = ts.get(t, "/locations?type=pm25&from=2019-01-01&to=2019-12-31&scale=us_epa&sort=unhealthy_or_worse")
	if !strings.Contains(body, "Unhealthy or worse") || !strings.Contains(body, `aria-current="true">2019</a>`) || !strings.Contains(body, "Very Unhealthy") {
		t.Error("US EPA ranking of 2019: no Unhealthy or worse column or 2019 not current")
	}
	resp, body = ts.get(t, "/locations/all")
	if resp.StatusCode != 200 || !strings.Contains(body, `href="/?location=Delhi&amp;type=o3"`) {
		t.Errorf("/locations/all: %d", resp.StatusCode)
	}
}
