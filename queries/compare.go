package queries

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/aqdash/aqdash/app/verify"
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

// CompareView is a View of the comparison: filters, order and page, and which days to list, of one model
// at one lead (migration 007). A CompareView without a Model is the comparison as it was before models:
// DefaultModel at DefaultLead, whatever Lead says.
type CompareView struct {
	View
	Match Match
	// Model and Lead choose the predictions compared: rows and metrics are Model's at Lead.
	Model string
	Lead  int
	// Ref, when set, adds the equalized reference metrics (Metrics.SkillRef, RefMAE, RefN) against
	// that model at the same lead.
	Ref string
	// Vs are the other models a chart draws beside Model (the handler reads their SeriesBuckets).
	Vs []string
	// Threshold is the AQI level (1–5) of the threshold scores the page computes from
	// Metrics.BandPairs; 0 is the scale's default. The queries here do not read it.
	Threshold int
	// ThresholdKey is the threshold's band key on the view's scale as its URL writes it ("very_poor"),
	// "" for the scale's default threshold.
	ThresholdKey string
}

// modelLead is the model and lead the view compares.
func (cv CompareView) modelLead() (string, int) {
	if cv.Model == "" {
		return DefaultModel, DefaultLead
	}
	return cv.Model, cv.Lead
}

// pairWhere is the condition on the comparison's model and lead columns.
func pairWhere(model string, lead int) sq.Sqlizer {
	return sq.Eq{"model": model, "lead": lead}
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
	// Model and Lead are the predictions' model and days ahead.
	Model string
	Lead  int
	// Actual is the measurement, Predicted the prediction.
	Actual, Predicted *float64
	// Error is Predicted − Actual, AbsError its absolute value, PctError 100 × Error / Actual (nil when
	// Actual is 0).
	Error, AbsError, PctError *float64
}

// matchWhere is the condition that picks a match's days out of the comparison table, which holds every
// day with either side (MatchAll); nil for MatchAll.
func matchWhere(m Match) (sq.Sqlizer, error) {
	switch m {
	case MatchBoth:
		return sq.And{sq.NotEq{"actual": nil}, sq.NotEq{"predicted": nil}}, nil
	case MatchAll:
		return nil, nil
	case MatchMissingActual:
		return sq.Eq{"actual": nil}, nil
	case MatchMissingPrediction:
		return sq.Eq{"predicted": nil}, nil
	}
	return nil, fmt.Errorf("queries: %q is not a match of the comparison", m)
}

// nullable reports whether a sort column of the comparison can be NULL on a match's days: the side a day
// lacks, and every number derived from it; a percentage also when the measurement is 0.
func nullable(m Match, col string) bool {
	switch col {
	case "actual":
		return m != MatchBoth && m != MatchMissingPrediction
	case "predicted":
		return m != MatchBoth && m != MatchMissingActual
	case "error", "abs_error":
		return m != MatchBoth
	case "pct_error":
		return true
	}
	return false
}

