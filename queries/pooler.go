package queries

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A transaction pooler (PgBouncer with pool_mode = transaction) in front of DATABASE_URL needs two
// settings a direct connection does not: no startup parameters it was not told to accept (jit,
// statement_timeout), and no named prepared statements, which live on one server connection while each
// transaction may get another. Configured without them the pool fails in two recognisable ways; the
// Pooler names the fix in one line and, as both fixes are safe behind any pooler and on a direct
// connection alike, applies them to the pool's new connections until the settings are made.

// PoolerMistake is one way a pool set up for a direct connection fails behind a transaction pooler.
type PoolerMistake int

// The mistakes a Pooler recognises.
const (
	// NoPoolerMistake: the error is something else.
	NoPoolerMistake PoolerMistake = iota
	// StartupParameterRefused: PgBouncer refused a startup parameter (08P01 "unsupported startup
	// parameter: jit"), so no connection can be made at all.
	StartupParameterRefused
	// PreparedStatementsCollide: pgx's cached prepared statements ("stmtcache_...") met another client's
	// on a shared server connection (42P05 already exists) or were missing from the one this transaction
	// got (26000 does not exist).
	PreparedStatementsCollide
	// behindPooler: the start-up probe found the connection's backend pid is not the server's.
	behindPooler
	// timeoutIgnored: the start-up probe found statement_timeout not in force (the pooler ignores it).
	timeoutIgnored
	mistakes
)

// ClassifyPoolerError says which pooler mistake err is, if any, and the startup parameter refused.
func ClassifyPoolerError(err error) (m PoolerMistake, param string) {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return NoPoolerMistake, ""
	}
	switch {
	case pg.Code == "08P01" && strings.HasPrefix(pg.Message, "unsupported startup parameter"):
		_, param, _ = strings.Cut(pg.Message, ": ")
		return StartupParameterRefused, strings.TrimSpace(param)
	case (pg.Code == "42P05" || pg.Code == "26000") && strings.Contains(pg.Message, "stmtcache_"):
		return PreparedStatementsCollide, ""
	}
	return NoPoolerMistake, ""
}

// Pooler watches a request pool (or several on the same URL) for the mistakes of a pooler configuration and adapts its new
// connections: give it to NewPool (PoolConfig.Pooler), then Probe it at start and Observe every error a
// request meets. A nil *Pooler does nothing.
type Pooler struct {
	// SimpleProtocol and StatementTimeout are the pool's settings as configured (DATABASE_SIMPLE_PROTOCOL,
	// STATEMENT_TIMEOUT), for the advice.
	SimpleProtocol   bool
	StatementTimeout time.Duration

	noParams atomic.Bool // connect without startup parameters
	exec     atomic.Bool // connect in QueryExecModeExec: no named prepared statements
	told     [mistakes]atomic.Bool
	mu       sync.Mutex
	pools    []*pgxpool.Pool
}

