package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/app/aqi"
)

// scaleDay is one generated measurement of the scale views' fixture.
type scaleDay struct {
	loc, typ string
	date     time.Time
	value    float64
}

// scaleFixture is random measurements with gaps (a fifth of the days missing, one location stopping
// early), values across every band edge of both scales, from December 2018 to January 2020, and
// predictions for every third day; it returns the CSV files and the measurements.
func scaleFixture(seed uint64) (historic, predictions string, days []scaleDay) {
	r := rand.New(rand.NewPCG(seed, 16))
	var h, p strings.Builder
	h.WriteString("date,location,type,value\n")
	p.WriteString("date,location,type,prediction\n")
	d0 := time.Date(2018, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, loc := range []string{"Delhi", "Hyderabad", "Patna", "Amaravati"} {
		for _, typ := range []string{"pm25", "pm10", "o3"} {
			n := 427
			if loc == "Amaravati" {
				n = 200
			}
			for i := range n {
				d := d0.AddDate(0, 0, i)
				if r.IntN(5) == 0 {
					continue
				}
				v := math.Round(r.Float64()*3000) / 10
				if r.IntN(6) == 0 {
					v = []float64{9, 9.1, 15, 15.1, 30, 30.5, 35.5, 45, 55, 60, 90, 120, 125.5, 250, 355, 425}[r.IntN(16)]
				}
				days = append(days, scaleDay{loc, typ, d, v})
				fmt.Fprintf(&h, "%s,%s,%s,%g\n", d.Format(time.DateOnly), loc, typ, v)
				if i%3 == 0 {
					fmt.Fprintf(&p, "%s,%s,%s,%g\n", d.Format(time.DateOnly), loc, typ, v+1)
				}
			}
		}
	}
	return h.String(), p.String(), days
}

// TestCalendarAgainstGoLoops: /calendar.json's days, band counts, WHO days and measured days for every
// series, year and scale are those of plain loops over the measurements; the page draws a cell for
// every day of the year, coloured for the measured ones, marks the WHO days and counts the same.
func TestCalendarAgainstGoLoops(t *testing.T) {
	historic, predictions, days := scaleFixture(1)
	ts := newTestServer(t, historic, predictions)
	for _, loc := range []string{"Delhi", "Amaravati"} {
		for _, typ := range []string{"pm25", "pm10", "o3"} {
			for _, year := range []int{2018, 2019, 2020, 2021} {
				for _, sc := range aqi.Scales() {
					q := url.Values{"location": {loc}, "type": {typ}, "year": {fmt.Sprint(year)}, "scale": {sc.Key}}.Encode()
					resp, body := ts.get(t, "/calendar.json?"+q)
					if resp.StatusCode != 200 {
						t.Fatalf("%s: %d %s", q, resp.StatusCode, body)
					}
					var got calendarJSON
					if err := json.Unmarshal([]byte(body), &got); err != nil {
						t.Fatal(err)
					}
					want := calendarJSON{Location: loc, Type: typ, Year: year, Scale: sc.Key, Days: []calendarJSONDay{}, Bands: map[string]int64{}}
					_, hasWHO := aqi.WHOGuideline(typ)
					var who int64
					for _, b := range sc.Bands(typ) {
						want.Bands[b.Key] = 0
					}
					for _, d := range days {
						if d.loc != loc || d.typ != typ || d.date.Year() != year {
							continue
						}
						jd := calendarJSONDay{Date: d.date.Format(time.DateOnly), Value: d.value}
						if l, ok := sc.Level(typ, d.value); ok {
							k := sc.Bands(typ)[l].Key
							jd.Band = &k
							want.Bands[k]++
						}
						if hasWHO {
							ex := d.value > map[string]float64{"pm25": 15, "pm10": 45}[typ]
							jd.WHOExceeded = &ex
							if ex {
								who++
							}
						}
						want.Days = append(want.Days, jd)
						want.MeasuredDays++
					}
					if hasWHO {
						want.WHODays = &who
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s:\n got %+v\nwant %+v", q, got, want)
					}
					if typ == "o3" && (got.WHODays != nil || !strings.Contains(body, `"bands":{}`) || !strings.Contains(body, `"band":null`) && len(got.Days) > 0) {
						t.Errorf("%s: o3 has no bands and no WHO guideline: %.300s", q, body)
					}
					if sc.Key != "naqi" || typ == "pm10" {
						continue
					}
					// The page: a cell per day of the year, the measured ones coloured, the WHO days marked.
					resp, page := ts.get(t, "/calendar?"+q)
					if resp.StatusCode != 200 {
						t.Fatalf("/calendar?%s: %d", q, resp.StatusCode)
					}
					inYear := 365
					if year%4 == 0 {
						inYear = 366
					}
					cells := strings.Count(page, `<rect x=`)
					empty := strings.Count(page, `class="day none"`) - 1 // the legend's swatch
					marks := strings.Count(page, `<circle class="who" cx="`) - 1
					if !hasWHO {
						marks++ // no legend swatch
					}
					if cells != inYear || int64(cells-empty) != want.MeasuredDays || (hasWHO && int64(marks) != who) || (!hasWHO && marks != 0) {
						t.Errorf("/calendar?%s: %d cells (%d empty), %d WHO marks; want %d cells, %d measured, %d WHO days", q, cells, empty, marks, inYear, want.MeasuredDays, who)
					}
					if !strings.Contains(page, fmt.Sprintf(`<strong class="cal-measured">%d</strong>`, want.MeasuredDays)) {
						t.Errorf("/calendar?%s: the summary lacks %d days measured", q, want.MeasuredDays)
					}
					for k, n := range want.Bands {
						if !strings.Contains(page, fmt.Sprintf(`data-band="%s">%s<`, k, formatCount(n))) {
							t.Errorf("/calendar?%s: band %s is not %d", q, k, n)
						}
					}
				}
			}
		}
	}
	// A day's title: date, value, band, AQI, WHO and the default model's prediction.
	var d scaleDay
	for _, x := range days {
		if x.loc == "Delhi" && x.typ == "pm25" && x.date.Year() == 2019 && x.date.Sub(time.Date(2018, 12, 1, 0, 0, 0, 0, time.UTC)).Hours()/24 == 33 {
			d = x
		}
	}
	if d.loc != "" {
		_, page := ts.get(t, "/calendar?location=Delhi&type=pm25&year=2019")
		b, _ := aqi.Default().BandOf("pm25", d.value)
		want := d.date.Format("Mon 2 Jan 2006") + ": " + formatNumber(d.value) + " µg/m³, " + b.Name
		if !strings.Contains(page, "<title>"+want) || !strings.Contains(page, "predicted "+formatNumber(d.value+1)+" by default</title>") {
			t.Errorf("no title %q with the prediction", want)
		}
	}
}

// TestCalendarDefaultsAndForms: without parameters the calendar shows the first location's PM2.5 in its
// latest year and says so in the pushed URL; a fragment for htmx, the page otherwise, Vary always; the
// year links are every year with data plus the years either side.
func TestCalendarDefaultsAndForms(t *testing.T) {
	historic, predictions, _ := scaleFixture(2)
	ts := newTestServer(t, historic, predictions)
	resp, body := ts.get(t, "/calendar", "HX-Request", "true")
	if resp.StatusCode != 200 || resp.Header.Get("HX-Push-Url") != "/calendar?location=Amaravati&type=pm25&year=2019" ||
		strings.Contains(body, "<html") || !strings.Contains(body, `<section id="view"`) || !strings.Contains(resp.Header.Get("Vary"), "HX-Request") {
		t.Fatalf("fragment: %d push %q vary %q", resp.StatusCode, resp.Header.Get("HX-Push-Url"), resp.Header.Get("Vary"))
	}
	resp, body = ts.get(t, "/calendar?location=Delhi&type=pm25&year=2019&scale=us_epa")
	if resp.StatusCode != 200 || !strings.Contains(body, "<html") || !strings.Contains(resp.Header.Get("Vary"), "HX-Request") ||
		!strings.Contains(body, "<title>Calendar · Delhi · PM2.5 · 2019 · aqdash</title>") || !strings.Contains(body, `class="day epa-`) {
		t.Fatalf("page: %d vary %q", resp.StatusCode, resp.Header.Get("Vary"))
	}
	for _, want := range []string{
		`href="/calendar?location=Delhi&amp;scale=us_epa&amp;type=pm25&amp;year=2018" hx-get="/calendar?location=Delhi&amp;scale=us_epa&amp;type=pm25&amp;year=2018" rel="prev"`,
		`href="/calendar?location=Delhi&amp;scale=us_epa&amp;type=pm25&amp;year=2020" hx-get="/calendar?location=Delhi&amp;scale=us_epa&amp;type=pm25&amp;year=2020" rel="next"`,
		`aria-current="page">2019</a>`, `<option value="us_epa" selected>`, `Unhealthy for Sensitive Groups`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("calendar page lacks %s", want)
		}
	}
	// The first year has no previous link, the last no next one.
	_, body = ts.get(t, "/calendar?location=Delhi&type=pm25&year=2018")
	if strings.Contains(body, `rel="prev"`) || !strings.Contains(body, `rel="next"`) {
		t.Error("2018 is the first year: no previous year link, a next one")
	}
	// The dashboard links to its series' calendar.
	_, body = ts.get(t, "/?location=Patna&type=pm10")
	if !strings.Contains(body, `href="/calendar?location=Patna&amp;type=pm10&amp;year=2020"`) {
		t.Error("the dashboard does not link to the calendar of Patna PM10")
	}
}

