package queries

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ComparisonLockSQL takes the comparison's advisory lock until the transaction ends: the lock the
// triggers of migration 004 take (pg_advisory_xact_lock(hashtext('aqdash_comparison'))) before they
// refresh the comparison. A writer that takes it before its first row lock on the two tables cannot form
// a cycle with another writer's row locks; a plain-SQL writer should run it first too (README, Reliability).
const ComparisonLockSQL = "SELECT pg_advisory_xact_lock(hashtext('aqdash_comparison'))"

// LockComparison runs ComparisonLockSQL in tx. Advisory locks are re-entrant within one session, so a
// transaction may take it again (its triggers do) at no cost.
func LockComparison(ctx context.Context, tx DB) error {
	_, err := tx.Exec(ctx, ComparisonLockSQL)
	return err
}

// ConflictAttempts is how many times RetryConflicts runs a write in all before it gives up.
const ConflictAttempts = 4

// ConflictError is a write that met a deadlock or a serialization failure on every attempt; nothing of
// it was written. RetryAfter is a fair wait before the client tries again.
type ConflictError struct {
	Attempts   int
	RetryAfter time.Duration
	Err        *pgconn.PgError
}

func (e *ConflictError) Error() string {
	what := "a deadlock with another writer"
	if e.Err.Code == "40001" {
		what = "a serialization failure with another writer"
	}
	return fmt.Sprintf("the write met %s (SQLSTATE %s) on each of %d attempts and was rolled back: the tables are busy with a concurrent write; try again in %s",
		what, e.Err.Code, e.Attempts, e.RetryAfter)
}

func (e *ConflictError) Unwrap() error { return e.Err }

// Retryable returns err's PostgreSQL error when it is a conflict between concurrent transactions that
// the same write, run again in a fresh transaction, may well not meet: deadlock_detected (40P01) or
// serialization_failure (40001); nil for any other error. PostgreSQL rolled the whole transaction back,
// so a retry repeats nothing twice.
func Retryable(err error) *pgconn.PgError {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001") {
		return pg
	}
	return nil
}

// RetryConflicts runs write (which must run one whole transaction of its own, from its own input, each
// time it is called) and runs it again, up to ConflictAttempts times in all, while it fails with a
// deadlock or a serialization failure, waiting a little longer with random jitter between attempts so
// that the writers that collided do not collide again. attempt counts from 1. Any other error is returned
// at once; a conflict on every attempt is a *ConflictError. onRetry, when not nil, hears each retry.
func RetryConflicts(ctx context.Context, write func(attempt int) error, onRetry func(attempt int, err error)) error {
	var last *pgconn.PgError
	for attempt := 1; attempt <= ConflictAttempts; attempt++ {
		err := write(attempt)
		pg := Retryable(err)
		if pg == nil {
			return err
		}
		last = pg
		if attempt == ConflictAttempts {
			break
		}
		if onRetry != nil {
			onRetry(attempt, err)
		}
		// 50 ms, 100 ms, 200 ms, each plus up to as much again at random.
		base := 50 * time.Millisecond << (attempt - 1)
		wait := base + rand.N(base)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	return &ConflictError{Attempts: ConflictAttempts, RetryAfter: 2 * time.Second, Err: last}
}
