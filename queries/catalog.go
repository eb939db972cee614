package queries

import (
	"context"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
)

// Series summarises one location and pollutant across both tables.
type Series struct {
	Location string
	Type     string
	// Measured counts the historic rows; First and Last bound their dates (zero when there are none).
	Measured    int64
	First, Last time.Time
	// Predicted counts the prediction rows; PredFirst and PredLast bound their dates.
	Predicted           int64
	PredFirst, PredLast time.Time
}

// seriesSummary groups one table by series.
func seriesSummary(t Table) sq.SelectBuilder {
	return psql.Select("location", "type", "count(*) AS n", "min(date) AS first", "max(date) AS last").
		From(t.name).
		GroupBy("location", "type")
}

// ListSeriesQuery builds the query behind ListSeries.
func ListSeriesQuery() sq.SelectBuilder {
	return psql.Select(
		"coalesce(h.location, p.location)", "coalesce(h.type, p.type)",
		"coalesce(h.n, 0)", "h.first", "h.last",
		"coalesce(p.n, 0)", "p.first", "p.last",
	).
		FromSelect(seriesSummary(Historic), "h").
		JoinClause(seriesSummary(Predictions).Prefix("FULL OUTER JOIN (").Suffix(") p USING (location, type)")).
		OrderBy("1", "2")
}

// ListSeries lists every location and pollutant that has rows in either table, with counts and date
// ranges, ordered by location and pollutant.
func ListSeries(ctx context.Context, db DB) ([]Series, error) {
	sql, args, err := ListSeriesQuery().ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Series, error) {
		var s Series
		var first, last, pfirst, plast *time.Time
		err := row.Scan(&s.Location, &s.Type, &s.Measured, &first, &last, &s.Predicted, &pfirst, &plast)
		s.First, s.Last, s.PredFirst, s.PredLast = deref(first), deref(last), deref(pfirst), deref(plast)
		return s, err
	})
}

// deref turns a NULL date into the zero time.
func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// TablesEmpty reports whether both tables are empty.
func TablesEmpty(ctx context.Context, db DB) (bool, error) {
	exists := func(t Table) sq.Sqlizer { return psql.Select("1").From(t.name).Prefix("EXISTS (").Suffix(")") }
	sql, args, err := psql.Select().Column(sq.Expr("NOT ? AND NOT ?", exists(Historic), exists(Predictions))).ToSql()
	if err != nil {
		return false, err
	}
	var empty bool
	err = db.QueryRow(ctx, sql, args...).Scan(&empty)
	return empty, err
}

// distinctQuery lists the distinct values of a leading index column of t with a loose index scan: one
// index probe per distinct value instead of a scan of every row, so it stays fast on millions of rows.
func distinctQuery(t Table, column string) sq.SelectBuilder {
	first := psql.Select(column).From(t.name).OrderBy(column).Limit(1)
	next := psql.Select(column).From(t.name).Where(column + " > d.v").OrderBy(column).Limit(1)
	return psql.Select("v").
		PrefixExpr(sq.Expr("WITH RECURSIVE d(v) AS ((?) UNION ALL SELECT (?) FROM d WHERE d.v IS NOT NULL)", first, next)).
		From("d").
		Where("v IS NOT NULL")
}

// OptionsQuery builds the query behind ListOptions.
func OptionsQuery() sq.SelectBuilder {
	part := func(t Table, col, kind string) sq.SelectBuilder {
		return psql.Select("'"+kind+"' AS kind", "v").FromSelect(distinctQuery(t, col), "x")
	}
	return psql.Select("kind", "v").
		FromSelect(part(Historic, "location", "location").
			Suffix("UNION ?", part(Predictions, "location", "location")).
			Suffix("UNION ?", part(Historic, "type", "type")).
			Suffix("UNION ?", part(Predictions, "type", "type")), "o").
		OrderBy("kind", "v")
}

// ListOptions returns every location and every pollutant code present in either table, sorted: the
// choices of the filter form.
func ListOptions(ctx context.Context, db DB) (locations, types []string, err error) {
	sql, args, err := OptionsQuery().ToSql()
	if err != nil {
		return nil, nil, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, nil, err
	}
	var kind, v string
	_, err = pgx.ForEachRow(rows, []any{&kind, &v}, func() error {
		if kind == "location" {
			locations = append(locations, v)
		} else {
			types = append(types, v)
		}
		return nil
	})
	return locations, types, err
}

// Analyze refreshes the planner's statistics of both tables, after a bulk load.
func Analyze(ctx context.Context, db DB) error {
	_, err := db.Exec(ctx, "ANALYZE "+Historic.name+", "+Predictions.name)
	return err
}
