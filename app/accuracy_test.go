package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// accuracyBody is /accuracy.json, decoded loosely so the test sees exactly the keys sent.
type accuracyBody struct {
	By        []string         `json:"by"`
	Groups    []map[string]any `json:"groups"`
	Page      int              `json:"page"`
	Size      int              `json:"size"`
	Total     int64            `json:"total"`
	Threshold string           `json:"threshold"`
}

func getAccuracyJSON(t *testing.T, ts *testServer, query string) accuracyBody {
	t.Helper()
	resp, body := ts.get(t, "/accuracy.json?"+query)
	if resp.StatusCode != 200 {
		t.Fatalf("/accuracy.json?%s: %d %s", query, resp.StatusCode, body)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"by", "groups", "page", "size", "threshold", "total"}; !slices.Equal(keys, want) {
		t.Errorf("/accuracy.json keys %v, want %v", keys, want)
	}
	var out accuracyBody
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAccuracyBadParams(t *testing.T) {
	ts, _, _ := newModelsServer(t)
	for _, c := range []struct{ query, param, says string }{
		{"by=planet", "by", "planet"},
		{"by=location&by=model&by=lead", "by", "at most two"},
		{"by=model&by=model", "by", "twice"},
		{"threshold=awful", "threshold", "awful"},
		{"sort=nope", "sort", "nope"},
		{"by=location&sort=model", "sort", "model"},
		{"model=ses&model=persistence", "model", "one model"},
		{"lead=1&lead=2", "lead", "one lead"},
		{"model=nosuch", "model", "nosuch"},
		{"page=0", "page", "page"},
	} {
		for _, path := range []string{"/accuracy?", "/accuracy.json?", "/accuracy.csv?"} {
			for _, frag := range []bool{false, true} {
				if frag && path != "/accuracy?" {
					continue
				}
				var hdr []string
				if frag {
					hdr = []string{"HX-Request", "true"}
				}
				resp, body := ts.get(t, path+c.query, hdr...)
				if resp.StatusCode != 400 {
					t.Errorf("%s%s: %d, want 400", path, c.query, resp.StatusCode)
					continue
				}
				if !strings.Contains(body, c.param+": ") || !strings.Contains(body, c.says) {
					t.Errorf("%s%s: the 400 does not name %s (%q): %.300s", path, c.query, c.param, c.says, body)
				}
				if path == "/accuracy.json?" && !strings.Contains(body, `"parameter":"`+c.param+`"`) {
					t.Errorf("%s%s: JSON error without parameter %s: %s", path, c.query, c.param, body)
				}
			}
		}
	}
}

// TestAccuracyDefaults: without a pollutant the view takes PM2.5 and its URL says so; the fragment
// and the page differ by HX-Request.
func TestAccuracyDefaults(t *testing.T) {
	ts, _, _ := newModelsServer(t)
	resp, _ := ts.get(t, "/accuracy")
	if resp.StatusCode != 302 || !strings.Contains(resp.Header.Get("Location"), "type=pm25") {
		t.Fatalf("/accuracy: %d to %q, want a redirect to the PM2.5 URL", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := ts.get(t, "/accuracy", "HX-Request", "true")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("HX-Push-Url"), "type=pm25") {
		t.Fatalf("fragment: %d, pushed %q", resp.StatusCode, resp.Header.Get("HX-Push-Url"))
	}
	if !strings.Contains(resp.Header.Get("Vary"), "HX-Request") {
		t.Errorf("Vary = %q", resp.Header.Get("Vary"))
	}
	if strings.Contains(body, "<html") || !strings.Contains(body, `id="view"`) {
		t.Errorf("the fragment is not the view's fragment")
	}
	loc := "/accuracy?type=pm25"
	resp, page := ts.get(t, loc)
	if resp.StatusCode != 200 || !strings.Contains(page, "<html") || !strings.Contains(page, "Hyderabad") {
		t.Fatalf("%s: %d", loc, resp.StatusCode)
	}
	if !strings.Contains(page, `aria-current="page">Accuracy`) {
		t.Errorf("the nav does not mark Accuracy as the current page")
	}
	if !strings.Contains(page, "data-live-url=") || resp.Header.Get("ETag") == "" {
		t.Errorf("/accuracy is not a live view (live attributes, ETag)")
	}
	// The confusion matrix of the one pollutant: its cells sum to the banded days.
	if !strings.Contains(page, `id="confusion-total"`) {
		t.Errorf("no confusion matrix for PM2.5")
	}
	// On /compare too, for one model: its total is the metrics' band_n, and so is the sum of its cells.
	_, cpage := ts.get(t, "/compare?location=Hyderabad&type=pm25&model=ses&lead=1")
	_, cjson := ts.get(t, "/compare.json?location=Hyderabad&type=pm25&model=ses&lead=1")
	var cm struct {
		Metrics map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(cjson), &cm); err != nil {
		t.Fatal(err)
	}
	total := regexp.MustCompile(`id="confusion-total">([0-9,]+)<`).FindStringSubmatch(cpage)
	if total == nil || total[1] != jsonNum(cm.Metrics["band_n"].(float64)) {
		t.Fatalf("compare's confusion total %v, band_n %v", total, cm.Metrics["band_n"])
	}
	section := cpage[strings.Index(cpage, `class="confusion"`):]
	section = section[:strings.Index(section, "</tbody>")]
	sum := 0
	for _, m := range regexp.MustCompile(`<td class="num(?: diagonal)?(?: zero)?">(?:<strong>)?([0-9,]+)`).FindAllStringSubmatch(section, -1) {
		n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		sum += n
	}
	if strconv.Itoa(sum) != total[1] || sum == 0 {
		t.Errorf("the matrix's cells sum to %d, its total says %s", sum, total[1])
	}
	// On /accuracy the matrix is of one model at one lead: its total is the banded days of the groups of
	// the view (one model, lead 1), their contingency tables' four cells. Grouped by model or lead over several, there is none (it would count each
	// day once per model and lead); filtered to one, there is again.
	atotal := regexp.MustCompile(`id="confusion-total">([0-9,]+)<`).FindStringSubmatch(page)
	var bandN float64
	for _, g := range getAccuracyJSON(t, ts, "type=pm25&size=500").Groups {
		for _, k := range []string{"hits", "misses", "false_alarms", "correct_negatives"} {
			bandN += g[k].(float64)
		}
	}
	if atotal == nil || atotal[1] != jsonNum(bandN) || bandN == 0 {
		t.Errorf("/accuracy's confusion total %v, its groups' banded days %v", atotal, bandN)
	}
	for q, want := range map[string]bool{
		"type=pm25&by=model":                  false,
		"type=pm25&by=lead":                   false,
		"type=pm25&by=location&by=model":      false,
		"type=pm25&by=model&model=ses":        true,
		"type=pm25&by=model&model=ses&lead=2": true,
		"type=pm25&by=lead&lead=2&model=ses":  true,
		"type=pm25&by=season":                 true,
	} {
		if _, body := ts.get(t, "/accuracy?"+q); strings.Contains(body, `id="confusion-total"`) != want {
			t.Errorf("/accuracy?%s: confusion matrix shown %v, want %v", q, !want, want)
		}
	}
}

// TestAccuracyAgreesWithCompare: each group's figures in /accuracy.json are the comparison's own
// metrics for that group (/compare.json), for every threshold; a row links to that comparison.
func TestAccuracyAgreesWithCompare(t *testing.T) {
	ts, _, _ := newModelsServer(t)
	for _, thr := range []string{"satisfactory", "moderate", "poor", "very_poor", "severe"} {
		body := getAccuracyJSON(t, ts, "by=model&by=lead&type=pm25&sort=mae&dir=asc&threshold="+thr)
		if body.Threshold != thr || !slices.Equal(body.By, []string{"model", "lead"}) {
			t.Fatalf("threshold %q by %v", body.Threshold, body.By)
		}
		if body.Total != 4 || len(body.Groups) != 4 {
			t.Fatalf("%d groups (total %d), want ses/1, ses/2, persistence/1, climatology/1", len(body.Groups), body.Total)
		}
		prev := -1.0
		for _, g := range body.Groups {
			if _, ok := g["location"]; ok {
				t.Errorf("a group key that is not a by: %v", g)
			}
			model, lead := g["model"].(string), g["lead"].(float64)
			mae := g["mae"].(float64)
			if mae < prev {
				t.Errorf("sort=mae&dir=asc: %v after %v", mae, prev)
			}
			prev = mae
			q := url.Values{"location": {"Hyderabad"}, "type": {"pm25"}, "model": {model}, "lead": {strings.TrimSuffix(strings.TrimSuffix(jsonNum(lead), ".0"), ".")}, "threshold": {thr}}
			resp, cb := ts.get(t, "/compare.json?"+q.Encode())
			if resp.StatusCode != 200 {
				t.Fatalf("compare.json: %d %s", resp.StatusCode, cb)
			}
			var cmp struct {
				Metrics map[string]any `json:"metrics"`
			}
			if err := json.Unmarshal([]byte(cb), &cmp); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"n", "mae", "rmse", "bias", "r", "nmb", "nme", "mape", "skill_persistence",
				"hits", "misses", "false_alarms", "correct_negatives", "pod", "far", "pofd", "csi", "freq_bias", "hss"} {
				a, ok1 := g[k]
				c, ok2 := cmp.Metrics[k]
				if !ok1 || !ok2 {
					t.Errorf("%s/%v: %s missing (accuracy %v, compare %v)", model, lead, k, ok1, ok2)
					continue
				}
				af, aok := a.(float64)
				cf, cok := c.(float64)
				if aok != cok || aok && math.Abs(af-cf) > 1e-9*math.Max(1, math.Abs(cf)) {
					t.Errorf("%s/%v at %s: %s = %v on /accuracy, %v on /compare", model, lead, thr, k, a, c)
				}
			}
			if cmp.Metrics["threshold"] != thr {
				t.Errorf("compare.json threshold %v, want %s", cmp.Metrics["threshold"], thr)
			}
		}
	}
	// hit_rate and false_alarm_rate stay at Poor whatever the threshold (deprecated).
	var poor, sat struct {
		Metrics map[string]any `json:"metrics"`
	}
	_, b1 := ts.get(t, "/compare.json?location=Hyderabad&type=pm25&model=ses&lead=1")
	_, b2 := ts.get(t, "/compare.json?location=Hyderabad&type=pm25&model=ses&lead=1&threshold=satisfactory")
	_ = json.Unmarshal([]byte(b1), &poor)
	_ = json.Unmarshal([]byte(b2), &sat)
	if poor.Metrics["hit_rate"] != sat.Metrics["hit_rate"] || poor.Metrics["false_alarm_rate"] != sat.Metrics["false_alarm_rate"] {
		t.Errorf("hit_rate/false_alarm_rate moved with threshold: %v/%v vs %v/%v", poor.Metrics["hit_rate"], poor.Metrics["false_alarm_rate"],
			sat.Metrics["hit_rate"], sat.Metrics["false_alarm_rate"])
	}
	if poor.Metrics["hits"] == sat.Metrics["hits"] {
		t.Errorf("hits did not follow threshold (%v at both)", poor.Metrics["hits"])
	}
	// Rows link to their comparison.
	_, page := ts.get(t, "/accuracy?by=model&type=pm25")
	if !strings.Contains(page, `href="/compare?lead=1&amp;location=`) && !strings.Contains(page, `href="/compare?`) {
		t.Fatalf("no row links to /compare")
	}
	for _, m := range []string{"ses", "persistence", "climatology"} {
		if !strings.Contains(page, "model="+m) {
			t.Errorf("no row links to /compare for %s", m)
		}
	}
}

func jsonNum(f float64) string { b, _ := json.Marshal(f); return string(b) }

// TestAccuracyPagingAndCSV: pages of the JSON are slices of the whole; the CSV has every group.
func TestAccuracyPagingAndCSV(t *testing.T) {
	ts, _, _ := newModelsServer(t)
	all := getAccuracyJSON(t, ts, "by=model&by=lead&type=pm25&sort=n&size=10")
	p2 := getAccuracyJSON(t, ts, "by=model&by=lead&type=pm25&sort=n&size=3&page=2")
	if p2.Total != all.Total || len(p2.Groups) != 1 || p2.Page != 2 || p2.Size != 3 {
		t.Fatalf("page 2 of size 3: %+v", p2)
	}
	if p2.Groups[0]["model"] != all.Groups[3]["model"] || p2.Groups[0]["lead"] != all.Groups[3]["lead"] {
		t.Errorf("page 2 starts with %v, want %v", p2.Groups[0], all.Groups[3])
	}
	// Ties of n (ses/1 and persistence/1 have the same days) go by the keys ascending.
	resp, body := ts.get(t, "/accuracy.csv?by=model&by=lead&type=pm25&sort=n&ref=persistence")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || recs[0][0] != "model" || recs[0][1] != "lead" || !slices.Contains(recs[0], "skill_ref") || !slices.Contains(recs[0], "far") {
		t.Fatalf("csv: %v", recs)
	}
}
