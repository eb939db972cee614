package queries

import (
	"context"
	"slices"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
)

// Row is one row of either table; Value holds the measurement or the prediction.
type Row struct {
	Date     time.Time
	Location string
	Type     string
	Value    float64
}

// ListRowsQuery builds the query for one page of a view of t. With a cursor it seeks through the index
// (no OFFSET); with Before it reads backwards, and ListRows puts the rows back in the view's order.
func ListRowsQuery(t Table, v View) (sq.SelectBuilder, error) {
	cols, err := t.sortColumns(v.Sort)
	if err != nil {
		return sq.SelectBuilder{}, err
	}
	backwards := v.Before != nil && v.Size > 0
	order, err := v.orderBy(t, backwards)
	if err != nil {
		return sq.SelectBuilder{}, err
	}
	q := psql.Select("date", "location", "type", t.ValueColumn).
		From(t.name).
		Where(v.where()).
		OrderBy(order...)
	switch {
	case v.Size <= 0:
	case backwards:
		q = q.Where(keyset(t, cols, v.Before, v.Desc, true)).Limit(uint64(v.Size))
	case v.After != nil:
		q = q.Where(keyset(t, cols, v.After, v.Desc, false)).Limit(uint64(v.Size))
	default:
		q = q.Limit(uint64(v.Size)).Offset(v.Offset())
	}
	return q, nil
}

// CountRowsQuery builds the query counting every row of a view of t, across all pages.
func CountRowsQuery(t Table, v View) sq.SelectBuilder {
	return psql.Select("count(*)").From(t.name).Where(v.where())
}

// ListRows returns one page of a view of t.
func ListRows(ctx context.Context, db DB, t Table, v View) ([]Row, error) {
	q, err := ListRowsQuery(t, v)
	if err != nil {
		return nil, err
	}
	sql, args, err := q.ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Row])
	if v.Before != nil && v.Size > 0 {
		slices.Reverse(out)
	}
	return out, err
}

// CountRows counts the rows of a view of t across all pages.
func CountRows(ctx context.Context, db DB, t Table, v View) (int64, error) {
	sql, args, err := CountRowsQuery(t, v).ToSql()
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.QueryRow(ctx, sql, args...).Scan(&n)
	return n, err
}

// EachRow runs a view of t without paging and calls fn for every row in order, one at a time, so an
// export of millions of rows holds only one row in memory. It stops at fn's first error.
func EachRow(ctx context.Context, db DB, t Table, v View, fn func(Row) error) error {
	v.Size, v.After, v.Before = 0, nil, nil
	q, err := ListRowsQuery(t, v)
	if err != nil {
		return err
	}
	sql, args, err := q.ToSql()
	if err != nil {
		return err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	var r Row
	_, err = pgx.ForEachRow(rows, []any{&r.Date, &r.Location, &r.Type, &r.Value}, func() error { return fn(r) })
	return err
}
