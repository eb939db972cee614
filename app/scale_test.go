package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/app/demo"
)

// scaleViews are every view with its Hyderabad PM2.5 form, and the band names each scale gives the
// compare fixture's values there (PM2.5 40 to 117: NAQI Satisfactory to Poor; US EPA Unhealthy for
// Sensitive Groups and Unhealthy). /locations has no bands, only links.
var scaleViews = []string{
	"/?location=Hyderabad&type=pm25",
	"/compare?location=Hyderabad&type=pm25",
	"/historic?location=Hyderabad&type=pm25",
	"/predictions?location=Hyderabad&type=pm25",
	"/locations?x=1",
}

func TestScaleParamOnEveryView(t *testing.T) {
	h, p := compareFixture()
	ts := newTestServer(t, h, p)
	for _, view := range scaleViews {
		banded := !strings.HasPrefix(view, "/locations")
		path := strings.Split(view, "?")[0]
		_, naqi := ts.get(t, view)
		resp, epa := ts.get(t, view+"&scale=us_epa")
		if resp.StatusCode != 200 {
			t.Fatalf("%s us_epa: %d", view, resp.StatusCode)
		}
		if banded {
			if !strings.Contains(naqi, `class="aqi aqi-1" title="AQI `) || !strings.Contains(naqi, ">Satisfactory<") || strings.Contains(naqi, "Unhealthy") {
				t.Errorf("%s: no NAQI band cells by default", view)
			}
			if !strings.Contains(epa, `class="aqi epa-2" title="AQI `) || !strings.Contains(epa, ">Unhealthy for Sensitive Groups<") || strings.Contains(epa, ">Satisfactory<") {
				t.Errorf("%s: scale=us_epa shows no US EPA band cells", view)
			}
			// The sub-index for screen readers, beside the name.
			if !strings.Contains(epa, `<span class="visually-hidden">, AQI 1`) {
				t.Errorf("%s: no sub-index for screen readers", view)
			}
			// The form's select shows the scale; NAQI is the default's.
			if !strings.Contains(epa, `<select id="f-scale" name="scale"`) || !strings.Contains(epa, `<option value="us_epa" selected>US EPA AQI</option>`) ||
				!strings.Contains(naqi, `<option value="naqi" selected>India NAQI</option>`) {
				t.Errorf("%s: the scale select does not show the scale", view)
			}
		}
		// Every link of the page keeps the scale: the navigation, the sort headers, the pager, the
		// downloads, the locations' links.
		for _, href := range hrefs(epa) {
			u, err := url.Parse(href)
			if err != nil || u.IsAbs() || strings.HasPrefix(href, "#") || strings.HasPrefix(u.Path, "/static/") {
				continue
			}
			if u.Query().Get("scale") != "us_epa" {
				t.Errorf("%s: link %q drops the scale", view, href)
			}
		}
		for _, href := range hrefs(naqi) {
			if strings.Contains(href, "scale=") {
				t.Errorf("%s: link %q names the default scale", view, href)
			}
		}
		if !banded {
			continue
		}
		// A swap pushes the canonical URL: the scale when it is not the deployment's.
		resp, frag := ts.get(t, view+"&scale=us_epa", "HX-Request", "true", "HX-Current-URL", "http://example.com"+view)
		if push := resp.Header.Get("HX-Push-Url"); !strings.Contains(push, "scale=us_epa") || !strings.HasPrefix(push, path) {
			t.Errorf("%s: HX-Push-Url %q lacks the scale", view, push)
		}
		// The navigation follows out of band.
		if !strings.Contains(frag, `<nav id="site-nav" hx-swap-oob="true"`) || !strings.Contains(frag, `href="/compare?scale=us_epa"`) {
			t.Errorf("%s: the fragment does not bring the navigation on its scale", view)
		}
		// A swap that keeps the page's scale leaves the navigation alone.
		_, frag = ts.get(t, view+"&scale=us_epa&size=10", "HX-Request", "true", "HX-Current-URL", "http://example.com"+view+"&scale=us_epa")
		if strings.Contains(frag, "hx-swap-oob") && strings.Contains(frag, `id="site-nav"`) {
			t.Errorf("%s: a swap on the same scale re-sends the navigation", view)
		}
		resp, _ = ts.get(t, view+"&scale=naqi", "HX-Request", "true")
		if push := resp.Header.Get("HX-Push-Url"); strings.Contains(push, "scale") {
			t.Errorf("%s: HX-Push-Url %q names the default scale", view, push)
		}
	}
}

