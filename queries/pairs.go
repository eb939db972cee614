package queries

import (
	"context"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
)

// Pair is one day of a series that has both a measurement and a prediction.
type Pair struct {
	Actual, Predicted float64
}

// SeriesPairsQuery builds the query behind SeriesPairs: one range of the comparison's primary key
// (model, lead, location, type, date), in date order.
func SeriesPairsQuery(location, typ, model string, lead int, from, to time.Time) sq.SelectBuilder {
	v := View{Locations: []string{location}, Types: []string{typ}, From: from, To: to}
	return psql.Select("actual", "predicted").From("comparison").
		Where(pairWhere(model, lead)).Where(v.where()).
		Where("actual IS NOT NULL AND predicted IS NOT NULL").
		OrderBy("date")
}

// SeriesPairs returns the (measured, predicted) values of the days of one series within [from, to] (a
// zero bound is open) that have both, for one model at one lead, in date order: the points of the
// diagnostic plots. A series has one row a day, so ten years are about 3,650 pairs.
func SeriesPairs(ctx context.Context, db DB, location, typ, model string, lead int, from, to time.Time) ([]Pair, error) {
	sql, args, err := SeriesPairsQuery(location, typ, model, lead, from, to).ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Pair])
}
