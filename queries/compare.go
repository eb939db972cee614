package queries

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
)

// Match says which days a comparison lists.
type Match string

// The four kinds of comparison.
const (
	// MatchBoth lists the days with a measurement and a prediction (an inner join).
	MatchBoth Match = "both"
	// MatchAll lists every day with either (a full outer join); the missing side is NULL.
	MatchAll Match = "all"
	// MatchMissingActual lists predicted days without a measurement.
	MatchMissingActual Match = "missing_actual"
	// MatchMissingPrediction lists measured days without a prediction.
	MatchMissingPrediction Match = "missing_prediction"
)

// Matches lists every Match, the default first.
var Matches = []Match{MatchBoth, MatchAll, MatchMissingActual, MatchMissingPrediction}

// Valid reports whether m is one of Matches.
func (m Match) Valid() bool { return slices.Contains(Matches, m) }

// CompareView is a View of the comparison: filters, order and page, and which days to list.
type CompareView struct {
	View
	Match Match
}

// Comparison describes the columns of the comparison of measurements and predictions; it is what the
// parameter parser checks a sort key against.
type Comparison struct{}

// SortKeys lists the columns a comparison may be sorted by, in display order.
func (Comparison) SortKeys() []string {
	return []string{"date", "location", "type", "actual", "predicted", "error", "abs_error", "pct_error"}
}

// ValidSort reports whether key is one of SortKeys.
func (c Comparison) ValidSort(key string) bool { return slices.Contains(c.SortKeys(), key) }

// CompareRow is one day of one series with its measurement and prediction; a missing side and every
// number derived from it are nil.
type CompareRow struct {
	Date     time.Time
	Location string
	Type     string
	// Actual is the measurement, Predicted the prediction.
	Actual, Predicted *float64
	// Error is Predicted − Actual, AbsError its absolute value, PctError 100 × Error / Actual (nil when
	// Actual is 0).
	Error, AbsError, PctError *float64
}

// compareOrder renders a comparison's sort as ORDER BY terms: the key (NULLs last in both directions),
// then location, type and date, all in the same direction, so the order is total and paging is stable.
func compareOrder(v View) ([]string, error) {
	var cols []string
	nullable := false
	switch v.Sort {
	case "date":
		cols = []string{"date", "location", "type"}
	case "location":
		cols = []string{"location", "type", "date"}
	case "type":
		cols = []string{"type", "location", "date"}
	case "actual", "predicted", "error", "abs_error", "pct_error":
		cols = []string{v.Sort, "location", "type", "date"}
		nullable = true
	default:
		return nil, fmt.Errorf("queries: %q is not a sort column of the comparison", v.Sort)
	}
	dir := " ASC"
	if v.Desc {
		dir = " DESC"
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c + dir
	}
	// Only the numbers can be NULL. The key columns never are, and leaving them without NULLS LAST lets
	// a date-sorted page of an inner join or anti-join read an index in order and stop after one page.
	if nullable {
		out[0] += " NULLS LAST"
	}
	return out, nil
}

// side reads one table filtered by the view. Each side is filtered before the join, so each is read
// through its own primary key (location, type, date) or date index and the join can be a merge join;
// filtering after a full outer join would have to read both tables whole.
func side(t Table, v View, cols ...string) sq.SelectBuilder {
	return psql.Select(append([]string{"location", "type", "date"}, cols...)...).From(t.name).Where(v.where())
}

// historicWithPrevious is the measurements side of the metrics query: each row with prev, the measurement
// of the previous calendar day of the same series (NULL when that day has none), for the persistence
// forecast. The window reads one day before the view's first day, so the first day of a date range still
// has its previous day's measurement.
func historicWithPrevious(v View) sq.SelectBuilder {
	wide := v
	if !v.From.IsZero() {
		wide.From = v.From.AddDate(0, 0, -1)
	}
	inner := side(Historic, wide, "value",
		"CASE WHEN lag(date) OVER w = date - 1 THEN lag(value) OVER w END AS prev").
		Suffix("WINDOW w AS (PARTITION BY location, type ORDER BY date)")
	q := psql.Select("location", "type", "date", "value", "prev").FromSelect(inner, "hw")
	if !v.From.IsZero() {
		q = q.Where(sq.GtOrEq{"date": v.From})
	}
	return q
}

