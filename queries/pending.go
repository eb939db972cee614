package queries

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Indexes built after the commit (migration 012): a load into empty tables may drop their secondary
// indexes and queue them in aqdash_pending_indexes, together with the comparison's, so that its rows are
// committed (and the dashboard shows them) without waiting for millions of index entries; the queue is
// built afterwards, by the same process (BuildPendingIndexes) or, on a server, in the background
// (BuildPendingIndexesConcurrently). Queries are right without the indexes, only slower.

// DeferSecondaryIndexes drops every index of the tables but their primary keys, inside tx, queues their
// definitions, and switches on aqdash.defer_indexes for the rest of tx, so that the comparison's rebuild
// at the end of a bulk load (finishBulk) queues the comparison's secondary indexes too. The tables are
// locked (ACCESS EXCLUSIVE) until tx ends: for loading empty tables, as the first start does.
func DeferSecondaryIndexes(ctx context.Context, tx pgx.Tx, tables ...Table) error {
	for _, t := range tables {
		if _, err := tx.Exec(ctx, "SELECT count(*) FROM aqdash_defer_secondary_indexes($1)", t.name); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, "SELECT set_config('aqdash.defer_indexes', 'on', true)")
	return err
}

// PendingIndex is one queued index.
type PendingIndex struct {
	Name, Def string
}

// PendingIndexes returns the queued indexes, oldest first.
func PendingIndexes(ctx context.Context, db DB) ([]PendingIndex, error) {
	sql, args, err := psql.Select("name", "def").From("aqdash_pending_indexes").OrderBy("queued", "name").ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[PendingIndex])
}

// BuildPendingIndexes builds every queued index with CREATE INDEX (which blocks writes to its table, not
// reads, while it runs), inside db's transaction if it is one, and takes each off the queue; it returns
// how many it built (an index a server built meanwhile is not counted). For a process that owns the
// database while it loads, such as app demo. While a server's background build holds the queue, it
// waits for that to end.
func BuildPendingIndexes(ctx context.Context, db DB) (int, error) {
	return buildPending(ctx, db, false, nil)
}

// BuildPendingIndexesConcurrently builds the queued indexes on conn, outside any transaction, with CREATE
// INDEX CONCURRENTLY, so that readers and writers go on meanwhile; each is called after each index with
// its name and how long it took. A session advisory lock keeps a second server from building the same
// queue: without it BuildPendingIndexesConcurrently returns 0 at once. An index left invalid by a build
// cut short (a restart) is dropped and built again.
func BuildPendingIndexesConcurrently(ctx context.Context, conn *pgx.Conn, each func(name string, took time.Duration)) (n int, err error) {
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock(hashtext('aqdash_pending_indexes'))").Scan(&got); err != nil || !got {
		return 0, err
	}
	defer func() {
		_, uerr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext('aqdash_pending_indexes'))")
		err = errors.Join(err, uerr)
	}()
	if _, err := conn.Exec(ctx, "SET maintenance_work_mem = '256MB'"); err != nil {
		return 0, err
	}
	return buildPending(ctx, conn, true, each)
}

// indexValidSQL is whether the index named $1 is valid: NULL when there is none of that name.
const indexValidSQL = "SELECT x.indisvalid FROM pg_index x WHERE x.indexrelid = to_regclass(quote_ident($1))"

// pendingTries bounds how often one index is built: a comparison rebuild that swaps the table while its
// index is being built drops that index with the old table, and the index is built again on the new one.
const pendingTries = 3

// buildPending is BuildPendingIndexes and BuildPendingIndexesConcurrently.
func buildPending(ctx context.Context, db DB, concurrently bool, each func(string, time.Duration)) (int, error) {
	tries := map[string]int{}
	built := 0
	for {
		todo, err := PendingIndexes(ctx, db)
		if err != nil {
			return built, err
		}
		progress := false
		for _, p := range todo {
			if tries[p.Name] >= pendingTries {
				continue
			}
			tries[p.Name]++
			progress = true
			start := time.Now()
			if err := buildIndex(ctx, db, p, concurrently); err != nil {
				return built, fmt.Errorf("index %s: %w", p.Name, err)
			}
			// Off the queue only if it is there and valid now (see pendingTries).
			tag, err := db.Exec(ctx, "DELETE FROM aqdash_pending_indexes WHERE name = $1 AND ("+indexValidSQL+")", p.Name)
			if err != nil {
				return built, err
			}
			if tag.RowsAffected() == 1 {
				built++
				if each != nil {
					each(p.Name, time.Since(start))
				}
			}
		}
		if !progress {
			if len(todo) > 0 {
				return built, fmt.Errorf("indexes %s: still missing after %d builds", todo[0].Name, pendingTries)
			}
			return built, nil
		}
	}
}

// buildIndex builds the queued index p: with CREATE INDEX CONCURRENTLY on its own, or in a transaction
// of its own under the lock a server's background build holds for its whole queue
// (BuildPendingIndexesConcurrently), so that a server and app demo never build the same index at once.
func buildIndex(ctx context.Context, db DB, p PendingIndex, concurrently bool) error {
	if concurrently {
		return buildIndexOn(ctx, db, p, true)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('aqdash_pending_indexes')), set_config('maintenance_work_mem', '256MB', true)"); err != nil {
		return err
	}
	if err := buildIndexOn(ctx, tx, p, false); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// buildIndexOn is buildIndex on db: an index of p's name that is valid already is kept; one that a
// build cut short left invalid is dropped and built again.
func buildIndexOn(ctx context.Context, db DB, p PendingIndex, concurrently bool) error {
	var valid *bool
	err := db.QueryRow(ctx, "SELECT ("+indexValidSQL+")", p.Name).Scan(&valid)
	if err != nil {
		return err
	}
	if valid != nil && *valid {
		return nil
	}
	def, drop := p.Def, "DROP INDEX IF EXISTS "+pgx.Identifier{p.Name}.Sanitize()
	if concurrently {
		def = strings.Replace(def, " INDEX ", " INDEX CONCURRENTLY ", 1)
		drop = strings.Replace(drop, " INDEX ", " INDEX CONCURRENTLY ", 1)
	}
	if valid != nil {
		if _, err := db.Exec(ctx, drop); err != nil {
			return err
		}
	}
	_, err = db.Exec(ctx, def)
	return err
}

// DropPrimaryKeys drops the primary keys of the tables, inside tx, and returns the function that adds
// them again (under the same names): COPY into a table without any index, then one sorted build of its
// key, takes half the time of keeping the key up row by row (the demo's 2.2 million predictions: 16 s
// against 33 s). For loading empty tables, as the first start does; the rows must be unique, or adding
// the key fails and so does tx. The tables are locked (ACCESS EXCLUSIVE) until tx ends.
func DropPrimaryKeys(ctx context.Context, tx pgx.Tx, tables ...Table) (restore func() error, err error) {
	type key struct{ table, name, def string }
	var keys []key
	for _, t := range tables {
		var k key
		err := tx.QueryRow(ctx, `SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
		                          WHERE conrelid = $1::regclass AND contype = 'p'`, t.name).Scan(&k.name, &k.def)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		k.table = t.name
		if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s",
			pgx.Identifier{k.table}.Sanitize(), pgx.Identifier{k.name}.Sanitize())); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return func() error {
		if _, err := tx.Exec(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.Exec(ctx, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s",
				pgx.Identifier{k.table}.Sanitize(), pgx.Identifier{k.name}.Sanitize(), k.def)); err != nil {
				return err
			}
		}
		return nil
	}, nil
}