func TestScaleBadValue(t *testing.T) {
	h, p := compareFixture()
	ts := newTestServer(t, h, p)
	for _, view := range append(scaleViews, "/compare.json?x=1", "/compare.csv?x=1", "/historic.json?x=1", "/predictions.csv?x=1", "/historic/count?x=1") {
		target := view + "&scale=bogus"
		resp, body := ts.get(t, target)
		if resp.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", target, resp.StatusCode)
			continue
		}
		if dataRoute(strings.Split(view, "?")[0]) {
			var e dataError
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Parameter != "scale" || !strings.Contains(e.Error, `"bogus" is not an AQI scale; use naqi or us_epa`) {
				t.Errorf("%s: %s", target, body)
			}
			continue
		}
		if !strings.Contains(body, `scale: &#34;bogus&#34; is not an AQI scale; use naqi or us_epa`) {
			t.Errorf("%s: the 400 does not name scale: %.300s", target, body)
		}
		if strings.Contains(view, "location=") && !strings.HasPrefix(view, "/locations") {
			// The view's form marks the select, the bad value kept.
			if !strings.Contains(body, `name="scale" hx-get=`) || !strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, `<option value="bogus" selected>`) {
				t.Errorf("%s: the form does not mark the scale", target)
			}
		}
	}
}

func TestAQIScaleEnvironment(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	c, err := LoadConfig(env())
	if err != nil || c.Scale.Key != "naqi" {
		t.Fatalf("default: %v %v", c.Scale, err)
	}
	if c, err = LoadConfig(env("AQI_SCALE", "us_epa")); err != nil || c.Scale.Key != "us_epa" {
		t.Fatalf("AQI_SCALE=us_epa: %v %v", c.Scale, err)
	}
	if _, err = LoadConfig(env("AQI_SCALE", "epa")); err == nil || err.Error() != `AQI_SCALE="epa" is not an AQI scale: use naqi or us_epa` {
		t.Errorf("AQI_SCALE=epa: %v", err)
	}

	// A deployment on the US EPA scale: its views show it without scale=, and keep scale=naqi in links
	// and pushed URLs instead.
	h, p := compareFixture()
	ts := newTestServer(t, h, p)
	ts.cfg.Scale, _ = aqi.Get("us_epa")
	for _, view := range scaleViews[:4] {
		_, body := ts.get(t, view)
		if !strings.Contains(body, ">Unhealthy for Sensitive Groups<") || strings.Contains(body, ">Satisfactory<") {
			t.Errorf("%s: AQI_SCALE=us_epa does not show US EPA bands", view)
		}
		resp, _ := ts.get(t, view+"&scale=us_epa", "HX-Request", "true")
		if push := resp.Header.Get("HX-Push-Url"); strings.Contains(push, "scale") {
			t.Errorf("%s: HX-Push-Url %q names the deployment's scale", view, push)
		}
		resp, body = ts.get(t, view+"&scale=naqi", "HX-Request", "true")
		if push := resp.Header.Get("HX-Push-Url"); !strings.Contains(push, "scale=naqi") {
			t.Errorf("%s: HX-Push-Url %q drops scale=naqi", view, push)
		}
		if !strings.Contains(body, ">Satisfactory<") || strings.Contains(body, "Unhealthy for") {
			t.Errorf("%s: scale=naqi does not show NAQI bands", view)
		}
	}
	_, body := ts.get(t, "/compare.json?location=Hyderabad&type=pm25")
	if !strings.Contains(body, `"scale":"us_epa"`) {
		t.Errorf("compare.json on a US EPA deployment: %.200s", body)
	}
}

