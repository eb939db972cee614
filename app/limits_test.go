package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/queries"
)

// TestIngestRateLimit: the ingest API takes INGEST_RATE_LIMIT requests per client and window (both
// tables, refused requests too) and then answers 429 with Retry-After and a JSON error; the client is the
// address the server believes: behind Fly, Fly-Client-IP, so other clients are not limited by it, and
// with no trusted proxy the header is ignored, so forging it gains nothing.
func TestIngestRateLimit(t *testing.T) {
	ts := newTestServer(t, "", "")
	ts.cfg.IngestToken = testIngestToken
	ts.cfg.IngestRate = Rate{Max: 3, Per: time.Minute}
	ts.cfg.TrustedProxy = ProxyFly
	ts.app = ts.newApp()
	body := func(day int) []byte {
		return []byte("date,location,type,value\n2020-07-0" + strconv.Itoa(day) + ",Pune,pm25,3\n")
	}
	from := func(ip string, day int, auth string) (int, string, string) {
		resp, b := ts.post(t, "/api/historic", body(day), "Content-Type", "text/csv", "Authorization", auth, "Fly-Client-IP", ip)
		return resp.StatusCode, resp.Header.Get("Retry-After"), b
	}
	// Three from one client: two imports and a bad token all count.
	for i, auth := range []string{bearer, "Bearer wrong-token-0123456789", bearer} {
		if code, _, b := from("203.0.113.1", i+1, auth); code != 200 && code != 401 {
			t.Fatalf("request %d: %d %s", i+1, code, b)
		}
	}
	code, retry, b := from("203.0.113.1", 4, bearer)
	n, err := strconv.Atoi(retry)
	if code != 429 || err != nil || n < 1 || n > 60 || !strings.HasPrefix(b, `{"error":"too many requests: the ingest API takes 3/min from one client; retry after `) {
		t.Fatalf("the fourth request: %d, Retry-After %q, %s", code, retry, b)
	}
	// The other table shares the count.
	resp, _ := ts.post(t, "/api/predictions", []byte("date,location,type,prediction\n2020-07-01,Pune,pm25,3\n"), "Content-Type", "text/csv", "Authorization", bearer, "Fly-Client-IP", "203.0.113.1")
	if resp.StatusCode != 429 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("predictions from the limited client: %d", resp.StatusCode)
	}
	// Another client is not limited by the first.
	if code, _, b := from("2001:db8::9", 5, bearer); code != 200 {
		t.Fatalf("another client: %d %s", code, b)
	}
	if got := rowCount(t, ts, queries.Historic); got != 3 {
		t.Fatalf("%d rows, want 3 (the refused requests wrote nothing)", got)
	}

	// No trusted proxy: the header is a client's claim and is ignored; every request here is one client.
	ts.cfg.TrustedProxy = ProxyNone
	ts.app = ts.newApp()
	for i := range 4 {
		code, _, _ := from("198.51.100."+strconv.Itoa(i), 1, bearer)
		if want := 200; i == 3 {
			if code != 429 {
				t.Fatalf("a forged Fly-Client-IP escaped the limit: %d", code)
			}
		} else if code != want {
			t.Fatalf("request %d: %d", i+1, code)
		}
	}

	// Off: no limit.
	ts.cfg.IngestRate = Rate{}
	ts.app = ts.newApp()
	for range 10 {
		if code, _, b := from("203.0.113.1", 1, bearer); code != 200 {
			t.Fatalf("with no limit: %d %s", code, b)
		}
	}
}

// TestRateAndTimeoutConfig: INGEST_RATE_LIMIT and STATEMENT_TIMEOUT as the environment gives them.
func TestRateAndTimeoutConfig(t *testing.T) {
	c, err := LoadConfig(envOf())
	if err != nil || c.IngestRate != (Rate{60, time.Minute}) || c.StatementTimeout != 2*time.Second || c.IngestRate.String() != "60/min" {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	c, err = LoadConfig(envOf("QUERY_TIMEOUT", "5s"))
	if err != nil || c.StatementTimeout != 5*time.Second {
		t.Fatalf("STATEMENT_TIMEOUT follows QUERY_TIMEOUT: %v %v", c.StatementTimeout, err)
	}
	for in, want := range map[string]time.Duration{"1500ms": 1500 * time.Millisecond, "off": 0, "0": 0, "OFF": 0} {
		if c, err := LoadConfig(envOf("STATEMENT_TIMEOUT", in)); err != nil || c.StatementTimeout != want {
			t.Errorf("STATEMENT_TIMEOUT=%s: %v %v", in, c.StatementTimeout, err)
		}
	}
	for in, want := range map[string]Rate{
		"60/min": {60, time.Minute}, "10/s": {10, time.Second}, "1000/hour": {1000, time.Hour},
		" 5 / minute ": {5, time.Minute}, "30/10s": {30, 10 * time.Second}, "off": {}, "Off": {},
	} {
		c, err := LoadConfig(envOf("INGEST_RATE_LIMIT", in))
		if err != nil || c.IngestRate != want {
			t.Errorf("INGEST_RATE_LIMIT=%q: %+v %v, want %+v", in, c.IngestRate, err, want)
		}
	}
	for _, kv := range [][2]string{
		{"INGEST_RATE_LIMIT", "60"}, {"INGEST_RATE_LIMIT", "0/min"}, {"INGEST_RATE_LIMIT", "-1/min"},
		{"INGEST_RATE_LIMIT", "ten/min"}, {"INGEST_RATE_LIMIT", "5/fortnight"}, {"INGEST_RATE_LIMIT", "5/500ms"},
		{"INGEST_RATE_LIMIT", "2000000/s"}, {"STATEMENT_TIMEOUT", "soon"}, {"STATEMENT_TIMEOUT", "-2s"},
	} {
		if _, err := LoadConfig(envOf(kv[0], kv[1])); err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("%s=%q: error %v, want one naming %s", kv[0], kv[1], err, kv[0])
		}
	}
	if s := (Rate{30, 10 * time.Second}).String(); s != "30/10s" {
		t.Errorf("Rate.String() = %q", s)
	}
}
