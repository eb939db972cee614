package queries

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// The comparison (migration 004) and the other sums of the two tables (series_stats, date_stats, the
// data version and its NOTIFY: migrations 002, 003, 005) are kept by statement triggers: right for the
// ingest API and everyday imports, slow for a load of millions of rows, whose transition tables those
// triggers read whole (minutes for the demo's 2.3 million predictions). A bulk load therefore switches
// them off for its own transaction (the transaction-local setting aqdash.bulk, migration 011: no lock,
// no other session affected; the comparison's triggers defer through aqdash.defer_comparison) and, before
// it commits, rebuilds the comparison once and the other sums of the tables it wrote once
// (aqdash_bulk_finish), then sends one NOTIFY for the whole load. All or nothing, as any transaction.

// BulkRows is the fewest comparison rows a write must touch to count as a bulk load; see isBulk.
const BulkRows = 100_000

// isBulk reports whether writing rows rows into t is a bulk load: the comparison rows it touches are at
// least BulkRows and at least a quarter of the comparison's size (the planner's estimate), so that one
// rebuild costs less than the upkeep statement by statement. A prediction touches its own row of the
// comparison; a measurement touches its day in every (model, lead) pair (and the day lead days later,
// through persistence, mostly another measurement's day), so measurements count once per pair.
func isBulk(ctx context.Context, db DB, t Table, rows int64) (bool, error) {
	if !bulkTouches(t, rows, maxPairsGuess, 0) {
		return false, nil // too small for any comparison: no need to ask
	}
	var have float64
	var pairs int64
	err := db.QueryRow(ctx, "SELECT (SELECT reltuples FROM pg_class WHERE oid = 'comparison'::regclass), (SELECT count(*) FROM aqdash_pairs)").Scan(&have, &pairs)
	if err != nil {
		return false, err
	}
	return bulkTouches(t, rows, pairs, have), nil
}

// maxPairsGuess bounds the pairs isBulk assumes before it asks the database: a write of measurements
// smaller than BulkRows/maxPairsGuess is not a bulk load unless the comparison has more pairs.
const maxPairsGuess = 64

// bulkTouches is isBulk's rule: rows written into t, pairs (model, lead) in the comparison, and have rows
// in it.
func bulkTouches(t Table, rows, pairs int64, have float64) bool {
	touched := rows
	if t == Historic {
		touched = rows * max(pairs, 1)
	}
	return touched >= BulkRows && float64(touched) >= have/4
}

// inBulk reports whether the transaction is a bulk load already: the one that started it owns the
// rebuild.
func inBulk(ctx context.Context, tx DB) (bool, error) {
	var on bool
	err := tx.QueryRow(ctx, "SELECT aqdash_bulk()").Scan(&on)
	return on, err
}

// beginBulk switches the transaction's statement triggers off (migration 011) and defers the
// comparison's upkeep, until finishBulk or the transaction's end.
func beginBulk(ctx context.Context, tx DB) error {
	_, err := tx.Exec(ctx, "SELECT set_config('aqdash.bulk', 'on', true), set_config('aqdash.defer_comparison', 'on', true)")
	return err
}

// finishBulk ends the bulk load begun by beginBulk: when changed, it rebuilds the comparison (and the
// model_leads it counts), the measurements' monthly sums and, through aqdash_bulk_finish, the other sums of the tables the transaction
// wrote, bumps their data versions and sends one NOTIFY; then the triggers keep later writes again.
// Without changes it only switches the triggers back on.
func finishBulk(ctx context.Context, tx DB, changed bool) error {
	if !changed {
		_, err := tx.Exec(ctx, `SELECT set_config('aqdash.bulk', 'off', true), set_config('aqdash.defer_comparison', 'off', true),
		                               set_config('aqdash.bulk_historic', 'off', true), set_config('aqdash.bulk_predictions', 'off', true)`)
		return err
	}
	// Not when the load adopted a staged comparison (AdoptComparison): that one is already the rebuild's.
	if _, err := tx.Exec(ctx, "SELECT aqdash_compare_rebuild() WHERE current_setting('aqdash.comparison_adopted', true) IS DISTINCT FROM 'on'"); err != nil {
		return err
	}
	// The measurements' monthly sums (migration 010, whose triggers skip their upkeep under
	// aqdash.defer_comparison) are rebuilt when the load wrote measurements.
	if _, err := tx.Exec(ctx, "SELECT aqdash_measure_months_rebuild() WHERE current_setting('aqdash.bulk_historic', true) = 'on'"); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "SELECT aqdash_bulk_finish(), set_config('aqdash.defer_comparison', 'off', true), set_config('aqdash.comparison_adopted', 'off', true)")
	return err
}

// BulkLoad runs load in one transaction as a bulk load: the statement triggers that keep the sums are off
// (so are the NOTIFYs), and when load reports that it changed anything the comparison and the sums of the
// tables it wrote are rebuilt once before committing, with one NOTIFY for all of it. load must report
// every change: without one nothing is rebuilt. The rebuild builds the new comparison and its sums beside
// the live ones and swaps them in as its last step (migration 006), so readers of the comparison, as
// readers of the two tables, read the old data until the commit.
func BulkLoad(ctx context.Context, db DB, load func(tx pgx.Tx) (changed bool, err error)) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	// The comparison's lock first, before load locks any row (see Upsert).
	if err := LockComparison(ctx, tx); err != nil {
		return err
	}
	if err := beginBulk(ctx, tx); err != nil {
		return err
	}
	changed, err := load(tx)
	if err != nil {
		return err
	}
	if err := finishBulk(ctx, tx, changed); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// DropSecondaryIndexes drops every index of the tables but their primary keys, inside tx, and returns
// the function that builds them again: a load of millions of rows into the tables in between costs a
// fraction of what it does with the indexes kept up row by row. It is the SQL function
// aqdash_drop_secondary_indexes (migration 004), which the comparison's rebuild uses too. The tables are
// locked (ACCESS EXCLUSIVE) until tx ends: for loading an idle database, such as the benchmark's
// synthetic data, not for a dashboard in use.
func DropSecondaryIndexes(ctx context.Context, tx pgx.Tx, tables ...Table) (rebuild func() error, err error) {
	var defs []string
	for _, t := range tables {
		rows, err := tx.Query(ctx, "SELECT aqdash_drop_secondary_indexes($1)", t.name)
		if err != nil {
			return nil, err
		}
		dropped, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, err
		}
		defs = append(defs, dropped...)
	}
	return func() error {
		if _, err := tx.Exec(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
			return err
		}
		for _, def := range defs {
			if _, err := tx.Exec(ctx, def); err != nil {
				return err
			}
		}
		return nil
	}, nil
}
