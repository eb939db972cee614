package queries_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// TestPoolerProbeDirect is the twin of the PgBouncer tests (app/pgbouncer_test.go) in the default
// configuration: a pool straight to PostgreSQL, with its statement timeout, is found not pooled, and the
// probe has nothing to say.
func TestPoolerProbeDirect(t *testing.T) {
	url := dbtest.NewDatabase(t)
	p := &queries.Pooler{StatementTimeout: 2 * time.Second}
	pool, err := queries.NewPool(context.Background(), queries.PoolConfig{URL: url, StatementTimeout: 2 * time.Second, Pooler: p})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pooled, lines, err := p.Probe(context.Background(), pool)
	if err != nil || pooled || len(lines) != 0 {
		t.Fatalf("probe of a direct pool: pooled %v, lines %q, err %v", pooled, lines, err)
	}
	// The pool keeps its settings: the statement timeout is in force, statements are prepared.
	if got, err := queries.StatementTimeout(context.Background(), pool); err != nil || got != "2s" {
		t.Fatalf("statement_timeout %q (%v), want 2s", got, err)
	}
	conn, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if mode := conn.Conn().Config().DefaultQueryExecMode; mode != pgx.QueryExecModeCacheStatement {
		t.Fatalf("exec mode %v, want the statement cache", mode)
	}
}

// TestClassifyPoolerError: the errors PgBouncer gives a pool set up for a direct connection, and
// nothing else.
func TestClassifyPoolerError(t *testing.T) {
	for _, c := range []struct {
		err   error
		want  queries.PoolerMistake
		param string
	}{
		{&pgconn.PgError{Code: "08P01", Message: "unsupported startup parameter: jit"}, queries.StartupParameterRefused, "jit"},
		{fmt.Errorf("connect: %w", &pgconn.PgError{Code: "08P01", Message: "unsupported startup parameter: statement_timeout"}), queries.StartupParameterRefused, "statement_timeout"},
		{&pgconn.PgError{Code: "42P05", Message: `prepared statement "stmtcache_5f2b" already exists`}, queries.PreparedStatementsCollide, ""},
		{&pgconn.PgError{Code: "26000", Message: `prepared statement "stmtcache_5f2b" does not exist`}, queries.PreparedStatementsCollide, ""},
		{&pgconn.PgError{Code: "42P05", Message: `prepared statement "mine" already exists`}, queries.NoPoolerMistake, ""},
		{&pgconn.PgError{Code: "08P01", Message: "invalid message format"}, queries.NoPoolerMistake, ""},
		{errors.New("unsupported startup parameter: jit"), queries.NoPoolerMistake, ""},
	} {
		m, param := queries.ClassifyPoolerError(c.err)
		if m != c.want || param != c.param {
			t.Errorf("%v: %v %q, want %v %q", c.err, m, param, c.want, c.param)
		}
	}
	// One line per mistake, the first time.
	var p queries.Pooler
	err := &pgconn.PgError{Code: "08P01", Message: "unsupported startup parameter: jit"}
	if l := p.Observe(err); !strings.Contains(l, "DATABASE_SIMPLE_PROTOCOL=on and STATEMENT_TIMEOUT=off") {
		t.Fatalf("first observation: %q", l)
	}
	if l := p.Observe(err); l != "" {
		t.Fatalf("second observation: %q, want nothing", l)
	}
	var nilPooler *queries.Pooler
	if l := nilPooler.Observe(err); l != "" {
		t.Fatalf("a nil Pooler said %q", l)
	}
}
