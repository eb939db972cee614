package queries

import (
	"context"
	"strconv"
	"time"

	sq "github.com/Masterminds/squirrel"
)

// WithStatementTimeout runs fn in a transaction on db whose statements may each run for up to d (0: no
// limit), instead of the pool's statement timeout (PoolConfig.StatementTimeout). It is for the few
// requests that legitimately outlast a page's time limit: a CSV export streaming every row of a view, an
// import through the ingest API. ctx still bounds everything. The transaction commits when fn returns
// nil and rolls back otherwise; fn must run its statements on the DB it is given.
func WithStatementTimeout(ctx context.Context, db DB, d time.Duration, fn func(DB) error) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	// set_config(..., true) is SET LOCAL: it ends with the transaction, so the pool's connection goes back
	// with its own timeout (and it is safe behind a transaction-pooling PgBouncer).
	sql, args, err := psql.Select().Column(sq.Expr("set_config('statement_timeout', ?, true)", strconv.FormatInt(max(0, d.Milliseconds()), 10))).ToSql()
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// StatementTimeout reads the statement_timeout in force on db, as PostgreSQL writes it ("2s", "0").
func StatementTimeout(ctx context.Context, db DB) (string, error) {
	sql, args, err := psql.Select().Column("current_setting('statement_timeout')").ToSql()
	if err != nil {
		return "", err
	}
	var s string
	err = db.QueryRow(ctx, sql, args...).Scan(&s)
	return s, err
}

// DeleteAll removes every row of t and returns how many there were. Tests and fuzzing use it to start a
// database over between inputs; nothing in the dashboard calls it.
func DeleteAll(ctx context.Context, db DB, t Table) (int64, error) {
	sql, args, err := psql.Delete(t.name).ToSql()
	if err != nil {
		return 0, err
	}
	tag, err := db.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}
