package main

import (
	"encoding/json"
	"fmt"
	stdhtml "html"
	"net"
	"strings"
	"testing"
	"time"
)

// twins are the JSON and CSV forms of the views, each with the HTML view it mirrors.
var twins = []struct{ data, view string }{
	{"/historic.json", "/historic"}, {"/historic.csv", "/historic"},
	{"/predictions.json", "/predictions"}, {"/predictions.csv", "/predictions"},
	{"/compare.json", "/compare"}, {"/compare.csv", "/compare"},
}

// checkJSONError asserts that an answer is a JSON error of the given status: {"error": message} with
// "parameter" exactly when param is not empty, never stored by a cache. It returns the message.
func checkJSONError(t *testing.T, what string, status int, header map[string][]string, body string, wantStatus int, param string) string {
	t.Helper()
	get := func(name string) string {
		if v := header[name]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if status != wantStatus {
		t.Errorf("%s: %d, want %d: %.300s", what, status, wantStatus, body)
	}
	if ct := get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json", what, ct)
	}
	if cc := get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", what, cc)
	}
	if cd := get("Content-Disposition"); cd != "" {
		t.Errorf("%s: an error must not be a download (Content-Disposition %q)", what, cd)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Errorf("%s: not a JSON object of strings (%v): %.300s", what, err, body)
		return ""
	}
	want := map[string]bool{"error": true}
	if param != "" {
		want["parameter"] = true
	}
	for k := range got {
		if !want[k] {
			t.Errorf("%s: unexpected field %q in %s", what, k, body)
		}
	}
	if got["error"] == "" {
		t.Errorf("%s: no error message: %s", what, body)
	}
	if got["parameter"] != param {
		t.Errorf("%s: parameter %q, want %q", what, got["parameter"], param)
	}
	return got["error"]
}

// TestDataRouteBadRequestsAreJSON: a bad sort, a bad date and a from after to, on every JSON and CSV
// twin, answer 400 as JSON naming the parameter, with the status and message of the HTML view's 400.
func TestDataRouteBadRequestsAreJSON(t *testing.T) {
	h, p := fixture()
	ts := newTestServer(t, h, p)
	for _, tw := range twins {
		for _, c := range []struct{ query, param, says string }{
			{"sort=bogus", "sort", `"bogus" is not a column`},
			{"from=2020-13-45", "from", `"2020-13-45" is not a date`},
			{"to=01/07/2020", "to", `"01/07/2020" is not a date`},
			{"from=2020-07-01&to=2020-06-01", "from", "2020-07-01 is after to (2020-06-01)"},
		} {
			target := tw.data + "?" + c.query
			resp, body := ts.get(t, target, "HX-Request", "true", "Accept", "text/html")
			msg := checkJSONError(t, target, resp.StatusCode, resp.Header, body, 400, c.param)
			if !strings.HasPrefix(msg, c.param+": ") || !strings.Contains(msg, c.says) {
				t.Errorf("%s: message %q does not say %q", target, msg, c.says)
			}
			// The HTML view says the same, with the same status.
			vresp, page := ts.get(t, tw.view+"?"+c.query)
			if vresp.StatusCode != resp.StatusCode || !strings.Contains(page, stdhtml.EscapeString(msg)) {
				t.Errorf("%s: the HTML view answers %d without the message %q", tw.view+"?"+c.query, vresp.StatusCode, msg)
			}
		}
	}
	// Errors elsewhere stay pages: the JSON form is for the twins only.
	if resp, body := ts.get(t, "/historic?sort=bogus"); !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "<!doctype html>") {
		t.Errorf("/historic?sort=bogus: %s %.200s", resp.Header.Get("Content-Type"), body)
	}
}

// TestDataRouteUnavailableIsJSON: with the database down, a JSON and a CSV twin answer 503 as JSON with
// the message of the page's 503 and no parameter; the page itself stays an HTML page.
func TestDataRouteUnavailableIsJSON(t *testing.T) {
	host, port, _ := net.SplitHostPort(deadAddress(t))
	ts := reliabilityServer(t, fmt.Sprintf("host=%s port=%s user=nobody dbname=nothing sslmode=disable", host, port), Config{StatementTimeout: 2 * time.Second})
	for _, target := range []string{"/historic.json?location=Hyderabad", "/compare.csv?location=Hyderabad&type=pm25", "/predictions.csv", "/compare.json"} {
		a := ts.ask(target, false, answerLimit)
		if a.err != nil {
			t.Fatalf("%s: %v", target, a.err)
		}
		if msg := checkJSONError(t, target, a.status, a.header, a.body, 503, ""); msg != downMessage {
			t.Errorf("%s: message %q, want %q", target, msg, downMessage)
		}
		if m := internals.FindString(a.body); m != "" {
			t.Errorf("%s: the body names an internal (%q): %s", target, m, a.body)
		}
	}
	page := ts.ask("/historic?location=Hyderabad", false, answerLimit)
	if page.status != 503 || !strings.Contains(page.body, "<!doctype html>") || !strings.Contains(page.body, downMessage) {
		t.Errorf("/historic with the database down: %d %.300s", page.status, page.body)
	}
}
