package queries

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
)

// ImportRow is one row to upsert, with the line of the input it came from (for error messages).
type ImportRow struct {
	Line int64
	Row
}

// RowSource feeds Upsert one row at a time, so an import never holds its whole input in memory. Next
// advances and reports whether there is a row; Err, once Next has returned false, says why it stopped
// (nil at a clean end). A non-nil Err aborts the whole import.
type RowSource interface {
	Next() bool
	Row() ImportRow
	Err() error
}

// Counts says what an import did to the table.
type Counts struct {
	Inserted  int64 `json:"inserted"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
}

// Total is the number of rows the import carried.
func (c Counts) Total() int64 { return c.Inserted + c.Updated + c.Unchanged }

// DuplicateError reports two rows of one import with the same key: location, pollutant and date, and
// for predictions model and lead.
type DuplicateError struct {
	Line, FirstLine int64
	Location, Type  string
	Date            time.Time
	// Model and Lead are the rest of a prediction's key ("" and 0 for measurements).
	Model string
	Lead  int
}

// Key describes the repeated key for a message, e.g. "Delhi, pm25, 2021-01-01, model ses, lead 2".
func (e *DuplicateError) Key() string {
	k := fmt.Sprintf("%s, %s, %s", e.Location, e.Type, e.Date.Format(time.DateOnly))
	if e.Model != "" {
		k += fmt.Sprintf(", model %s, lead %d", e.Model, e.Lead)
	}
	return k
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("line %d: duplicate of line %d (%s)", e.Line, e.FirstLine, e.Key())
}

// importTable is the per-transaction staging table Upsert copies into.
const importTable = "aqdash_import"

// keyColumns are the columns of t's primary key, in its order.
func keyColumns(t Table) []string {
	if t == Predictions {
		return []string{"location", "type", "date", "model", "lead"}
	}
	return []string{"location", "type", "date"}
}

// stagingColumns are the staging table's columns for t: the line, the key, and the value as v.
func stagingColumns(t Table) []string {
	return append(append([]string{"line"}, keyColumns(t)...), "v")
}

// stagingTable is the CREATE statement of the staging table for t.
func stagingTable(t Table) string {
	cols := "line bigint NOT NULL, location text NOT NULL, type text NOT NULL, date date NOT NULL"
	if t == Predictions {
		cols += ", model text NOT NULL, lead smallint NOT NULL"
	}
	return "CREATE TEMPORARY TABLE " + importTable + " (" + cols + ", v double precision NOT NULL) ON COMMIT DROP"
}

// Upsert writes every row of src into t in one transaction: COPY into a temporary table, a check for
// duplicate keys, then one INSERT ... ON CONFLICT. Either every row lands or none does: any error from
// src, a duplicate, or the database rolls the whole import back. Predictions are keyed by model and lead
// too (ImportRow's Model and Lead); the database checks both (migration 007), the reader before it.
func Upsert(ctx context.Context, db DB, t Table, src RowSource) (Counts, error) {
	var c Counts
	tx, err := db.Begin(ctx)
	if err != nil {
		return c, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit

	if _, err := tx.Exec(ctx, stagingTable(t)); err != nil {
		return c, err
	}
	copied, err := tx.CopyFrom(ctx, pgx.Identifier{importTable}, stagingColumns(t), &copySource{src: src, predictions: t == Predictions})
	// A bad row aborts the COPY; report the row's own error, not the server's echo of it.
	if serr := src.Err(); serr != nil {
		return c, serr
	}
	if err != nil {
		return c, err
	}
	if copied == 0 {
		return c, nil // nothing to write: the deferred rollback drops the staging table
	}
	if err := findDuplicate(ctx, tx, t); err != nil {
		return c, err
	}
	// The comparison's lock before the first row lock on the shared tables: the upsert's triggers take it
	// anyway, but only after the upsert has locked its rows, and a writer holding the lock that waits for
	// one of those rows would be a deadlock. The staging above touches nothing shared, so concurrent
	// imports still parse and copy in parallel.
	if err := LockComparison(ctx, tx); err != nil {
		return c, err
	}
	// A big import is a bulk load (see BulkLoad): the comparison and the sums rebuilt once instead of
	// kept statement by statement, unless it runs inside a bulk load that will.
	rebuild := false
	if bulk, err := isBulk(ctx, tx, t, copied); err != nil {
		return c, err
	} else if bulk {
		already, err := inBulk(ctx, tx)
		if err != nil {
			return c, err
		}
		if !already {
			if err := beginBulk(ctx, tx); err != nil {
				return c, err
			}
			rebuild = true
		}
	}
	sql, args, err := upsertQuery(t).ToSql()
	if err != nil {
		return c, err
	}
	if err := tx.QueryRow(ctx, sql, args...).Scan(&c.Inserted, &c.Updated); err != nil {
		return c, err
	}
	c.Unchanged = copied - c.Inserted - c.Updated
	if rebuild {
		if err := finishBulk(ctx, tx, c.Inserted+c.Updated > 0); err != nil {
			return c, err
		}
	}
	// Drop the staging table now: when tx is a savepoint inside a caller's transaction, ON COMMIT DROP
	// would keep it until the outer commit and the next Upsert could not create it.
	if _, err := tx.Exec(ctx, "DROP TABLE "+importTable); err != nil {
		return c, err
	}
	return c, tx.Commit(ctx)
}

// upsertQuery moves the staged rows into t. A row whose value is already stored is left alone (so a
// re-import changes nothing), and xmax = 0 tells a fresh insert from an update.
func upsertQuery(t Table) sq.SelectBuilder {
	key := strings.Join(keyColumns(t), ", ")
	ins := psql.Insert(t.name).
		Columns(append(keyColumns(t), t.ValueColumn)...).
		// In key order, so the primary key and the indexes are filled page by page, not at random.
		Select(psql.Select(append(keyColumns(t), "v")...).From(importTable).OrderBy(keyColumns(t)...)).
		Suffix("ON CONFLICT (" + key + ") DO UPDATE SET " + t.ValueColumn + " = EXCLUDED." + t.ValueColumn +
			" WHERE " + t.name + "." + t.ValueColumn + " IS DISTINCT FROM EXCLUDED." + t.ValueColumn +
			" RETURNING (xmax = 0) AS inserted")
	return psql.Select("count(*) FILTER (WHERE inserted)", "count(*) FILTER (WHERE NOT inserted)").
		PrefixExpr(sq.Expr("WITH up AS (?)", ins)).
		From("up")
}

// findDuplicate reports the first line that repeats an earlier line's key.
func findDuplicate(ctx context.Context, db DB, t Table) error {
	key := keyColumns(t)
	inner := append([]string{"array_agg(line ORDER BY line) AS lines"}, key...)
	outer := append([]string{"lines[2]", "lines[1]"}, key...)
	sql, args, err := psql.Select(outer...).
		FromSelect(psql.Select(inner...).
			From(importTable).
			GroupBy(key...).
			Having("count(*) > 1"), "d").
		OrderBy("lines[2]").
		Limit(1).
		ToSql()
	if err != nil {
		return err
	}
	var d DuplicateError
	dest := []any{&d.Line, &d.FirstLine, &d.Location, &d.Type, &d.Date}
	if t == Predictions {
		dest = append(dest, &d.Model, &d.Lead)
	}
	err = db.QueryRow(ctx, sql, args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return &d
}

// forecastKey is the model and lead a prediction row is stored under: a row without a model (the shape
// before migration 007) is DefaultModel at DefaultLead, as the columns' defaults make it.
func forecastKey(r Row) (string, int16) {
	if r.Model == "" {
		return DefaultModel, DefaultLead
	}
	return r.Model, int16(r.Lead)
}

// copySource adapts a RowSource to pgx's COPY protocol.
type copySource struct {
	src         RowSource
	cur         ImportRow
	predictions bool
}

func (s *copySource) Next() bool {
	if !s.src.Next() {
		return false
	}
	s.cur = s.src.Row()
	return true
}

func (s *copySource) Values() ([]any, error) {
	r := s.cur
	if s.predictions {
		model, lead := forecastKey(r.Row)
		return []any{r.Line, r.Location, r.Type, r.Date, model, lead, r.Value}, nil
	}
	return []any{r.Line, r.Location, r.Type, r.Date, r.Value}, nil
}

func (s *copySource) Err() error { return s.src.Err() }

// SliceSource is a RowSource over rows already in memory.
func SliceSource(rows []ImportRow) RowSource { return &sliceSource{rows: rows, i: -1} }

type sliceSource struct {
	rows []ImportRow
	i    int
}

func (s *sliceSource) Next() bool     { s.i++; return s.i < len(s.rows) }
func (s *sliceSource) Row() ImportRow { return s.rows[s.i] }
func (s *sliceSource) Err() error     { return nil }

// CopyRows appends rows to t with COPY, without the staging table and upsert of Upsert: the fastest
// load, for rows known not to exist yet (generated data). A key that exists already fails the whole COPY.
func CopyRows(ctx context.Context, db DB, t Table, src RowSource) (int64, error) {
	n, err := db.CopyFrom(ctx, pgx.Identifier{t.name}, append(keyColumns(t), t.ValueColumn), &directSource{src: src, predictions: t == Predictions})
	if serr := src.Err(); serr != nil {
		return n, serr
	}
	return n, err
}

// directSource adapts a RowSource to COPY straight into a table.
type directSource struct {
	src         RowSource
	predictions bool
}

func (s *directSource) Next() bool { return s.src.Next() }

func (s *directSource) Values() ([]any, error) {
	r := s.src.Row()
	if s.predictions {
		model, lead := forecastKey(r.Row)
		return []any{r.Location, r.Type, r.Date, model, lead, r.Value}, nil
	}
	return []any{r.Location, r.Type, r.Date, r.Value}, nil
}

func (s *directSource) Err() error { return s.src.Err() }

// DeleteLocationPrefix deletes every row of t whose location starts with prefix (taken literally).
func DeleteLocationPrefix(ctx context.Context, db DB, t Table, prefix string) (int64, error) {
	sql, args, err := psql.Delete(t.name).Where("starts_with(location, ?)", prefix).ToSql()
	if err != nil {
		return 0, err
	}
	tag, err := db.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}
