package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// liveDatabase makes a fresh database holding the given CSV files (historic, predictions; either may be
// empty) and returns its URL and a pool on it.
func liveDatabase(t *testing.T, historic, predictions string) (string, *pgxpool.Pool) {
	t.Helper()
	url := dbtest.NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for _, f := range []struct {
		t   queries.Table
		csv string
	}{{queries.Historic, historic}, {queries.Predictions, predictions}} {
		if f.csv == "" {
			continue
		}
		if _, err := ingest.Import(context.Background(), pool, f.t, strings.NewReader(f.csv)); err != nil {
			t.Fatal(err)
		}
	}
	return url, pool
}

// liveServer runs a whole server on url's database as serve does (its own pool, its change listener),
// on a loopback port, and returns it with its base URL once its listener is listening. It stops when the
// test ends: s.stopping first, as in a real shutdown.
func liveServer(t *testing.T, url string) (*testServer, string) {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	// The page cache on, as users run it; ExportMaxConns: the fault tests ask every export at once (the
	// default limit is TestStalledExportsCannotTakeTheSiteDown's).
	cfg := Config{Port: "0", DatabaseURL: url, DirectDatabaseURL: url, QueryTimeout: 2 * time.Second, IngestToken: testIngestToken, PageCache: true, ExportMaxConns: int32(len(downExports))}
	logTo := io.Discard
	if os.Getenv("TEST_LOG") != "" {
		logTo = os.Stderr
	}
	s, err := newServer(cfg, slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelDebug})), pool)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{server: s, app: s.newApp(), url: url}
	s.startEvents()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.app.Listener(ln) //nolint:errcheck // ends with the shutdown below
	t.Cleanup(func() {
		s.stop()
		if err := ts.app.ShutdownWithTimeout(5 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		pool.Close()
	})
	waitFor(t, "the change listener to listen", func() bool { return s.events.listens.Load() >= 1 })
	return ts, "http://" + ln.Addr().String()
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sseEvent is one event of a stream, or a comment (name ":", the comment in data).
type sseEvent struct {
	name, data string
	at         time.Time
}

// sseClient reads an /events stream over a real connection.
type sseClient struct {
	resp   *http.Response
	events chan sseEvent
	cancel context.CancelFunc
	ended  chan struct{}
}

func subscribe(t *testing.T, base string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	// Asked explicitly, so that a compressed answer would show (Go hides the header when it asks itself).
	req.Header.Set("Accept-Encoding", "gzip, br")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	for h, want := range map[string]string{"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("/events %s = %q, want %q", h, got, want)
		}
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("ETag") != "" {
		t.Fatalf("/events: %d, encoding %q, etag %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("ETag"))
	}
	c := &sseClient{resp: resp, events: make(chan sseEvent, 10000), cancel: cancel, ended: make(chan struct{})}
	go func() {
		defer close(c.ended)
		r := bufio.NewReaderSize(resp.Body, 1<<20)
		var ev sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSuffix(line, "\n")
			switch {
			case line == "":
				if ev.name != "" || ev.data != "" {
					ev.at = time.Now()
					c.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				c.events <- sseEvent{name: ":", data: strings.TrimSpace(line[1:]), at: time.Now()}
			case strings.HasPrefix(line, "event: "):
				ev.name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				ev.data += line[len("data: "):]
			}
		}
	}()
	t.Cleanup(c.close)
	return c
}

func (c *sseClient) close() {
	c.cancel()
	c.resp.Body.Close()
	<-c.ended
}

// next returns the next event called name, skipping others, within 10 s.
func (c *sseClient) next(t *testing.T, name string) sseEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-c.events:
			if ev.name == name {
				return ev
			}
		case <-c.ended:
			t.Fatalf("the stream ended while waiting for %q", name)
		case <-timeout:
			t.Fatalf("no %q event within 10 s", name)
		}
	}
}

// nextChange returns the next change event, decoded.
func (c *sseClient) nextChange(t *testing.T) (queries.Change, sseEvent) {
	t.Helper()
	ev := c.next(t, "change")
	var ch queries.Change
	if err := json.Unmarshal([]byte(ev.data), &ch); err != nil {
		t.Fatalf("change data %q: %v", ev.data, err)
	}
	return ch, ev
}