// compareOrder renders a comparison's sort as ORDER BY terms: the key (NULLs last in both directions),
// then location, type and date, all in the same direction, so the order is total and paging is stable.
//
// Each number column has an index in the order (col DESC NULLS LAST, location DESC, type DESC, date
// DESC): a descending sort reads it forwards, and an ascending sort of a column that has no NULLs on the
// match's days reads it backwards, which PostgreSQL can only do when the query asks for NULLS FIRST. With
// no NULLs to place, that is the same order.
func compareOrder(cv CompareView) ([]string, error) {
	v := cv.View
	var cols []string
	numeric := false
	switch v.Sort {
	case "date":
		cols = []string{"date", "location", "type"}
	case "location":
		cols = []string{"location", "type", "date"}
	case "type":
		cols = []string{"type", "location", "date"}
	case "actual", "predicted", "error", "abs_error", "pct_error":
		cols = []string{v.Sort, "location", "type", "date"}
		numeric = true
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
	switch {
	case numeric && v.Desc:
		out[0] += " NULLS LAST"
	case numeric && nullable(cv.Match, v.Sort):
		out[0] += " NULLS LAST"
	case numeric:
		out[0] += " NULLS FIRST"
	}
	return out, nil
}

// CompareRowsQuery builds the query for one page of a comparison (every row when Size is 0). It reads the
// comparison table, which the write triggers keep (migration 004): the errors are columns there, indexed,
// so even a sort by error over every series reads one page of an index.
func CompareRowsQuery(cv CompareView) (sq.SelectBuilder, error) {
	order, err := compareOrder(cv)
	if err != nil {
		return sq.SelectBuilder{}, err
	}
	mw, err := matchWhere(cv.Match)
	if err != nil {
		return sq.SelectBuilder{}, err
	}
	cols := []string{"date", "location", "type", "model", "lead", "actual", "predicted", "error", "abs_error", "pct_error"}
	q := psql.Select(cols...).From("comparison").Where(pairWhere(cv.modelLead())).Where(cv.where())
	if mw != nil {
		q = q.Where(mw)
	}
	if len(cv.Locations) == 1 && len(cv.Types) == 1 && !slices.Contains([]string{"date", "location", "type"}, cv.Sort) {
		// One series sorted by a number: its few thousand days, read through the primary key and sorted,
		// cost about a millisecond. Left alone, the planner may walk that number's index over every
		// series instead, hoping to meet 25 of this one's days early, and read thousands of others first.
		// OFFSET 0 keeps the subquery from being folded back into one scan; location and type are the
		// same on every row, so they leave the sort.
		q = psql.Select(cols...).FromSelect(q.Suffix("OFFSET 0"), "series")
		order = slices.DeleteFunc(order, func(term string) bool {
			return strings.HasPrefix(term, "location ") || strings.HasPrefix(term, "type ")
		})
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
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (CompareRow, error) {
		var r CompareRow
		err := row.Scan(&r.Date, &r.Location, &r.Type, &r.Model, &r.Lead, &r.Actual, &r.Predicted, &r.Error, &r.AbsError, &r.PctError)
		return r, err
	})
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
	return forEachRow(ctx, db, q, []any{&r.Date, &r.Location, &r.Type, &r.Model, &r.Lead, &r.Actual, &r.Predicted, &r.Error, &r.AbsError, &r.PctError},
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
	// PoorActual counts the banded rows measured Poor or worse (NAQI), Hits those of them also predicted
	// Poor or worse; HitRate is 100 × Hits / PoorActual. Deprecated: the threshold scores of any
	// threshold come from BandPairs (app/verify); /compare.json keeps hit_rate and false_alarm_rate
	// (in %, at Poor) and gives hits and false_alarms at its threshold= instead.
	PoorActual int64    `json:"poor_actual"`
	Hits       int64    `json:"hits"`
	HitRate    *float64 `json:"hit_rate"`
	// PoorPredicted counts the banded rows predicted Poor or worse, FalseAlarms those of them measured
	// better than Poor; FalseAlarmRate is 100 × FalseAlarms / PoorPredicted: the false alarm *ratio*
	// b/(a+b) at Poor, under its old JSON name. Deprecated as HitRate.
	PoorPredicted  int64    `json:"poor_predicted"`
	FalseAlarms    int64    `json:"false_alarms"`
	FalseAlarmRate *float64 `json:"false_alarm_rate"`
	// SkillRef is 1 − MAE / RefMAE over the RefN days (same lead) where the view's model, the reference
	// model (CompareView.Ref) and a measurement all exist ("equalized"): above 0 beats the reference.
	// RefModelMAE is the view's model's MAE over those days, RefMAE the reference's. All nil (RefN 0)
	// without a reference or without such days.
	SkillRef    *float64 `json:"skill_ref"`
	RefMAE      *float64 `json:"ref_mae"`
	RefModelMAE *float64 `json:"ref_model_mae"`
	RefN        int64    `json:"ref_n"`
	// R is Pearson's correlation of predictions with measurements over the N days; NMB and NME are the
	// normalised mean bias and error in %: 100 × Σ(P−O) / ΣO and 100 × Σ|P−O| / ΣO over them.
	R   *float64 `json:"r"`
	NMB *float64 `json:"nmb"`
	NME *float64 `json:"nme"`
	// ActualN counts the measured days (with or without a prediction), WHODays those of them above the
	// pollutant's WHO 2021 24-hour guideline (0 for a pollutant without one).
	ActualN int64 `json:"actual_n"`
	WHODays int64 `json:"who_days"`
	// SumAPaired and SumPPaired sum the measurements and predictions of the N days, SumAA, SumPP and
	// SumAP their squares and products: the inputs of R, NMB and NME.
	SumAPaired, SumPPaired float64 `json:"-"`
	SumAA, SumPP, SumAP    float64 `json:"-"`
	// BandPairs counts the days with both sides banded by measured level (first index) and predicted
	// level (second), one matrix per AQI scale (key: BandScales' "naqi", "us_epa"); every threshold's
	// contingency table comes from it (app/verify.At).
	BandPairs map[string]*[verify.Levels][verify.Levels]int64 `json:"-"`
}

// CompareSummary is what a comparison needs besides its page of rows: how many rows it has across all
// pages, and the metrics of those that have both sides.
type CompareSummary struct {
	Total int64
	Metrics
}

// statColumns are the sufficient statistics of the metrics, the columns of compare_series, compare_months
// and the comparison_days view (migrations 004 and 009 say what each counts or sums). Every metric is a
// ratio of their sums, so the metrics of any set of days are the sums over its whole months and its
// single days. The band-pair counts of every scale (bandPairColumns) follow them.
var statColumns = append([]string{
	"days", "actual_n", "predicted_n", "n", "sum_abs", "sum_sq", "sum_err", "mape_n", "sum_pct",
	"skill_n", "skill_abs", "persist_abs",
	"band_n", "band_agree", "poor_actual", "hits", "poor_predicted", "false_alarms",
	"sum_a_paired", "sum_p_paired", "sum_aa", "sum_pp", "sum_ap", "who_days",
}, bandPairColumns()...)

// statSums' float columns; the others are counts.
var statFloats = []string{"sum_abs", "sum_sq", "sum_err", "sum_pct", "skill_abs", "persist_abs",
	"sum_a_paired", "sum_p_paired", "sum_aa", "sum_pp", "sum_ap"}

// BandScales are the AQI scales whose band-pair counts the sums keep (migration 009): the keys of
// Metrics.BandPairs, the prefixes of the columns naqi_<a><p> and us_epa_<a><p>.
var BandScales = []string{"naqi", "us_epa"}

// bandPairColumns names the band-pair counts of every scale, scale by scale, measured level by
// measured level, predicted level by predicted level: naqi_00, naqi_01, …, us_epa_55.
func bandPairColumns() []string {
	var out []string
	for _, s := range BandScales {
		for a := range verify.Levels {
			for p := range verify.Levels {
				out = append(out, fmt.Sprintf("%s_%d%d", s, a, p))
			}
		}
	}
	return out
}

// statSums holds statColumns summed, in their order.
type statSums struct {
	Days, ActualN, PredictedN, N int64
	SumAbs, SumSq, SumErr        float64
	MAPEN                        int64
	SumPct                       float64
	SkillN                       int64
	SkillAbs, PersistAbs         float64
	BandN, BandAgree             int64
	PoorActual, Hits             int64
	PoorPredicted, FalseAlarms   int64
	SumAPaired, SumPPaired       float64
	SumAA, SumPP, SumAP          float64
	WHODays                      int64
	// Pairs are the band-pair counts, one matrix per BandScales entry, in its order.
	Pairs [2]verify.Matrix
}

// targets are the scan destinations of statColumns, in their order.
func (t *statSums) targets() []any {
	out := []any{&t.Days, &t.ActualN, &t.PredictedN, &t.N, &t.SumAbs, &t.SumSq, &t.SumErr,
		&t.MAPEN, &t.SumPct, &t.SkillN, &t.SkillAbs, &t.PersistAbs,
		&t.BandN, &t.BandAgree, &t.PoorActual, &t.Hits, &t.PoorPredicted, &t.FalseAlarms,
		&t.SumAPaired, &t.SumPPaired, &t.SumAA, &t.SumPP, &t.SumAP, &t.WHODays}
	for s := range t.Pairs {
		for a := range verify.Levels {
			for p := range verify.Levels {
				out = append(out, &t.Pairs[s][a][p])
			}
		}
	}
	return out
}

// summedStats are statColumns as sums over a union of rows, NULL sums as 0, counts as bigint.
func summedStats() []string { return summed(statColumns) }

// summed are cols (of statColumns) as sums over a union of rows, NULL sums as 0, counts as bigint.
func summed(cols []string) []string {
	sums := make([]string, len(cols))
	for i, c := range cols {
		sums[i] = "coalesce(sum(" + c + "), 0)"
		if !slices.Contains(statFloats, c) {
			sums[i] += "::bigint"
		}
	}
	return sums
}

// measuredOnly are the statColumns that count measured days whether or not they have a prediction;
// every other statistic is over the days with both sides.
var measuredOnly = []string{"days", "actual_n", "predicted_n", "who_days"}

// pairedStatColumns are the statColumns of the days with both sides, with the band pairs of one scale
// only (an index of BandScales): what a verification breakdown reads. Leaving out the other scales'
// 36 pairs and the measured-day counts makes a breakdown's sums 40 columns narrower.
func pairedStatColumns(scale int) []string {
	var out []string
	for _, c := range statColumns {
		if slices.Contains(measuredOnly, c) {
			continue
		}
		if i := slices.IndexFunc(BandScales, func(s string) bool { return strings.HasPrefix(c, s+"_") && len(c) == len(s)+3 }); i >= 0 && i != scale {
			continue
		}
		out = append(out, c)
	}
	return out
}

// statIndexes are the places of cols in statColumns, for targetsAt.
func statIndexes(cols []string) []int {
	at := make([]int, len(cols))
	for i, c := range cols {
		at[i] = slices.Index(statColumns, c)
	}
	return at
}

// targetsAt are the scan destinations of the statColumns at the places at (statIndexes), in order.
func (t *statSums) targetsAt(at []int) []any {
	all := t.targets()
	out := make([]any, len(at))
	for i, j := range at {
		out[i] = all[j]
	}
	return out
}

// periodStart is the first day of the week (Monday) or calendar month ("week" or "month") that holds t.
func periodStart(unit string, t time.Time) time.Time {
	if unit == "week" {
		return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
	}
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// nextPeriod is the first day of the week or month after the one that starts on start.
func nextPeriod(unit string, start time.Time) time.Time {
	if unit == "week" {
		return start.AddDate(0, 0, 7)
	}
	return start.AddDate(0, 1, 0)
}

// wholeSpan splits a date range into the whole weeks or months ("week" or "month") inside it,
// [first, end), and the days outside them. ok is false when the range holds no whole one. A zero from or
// to is unbounded, and so is the first or end it gives.
func wholeSpan(unit string, from, to time.Time) (first, end time.Time, ok bool) {
	if !from.IsZero() {
		if first = periodStart(unit, from); first.Before(from) {
			first = nextPeriod(unit, first)
		}
	}
	if !to.IsZero() {
		end = periodStart(unit, to.AddDate(0, 0, 1))
	}
	ok = first.IsZero() || end.IsZero() || first.Before(end)
	return first, end, ok
}

// summedOver reads a date range [from, to] (zero bounds are open) as the rows of a summary table with one
// row per series and week or month (unit), its period starting at col, over the whole periods inside the
// range, and as the same columns computed from single days over the days around them: part(table) selects
// the columns from the summary, days(a, b, bInclusive) from the days in [a, b) or [a, b]. The result is
// the union of those parts (not yet summed or ordered).
func summedOver(unit, table, col string, from, to time.Time,
	part func(table string) sq.SelectBuilder, days func(a, b time.Time, bInclusive bool) sq.SelectBuilder) sq.SelectBuilder {
	var parts []sq.SelectBuilder
	first, end, whole := wholeSpan(unit, from, to)
	if whole {
		q := part(table)
		if !first.IsZero() {
			q = q.Where(sq.GtOrEq{col: first})
		}
		if !end.IsZero() {
			q = q.Where(sq.Lt{col: end})
		}
		parts = append(parts, q)
		if !from.IsZero() && from.Before(first) {
			parts = append(parts, days(from, first, false))
		}
		if !to.IsZero() && !end.After(to) {
			parts = append(parts, days(end, to, true))
		}
	} else {
		parts = append(parts, days(from, to, true))
	}
	union := parts[0]
	for _, p := range parts[1:] {
		union = union.SuffixExpr(sq.ConcatExpr("UNION ALL ", p))
	}
	return union
}

// CompareSummaryQuery builds the query behind Summarize: the statistics summed over the view's series
// (compare_series) when it has no dates, else over its whole months (compare_months, one row per series
// and month) and its remaining days (comparison_days, at most two partial months per series). The metrics
// over every series are then a sum over one row per series, whatever the size of the tables.
func CompareSummaryQuery(cv CompareView) (sq.SelectBuilder, error) {
	if _, err := matchWhere(cv.Match); err != nil {
		return sq.SelectBuilder{}, err
	}
	series := sq.And{pairWhere(cv.modelLead())}
	if w := (View{Locations: cv.Locations, Types: cv.Types}).where(); w != nil {
		series = append(series, w)
	}
	union := seriesSums(series, statColumns, cv.From, cv.To)
	return psql.Select(summedStats()...).FromSelect(union, "s"), nil
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
	var t statSums
	err = db.QueryRow(ctx, sql, args...).Scan(t.targets()...)
	if err != nil {
		return s, err
	}
	switch cv.Match {
	case MatchBoth:
		s.Total = t.N
	case MatchAll:
		s.Total = t.Days
	case MatchMissingActual:
		s.Total = t.Days - t.ActualN
	case MatchMissingPrediction:
		s.Total = t.Days - t.PredictedN
	}
	// The days missing a side have nothing to measure.
	if cv.Match == MatchBoth || cv.Match == MatchAll {
		s.Metrics = t.metrics()
		if cv.Ref != "" {
			if err := refMetrics(ctx, db, cv, &s.Metrics); err != nil {
				return s, err
			}
		}
	}
	return s, nil
}

// RefMetricsQuery builds the query behind the equalized reference metrics of a view with dates: the
// view's comparison rows with an error (model, lead, filters and dates), joined on the reference
// model's row of the same series, day and lead that has an error too, through the comparison's primary
// key. Views without dates read sums instead (refSeriesQuery).
func RefMetricsQuery(cv CompareView) (sq.SelectBuilder, error) {
	if cv.Ref == "" {
		return sq.SelectBuilder{}, fmt.Errorf("queries: no reference model")
	}
	model, lead := cv.modelLead()
	w := append(sq.And{sq.Eq{"a.model": model, "a.lead": lead}, sq.NotEq{"a.error": nil}, sq.NotEq{"b.error": nil}},
		View{Locations: cv.Locations, Types: cv.Types, From: cv.From, To: cv.To}.whereOn("a")...)
	return psql.Select("count(*)", "coalesce(sum(a.abs_error), 0)", "coalesce(sum(b.abs_error), 0)").
		From("comparison a").
		Join("comparison b ON b.model = ? AND b.lead = a.lead AND b.location = a.location AND b.type = a.type AND b.date = a.date", cv.Ref).
		Where(w), nil
}

// refSeries is the view's series of its model at its lead (s), each with the reference's (r) and the
// cached sums of the pair (c, NULL unless fresh: computed from the series rows of compare_series as they
// are now, see migration 011).
func refSeries(cv CompareView, cols ...string) sq.SelectBuilder {
	model, lead := cv.modelLead()
	w := append(sq.And{sq.Eq{"s.model": model, "s.lead": lead}}, View{Locations: cv.Locations, Types: cv.Types}.whereOn("s")...)
	return psql.Select(cols...).
		From("compare_series s").
		Join("compare_series r ON r.model = ? AND r.lead = s.lead AND r.location = s.location AND r.type = s.type", cv.Ref).
		LeftJoin("compare_ref_series c ON c.model = s.model AND c.ref = r.model AND c.lead = s.lead AND c.location = s.location" +
			" AND c.type = s.type AND c.model_ver = s.ver AND c.ref_ver = r.ver").
		Where(w)
}

// RefSeriesQuery builds the first query behind the reference metrics of a view without dates: the sums
// of its series' fresh cached rows, one row per series, and how many series have none.
func RefSeriesQuery(cv CompareView) sq.SelectBuilder {
	return refSeries(cv, "coalesce(sum(c.n), 0)::bigint", "coalesce(sum(c.sum_abs), 0)", "coalesce(sum(c.ref_sum_abs), 0)",
		"count(*) FILTER (WHERE c.model IS NULL)")
}

// RefStaleQuery builds the second, run only when some series have no fresh cached row: the equalized
// sums of those series joined from the comparison's days (each series' rows of the model, on the
// reference's row of the same day, through the primary key).
func RefStaleQuery(cv CompareView) sq.SelectBuilder {
	return refSeries(cv, "coalesce(sum(x.n), 0)::bigint", "coalesce(sum(x.sum_abs), 0)", "coalesce(sum(x.ref_sum_abs), 0)").
		JoinClause("CROSS JOIN LATERAL (SELECT count(*) AS n, sum(a.abs_error) AS sum_abs, sum(b.abs_error) AS ref_sum_abs" +
			" FROM comparison a JOIN comparison b ON b.model = r.model AND b.lead = a.lead AND b.location = a.location" +
			" AND b.type = a.type AND b.date = a.date" +
			" WHERE a.model = s.model AND a.lead = s.lead AND a.location = s.location AND a.type = s.type" +
			" AND a.error IS NOT NULL AND b.error IS NOT NULL) AS x").
		Where("c.model IS NULL")
}

// refSums runs the reference metrics' queries of cv: the join of its days for a view with dates, else
// the cached series sums and, for the series without a fresh cached row, their days joined; so the
// answer is exact whatever the cache holds, and costs one row per series once aqdash_ref_refresh has
// caught up (see RefreshRefSums).
func refSums(ctx context.Context, db DB, cv CompareView) (n int64, sumModel, sumRef float64, err error) {
	scan := func(q sq.SelectBuilder, extra ...any) error {
		sql, args, err := q.ToSql()
		if err != nil {
			return err
		}
		return db.QueryRow(ctx, sql, args...).Scan(append([]any{&n, &sumModel, &sumRef}, extra...)...)
	}
	if !cv.From.IsZero() || !cv.To.IsZero() {
		q, err := RefMetricsQuery(cv)
		if err != nil {
			return 0, 0, 0, err
		}
		return n, sumModel, sumRef, scan(q)
	}
	var stale int64
	if err := scan(RefSeriesQuery(cv), &stale); err != nil || stale == 0 {
		return n, sumModel, sumRef, err
	}
	n0, m0, r0 := n, sumModel, sumRef
	if err := scan(RefStaleQuery(cv)); err != nil {
		return 0, 0, 0, err
	}
	return n + n0, sumModel + m0, sumRef + r0, nil
}

// RefreshRefSums brings the cached reference sums (compare_ref_series, migration 011) up to date with
// the comparison and returns how many pairs of series it computed; readers are exact either way, and fast
// once it has run. One refresh runs at a time. It may take long after a bulk load (every pair of every
// series): run it outside a request's statement timeout.
func RefreshRefSums(ctx context.Context, db DB) (int64, error) {
	var n int64
	err := db.QueryRow(ctx, "SELECT aqdash_ref_refresh()").Scan(&n)
	return n, err
}

// refMetrics fills m's reference metrics.
func refMetrics(ctx context.Context, db DB, cv CompareView, m *Metrics) error {
	if cv.Ref == "" {
		return fmt.Errorf("queries: no reference model")
	}
	n, sumModel, sumRef, err := refSums(ctx, db, cv)
	if err != nil {
		return err
	}
	m.RefN = n
	if n == 0 {
		return nil
	}
	mae, ref := sumModel/float64(n), sumRef/float64(n)
	m.RefModelMAE, m.RefMAE = &mae, &ref
	if ref != 0 {
		k := 1 - mae/ref
		m.SkillRef = &k
	}
	return nil
}

// LeadMAE is the mean absolute error of a model at one lead over a view's days with both sides.
type LeadMAE struct {
	Lead int
	N    int64
	MAE  *float64
}

// LeadMAEs returns the MAE of cv's model at every lead it has, in lead order, over cv's series and
// dates (its Lead and Match are ignored): the sums of compare_series, or of compare_months and the days
// around them with dates, grouped by lead. No scan of the comparison but the partial months' days.
func LeadMAEs(ctx context.Context, db DB, cv CompareView) ([]LeadMAE, error) {
	sql, args, err := LeadMAEsQuery(cv).ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (LeadMAE, error) {
		var l LeadMAE
		var sum float64
		if err := row.Scan(&l.Lead, &l.N, &sum); err != nil {
			return l, err
		}
		if l.N > 0 {
			mae := sum / float64(l.N)
			l.MAE = &mae
		}
		return l, nil
	})
}

// LeadMAEsQuery builds the query behind LeadMAEs.
func LeadMAEsQuery(cv CompareView) sq.SelectBuilder {
	model, _ := cv.modelLead()
	// The model's leads named (from model_leads, the pairs the comparison keeps), so that each is a
	// probe of the sums' (model, lead, location, type) key rather than a scan of all the model's rows,
	// and the days of a partial month a read of the comparison's (model, lead, type, location, date)
	// key: naming the model alone, a one-series comparison with dates scanned the model's every day
	// (past QUERY_TIMEOUT at 10M rows).
	series := sq.And{sq.Eq{"model": model}, pairsIn("", []string{model}, nil)}
	if w := (View{Locations: cv.Locations, Types: cv.Types}).where(); w != nil {
		series = append(series, w)
	}
	union := seriesSums(series, []string{"lead", "n", "sum_abs"}, cv.From, cv.To)
	return psql.Select("lead", "coalesce(sum(n), 0)::bigint", "coalesce(sum(sum_abs), 0)").
		FromSelect(union, "s").GroupBy("lead").OrderBy("lead")
}

// verifySums are the sums of the continuous scores, as app/verify takes them.
func (t statSums) verifySums() verify.Sums {
	return verify.Sums{N: t.N, SumAbs: t.SumAbs, SumSq: t.SumSq, SumErr: t.SumErr,
		SumA: t.SumAPaired, SumP: t.SumPPaired, SumAA: t.SumAA, SumPP: t.SumPP, SumAP: t.SumAP,
		MAPEN: t.MAPEN, SumPct: t.SumPct, SkillN: t.SkillN, SkillAbs: t.SkillAbs, PersistAbs: t.PersistAbs}
}

// metrics computes the metrics from the sums; every ratio is nil when its denominator is 0.
func (t statSums) metrics() Metrics {
	ratio := func(num float64, den int64) *float64 {
		if den == 0 {
			return nil
		}
		r := num / float64(den)
		return &r
	}
	pct := func(part, whole int64) *float64 { return ratio(100*float64(part), whole) }
	vs := t.verifySums()
	m := Metrics{
		N: t.N, MAE: vs.MAE(), RMSE: vs.RMSE(), Bias: vs.Bias(),
		MAPEN: t.MAPEN, MAPE: vs.MAPE(),
		SkillN: t.SkillN, SkillMAE: ratio(t.SkillAbs, t.SkillN), PersistenceMAE: ratio(t.PersistAbs, t.SkillN),
		Skill: vs.SkillPersistence(),
		BandN: t.BandN, BandAgreement: pct(t.BandAgree, t.BandN),
		PoorActual: t.PoorActual, Hits: t.Hits, HitRate: pct(t.Hits, t.PoorActual),
		PoorPredicted: t.PoorPredicted, FalseAlarms: t.FalseAlarms, FalseAlarmRate: pct(t.FalseAlarms, t.PoorPredicted),
		R: vs.R(), NMB: vs.NMB(), NME: vs.NME(),
		ActualN: t.ActualN, WHODays: t.WHODays,
		SumAPaired: t.SumAPaired, SumPPaired: t.SumPPaired, SumAA: t.SumAA, SumPP: t.SumPP, SumAP: t.SumAP,
		BandPairs: map[string]*[verify.Levels][verify.Levels]int64{},
	}
	for i, s := range BandScales {
		pairs := [verify.Levels][verify.Levels]int64(t.Pairs[i])
		m.BandPairs[s] = &pairs
	}
	return m
}

// SeriesSpan returns the first and last day of one series within [from, to] (a zero bound is open) that
// have either side, for one model at one lead (the measured days are the same for every model):
// two probes of the comparison's primary key. ok is false when there is none.
func SeriesSpan(ctx context.Context, db DB, location, typ, model string, lead int, from, to time.Time) (first, last time.Time, ok bool, err error) {
	v := View{Locations: []string{location}, Types: []string{typ}, From: from, To: to}
	sql, args, err := psql.Select("min(date)", "max(date)").From("comparison").Where(pairWhere(model, lead)).Where(v.where()).ToSql()
	if err != nil {
		return first, last, false, err
	}
	var lo, hi pgtype.Date
	if err := db.QueryRow(ctx, sql, args...).Scan(&lo, &hi); err != nil {
		return first, last, false, err
	}
	return lo.Time, hi.Time, lo.Valid, nil
}

// ChartUnits are the ways a chart groups days: one point per day, per week (Monday to Sunday) or per
// calendar month.
var ChartUnits = []string{"day", "week", "month"}

// Bucket is one day, week or month of one series: where it starts, and the sum and count of its
// measurements and of its predictions.
type Bucket struct {
	Start        time.Time
	SumActual    float64
	Actual       int
	SumPredicted float64
	Predicted    int
}

// SeriesBuckets groups the days of one series within [from, to] (a zero bound is open) by unit (one of
// ChartUnits), in order, leaving out buckets without data: a chart's points. Whole weeks and months come
// summed from compare_weeks and compare_months, so a chart of ten years reads about 520 rows of sums, not
// 3,650 days; only the days of a partial week or month at either end are summed on the spot.
//
// The buckets are those of one model at one lead; the measurements' sums are the same for every model.
func SeriesBuckets(ctx context.Context, db DB, location, typ, model string, lead int, from, to time.Time, unit string) ([]Bucket, error) {
	if !slices.Contains(ChartUnits, unit) {
		return nil, fmt.Errorf("queries: %q is not a chart unit", unit)
	}
	series := sq.And{pairWhere(model, lead), View{Locations: []string{location}, Types: []string{typ}}.where()}
	var q sq.SelectBuilder
	if unit == "day" {
		v := View{Locations: []string{location}, Types: []string{typ}, From: from, To: to}
		q = sq.Select("date", "coalesce(actual, 0)", "(actual IS NOT NULL)::int", "coalesce(predicted, 0)", "(predicted IS NOT NULL)::int").
			From("comparison").Where(pairWhere(model, lead)).Where(v.where())
	} else {
		part := func(table string) sq.SelectBuilder {
			return sq.Select(unit, "coalesce(sum_actual, 0)", "actual_n", "coalesce(sum_predicted, 0)", "predicted_n").
				From(table).Where(series)
		}
		days := func(a, b time.Time, bInclusive bool) sq.SelectBuilder {
			q := sq.Select().Column(sq.Expr("date_trunc(?, date::timestamp)::date", unit)).
				Columns("coalesce(sum(actual), 0)", "count(actual)", "coalesce(sum(predicted), 0)", "count(predicted)").
				From("comparison").Where(series)
			if !a.IsZero() {
				q = q.Where(sq.GtOrEq{"date": a})
			}
			switch {
			case b.IsZero():
			case bInclusive:
				q = q.Where(sq.LtOrEq{"date": b})
			default:
				q = q.Where(sq.Lt{"date": b})
			}
			return q.GroupBy("1")
		}
		q = summedOver(unit, "compare_"+unit+"s", unit, from, to, part, days)
	}
	// The buckets are put in order here, not by the query: sorting ten years' 522 weeks was a fifth of
	// the query's time, and the parts come nearly in order already.
	sql, args, err := q.PlaceholderFormat(sq.Dollar).ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	buckets, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Bucket, error) {
		var b Bucket
		err := row.Scan(&b.Start, &b.SumActual, &b.Actual, &b.SumPredicted, &b.Predicted)
		return b, err
	})
	slices.SortFunc(buckets, func(a, b Bucket) int { return a.Start.Compare(b.Start) })
	return buckets, err
}

