package main

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/queries"
)

// Live updates travel: a trigger NOTIFYs -> this server's one change listener (queries.Listener, on its
// own connection) -> the hub -> every browser subscribed on GET /events, as Server-Sent Events -> the
// page's app.js re-fetches the open view or offers a refresh. Each server listens for itself, so several
// instances behind a load balancer all deliver every change with no state shared between them.

const (
	// subscriberBuffer is how many events may wait for one slow client; one more and it is dropped.
	subscriberBuffer = 16
	// cutGrace is how long a stream may take to end cleanly at shutdown before its connection is cut.
	cutGrace = time.Second
)

// heartbeatInterval spaces the comments that keep an idle stream open through routers that cut silent
// connections (Heroku's after 55 s) and that reveal a client which has gone. A variable for tests.
var heartbeatInterval = 15 * time.Second

// sseHello opens every stream: the delay EventSource waits before reconnecting after the stream breaks.
var sseHello = []byte("retry: 2000\n\n")

// ssePing is the heartbeat: an SSE comment, which EventSource ignores.
var ssePing = []byte(": ping\n\n")

// hub fans the changes of one listener out to every subscribed stream. It never waits for a subscriber:
// a subscriber whose buffer is full is dropped (its stream ends and its connection is cut), so a slow
// client can neither slow the others nor make the hub hold more than subscriberBuffer events for it.
type hub struct {
	log    *slog.Logger
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
	// listens counts the times the listener has started listening (1 + reconnects).
	listens atomic.Int64
}

// subscriber is one /events stream.
type subscriber struct {
	frames chan []byte
	// gone is closed when the hub drops the subscriber or shuts down: the stream must end.
	gone chan struct{}
	// conn is the client's connection, cut when the subscriber is dropped so that a write blocked on a
	// client that does not read ends at once; nil in tests that subscribe directly.
	conn net.Conn
}

func newHub(log *slog.Logger) *hub {
	return &hub{log: log, subs: map[*subscriber]struct{}{}}
}

// subscribe adds a stream; it returns nil once the hub is closed (the server is shutting down).
func (h *hub) subscribe(conn net.Conn) *subscriber {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	s := &subscriber{frames: make(chan []byte, subscriberBuffer), gone: make(chan struct{}), conn: conn}
	h.subs[s] = struct{}{}
	return s
}

// unsubscribe removes a stream that has ended; after it returns the hub never touches s.conn again.
func (h *hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.gone)
	}
}

// count is the number of subscribed streams.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// publish hands one encoded event to every subscriber, dropping those whose buffer is full.
func (h *hub) publish(frame []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	dropped := 0
	for s := range h.subs {
		select {
		case s.frames <- frame:
		default:
			delete(h.subs, s)
			close(s.gone)
			if s.conn != nil {
				_ = s.conn.SetWriteDeadline(time.Now())
			}
			dropped++
		}
	}
	if dropped > 0 {
		h.log.Warn("events: dropped slow subscribers", "dropped", dropped, "left", len(h.subs))
	}
}

// close ends every stream and refuses new ones: the server is shutting down. Streams get cutGrace to end
// cleanly; a write still blocked after that is cut.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		close(s.gone)
		if s.conn != nil {
			_ = s.conn.SetWriteDeadline(time.Now().Add(cutGrace))
		}
	}
}

// publishChange sends a change to every subscriber as `event: change`.
func (h *hub) publishChange(c queries.Change) {
	h.publish(sseFrame("change", c))
}

// versionEvent is the data of `event: version`: the data version now. A page compares it with the version
// its view was rendered at, which catches changes made while it was not listening.
type versionEvent struct {
	Version string `json:"version"`
}

// sseFrame encodes one event. encoding/json writes one line (newlines inside strings are escaped), so
// the data always fits one data: field, and it escapes <, > and & as well.
func sseFrame(event string, data any) []byte {
	b, err := json.Marshal(data)
	if err != nil { // cannot happen for the types above
		b = []byte(`{"all":true}`)
	}
	frame := make([]byte, 0, len(event)+len(b)+16)
	frame = append(frame, "event: "...)
	frame = append(frame, event...)
	frame = append(frame, "\ndata: "...)
	frame = append(frame, b...)
	return append(frame, "\n\n"...)
}

// startEvents starts the server's change listener, on DIRECT_DATABASE_URL, feeding the hub until the
// server begins to shut down (s.stopping), when every stream ends.
func (s *server) startEvents() {
	l := &queries.Listener{
		URL: s.cfg.DirectDatabaseURL,
		Log: s.log,
		// After a (re)connect, tell every page the version now: changes made while the listener was down
		// were never announced, and a page whose view is older refreshes.
		OnListen: func() {
			s.events.listens.Add(1)
			go s.publishVersion()
		},
		// Changes made while the connection is down go unannounced: ask the database meanwhile.
		OnLost: s.versions.reset,
		// The server's own copy of the version moves before the pages hear of the change and re-fetch.
		OnChange: func(c queries.Change) {
			s.versions.changed(c.Version)
			s.events.publishChange(c)
			s.refSumsChanged()
		},
	}
	go l.Run(s.stopping)
	go func() {
		<-s.stopping.Done()
		s.events.close()
	}()
}

// publishVersion sends the current data version to every subscriber as `event: version`.
func (s *server) publishVersion() {
	ctx, cancel := context.WithTimeout(s.stopping, 5*time.Second)
	defer cancel()
	v, err := queries.DataVersion(ctx, s.db)
	if err == nil {
		s.versions.read(v) // from now on the listener keeps it current
	}
	if err != nil {
		level := slog.LevelWarn
		if unavailable(err) { // down, or not migrated yet (the first start)
			level = slog.LevelDebug
		}
		s.log.Log(ctx, level, "events: reading the data version", "err", err)
		return
	}
	s.events.publish(sseFrame("version", versionEvent{v}))
}

// streamEvents is GET /events: a Server-Sent Events stream of `event: change` (one per announced change,
// data: the change as JSON, see queries.Change) and `event: version` (first, and after the listener
// reconnects), with a `: ping` comment every heartbeatInterval. It ends when the client goes, when the
// hub drops it, and at once when the server begins to shut down.
func (s *server) streamEvents(c *fiber.Ctx) error {
	// Everything the stream needs is taken from c here: c is recycled once the handler returns, while the
	// stream writer runs on after it.
	sub := s.events.subscribe(c.Context().Conn())
	if sub == nil {
		return &pageError{Status: fiber.StatusServiceUnavailable, Title: "Shutting down", Message: "The server is shutting down; try again in a moment."}
	}
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	first := sseHello
	ctx, cancel := s.queryContext(c)
	v, err := queries.DataVersion(ctx, s.db)
	cancel()
	if err == nil {
		first = append(append([]byte(nil), sseHello...), sseFrame("version", versionEvent{v})...)
	}
	h, stopping, log := s.events, s.stopping, s.log
	log.Debug("events: subscribed", "subscribers", h.count())
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer h.unsubscribe(sub)
		// A failed flush is the only sign that the client has gone (it can lag a heartbeat or two).
		send := func(b []byte) bool {
			if _, err := w.Write(b); err != nil {
				return false
			}
			return w.Flush() == nil
		}
		if !send(first) {
			return
		}
		tick := time.NewTicker(heartbeatInterval)
		defer tick.Stop()
		for {
			select {
			case <-sub.gone:
				return
			case <-stopping.Done():
				return
			case f := <-sub.frames:
				if !send(f) {
					return
				}
			case <-tick.C:
				if !send(ssePing) {
					return
				}
			}
		}
	})
	return nil
}
