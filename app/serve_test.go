package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/queries/dbtest"
)

// TestShutdownEndsStreamsAndFinishesRequests runs the server's shutdown (run) with two requests in
// flight: a stream written the way an SSE handler must write one (watching s.stopping), and an ordinary
// request still in its handler. On shutdown the stream ends at once with its last event, while the
// ordinary request is waited for; run returns nil once it has finished.
func TestShutdownEndsStreamsAndFinishesRequests(t *testing.T) {
	s, err := newServer(Config{Port: "0", QueryTimeout: 2 * time.Second}, slog.New(slog.NewTextHandler(io.Discard, nil)), dbtest.NewPool(t))
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/stream", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/event-stream")
		stopping := s.stopping // captured before the writer runs: c is not usable in there
		c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				w.WriteString("data: tick\n\n")
				if w.Flush() != nil {
					return // the client has gone
				}
				select {
				case <-stopping.Done():
					w.WriteString("event: bye\ndata: server shutting down\n\n")
					w.Flush()
					return
				case <-tick.C:
				}
			}
		})
		return nil
	})
	app.Get("/slow", func(c *fiber.Ctx) error {
		close(entered)
		<-release
		return c.SendString("finished")
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, shutdown := context.WithCancel(context.Background())
	defer shutdown()
	ran := make(chan error, 1)
	go func() { ran <- s.run(ctx, app, ln) }()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	stream, err := client.Get(base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	events := bufio.NewReader(stream.Body)
	if line, err := events.ReadString('\n'); err != nil || line != "data: tick\n" {
		t.Fatalf("first event %q %v", line, err)
	}
	slow := make(chan string, 1)
	go func() {
		resp, err := client.Get(base + "/slow")
		if err != nil {
			slow <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		slow <- resp.Status + " " + string(b)
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("/slow never reached its handler")
	}

	shutdown() // what SIGTERM does in serve
	rest, err := io.ReadAll(events)
	if err != nil {
		t.Fatalf("the stream did not end cleanly on shutdown: %v", err)
	}
	if !strings.HasSuffix(string(rest), "event: bye\ndata: server shutting down\n\n") {
		t.Fatalf("the stream's last event is not the goodbye: %q", rest)
	}
	select {
	case err := <-ran:
		t.Fatalf("run returned (%v) with /slow still in its handler", err)
	default:
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the listener still accepts connections during the shutdown")
	}

	close(release)
	select {
	case got := <-slow:
		if got != "200 OK finished" {
			t.Errorf("the request in flight got %q, want 200 finished", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the request in flight never completed")
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("run: %v, want a clean shutdown", err)
		}
	case <-time.After(shutdownTimeout + 10*time.Second):
		t.Fatal("run did not return after the last request finished")
	}
	if s.stopping.Err() == nil {
		t.Error("s.stopping was not cancelled")
	}
}

// TestClientIP: only the configured platform's header is believed, and only when it holds an address.
func TestClientIP(t *testing.T) {
	cases := []struct {
		proxy   TrustedProxy
		headers [][2]string
		want    string
	}{
		// app.Test's connection comes from 0.0.0.0: that is the socket address here.
		{ProxyNone, nil, "0.0.0.0"},
		{ProxyNone, [][2]string{{"Fly-Client-IP", "203.0.113.5"}, {"X-Forwarded-For", "198.51.100.2"}}, "0.0.0.0"},
		{ProxyFly, [][2]string{{"Fly-Client-IP", "203.0.113.5"}, {"X-Forwarded-For", "198.51.100.2"}}, "203.0.113.5"},
		{ProxyFly, [][2]string{{"Fly-Client-IP", "2001:db8::7"}}, "2001:db8::7"},
		{ProxyFly, [][2]string{{"Fly-Client-IP", "not-an-address"}}, "0.0.0.0"},
		{ProxyFly, [][2]string{{"X-Forwarded-For", "198.51.100.2"}}, "0.0.0.0"},
		{ProxyHeroku, [][2]string{{"X-Forwarded-For", "198.51.100.2"}}, "198.51.100.2"},
		{ProxyHeroku, [][2]string{{"X-Forwarded-For", "10.0.0.1, 192.0.2.1 , 198.51.100.2"}}, "198.51.100.2"},
		{ProxyHeroku, [][2]string{{"X-Forwarded-For", "10.0.0.1"}, {"X-Forwarded-For", "192.0.2.9, 198.51.100.3"}}, "198.51.100.3"},
		{ProxyHeroku, [][2]string{{"X-Forwarded-For", "::ffff:198.51.100.4"}}, "198.51.100.4"},
		{ProxyHeroku, [][2]string{{"Fly-Client-IP", "203.0.113.5"}}, "0.0.0.0"},
		{ProxyHeroku, [][2]string{{"X-Forwarded-For", "198.51.100.2, garbage"}}, "0.0.0.0"},
	}
	for _, tc := range cases {
		app := fiber.New()
		app.Get("/", func(c *fiber.Ctx) error { return c.SendString(tc.proxy.clientIP(c)) })
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		for _, h := range tc.headers {
			req.Header.Add(h[0], h[1])
		}
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		if string(got) != tc.want {
			t.Errorf("%s with %v: %q, want %q", tc.proxy, tc.headers, got, tc.want)
		}
	}
}

// TestRequestLogLine: in production (JSON) every request's log line carries its request id and the
// client IP, including requests that end in an error page.
func TestRequestLogLine(t *testing.T) {
	var out deployBuffer
	log := slog.New(slog.NewJSONHandler(&out, nil))
	s, err := newServer(Config{Port: "0", QueryTimeout: 2 * time.Second, TrustedProxy: ProxyHeroku}, log, dbtest.NewPool(t))
	if err != nil {
		t.Fatal(err)
	}
	app := s.newApp()
	for _, target := range []string{"/healthz", "/no-such-page", "/historic?sort=nonsense"} {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("X-Forwarded-For", "192.0.2.1, 198.51.100.9")
		if _, err := app.Test(req, -1); err != nil {
			t.Fatal(err)
		}
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("%d request lines, want 3:\n%s", len(lines), out.String())
	}
	ids := map[string]bool{}
	for i, want := range []float64{200, 404, 400} {
		l := lines[i]
		id, _ := l["id"].(string)
		if id == "" || ids[id] || l["ip"] != "198.51.100.9" || l["status"] != want {
			t.Errorf("line %d: id %q ip %v status %v, want a new id, 198.51.100.9, %v", i, id, l["ip"], l["status"], want)
		}
		ids[id] = true
	}
}