// ForecastPoint is one prediction of a forecast run: the day it is for, its lead and its value.
type ForecastPoint struct {
	Date  time.Time
	Lead  int
	Value float64
}

// LatestRun is a model's newest forecast run for one series: the day it was issued (date − lead) and
// its predictions, by lead.
type LatestRun struct {
	Issued time.Time
	Points []ForecastPoint
}

// LatestForecastQuery builds the query behind LatestForecast. The newest issue date is the latest of
// each lead's last predicted day less the lead, each found at the end of the predictions' (model, lead,
// location, type, date) index; the run's predictions are then read from the 31 days after it (the
// longest lead is 30). A few index pages, whatever the series' length.
func LatestForecastQuery(location, typ, model string) sq.SelectBuilder {
	series := sq.Eq{"location": location, "type": typ, "model": model}
	last := psql.Select("max(date)").From(Predictions.name).Where(series).Where("lead = pairs.lead")
	run := psql.Select("max(l.last - pairs.lead) AS issued").From("model_leads pairs").
		JoinClause(last.Prefix("CROSS JOIN LATERAL (").Suffix(") AS l(last)")).
		Where(sq.Eq{"pairs.model": model})
	return psql.Select("date - lead", "date", "lead", "prediction").
		PrefixExpr(run.Prefix("WITH run AS MATERIALIZED (").Suffix(")")).
		From(Predictions.name).Where(series).
		Where("date >= (SELECT issued FROM run) AND date <= (SELECT issued FROM run) + 30").
		Where("date - lead = (SELECT issued FROM run)").
		OrderBy("lead")
}

