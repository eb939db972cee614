package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/queries"
)

// post sends a POST through the app with the given body and headers (name, value, ...).
func (ts *testServer) post(t *testing.T, target string, body []byte, headers ...string) (*http.Response, string) {
	t.Helper()
	return ts.do(t, httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body)), headers...)
}

// ingestServer is a test server with the ingest API on and empty tables.
func ingestServer(t *testing.T) *testServer {
	t.Helper()
	ts := newTestServer(t, "", "")
	ts.cfg.IngestToken = testIngestToken
	return ts
}

func rowCount(t *testing.T, ts *testServer, tbl queries.Table) int64 {
	t.Helper()
	n, err := queries.CountRows(context.Background(), ts.db, tbl, queries.View{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// testIngestToken is the INGEST_TOKEN of test servers with the ingest API on.
const testIngestToken = "test-ingest-token-0123456789"

const bearer = "Bearer " + testIngestToken

func TestIngestAuth(t *testing.T) {
	ts := newTestServer(t, "", "")
	csv := []byte("date,location,type,value\n2020-07-01,Hyderabad,pm25,26.1\n")

	// INGEST_TOKEN unset: the API is off and says so.
	resp, body := ts.post(t, "/api/historic", csv, "Content-Type", "text/csv", "Authorization", bearer)
	if resp.StatusCode != 404 || !strings.Contains(body, "INGEST_TOKEN") || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("API off: %d %s", resp.StatusCode, body)
	}

	ts.cfg.IngestToken = testIngestToken
	for _, c := range []struct {
		name, auth, challenge string
	}{
		{"no header", "", `Bearer realm="aqdash ingest"`},
		{"basic", "Basic dXNlcjpwYXNz", `Bearer realm="aqdash ingest"`},
		{"wrong token", "Bearer " + testIngestToken + "x", `Bearer realm="aqdash ingest", error="invalid_token"`},
		{"empty token", "Bearer ", `Bearer realm="aqdash ingest"`},
	} {
		resp, body := ts.post(t, "/api/historic", csv, "Content-Type", "text/csv", "Authorization", c.auth)
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != c.challenge || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %q %s", c.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
	}
	if n := rowCount(t, ts, queries.Historic); n != 0 {
		t.Fatalf("unauthorized requests wrote %d rows", n)
	}
	resp, body = ts.post(t, "/api/historic", csv, "Content-Type", "text/csv", "Authorization", "bearer "+testIngestToken)
	if resp.StatusCode != 200 || body != `{"inserted":1,"updated":0,"unchanged":0}` {
		t.Fatalf("right token: %d %s", resp.StatusCode, body)
	}
}

func TestIngestCSV(t *testing.T) {
	ts := ingestServer(t)
	good := "date,location,type,value\n2020-07-01,Hyderabad,pm25,26.1\n2020-07-02,Hyderabad,PM2.5,30\n2020-07-01,\"Navi Mumbai, MH\",no2,0\n"
	resp, body := ts.post(t, "/api/historic", []byte(good), "Content-Type", "text/csv; charset=utf-8", "Authorization", bearer)
	if resp.StatusCode != 200 || body != `{"inserted":3,"updated":0,"unchanged":0}` {
		t.Fatalf("good CSV: %d %s", resp.StatusCode, body)
	}
	changed := strings.Replace(good, "26.1", "27", 1)
	_, body = ts.post(t, "/api/historic", []byte(changed), "Content-Type", "text/csv", "Authorization", bearer)
	if body != `{"inserted":0,"updated":1,"unchanged":2}` {
		t.Fatalf("re-import: %s", body)
	}

	// All or nothing: a bad line 3 and the good line 2 is not written either.
	for _, c := range []struct {
		csv, want string
		line      int64
	}{
		{"date,location,type,value\n2020-07-05,Hyderabad,pm25,1\n2020-02-30,Hyderabad,pm25,2\n", `line 3: date \"2020-02-30\" does not exist; nothing was written`, 3},
		{"date,location,type,value\n2020-07-05,Hyderabad,pm25,1\n2020-07-05,Hyderabad,pm25,2\n", "line 3: duplicate of line 2", 3},
		{"date,location,type,nope\n", `line 1: unknown column \"nope\"`, 1},
		{"", "line 1: the file is empty", 1},
	} {
		resp, body := ts.post(t, "/api/historic", []byte(c.csv), "Content-Type", "text/csv", "Authorization", bearer)
		var got apiError
		_ = json.Unmarshal([]byte(body), &got)
		if resp.StatusCode != 400 || !strings.Contains(body, c.want) || got.Line != c.line {
			t.Errorf("bad CSV %q: %d %s", c.csv, resp.StatusCode, body)
		}
	}
	if n := rowCount(t, ts, queries.Historic); n != 3 {
		t.Fatalf("bad imports wrote rows: %d, want 3", n)
	}

	// Predictions take their own header.
	resp, body = ts.post(t, "/api/predictions", []byte("date,location,type,prediction\n2020-07-01,Hyderabad,pm25,25\n"), "Content-Type", "text/csv", "Authorization", bearer)
	if resp.StatusCode != 200 || body != `{"inserted":1,"updated":0,"unchanged":0}` {
		t.Fatalf("predictions CSV: %d %s", resp.StatusCode, body)
	}
}

func TestIngestJSON(t *testing.T) {
	ts := ingestServer(t)
	good := `{"rows":[{"date":"2020-07-01","location":"Hyderabad","type":"pm25","value":26.1},
		{"date":"2020-07-02","location":"Hyderabad","type":"PM2.5","value":30}]}`
	resp, body := ts.post(t, "/api/historic", []byte(good), "Content-Type", "application/json", "Authorization", bearer)
	if resp.StatusCode != 200 || body != `{"inserted":2,"updated":0,"unchanged":0}` {
		t.Fatalf("good JSON: %d %s", resp.StatusCode, body)
	}
	resp, body = ts.post(t, "/api/predictions", []byte(`{"rows":[{"date":"2020-07-01","location":"Hyderabad","type":"pm25","prediction":25}]}`),
		"Content-Type", "application/json; charset=utf-8", "Authorization", bearer)
	if resp.StatusCode != 200 || body != `{"inserted":1,"updated":0,"unchanged":0}` {
		t.Fatalf("predictions JSON: %d %s", resp.StatusCode, body)
	}
	resp, body = ts.post(t, "/api/historic", []byte(`{"rows":[]}`), "Content-Type", "application/json", "Authorization", bearer)
	if resp.StatusCode != 200 || body != `{"inserted":0,"updated":0,"unchanged":0}` {
		t.Fatalf("no rows: %d %s", resp.StatusCode, body)
	}

	row := `{"date":"2020-07-09","location":"Hyderabad","type":"pm25","value":1}`
	for _, c := range []struct {
		body, want string
		row        int64
	}{
		{`{"rows":[` + row + `,{"date":"2020-02-30","location":"Hyderabad","type":"pm25","value":1}]}`, `row 2: date \"2020-02-30\" does not exist; nothing was written`, 2},
		{`{"rows":[` + row + `,` + row + `]}`, "row 2: duplicate of row 1 (Hyderabad, pm25, 2020-07-09)", 2},
		{`{"rows":[{"date":"2020-07-09","location":"Hyderabad","type":"pm25","prediction":1}]}`, `row 1: unknown field \"prediction\"`, 1},
		{`{"rows":[{"date":"2020-07-09","location":"Hyderabad","type":"pm25"}]}`, "row 1: value is missing", 1},
		{`{"rows":[{"date":"2020-07-09","location":"Hyderabad","type":"pm25","value":"1"}]}`, "row 1: value must be a number", 1},
		{`{"rows":[{"date":"2020-07-09","location":"Hyderabad","type":"pm25","value":-1}]}`, `row 1: value \"-1\" is negative`, 1},
		{`{"rows":[{"date":"2020-07-09","location":"Hyderabad","type":"pm99","value":1}]}`, `row 1: unknown pollutant \"pm99\"`, 1},
		{`{"rows":[` + row + `,3]}`, "row 2: a row must be an object", 2},
		{`{"rows":[` + row + `,{"date":`, "row 2: ", 2},
		{`{"rows":[` + row + `]} trailing`, "unexpected data after the JSON object", 0},
		{`{"data":[]}`, `unknown key \"data\"`, 0},
		{`[]`, "the body must be a JSON object", 0},
		{``, "the body is empty", 0},
	} {
		resp, body := ts.post(t, "/api/historic", []byte(c.body), "Content-Type", "application/json", "Authorization", bearer)
		var got apiError
		_ = json.Unmarshal([]byte(body), &got)
		if resp.StatusCode != 400 || !strings.Contains(body, c.want) || got.Row != c.row {
			t.Errorf("bad JSON %.60q: %d %s", c.body, resp.StatusCode, body)
		}
	}
	if n := rowCount(t, ts, queries.Historic); n != 2 {
		t.Fatalf("bad bodies wrote rows: %d, want 2", n)
	}
}

func TestIngestContentTypesAndLimits(t *testing.T) {
	ts := ingestServer(t)
	csv := []byte("date,location,type,value\n2020-07-01,Hyderabad,pm25,26.1\n")
	for _, c := range []struct{ name, ctype, enc string }{
		{"no content type", "", ""},
		{"plain text", "text/plain", ""},
		{"form", "application/x-www-form-urlencoded", ""},
		{"latin-1", "text/csv; charset=iso-8859-1", ""},
		{"gzip", "text/csv", "gzip"},
	} {
		resp, body := ts.post(t, "/api/historic", csv, "Content-Type", c.ctype, "Content-Encoding", c.enc, "Authorization", bearer)
		if resp.StatusCode != 415 || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s", c.name, resp.StatusCode, body)
		}
	}

	// Over the 10 MB body limit: a 413 with a JSON message, before the body is read. Over a real
	// connection (app.Test refuses such a body itself), announcing 11 MB: the server answers from the
	// headers alone.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.app.Listener(ln) //nolint:errcheck // ends with the shutdown below
	t.Cleanup(func() { _ = ts.app.ShutdownWithTimeout(5 * time.Second) })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/historic HTTP/1.1\r\nHost: test\r\nContent-Type: text/csv\r\nAuthorization: %s\r\nContent-Length: %d\r\n\r\n", bearer, 11<<20)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(b), `"error":"the body is larger than the limit of 10 MB`) || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("too large: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	if n := rowCount(t, ts, queries.Historic); n != 0 {
		t.Fatalf("a rejected body wrote %d rows", n)
	}
	var body string

	// Other API errors are JSON too; the API answers only POST.
	resp, body = ts.get(t, "/api/historic")
	if resp.StatusCode != 404 || !strings.HasPrefix(body, `{"error":`) {
		t.Fatalf("GET /api/historic: %d %s", resp.StatusCode, body)
	}
}

func TestIngestTokenConfig(t *testing.T) {
	env := func(token string) func(string) string {
		return func(k string) string {
			if k == "INGEST_TOKEN" {
				return token
			}
			return ""
		}
	}
	if c, err := LoadConfig(env("")); err != nil || c.IngestToken != "" {
		t.Fatalf("unset: %q %v", c.IngestToken, err)
	}
	if _, err := LoadConfig(env("short")); err == nil || !strings.Contains(err.Error(), "INGEST_TOKEN") {
		t.Fatalf("a short token must be refused: %v", err)
	}
	if c, err := LoadConfig(env(testIngestToken)); err != nil || c.IngestToken != testIngestToken {
		t.Fatalf("set: %q %v", c.IngestToken, err)
	}
}

// TestIngestModelsAndLeads: the ingest API takes the predictions' optional model, lead and issued (CSV
// columns, JSON fields) and ?model= for rows without a model; a bad one is a 400 naming the line or row,
// with nothing written.
func TestIngestModelsAndLeads(t *testing.T) {
	ts := ingestServer(t)
	csv := "date,location,type,prediction,model,issued\n2020-07-03,Pune,pm25,25,ses,2020-07-01\n2020-07-03,Pune,pm25,26,,2020-07-02\n"
	resp, body := ts.post(t, "/api/predictions?model=mine", []byte(csv), "Content-Type", "text/csv", "Authorization", bearer)
	if resp.StatusCode != 200 || body != `{"inserted":2,"updated":0,"unchanged":0}` {
		t.Fatalf("CSV with model and issued: %d %s", resp.StatusCode, body)
	}
	js := `{"rows":[{"date":"2020-07-03","location":"Pune","type":"pm25","prediction":27,"model":"ses","lead":0}]}`
	resp, body = ts.post(t, "/api/predictions", []byte(js), "Content-Type", "application/json", "Authorization", bearer)
	if resp.StatusCode != 200 || body != `{"inserted":1,"updated":0,"unchanged":0}` {
		t.Fatalf("JSON with model and lead: %d %s", resp.StatusCode, body)
	}
	got := map[string]float64{}
	if err := queries.EachRow(context.Background(), ts.db, queries.Predictions, queries.View{Sort: "date"}, func(r queries.Row) error {
		got[fmt.Sprintf("%s %d", r.Model, r.Lead)] = r.Value
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["ses 2"] != 25 || got["mine 1"] != 26 || got["ses 0"] != 27 {
		t.Fatalf("stored %v", got)
	}
	bad := []struct{ target, ctype, body, want string }{
		{"/api/predictions", "text/csv", "date,location,type,prediction,lead\n2020-07-03,Pune,pm25,1,1\n2020-07-03,Pune,pm25,1,40\n", `"error":"line 3: lead 40 is out of range: 0 to 30 days; nothing was written","line":3`},
		{"/api/predictions", "application/json", `{"rows":[{"date":"2020-07-03","location":"Pune","type":"pm25","prediction":1,"issued":"2020-07-04"}]}`, `"error":"row 1: issued 2020-07-04 is after date 2020-07-03: a forecast is issued on or before its day; nothing was written","row":1`},
		{"/api/predictions?model=a%20b", "text/csv", "date,location,type,prediction\n2020-07-03,Pune,pm25,1\n", `model=: model \"a b\" may hold only`},
		{"/api/historic?model=ses", "text/csv", "date,location,type,value\n2020-07-03,Pune,pm25,1\n", "model= applies to predictions only"},
	}
	for _, b := range bad {
		resp, body := ts.post(t, b.target, []byte(b.body), "Content-Type", b.ctype, "Authorization", bearer)
		if resp.StatusCode != 400 || !strings.Contains(body, b.want) {
			t.Errorf("%s %q: %d %s, want 400 saying %s", b.target, b.body, resp.StatusCode, body, b.want)
		}
	}
	if n := rowCount(t, ts, queries.Predictions); n != 3 {
		t.Fatalf("bad requests wrote rows: %d predictions, want 3", n)
	}
}
