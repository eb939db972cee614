package queries

import (
	"context"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
)

// DateBoundsQuery builds the query behind DateBounds: the first and last date over the series_stats rows
// of the given tables, locations and pollutants (no locations or no pollutants: all of them). series_stats
// holds one row per table and series, so this reads a few hundred rows however many millions the tables
// hold.
func DateBoundsQuery(tables []Table, locations, types []string) sq.SelectBuilder {
	keys := make([]string, len(tables))
	for i, t := range tables {
		keys[i] = t.Key
	}
	q := psql.Select("min(first)", "max(last)").From("series_stats").Where(sq.Eq{"tbl": keys})
	if len(locations) > 0 {
		q = q.Where(sq.Eq{"location": locations})
	}
	if len(types) > 0 {
		q = q.Where(sq.Eq{"type": types})
	}
	return q
}

// DateBounds returns the first and last date of the rows of tables that the location and pollutant
// filters select (every row when both are empty): the min and max of a view's date inputs. ok is false
// when no row matches.
func DateBounds(ctx context.Context, db DB, tables []Table, locations, types []string) (first, last time.Time, ok bool, err error) {
	sql, args, err := DateBoundsQuery(tables, locations, types).ToSql()
	if err != nil {
		return first, last, false, err
	}
	var f, l *time.Time
	if err := db.QueryRow(ctx, sql, args...).Scan(&f, &l); err != nil {
		return first, last, false, err
	}
	if f == nil || l == nil {
		return first, last, false, nil
	}
	return *f, *l, true, nil
}

// LocationTypesQuery builds the query behind LocationTypes.
func LocationTypesQuery() sq.SelectBuilder {
	return psql.Select("location", "type").Distinct().From("series_stats").OrderBy("location", "type")
}

// LocationTypes maps every location to the pollutants it has rows of in either table, each list sorted:
// what a location's pollutant select offers.
func LocationTypes(ctx context.Context, db DB) (map[string][]string, error) {
	sql, args, err := LocationTypesQuery().ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	var loc, typ string
	_, err = pgx.ForEachRow(rows, []any{&loc, &typ}, func() error {
		out[loc] = append(out[loc], typ)
		return nil
	})
	return out, err
}