func insertHistoric(t *testing.T, db *pgxpool.Pool, location, date string, value float64) {
	t.Helper()
	if _, err := db.Exec(context.Background(), "INSERT INTO daily_historic_pollution (location, type, date, value) VALUES ($1, 'pm25', $2, $3)", location, date, value); err != nil {
		t.Fatal(err)
	}
}

// TestEventsDeliverAPlainInsert: a row inserted with plain SQL reaches a subscriber as `event: change`,
// after the `event: version` every stream starts with. It also measures (and logs) the latency from the
// INSERT's commit to the event's arrival.
func TestEventsDeliverAPlainInsert(t *testing.T) {
	url, db := liveDatabase(t, "", "")
	_, base := liveServer(t, url)
	c := subscribe(t, base)
	hello := c.next(t, "version")
	if hello.data != `{"version":"0.0"}` {
		t.Fatalf("first event data = %q", hello.data)
	}
	insertHistoric(t, db, `Hyderabad "<old town>"`, "2020-07-01", 26.1)
	ch, ev := c.nextChange(t)
	if ch.Table != "historic" || ch.Op != "insert" || ch.Rows != 1 || ch.Version != "1.0" ||
		!slices.Equal(ch.Locations, []string{`Hyderabad "<old town>"`}) || !slices.Equal(ch.Types, []string{"pm25"}) ||
		ch.From != "2020-07-01" || ch.To != "2020-07-01" || ch.All {
		t.Fatalf("change = %+v", ch)
	}
	if strings.ContainsAny(ev.data, "<>\n") {
		t.Fatalf("data must be one line with < and > escaped: %q", ev.data)
	}

	// Latency: from the return of a committed INSERT to the event read by the client.
	var lat []time.Duration
	for i := range 20 {
		start := time.Now()
		insertHistoric(t, db, "Latency", fmt.Sprintf("2020-01-%02d", i+1), 1)
		_, ev := c.nextChange(t)
		lat = append(lat, ev.at.Sub(start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("insert commit to SSE event, 20 inserts over loopback: min %v, median %v, max %v", lat[0], lat[len(lat)/2], lat[len(lat)-1])
}

// TestEventsSurviveAKilledListener: after the listener's backend is killed, the server reconnects, sends
// every stream the data version (changes in between were not announced), and later inserts arrive.
func TestEventsSurviveAKilledListener(t *testing.T) {
	url, db := liveDatabase(t, "", "")
	ts, base := liveServer(t, url)
	c := subscribe(t, base)
	c.next(t, "version")
	for round := 1; round <= 2; round++ {
		var killed int
		err := db.QueryRow(context.Background(),
			"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
			queries.ListenerAppName).Scan(&killed)
		if err != nil || killed != 1 {
			t.Fatalf("killed %d listener backends (%v); want 1", killed, err)
		}
		// A row written while the listener is down is never announced; the version after the reconnect
		// tells the pages.
		insertHistoric(t, db, "While down", fmt.Sprintf("2020-01-0%d", round), 1)
		waitFor(t, "the listener to reconnect", func() bool { return ts.events.listens.Load() >= int64(round+1) })
		// (An older version event may come first: the one sent when the listener first listened.)
		want := fmt.Sprintf(`{"version":"%d.0"}`, 2*round-1)
		for ev := c.next(t, "version"); ev.data != want; ev = c.next(t, "version") {
		}
		insertHistoric(t, db, "After kill", fmt.Sprintf("2020-01-0%d", round), 1)
		for {
			ch, _ := c.nextChange(t)
			if slices.Equal(ch.Locations, []string{"After kill"}) {
				break
			}
		}
	}
}

// TestEventsTwoInstances: two servers on one database each listen for themselves, and both deliver.
func TestEventsTwoInstances(t *testing.T) {
	url, db := liveDatabase(t, "", "")
	_, base1 := liveServer(t, url)
	_, base2 := liveServer(t, url)
	c1, c2 := subscribe(t, base1), subscribe(t, base2)
	c1.next(t, "version")
	c2.next(t, "version")
	insertHistoric(t, db, "Both", "2020-07-01", 1)
	for i, c := range []*sseClient{c1, c2} {
		ch, _ := c.nextChange(t)
		if !slices.Equal(ch.Locations, []string{"Both"}) {
			t.Fatalf("instance %d: %+v", i+1, ch)
		}
	}
}

// TestEventsSlowSubscriberIsDropped: a client that never reads holds up nobody. The fast client gets
// every event in order while the slow one's connection fills, then its buffer; then the hub drops it and
// cuts its connection.
func TestEventsSlowSubscriberIsDropped(t *testing.T) {
	url, _ := liveDatabase(t, "", "")
	ts, base := liveServer(t, url)
	fast := subscribe(t, base)
	fast.next(t, "version")

	slow, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "GET /events HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n")
	waitFor(t, "both subscribers", func() bool { return ts.events.count() == 2 })

	// 64 KiB events, each published once the fast client has read the one before: the fast client never
	// has more than one waiting, while the slow one's socket buffers fill and then its 16 slots.
	payload := strings.Repeat("x", 64<<10)
	sent := 0
	for ts.events.count() == 2 {
		if sent == 2000 {
			t.Fatal("the slow subscriber was never dropped")
		}
		sent++
		ts.events.publish(sseFrame("test", map[string]any{"n": sent, "pad": payload}))
		ev := fast.next(t, "test")
		var got struct{ N int }
		if err := json.Unmarshal([]byte(ev.data), &got); err != nil || got.N != sent {
			t.Fatalf("fast client: event %d arrived as %d (%v)", sent, got.N, err)
		}
	}
	t.Logf("the slow subscriber was dropped after %d events of 64 KiB", sent)
	// The fast one is still served.
	ts.events.publish(sseFrame("test", map[string]any{"n": sent + 1}))
	fast.next(t, "test")
	// The slow one's connection was cut: reading it drains what was sent and then ends.
	_ = slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.Copy(io.Discard, slow)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the slow subscriber's connection is still open")
	}
}

// TestEventsHeartbeatAndDisconnect: an idle stream gets `: ping` comments; a client that goes is noticed
// at the next one and unsubscribed.
func TestEventsHeartbeatAndDisconnect(t *testing.T) {
	old := heartbeatInterval
	heartbeatInterval = 50 * time.Millisecond
	t.Cleanup(func() { heartbeatInterval = old })
	url, _ := liveDatabase(t, "", "")
	ts, base := liveServer(t, url)
	c := subscribe(t, base)
	if ev := c.next(t, ":"); ev.data != "ping" {
		t.Fatalf("heartbeat = %q", ev.data)
	}
	c.close()
	waitFor(t, "the gone client to be unsubscribed", func() bool { return ts.events.count() == 0 })
}

// TestEventsEndOnShutdown: a graceful shutdown ends every stream at once instead of waiting for it.
func TestEventsEndOnShutdown(t *testing.T) {
	url, _ := liveDatabase(t, "", "")
	ts, base := liveServer(t, url)
	c := subscribe(t, base)
	c.next(t, "version")
	ts.stop()
	if err := ts.app.ShutdownWithTimeout(5 * time.Second); err != nil {
		t.Fatalf("shutdown with a stream open: %v", err)
	}
	select {
	case <-c.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end")
	}
	if s := ts.events.subscribe(nil); s != nil {
		t.Fatal("a closed hub took a subscriber")
	}
}

// TestHubDropsOnlyTheFullSubscriber: the hub's bounded buffers, without a network.
func TestHubDropsOnlyTheFullSubscriber(t *testing.T) {
	h := newHub(slog.New(slog.NewTextHandler(io.Discard, nil)))
	fast, slow := h.subscribe(nil), h.subscribe(nil)
	for i := range subscriberBuffer + 1 {
		h.publish([]byte{byte(i)})
		<-fast.frames
	}
	select {
	case <-slow.gone:
	default:
		t.Fatal("a subscriber with a full buffer was not dropped")
	}
	select {
	case <-fast.gone:
		t.Fatal("the subscriber that keeps up was dropped")
	default:
	}
	if h.count() != 1 {
		t.Fatalf("count = %d", h.count())
	}
	h.unsubscribe(slow) // after a drop: harmless
	h.close()
	<-fast.gone
}
