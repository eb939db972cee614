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
// (model, lead, location, type, date), in date order. The days missing a side are left out above an
// OFFSET 0 fence: inside it, "predicted IS NOT NULL" would let the planner walk the predicted-value
// index over every series of the model and lead instead (48 ms, 690 buffers on 200,000 rows, where
// the key reads the series' 3,437 days in about 2).
func SeriesPairsQuery(location, typ, model string, lead int, from, to time.Time) sq.SelectBuilder {
	v := View{Locations: []string{location}, Types: []string{typ}, From: from, To: to}
	series := sq.Select("date", "actual", "predicted").From("comparison").
		Where(pairWhere(model, lead)).Where(v.where()).Suffix("OFFSET 0")
	return psql.Select("actual", "predicted").FromSelect(series, "series").
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
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Pair, error) {
		var p Pair
		err := row.Scan(&p.Actual, &p.Predicted)
		return p, err
	})
}
