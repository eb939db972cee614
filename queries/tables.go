package queries

import (
	"context"
	"slices"
	"strings"
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
	// Model and Lead are a prediction's model and days ahead (empty and 0 for a measurement).
	Model string
	Lead  int
}

// rowColumns are the columns a Row is scanned from.
func (t Table) rowColumns() []string {
	if t.forecast {
		return []string{"date", "location", "type", t.ValueColumn, "model", "lead"}
	}
	return []string{"date", "location", "type", t.ValueColumn, "''::text AS model", "0 AS lead"}
}

// deferredOffset is the offset beyond which a page is found by an index-only scan first.
const deferredOffset = 1000

// ListRowsQuery builds the query for one page of a view of t. With a cursor it seeks through the index
// (no OFFSET); with Before it reads backwards. A deep page jumped to directly is found with an index-only
// scan first, from whichever end of the order is nearer when the total is known. ListRows puts rows read
// backwards back in the view's order (see readsBackwards).
func ListRowsQuery(t Table, v View) (sq.SelectBuilder, error) {
	cols, err := v.columns(t)
	if err != nil {
		return sq.SelectBuilder{}, err
	}
	reverse := readsBackwards(v)
	order, err := v.orderBy(t, reverse)
	if err != nil {
		return sq.SelectBuilder{}, err
	}
	q := psql.Select(t.rowColumns()...).
		From(t.name).
		Where(v.where()).
		OrderBy(order...)
	offset, limit := v.Offset(), uint64(v.Size)
	if jumpsByDate(v) {
		return dateJump(t, v, q, offset, limit), nil
	}
	switch {
	case v.Size <= 0:
		return q, nil
	case v.Before != nil:
		return q.Where(keyset(t, cols, v.Before, v.Desc, true)).Limit(limit), nil
	case v.After != nil:
		return q.Where(keyset(t, cols, v.After, v.Desc, false)).Limit(limit), nil
	case reverse:
		rest := uint64(v.Total) - offset
		limit = min(limit, rest)
		offset = rest - limit
	}
	if offset <= deferredOffset {
		return q.Limit(limit).Offset(offset), nil
	}
	// Find the page's first row with an index-only scan over the ORDER BY columns (every sort has a
	// covering index), then read just the page's rows from there.
	// sq, not psql: a subquery nested in an expression must keep ? placeholders, so that the outer query
	// numbers them after its own ($1 twice would be the filter's value where two are expected).
	first := sq.Select(cols...).From(t.name).Where(v.where()).OrderBy(order...).Offset(offset).Limit(1)
	op := ">="
	if v.Desc != reverse {
		op = "<="
	}
	return q.Where(sq.Expr("("+strings.Join(cols, ", ")+") "+op+" (?)", first)).Limit(limit), nil
}

// jumpsByDate reports whether a deep page jumped to directly is found through date_stats (migration
// 005): in date order, over every location and pollutant (a date range is fine), past deferredOffset.
func jumpsByDate(v View) bool {
	return v.Size > 0 && v.After == nil && v.Before == nil && v.Sort == "date" &&
		len(v.Locations) == 0 && len(v.Types) == 0 && len(v.Models) == 0 && len(v.Leads) == 0 && v.Offset() > deferredOffset
}

// dateJump finds a deep page in date order without reading the rows before it: the per-day counts of
// date_stats, summed in order, give the day the page starts on and how many of that day's rows precede it
// (at most one day's rows, a few thousand), and the page is read from that day on. q is the view's query
// in its order; a page past the end is empty, as with OFFSET.
func dateJump(t Table, v View, q sq.SelectBuilder, offset, limit uint64) sq.SelectBuilder {
	dir, op := " ASC", ">="
	if v.Desc {
		dir, op = " DESC", "<="
	}
	w := sq.And{sq.Eq{"tbl": t.Key}}
	if !v.From.IsZero() {
		w = append(w, sq.GtOrEq{"date": v.From})
	}
	if !v.To.IsZero() {
		w = append(w, sq.LtOrEq{"date": v.To})
	}
	// before: the rows of the days ahead of this one in the order.
	days := sq.Select("date", "coalesce(sum(n) OVER (ORDER BY date"+dir+" ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS before").
		From("date_stats").Where(w)
	jump := sq.Select("date").Column(sq.Expr("CAST(? AS bigint) - before AS skip", offset)).
		FromSelect(days, "d").Where(sq.LtOrEq{"before": offset}).OrderBy("before DESC").Limit(1)
	return q.PrefixExpr(sq.Expr("WITH jump AS (?)", jump)).
		Where("date " + op + " (SELECT date FROM jump)").
		Limit(limit).Suffix("OFFSET (SELECT skip FROM jump)")
}