// beforeConnect adapts the settings of a new connection (a copy, pgxpool's) to what was detected.
func (p *Pooler) beforeConnect(_ context.Context, cc *pgx.ConnConfig) error {
	if p.noParams.Load() {
		delete(cc.RuntimeParams, "jit")
		delete(cc.RuntimeParams, "statement_timeout")
	}
	if p.exec.Load() {
		cc.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	return nil
}

// attach lets the Pooler retire pool's connections when it adapts; one Pooler may watch several pools
// on the same URL.
func (p *Pooler) attach(pool *pgxpool.Pool) {
	p.mu.Lock()
	p.pools = append(p.pools, pool)
	p.mu.Unlock()
}

// useExec makes new connections go without prepared statements and retires those made before (at once
// when idle, when released otherwise).
func (p *Pooler) useExec() {
	if p.exec.Swap(true) {
		return
	}
	p.mu.Lock()
	pools := p.pools
	p.mu.Unlock()
	for _, pool := range pools {
		pool.Reset()
	}
}

// once returns line the first time mistake m is told, "" after.
func (p *Pooler) once(m PoolerMistake, line string) string {
	if p.told[m].Swap(true) {
		return ""
	}
	return line
}

// Observe looks at an error a request (or a health check) met. When it is a pooler mistake it adapts
// the pool's new connections and returns the one line to log, the first time that mistake is seen; ""
// otherwise.
func (p *Pooler) Observe(err error) string {
	if p == nil || err == nil {
		return ""
	}
	m, param := ClassifyPoolerError(err)
	switch m {
	case StartupParameterRefused:
		p.noParams.Store(true)
		p.useExec()
		fix := "set DATABASE_SIMPLE_PROTOCOL=on and STATEMENT_TIMEOUT=off for it"
		if p.SimpleProtocol {
			fix = "set STATEMENT_TIMEOUT=off for it"
		}
		return p.once(m, fmt.Sprintf("DATABASE_URL leads to a connection pooler (PgBouncer) that refuses the startup parameter %q "+
			"(SQLSTATE 08P01 unsupported startup parameter): %s (or list the parameter in its ignore_startup_parameters); "+
			"until then new connections go without startup parameters and without prepared statements", param, fix))
	case PreparedStatementsCollide:
		p.useExec()
		var pg *pgconn.PgError
		errors.As(err, &pg)
		return p.once(m, fmt.Sprintf("prepared statements collide behind a transaction pooler (SQLSTATE %s: %s): PgBouncer in "+
			"transaction mode gives each transaction any server connection, so pgx's statement cache cannot work; set "+
			"DATABASE_SIMPLE_PROTOCOL=on; until then the pool reconnects without prepared statements", pg.Code, pg.Message))
	}
	return ""
}

// Probe checks the pool at start: it observes a connection error (Observe), and on a connection it
// compares the backend pid the connection was given with the server's own (they differ behind
// PgBouncer, which hands out its own) and the statement_timeout in force with the one configured (a
// pooler that ignores startup parameters drops it). It returns whether a pooler was found, the lines to
// log, and the error when no connection could be made.
func (p *Pooler) Probe(ctx context.Context, pool *pgxpool.Pool) (pooled bool, lines []string, err error) {
	add := func(l string) {
		if l != "" {
			lines = append(lines, l)
		}
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		add(p.Observe(err))
		return p.noParams.Load(), lines, err
	}
	defer conn.Release()
	var pid uint32
	var timeout string
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid(), current_setting('statement_timeout')").Scan(&pid, &timeout); err != nil {
		add(p.Observe(err))
		return p.exec.Load(), lines, err
	}
	pooled = pid != conn.Conn().PgConn().PID() || p.noParams.Load()
	if pid != conn.Conn().PgConn().PID() && !p.SimpleProtocol && !p.exec.Load() {
		p.useExec()
		add(p.once(behindPooler, "DATABASE_URL leads to a connection pooler (the connection's backend pid is not the server's, "+
			"as behind PgBouncer) and DATABASE_SIMPLE_PROTOCOL is off: a transaction pooler cannot keep prepared statements, "+
			"so set DATABASE_SIMPLE_PROTOCOL=on (right for a session pooler too); until then the pool goes without them"))
	}
	if want := p.StatementTimeout; want > 0 && !p.noParams.Load() {
		if got, err := time.ParseDuration(normalizeTimeout(timeout)); err == nil && got != want.Truncate(time.Millisecond) {
			add(p.once(timeoutIgnored, fmt.Sprintf("STATEMENT_TIMEOUT=%s is not in force: the database says statement_timeout = %q, "+
				"so something between (a pooler with ignore_startup_parameters) drops it; set STATEMENT_TIMEOUT=off to say so, or "+
				"set it on the role (ALTER ROLE ... SET statement_timeout = '%dms'); QUERY_TIMEOUT still bounds every request",
				want, timeout, want.Milliseconds())))
		}
	}
	return pooled, lines, nil
}

// normalizeTimeout turns PostgreSQL's form of a duration ("2s", "1500ms", "0", "1min") into Go's.
func normalizeTimeout(s string) string {
	switch {
	case s == "0":
		return "0s"
	case strings.HasSuffix(s, "min"):
		return strings.TrimSuffix(s, "min") + "m"
	case strings.HasSuffix(s, "d"):
		return s // not a Go unit: ParseDuration fails and no advice is given
	}
	return s
}
