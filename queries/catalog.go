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

// seriesSummary is one table's series, as the triggers of migration 003 keep them in series_stats.
func seriesSummary(t Table) sq.SelectBuilder {
	return psql.Select("location", "type", "n", "first", "last").
		From("series_stats").
		Where(sq.Eq{"tbl": t.Key})
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

// OptionsQuery builds the query behind ListOptions.
func OptionsQuery() sq.SelectBuilder {
	return psql.Select("'location' AS kind", "location AS v").From("series_stats").
		Suffix("UNION SELECT 'type', type FROM series_stats ORDER BY 1, 2")
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

// ModelLeads is one forecast model and the leads it has predictions for, in order.
type ModelLeads struct {
	Model string
	Leads []int
}

// ListModelsQuery builds the query behind ListModels: model_leads (migration 007), one row per model and
// lead, kept by the write triggers.
func ListModelsQuery() sq.SelectBuilder {
	return psql.Select("model", "array_agg(lead::int ORDER BY lead)").From("model_leads").GroupBy("model").OrderBy("model")
}

// ListModels lists every model that has predictions, sorted by name, each with its leads: the choices of
// the model and lead selects. Empty when there is no prediction.
func ListModels(ctx context.Context, db DB) ([]ModelLeads, error) {
	sql, args, err := ListModelsQuery().ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ModelLeads])
}
