// Package queries is the only code in aqdash that knows SQL: the schema and its migrations, the squirrel
// builders behind every view, the bulk upsert used by imports, and the functions that run them.
package queries

import (
	"context"
	"fmt"
	"strconv"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is what every query function needs: a *pgxpool.Pool, a *pgx.Conn and a pgx.Tx all satisfy it, so a
// caller chooses whether a query runs on the pool, on one connection or inside a transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
	Begin(ctx context.Context) (pgx.Tx, error)
}

// psql is the statement builder every query starts from: PostgreSQL's $n placeholders.
var psql = sq.StatementBuilder.PlaceholderFormat(sq.Dollar)

// PoolConfig holds the settings of the request pool that do not come from the URL itself.
type PoolConfig struct {
	// URL is a libpq-style URL or DSN; empty means pgx's defaults (PG* variables, local server, OS user).
	URL string
	// MaxConns caps the pool; 0 keeps pgx's default.
	MaxConns int32
	// SimpleProtocol switches to QueryExecModeExec, which transaction-pooling PgBouncer needs.
	SimpleProtocol bool
	// StatementTimeout is PostgreSQL's statement_timeout on every connection of the pool, so the server
	// itself gives up a statement that runs too long (not just the client); 0 leaves the server's own.
	// WithStatementTimeout lifts it for the few statements that may run longer (exports, imports).
	StatementTimeout time.Duration
	// Pooler, when not nil, adapts the pool's new connections to a pooler it detects (see Pooler).
	Pooler *Pooler
}

// NewPool builds a connection pool. It does not wait for the database: pgxpool connects lazily, so a
// server can start while PostgreSQL is still down.
func NewPool(ctx context.Context, pc PoolConfig) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(pc.URL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if pc.MaxConns > 0 {
		cfg.MaxConns = pc.MaxConns
	}
	cfg.MaxConnLifetime = 10 * time.Minute // what Fly's managed Postgres recommends
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.ConnConfig.ConnectTimeout = 3 * time.Second
	// JIT compilation costs more than it saves on short, index-driven queries like ours. Not through a
	// transaction pooler: PgBouncer refuses startup parameters it was not told to ignore.
	if !pc.SimpleProtocol {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	if pc.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(max(1, pc.StatementTimeout.Milliseconds()), 10)
	}
	// An idle connection is pinged before it is handed out; a database that has stopped answering must
	// not hold a request (or an import, with its longer deadline) for more than this.
	cfg.PingTimeout = 2 * time.Second
	if pc.SimpleProtocol {
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	if pc.Pooler != nil {
		cfg.BeforeConnect = pc.Pooler.beforeConnect
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err == nil && pc.Pooler != nil {
		pc.Pooler.attach(pool)
	}
	return pool, err
}

// Connect opens one dedicated connection (for migrations, imports from the CLI, or LISTEN).
func Connect(ctx context.Context, url string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// Ping checks that the database answers a trivial query.
func Ping(ctx context.Context, db DB) error {
	var one int
	return db.QueryRow(ctx, "SELECT 1").Scan(&one)
}