// TestScaleViewsBadParams: an unknown scale, year, pollutant, location, sort or direction, or a bad date,
// is a 400 naming the parameter on the page, the fragment and the JSON (and CSV) twins.
func TestScaleViewsBadParams(t *testing.T) {
	historic, predictions, _ := scaleFixture(3)
	ts := newTestServer(t, historic, predictions)
	cases := []struct{ path, query, param string }{
		{"/calendar", "scale=aqi_uk", "scale"},
		{"/calendar", "year=nineteen", "year"},
		{"/calendar", "year=20190", "year"},
		{"/calendar", "type=pm1", "type"},
		{"/calendar", "location=Atlantis", "location"},
		{"/locations", "scale=ca", "scale"},
		{"/locations", "sort=worst", "sort"},
		{"/locations", "sort=unhealthy", "sort"}, // a US EPA band on the NAQI scale
		{"/locations", "sort=poor&scale=us_epa", "sort"},
		{"/locations", "type=o3&sort=poor", "sort"}, // no bands
		{"/locations", "type=o3&sort=who_days", "sort"},
		{"/locations", "dir=up", "dir"},
		{"/locations", "type=pm1", "type"},
		{"/locations", "from=2019-02-30", "from"},
		{"/locations", "from=2019-05-01&to=2019-04-01", "from"},
	}
	for _, c := range cases {
		exts := []string{"", ".json"}
		if c.path == "/locations" {
			exts = append(exts, ".csv")
		}
		for _, ext := range exts {
			target := c.path + ext + "?" + c.query
			resp, body := ts.get(t, target)
			if resp.StatusCode != 400 {
				t.Errorf("%s: %d, want 400", target, resp.StatusCode)
				continue
			}
			if ext == "" {
				if !strings.Contains(body, c.param+": ") {
					t.Errorf("%s: the page does not name %s: %.200s", target, c.param, body)
				}
				continue
			}
			var e dataError
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Parameter != c.param || !strings.HasPrefix(e.Error, c.param+": ") {
				t.Errorf("%s: %s, want a JSON error naming %s", target, body, c.param)
			}
		}
		resp, body := ts.get(t, c.path+"?"+c.query, "HX-Request", "true")
		if resp.StatusCode != 400 || strings.Contains(body, "<html") || !strings.Contains(body, c.param+": ") {
			t.Errorf("%s fragment: %d", c.query, resp.StatusCode)
		}
	}
	// A known pollutant or year without data is no error: an empty calendar or ranking.
	for _, target := range []string{"/calendar?location=Delhi&type=no2&year=2019", "/calendar?location=Delhi&year=1990", "/locations?type=no2", "/locations?from=1990-01-01&to=1990-12-31"} {
		if resp, _ := ts.get(t, target); resp.StatusCode != 200 {
			t.Errorf("%s: %d, want 200", target, resp.StatusCode)
		}
	}
}

// TestCalendarURLEncodes checks that calendarView.url writes what url.Values.Encode writes, for names
// that need escaping.
func TestCalendarURLEncodes(t *testing.T) {
	for _, v := range []calendarView{
		{Location: "Synthetic 0030", Type: "pm25", Year: 2015},
		{Location: "Navi Mumbai & Thane+1/é?#", Type: "pm2.5", Year: 1999, ScaleKey: "us_epa"},
		{Location: "", Type: "", Year: 2200, ScaleKey: "naqi"},
	} {
		q := url.Values{}
		q.Set("location", v.Location)
		q.Set("type", v.Type)
		q.Set("year", fmt.Sprint(v.Year))
		if v.ScaleKey != "" {
			q.Set("scale", v.ScaleKey)
		}
		if got, want := v.url("/calendar"), "/calendar?"+q.Encode(); got != want {
			t.Errorf("%+v: url %q, want %q", v, got, want)
		}
	}
}