// TestCompareJSONBands checks /compare.json's and /compare.csv's bands and sub-indices on both scales
// against app/aqi, row by row, on the demo data (real measurements and the ses forecasts).
func TestCompareJSONBands(t *testing.T) {
	ts := demoTestServer(t)
	for _, sc := range aqi.Scales() {
		for _, q := range []string{"location=Delhi&type=pm25&from=2019-01-01&to=2019-12-31&match=all&size=500",
			"location=Delhi&type=pm10&from=2019-01-01&to=2019-12-31&size=500",
			"location=Delhi&type=no2&from=2019-01-01&to=2019-03-31&size=100"} {
			target := "/compare.json?" + q + "&scale=" + sc.Key
			resp, body := ts.get(t, target)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", target, resp.StatusCode, body)
			}
			var out struct {
				Scale string `json:"scale"`
				Rows  []struct {
					Type           string   `json:"type"`
					Actual         *float64 `json:"actual"`
					Predicted      *float64 `json:"predicted"`
					ActualBand     *string  `json:"actual_band"`
					PredictedBandJ *string  `json:"predicted_band"`
					ActualAQI      *int     `json:"actual_aqi"`
					PredictedAQIJ  *int     `json:"predicted_aqi"`
				} `json:"rows"`
			}
			if err := json.Unmarshal([]byte(body), &out); err != nil {
				t.Fatal(err)
			}
			if out.Scale != sc.Key || len(out.Rows) < 50 {
				t.Fatalf("%s: scale %q, %d rows", target, out.Scale, len(out.Rows))
			}
			levels := map[int]bool{}
			check := func(side string, v *float64, typ string, band *string, idx *int) {
				b, ok := aqi.Band{}, false
				if v != nil {
					b, ok = sc.BandOf(typ, *v)
				}
				if !ok {
					if band != nil || idx != nil {
						t.Errorf("%s %s %v: band %v aqi %v, want null", target, side, v, band, idx)
					}
					return
				}
				want, _ := sc.SubIndex(typ, *v)
				if band == nil || *band != b.Key || idx == nil || *idx != want {
					t.Errorf("%s %s %v: band %v aqi %v, want %s %d", target, side, *v, band, idx, b.Key, want)
				}
				levels[b.Level] = true
			}
			for _, r := range out.Rows {
				check("actual", r.Actual, r.Type, r.ActualBand, r.ActualAQI)
				check("predicted", r.Predicted, r.Type, r.PredictedBandJ, r.PredictedAQIJ)
			}
			if strings.Contains(q, "pm") && len(levels) < 3 {
				t.Errorf("%s: only levels %v: the data does not test the bands", target, levels)
			}

			// The CSV: the same columns, the same values, row by row.
			resp, body = ts.get(t, strings.Replace(target, ".json", ".csv", 1))
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("csv: %d %v", resp.StatusCode, err)
			}
			if strings.Join(recs[0][10:], ",") != "actual_band,predicted_band,actual_aqi,predicted_aqi" || len(recs) < len(out.Rows)+1 {
				t.Fatalf("csv header %v, %d records", recs[0], len(recs))
			}
			str := func(s *string) string {
				if s == nil {
					return ""
				}
				return *s
			}
			num := func(i *int) string {
				if i == nil {
					return ""
				}
				b, _ := json.Marshal(*i)
				return string(b)
			}
			for i, r := range out.Rows {
				got := strings.Join(recs[i+1][10:], ",")
				want := strings.Join([]string{str(r.ActualBand), str(r.PredictedBandJ), num(r.ActualAQI), num(r.PredictedAQIJ)}, ",")
				if got != want {
					t.Errorf("%s csv row %d: %s, json %s", target, i, got, want)
					break
				}
			}
		}
	}
}

// demoTestServer is a test server over the demo data (real measurements and the ses forecasts).
func demoTestServer(t *testing.T) *testServer {
	t.Helper()
	ts := newTestServer(t, "", "")
	res, err := demo.Load(context.Background(), ts.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo data loaded in %v", res.Elapsed.Round(time.Millisecond))
	return ts
}

// chipHTML is the band badge of a NAQI value as a page writes it, its sub-index from app/aqi.
func chipHTML(class, name, typ string, v float64) string {
	i, _ := aqi.Default().SubIndex(typ, v)
	return fmt.Sprintf(`<span class="aqi %s" title="AQI %d">%s<span class="visually-hidden">, AQI %d</span></span></li>`, class, i, name, i)
}

// hrefs lists every href of a page.
func hrefs(body string) []string {
	var out []string
	for _, part := range strings.Split(body, `href="`)[1:] {
		out = append(out, strings.ReplaceAll(part[:strings.IndexByte(part, '"')], "&amp;", "&"))
	}
	return out
}