// LatestForecast returns the newest run of model for one series; ok is false when the model has no
// prediction for it.
func LatestForecast(ctx context.Context, db DB, location, typ, model string) (run LatestRun, ok bool, err error) {
	sql, args, err := LatestForecastQuery(location, typ, model).ToSql()
	if err != nil {
		return run, false, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return run, false, err
	}
	var issued time.Time
	var p ForecastPoint
	_, err = pgx.ForEachRow(rows, []any{&issued, &p.Date, &p.Lead, &p.Value}, func() error {
		run.Issued = issued
		run.Points = append(run.Points, p)
		return nil
	})
	return run, len(run.Points) > 0, err
}

// seriesSums selects cols of the sums kept on write for the series that where picks, over [from, to]:
// one row per series from compare_series when the view has no dates, else the whole months from
// compare_months and the partial months at the ends from the comparison's days.
func seriesSums(where sq.Sqlizer, cols []string, from, to time.Time) sq.SelectBuilder {
	part := func(table string) sq.SelectBuilder {
		return sq.Select(cols...).From(table).Where(where)
	}
	days := func(from, to time.Time, toInclusive bool) sq.SelectBuilder {
		q := part("comparison_days").Where(sq.GtOrEq{"date": from})
		if toInclusive {
			return q.Where(sq.LtOrEq{"date": to})
		}
		return q.Where(sq.Lt{"date": to})
	}
	if from.IsZero() && to.IsZero() {
		return part("compare_series")
	}
	return summedOver("month", "compare_months", "month", from, to, part, days)
}