// joinSides builds SELECT cols FROM the two sides joined for m: an inner join for both, a full outer join
// for all, and an anti-join (LEFT JOIN ... WHERE the other side IS NULL) for the missing kinds. The sides
// are h (measurements) and p (predictions); date, location and type name the joined key (with USING, the
// full join's key is the COALESCE of both sides').
func joinSides(m Match, h, p sq.SelectBuilder, cols ...string) (sq.SelectBuilder, error) {
	q := psql.Select(cols...)
	const using = ") p USING (location, type, date)"
	switch m {
	case MatchBoth:
		return q.FromSelect(h, "h").JoinClause(p.Prefix("JOIN (").Suffix(using)), nil
	case MatchAll:
		return q.FromSelect(h, "h").JoinClause(p.Prefix("FULL JOIN (").Suffix(using)), nil
	case MatchMissingPrediction:
		return q.FromSelect(h, "h").JoinClause(p.Prefix("LEFT JOIN (").Suffix(using)).Where("p.date IS NULL"), nil
	case MatchMissingActual:
		return q.FromSelect(p, "p").JoinClause(h.Prefix("LEFT JOIN (").Suffix(") h USING (location, type, date)")).Where("h.date IS NULL"), nil
	}
	return sq.SelectBuilder{}, fmt.Errorf("queries: %q is not a match of the comparison", m)
}

// compareColumns are the columns of a comparison row, in CompareRow's order.
var compareColumns = []string{
	"date", "location", "type",
	"h.value AS actual",
	"p.prediction AS predicted",
	"p.prediction - h.value AS error",
	"abs(p.prediction - h.value) AS abs_error",
	"CASE WHEN h.value > 0 THEN 100 * (p.prediction - h.value) / h.value END AS pct_error",
}

// CompareRowsQuery builds the query for one page of a comparison (every row when Size is 0).
func CompareRowsQuery(cv CompareView) (sq.SelectBuilder, error) {
	order, err := compareOrder(cv.View)
	if err != nil {
		return sq.SelectBuilder{}, err
	}
	q, err := joinSides(cv.Match, side(Historic, cv.View, "value"), side(Predictions, cv.View, "prediction"), compareColumns...)
	if err != nil {
		return q, err
	}
	q = q.OrderBy(order...)
	if cv.Size > 0 {
		q = q.Limit(uint64(cv.Size)).Offset(cv.Offset())
	}
	return q, nil
}

// CompareRows returns one page of a comparison.
func CompareRows(ctx context.Context, db DB, cv CompareView) ([]CompareRow, error) {
	q, err := CompareRowsQuery(cv)
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
	return pgx.CollectRows(rows, pgx.RowToStructByPos[CompareRow])
}

// EachCompareRow runs a comparison without paging and calls fn for every row in order, one at a time. It
// stops at fn's first error.
func EachCompareRow(ctx context.Context, db DB, cv CompareView, fn func(CompareRow) error) error {
	cv.Size = 0
	q, err := CompareRowsQuery(cv)
	if err != nil {
		return err
	}
	var r CompareRow
	return forEachRow(ctx, db, q, []any{&r.Date, &r.Location, &r.Type, &r.Actual, &r.Predicted, &r.Error, &r.AbsError, &r.PctError},
		func() error { return fn(r) })
}

// Metrics measures the predictions of a comparison against its measurements, over every row of the view
// (all pages) that has both. Every ratio is nil when its denominator would be 0: nothing is ever divided
// by zero. The JSON names are those of /compare.json's "metrics"; percentages are 0 to 100.
type Metrics struct {
	// N counts the rows with both a measurement and a prediction; the first three means are over them.
	N int64 `json:"n"`
	// MAE is the mean absolute error, RMSE the root mean squared error, Bias the mean error
	// (prediction − measurement: positive means over-prediction).
	MAE  *float64 `json:"mae"`
	RMSE *float64 `json:"rmse"`
	Bias *float64 `json:"bias"`
	// MAPE is the mean of 100 × |error| / measurement over the MAPEN rows whose measurement is above 0.
	MAPE  *float64 `json:"mape"`
	MAPEN int64    `json:"mape_n"`
	// Skill is 1 − MAE / MAE of persistence (predicting each day with the previous calendar day's
	// measurement of the same series), both MAEs over the SkillN rows that also have that previous
	// day's measurement. Above 0 beats persistence; SkillMAE and PersistenceMAE are the two MAEs.
	Skill          *float64 `json:"skill_persistence"`
	SkillN         int64    `json:"skill_n"`
	SkillMAE       *float64 `json:"skill_mae"`
	PersistenceMAE *float64 `json:"persistence_mae"`
	// BandN counts the rows of pollutants with AQI bands; BandAgreement is the percentage of them whose
	// predicted band equals the measured band.
	BandN         int64    `json:"band_n"`
	BandAgreement *float64 `json:"band_agreement"`
	// PoorActual counts the banded rows measured Poor or worse, Hits those of them also predicted Poor or
	// worse; HitRate is 100 × Hits / PoorActual.
	PoorActual int64    `json:"poor_actual"`
	Hits       int64    `json:"hits"`
	HitRate    *float64 `json:"hit_rate"`
	// PoorPredicted counts the banded rows predicted Poor or worse, FalseAlarms those of them measured
	// better than Poor; FalseAlarmRate is 100 × FalseAlarms / PoorPredicted.
	PoorPredicted  int64    `json:"poor_predicted"`
	FalseAlarms    int64    `json:"false_alarms"`
	FalseAlarmRate *float64 `json:"false_alarm_rate"`
}

