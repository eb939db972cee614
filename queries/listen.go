package queries

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// Channel is the NOTIFY channel on which the triggers of migration 002_notify announce every change to
// the data, whoever makes it.
const Channel = "aqdash_changes"

// ListenerAppName is the application_name of the LISTEN connection, which tells it apart in
// pg_stat_activity (and lets an operator, or a test, find and kill it).
const ListenerAppName = "aqdash-listen"

// Change is one announced change: one statement's rows of one table, as the trigger described them.
type Change struct {
	// Table is the Key of the table written: "historic" or "predictions"; empty means it is not known.
	Table string `json:"table"`
	// Op is insert, update, delete or truncate.
	Op string `json:"op,omitempty"`
	// Rows is how many rows the statement touched (0 when not known: truncate).
	Rows int64 `json:"rows,omitempty"`
	// Version is the data version after the change (see DataVersion).
	Version string `json:"version,omitempty"`
	// All means the change may touch any location and pollutant; Locations and Types are then empty.
	All bool `json:"all,omitempty"`
	// Locations and Types are the distinct values the touched rows hold (at most 50 of each).
	Locations []string `json:"locations,omitempty"`
	Types     []string `json:"types,omitempty"`
	// Models are the distinct models of the touched predictions (migration 007); nil for a change of
	// the measurements, which touches every model's comparison.
	Models []string `json:"models,omitempty"`
	// From and To bound the dates of the touched rows (ISO dates), when known.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// ParseChange decodes a notification payload. A payload it cannot read still counts: it comes back, with
// the error, as a change of everything, so that whoever reacts to it errs towards refreshing.
func ParseChange(payload string) (Change, error) {
	var c Change
	if err := json.Unmarshal([]byte(payload), &c); err != nil {
		return Change{All: true}, fmt.Errorf("change payload %.100q: %w", payload, err)
	}
	if len(c.Locations) == 0 && len(c.Types) == 0 {
		c.All = true
	}
	return c, nil
}

// DataVersion is the version of the data: one counter per table that the triggers bump on every change,
// written "historic.predictions" ("12.7"). Equal versions mean no row has changed in between, on any
// server sharing the database.
func DataVersion(ctx context.Context, db DB) (string, error) {
	var v *string
	err := db.QueryRow(ctx, "SELECT string_agg(version::text, '.' ORDER BY tbl) FROM aqdash_data_version").Scan(&v)
	if err != nil {
		return "", err
	}
	if v == nil {
		return "", errors.New("aqdash_data_version is empty")
	}
	return *v, nil
}

// Listener keeps one dedicated connection (never one of the request pool: a pooler in transaction mode
// cannot LISTEN) that LISTENs on Channel, and hands every change to OnChange. When the connection drops
// it reconnects with backoff, and logs both.
type Listener struct {
	// URL is the database to listen on: a direct URL, not a transaction pooler's.
	URL string
	// Log receives the listener's connects, losses and undecodable payloads.
	Log *slog.Logger
	// OnListen is called each time the connection is listening, the first time and after every
	// reconnect: changes made while it was down were not announced to this listener.
	OnListen func()
	// OnChange is called for every change, in order, on the listener's goroutine; it must not block.
	OnChange func(Change)
	// OnLost is called when a listening connection is lost, before the wait to reconnect: from now until
	// the next OnListen, changes go unannounced.
	OnLost func()
	// MinBackoff is the wait before the first reconnect (default 500 ms); it doubles up to MaxBackoff
	// (default 30 s) while attempts fail.
	MinBackoff, MaxBackoff time.Duration
	// PingInterval is how long the connection may stay silent before it is checked (default 30 s), so a
	// connection that died without a word is noticed.
	PingInterval time.Duration
}

// Run listens until ctx ends.
func (l *Listener) Run(ctx context.Context) {
	minWait, maxWait := orDefault(l.MinBackoff, 500*time.Millisecond), orDefault(l.MaxBackoff, 30*time.Second)
	wait := minWait
	var lost time.Time
	for {
		listened, err := l.session(ctx, lost)
		if ctx.Err() != nil {
			return
		}
		if listened {
			wait = minWait
			lost = time.Now()
			if l.OnLost != nil {
				l.OnLost()
			}
		} else if lost.IsZero() {
			lost = time.Now()
		}
		l.Log.Warn("change listener: connection lost; reconnecting", "err", err, "in", wait.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, maxWait)
	}
}

// session connects, listens and waits for notifications until the connection fails or ctx ends. listened
// reports whether it got as far as listening.
func (l *Listener) session(ctx context.Context, lost time.Time) (listened bool, err error) {
	conn, err := connectListener(ctx, l.URL)
	if err != nil {
		return false, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return false, err
	}
	if lost.IsZero() {
		l.Log.Info("change listener: listening", "channel", Channel, "pid", conn.PgConn().PID())
	} else {
		l.Log.Info("change listener: reconnected", "channel", Channel, "pid", conn.PgConn().PID(), "down_ms", time.Since(lost).Milliseconds())
	}
	if l.OnListen != nil {
		l.OnListen()
	}
	ping := orDefault(l.PingInterval, 30*time.Second)
	for {
		wctx, cancel := context.WithTimeout(ctx, ping)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			if n.Channel != Channel {
				continue
			}
			c, perr := ParseChange(n.Payload)
			if perr != nil {
				l.Log.Warn("change listener: undecodable payload; treating it as a change of everything", "err", perr)
			}
			if l.OnChange != nil {
				l.OnChange(c)
			}
		case ctx.Err() != nil:
			return true, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			// Quiet for a while: make sure the connection is still there.
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := conn.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				return true, fmt.Errorf("ping: %w", err)
			}
		default:
			return true, err
		}
	}
}

// connectListener opens the dedicated LISTEN connection, named ListenerAppName.
func connectListener(ctx context.Context, url string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	cfg.RuntimeParams["application_name"] = ListenerAppName
	return pgx.ConnectConfig(ctx, cfg)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