// readsBackwards reports whether a view's page is read in the reverse of its order: a "previous" page
// (before a cursor), or a page past the middle of a known total.
func readsBackwards(v View) bool {
	if v.Size <= 0 || jumpsByDate(v) {
		return false
	}
	if v.Before != nil {
		return true
	}
	return v.After == nil && v.Total > 0 && v.Offset() > uint64(v.Total)/2 && v.Offset() < uint64(v.Total)
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
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Row, error) {
		var r Row
		err := row.Scan(&r.Date, &r.Location, &r.Type, &r.Value, &r.Model, &r.Lead)
		return r, err
	})
	if readsBackwards(v) {
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
	v.Size, v.After, v.Before, v.Total = 0, nil, nil, 0
	q, err := ListRowsQuery(t, v)
	if err != nil {
		return err
	}
	var r Row
	return forEachRow(ctx, db, q, []any{&r.Date, &r.Location, &r.Type, &r.Value, &r.Model, &r.Lead}, func() error { return fn(r) })
}

// forEachRow runs q and, for every row in turn, scans it into dest and calls fn: one row in memory at a
// time, however many the query returns. It stops at fn's first error.
func forEachRow(ctx context.Context, db DB, q sq.Sqlizer, dest []any, fn func() error) error {
	sql, args, err := q.ToSql()
	if err != nil {
		return err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	_, err = pgx.ForEachRow(rows, dest, fn)
	return err
}

// CountCap is where exact counting stops on a page: above it the page shows the planner's estimate and
// loads the exact count afterwards, so a count never holds up the rows.
const CountCap = 10_000

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

// seriesCountQuery counts a view without a date range from series_stats (migration 003): one row per
// series instead of one per day. A view of some models or leads counts from compare_series (migration
// 007), whose predicted_n is the count of predictions per series, model and lead.
func seriesCountQuery(t Table, v View) sq.SelectBuilder {
	if t.forecast && (len(v.Models) > 0 || len(v.Leads) > 0) {
		w := View{Locations: v.Locations, Types: v.Types, Models: v.Models, Leads: v.Leads}.where()
		return psql.Select("coalesce(sum(predicted_n), 0)::bigint").From("compare_series").Where(w)
	}
	w := sq.And{sq.Eq{"tbl": t.Key}}
	if len(v.Locations) > 0 {
		w = append(w, sq.Eq{"location": oneOrMany(v.Locations)})
	}
	if len(v.Types) > 0 {
		w = append(w, sq.Eq{"type": oneOrMany(v.Types)})
	}
	return psql.Select("coalesce(sum(n), 0)::bigint").From("series_stats").Where(w)
}

// CountView counts a view's rows as a page needs them, never scanning millions of rows: exactly from the
// series counts when no date range is set. With dates, the planner's estimate comes first: above CountCap
// the page shows it (and loads the exact count afterwards); below, the rows are counted, up to CountCap,
// so that counting costs about as much as reading a page, not more.
func CountView(ctx context.Context, db DB, t Table, v View) (Total, error) {
	if v.From.IsZero() && v.To.IsZero() {
		sql, args, err := seriesCountQuery(t, v).ToSql()
		if err != nil {
			return Total{}, err
		}
		var n int64
		err = db.QueryRow(ctx, sql, args...).Scan(&n)
		return Total{N: n}, err
	}
	est, err := EstimateRows(ctx, db, t, v)
	if err != nil || est > CountCap {
		return Total{N: est, Estimated: true}, err
	}
	n, capped, err := CountRowsCapped(ctx, db, t, v, CountCap)
	if err != nil || !capped {
		return Total{N: n}, err
	}
	return Total{N: max(est, n), Estimated: true}, nil
}