// CompareSummary is what a comparison needs besides its page of rows: how many rows it has across all
// pages, and the metrics of those that have both sides.
type CompareSummary struct {
	Total int64
	Metrics
}

// CompareSummaryQuery builds the query behind Summarize: the view's rows joined once, counted, and
// measured with one pass of aggregates, so the metrics of every filtered row cost one round trip.
func CompareSummaryQuery(cv CompareView) (sq.SelectBuilder, error) {
	ab, pb := bandSQL("type", "h.value"), bandSQL("type", "p.prediction")
	joined, err := joinSides(cv.Match, historicWithPrevious(cv.View), side(Predictions, cv.View, "prediction"),
		"h.value AS a", "p.prediction - h.value AS e", "h.prev",
		ab+" AS ab", pb+" AS pb")
	if err != nil {
		return joined, err
	}
	// e is NULL unless the row has both sides, so "e IS NOT NULL" picks the rows the metrics are over
	// (and avg, which skips NULLs, needs no filter). Every ratio divides by NULLIF(..., 0): NULL, never
	// a division by zero.
	const both = "e IS NOT NULL"
	const skill = both + " AND prev IS NOT NULL"
	poor := strconv.Itoa(PoorLevel)
	count := func(cond string) string { return "count(*) FILTER (WHERE " + both + cond + ")" }
	pct := func(part, whole string) string {
		return "100 * CAST(" + count(part) + " AS float8) / NULLIF(" + count(whole) + ", 0)"
	}
	skillMAE := "avg(abs(e)) FILTER (WHERE " + skill + ")"
	persistenceMAE := "avg(abs(prev - a)) FILTER (WHERE " + skill + ")"
	return psql.Select(
		"count(*)",
		count(""),
		"avg(abs(e))",
		"sqrt(avg(e * e))",
		"avg(e)",
		count(" AND a > 0"),
		"avg(CASE WHEN a > 0 THEN 100 * abs(e) / a END)",
		count(" AND prev IS NOT NULL"),
		skillMAE,
		persistenceMAE,
		"1 - "+skillMAE+" / NULLIF("+persistenceMAE+", 0)",
		count(" AND ab IS NOT NULL"),
		pct(" AND ab = pb", " AND ab IS NOT NULL"),
		count(" AND ab >= "+poor),
		count(" AND ab >= "+poor+" AND pb >= "+poor),
		pct(" AND ab >= "+poor+" AND pb >= "+poor, " AND ab >= "+poor),
		count(" AND pb >= "+poor),
		count(" AND pb >= "+poor+" AND ab < "+poor),
		pct(" AND pb >= "+poor+" AND ab < "+poor, " AND pb >= "+poor),
	).FromSelect(joined, "c"), nil
}

// Summarize counts a comparison's rows across all pages and measures the predictions of those with both
// sides, in one query.
func Summarize(ctx context.Context, db DB, cv CompareView) (CompareSummary, error) {
	var s CompareSummary
	q, err := CompareSummaryQuery(cv)
	if err != nil {
		return s, err
	}
	sql, args, err := q.ToSql()
	if err != nil {
		return s, err
	}
	m := &s.Metrics
	err = db.QueryRow(ctx, sql, args...).Scan(&s.Total, &m.N, &m.MAE, &m.RMSE, &m.Bias, &m.MAPEN, &m.MAPE,
		&m.SkillN, &m.SkillMAE, &m.PersistenceMAE, &m.Skill,
		&m.BandN, &m.BandAgreement, &m.PoorActual, &m.Hits, &m.HitRate, &m.PoorPredicted, &m.FalseAlarms, &m.FalseAlarmRate)
	return s, err
}
