package queries

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// The comparison (migration 004) is kept by statement triggers, row by row: right for the ingest API
// and everyday imports, slow for a load of millions of rows, where one rebuild from the two tables (its
// indexes built once over every row) costs a fraction. A bulk load therefore defers the triggers' work
// for its transaction (the setting aqdash.defer_comparison) and rebuilds the comparison before it commits.

// BulkRows is the fewest rows a write needs to count as a bulk load; see isBulk.
const BulkRows = 100_000

// isBulk reports whether writing rows rows is a bulk load: at least BulkRows, and at least a quarter of
// the comparison's size (the planner's estimate), so that one rebuild costs less than the row by row upkeep.
func isBulk(ctx context.Context, db DB, rows int64) (bool, error) {
	if rows < BulkRows {
		return false, nil
	}
	var have float64
	err := db.QueryRow(ctx, "SELECT reltuples FROM pg_class WHERE oid = 'comparison'::regclass").Scan(&have)
	return float64(rows) >= have/4, err
}

// comparisonDeferred reports whether the transaction already defers the comparison's upkeep: a bulk
// load around this write owns the rebuild.
func comparisonDeferred(ctx context.Context, tx DB) (bool, error) {
	var on bool
	err := tx.QueryRow(ctx, "SELECT coalesce(current_setting('aqdash.defer_comparison', true) = 'on', false)").Scan(&on)
	return on, err
}

// deferComparison turns the triggers' upkeep of the comparison off until the transaction ends.
func deferComparison(ctx context.Context, tx DB) error {
	_, err := tx.Exec(ctx, "SELECT set_config('aqdash.defer_comparison', 'on', true)")
	return err
}

// rebuildComparison rebuilds the comparison and the measurements' monthly sums (migration 010, whose
// triggers skip their upkeep under the same setting) from the two tables and turns the upkeep back on.
func rebuildComparison(ctx context.Context, tx DB) error {
	if _, err := tx.Exec(ctx, "SELECT aqdash_compare_rebuild()"); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "SELECT aqdash_measure_months_rebuild()"); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "SELECT set_config('aqdash.defer_comparison', 'off', true)")
	return err
}

// BulkLoad runs load in one transaction with the comparison's upkeep deferred and, when load reports that
// it changed anything, rebuilds the comparison once before committing. The rebuild builds the new
// comparison and its sums beside the live ones and swaps them in as its last step (migration 006), so
// readers of the comparison, as readers of the two tables, read the old data until the commit.
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
	if err := deferComparison(ctx, tx); err != nil {
		return err
	}
	changed, err := load(tx)
	if err != nil {
		return err
	}
	if changed {
		if err := rebuildComparison(ctx, tx); err != nil {
			return err
		}
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
