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

// CountCap is where exact counting stops on a page: above it the page shows the planner's estimate and
// loads the exact count afterwards, so a count never holds up the rows.
const CountCap = 50_000

// CountRowsCapped counts the rows of a view of t, but stops after limit: it returns the exact count when
// there are at most limit rows, else limit+1 and capped = true.
func CountRowsCapped(ctx context.Context, db DB, t Table, v View, limit int64) (n int64, capped bool, err error) {
	inner := psql.Select("1").From(t.name).Where(v.where()).Limit(uint64(limit) + 1)
	sql, args, err := psql.Select("count(*)").FromSelect(inner, "capped").ToSql()
	if err != nil {
		return 0, false, err
	}
	err = db.QueryRow(ctx, sql, args...).Scan(&n)
	return n, n > limit, err
}

// EstimateRows returns the planner's estimate of the number of rows of a view of t: instant at any size,
// and close after ANALYZE (autovacuum keeps it so).
func EstimateRows(ctx context.Context, db DB, t Table, v View) (int64, error) {
	sql, args, err := psql.Select("1").From(t.name).Where(v.where()).Prefix("EXPLAIN (FORMAT JSON)").ToSql()
	if err != nil {
		return 0, err
	}
	var plan []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := db.QueryRow(ctx, sql, args...).Scan(&plan); err != nil {
		return 0, err
	}
	if len(plan) == 0 {
		return 0, nil
	}
	return int64(plan[0].Plan.Rows), nil
}

// Total is a view's row count: exact, or the planner's estimate when there are more than CountCap rows.
type Total struct {
	N         int64
	Estimated bool
}

// CountView counts a view's rows as a page needs them: exactly up to CountCap, estimated above.
func CountView(ctx context.Context, db DB, t Table, v View) (Total, error) {
	n, capped, err := CountRowsCapped(ctx, db, t, v, CountCap)
	if err != nil || !capped {
		return Total{N: n}, err
	}
	est, err := EstimateRows(ctx, db, t, v)
	return Total{N: max(est, n), Estimated: true}, err
}
