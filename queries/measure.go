package queries

import (
	"context"
	"strconv"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
)

// The measurements' period sums (migration 010): measure_months holds, per series and calendar month,
// the days measured, the sum of their values, the days above the WHO guideline and the days in each band
// of each scale. The calendar's year figures and the city ranking read it; the days of a period's partial
// months at either end come from the table itself.

// ScaleKeys lists the scales whose band counts measure_months keeps (its columns naqi_0 … us_epa_5), in
// column order; they are app/aqi's scale keys.
var ScaleKeys = []string{"naqi", "us_epa"}

// bandLevels is the number of bands of every scale (app/aqi.Levels).
const bandLevels = 6

// MeasureSums are the measured days of a period, summed.
type MeasureSums struct {
	// Days counts the days measured; Sum adds their values (the mean is Sum / Days).
	Days int64
	Sum  float64
	// WHODays counts the days above the pollutant's WHO 2021 24-hour guideline (0 without one).
	WHODays int64
	// Bands counts the days in each band, level 0 (best) first, per scale key (ScaleKeys); all zero for a
	// pollutant without bands.
	Bands map[string][bandLevels]int64
}

// sumColumns is the select list of MeasureSums over rows in measure_months' columns (0 over no row).
func sumColumns() []string {
	cols := []string{"coalesce(sum(days), 0)::bigint", "coalesce(sum(sum_value), 0)", "coalesce(sum(who_days), 0)::bigint"}
	for _, k := range ScaleKeys {
		for l := range bandLevels {
			cols = append(cols, "coalesce(sum("+k+"_"+strconv.Itoa(l)+"), 0)::bigint")
		}
	}
	return cols
}

// sumTargets is what a row of sumColumns scans into.
func (m *MeasureSums) sumTargets() []any {
	m.Bands = make(map[string][bandLevels]int64, len(ScaleKeys))
	counts := make([]int64, len(ScaleKeys)*bandLevels) // one allocation for every band's count
	t := make([]any, 0, 3+len(counts))
	t = append(t, &m.Days, &m.Sum, &m.WHODays)
	for i := range counts {
		t = append(t, &counts[i])
	}
	return t
}

// fill copies the band counts sumTargets scanned into m.Bands.
func (m *MeasureSums) fill(t []any) {
	i := 3
	for _, k := range ScaleKeys {
		var b [bandLevels]int64
		for l := range bandLevels {
			b[l] = *t[i].(*int64)
			i++
		}
		m.Bands[k] = b
	}
}

// YearSumsQuery builds the query behind YearSums: the twelve months of one series and year.
func YearSumsQuery(location, typ string, year int) sq.SelectBuilder {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	return psql.Select(sumColumns()...).From("measure_months").
		Where(sq.Eq{"location": location, "type": typ}).
		Where("month >= ? AND month < ?", from, from.AddDate(1, 0, 0))
}

// YearSums sums one series' measurements of one calendar year from measure_months.
func YearSums(ctx context.Context, db DB, location, typ string, year int) (MeasureSums, error) {
	var m MeasureSums
	sql, args, err := YearSumsQuery(location, typ, year).ToSql()
	if err != nil {
		return m, err
	}
	t := m.sumTargets()
	if err := db.QueryRow(ctx, sql, args...).Scan(t...); err != nil {
		return m, err
	}
	m.fill(t)
	return m, nil
}

// MeasureYearsQuery builds the query behind MeasureYears.
func MeasureYearsQuery(location, typ string) sq.SelectBuilder {
	return psql.Select("DISTINCT extract(year FROM month)::int").From("measure_months").
		Where(sq.Eq{"location": location, "type": typ}).OrderBy("1")
}

// MeasureYears lists the calendar years in which a series has a measurement, in order.
func MeasureYears(ctx context.Context, db DB, location, typ string) ([]int, error) {
	sql, args, err := MeasureYearsQuery(location, typ).ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

// CalendarDay is one day of a series: its measurement and one model's prediction, either may be missing.
type CalendarDay struct {
	Date      time.Time
	Value     *float64
	Predicted *float64
}

// CalendarDaysQuery builds the query behind CalendarDays.
func CalendarDaysQuery(location, typ string, year int, model string, lead int) sq.SelectBuilder {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	h := psql.Select("date", "value").From(Historic.name).
		Where(sq.Eq{"location": location, "type": typ}).Where("date >= ? AND date < ?", from, to)
	p := psql.Select("date", "prediction").From(Predictions.name).
		Where(sq.Eq{"location": location, "type": typ, "model": model, "lead": lead}).Where("date >= ? AND date < ?", from, to)
	return psql.Select("date", "h.value", "p.prediction").
		FromSelect(h, "h").
		JoinClause(p.Prefix("FULL JOIN (").Suffix(") p USING (date)")).
		OrderBy("date")
}

// CalendarDays lists the days of one series and calendar year that have a measurement or a prediction
// of model at lead, in date order: at most 366 rows, read through the two tables' primary keys.
func CalendarDays(ctx context.Context, db DB, location, typ string, year int, model string, lead int) ([]CalendarDay, error) {
	sql, args, err := CalendarDaysQuery(location, typ, year, model, lead).ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (CalendarDay, error) {
		var d CalendarDay
		err := row.Scan(&d.Date, &d.Value, &d.Predicted)
		return d, err
	})
}

// LastMeasuredQuery builds the query behind LastMeasured.
func LastMeasuredQuery(typ string) sq.SelectBuilder {
	return psql.Select("max(last)").From("series_stats").Where(sq.Eq{"tbl": Historic.Key, "type": typ})
}

// LastMeasured is the last day any location measured the pollutant typ (series_stats); ok is false when
// none did.
func LastMeasured(ctx context.Context, db DB, typ string) (last time.Time, ok bool, err error) {
	sql, args, err := LastMeasuredQuery(typ).ToSql()
	if err != nil {
		return last, false, err
	}
	var d *time.Time
	if err := db.QueryRow(ctx, sql, args...).Scan(&d); err != nil {
		return last, false, err
	}
	if d == nil {
		return last, false, nil
	}
	return *d, true, nil
}

// RankRow is one location's figures for one pollutant over a period.
type RankRow struct {
	Location string
	MeasureSums
	// LatestDate and LatestValue are the location's last measurement within the period.
	LatestDate  time.Time
	LatestValue float64
}

// Mean is the mean of the period's measured days.
func (r RankRow) Mean() float64 { return r.Sum / float64(r.Days) }

// wholeMonths splits the period [from, to] into the whole calendar months inside it, [wf, wt), and the
// days at either end outside them: [from, wf) and [wt, to]. Without a whole month inside, wf == wt
// and the head is the whole period.
func wholeMonths(from, to time.Time) (wf, wt time.Time) {
	wf = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	if !wf.Equal(from) {
		wf = wf.AddDate(0, 1, 0)
	}
	wt = time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC)
	if to.AddDate(0, 0, 1).Day() == 1 { // to is its month's last day
		wt = wt.AddDate(0, 1, 0)
	}
	if !wf.Before(wt) {
		return to.AddDate(0, 0, 1), to.AddDate(0, 0, 1)
	}
	return wf, wt
}

// rankDays selects the measured days of typ in [from, until) as rows of measure_months' sums.
func rankDays(typ string, from, until time.Time) sq.SelectBuilder {
	cols := []string{"s.location", "1::bigint AS days", "d.value AS sum_value", "d.who::bigint AS who_days"}
	for _, k := range ScaleKeys {
		for l := range bandLevels {
			n := k + "_" + strconv.Itoa(l)
			cols = append(cols, "coalesce((d."+k+" = "+strconv.Itoa(l)+")::int, 0)::bigint AS "+n)
		}
	}
	cols = append(cols, "d.date AS last_date", "d.value AS last_value")
	return psql.Select(cols...).From("series_stats s").
		JoinClause("JOIN aqdash_measure_days d ON d.location = s.location AND d.type = s.type").
		Where(sq.Eq{"s.tbl": Historic.Key, "s.type": typ}).
		Where("d.date >= ? AND d.date < ?", from, until)
}

// RankingQuery builds the query behind Ranking.
func RankingQuery(typ string, from, to time.Time) sq.SelectBuilder {
	wf, wt := wholeMonths(from, to)
	end := to.AddDate(0, 0, 1)
	cols := []string{"location", "days", "sum_value", "who_days"}
	for _, k := range ScaleKeys {
		for l := range bandLevels {
			cols = append(cols, k+"_"+strconv.Itoa(l))
		}
	}
	cols = append(cols, "last_date", "last_value")
	// Only the parts the period has: a range that is always empty (a period starting on the 1st) would
	// still be planned, and a generic plan of it may not see that it is empty.
	var parts []sq.SelectBuilder
	if head := minTime(wf, end); from.Before(head) {
		parts = append(parts, rankDays(typ, from, head))
	}
	if wf.Before(wt) {
		parts = append(parts, psql.Select(cols...).From("measure_months").
			Where(sq.Eq{"type": typ}).Where("month >= ? AND month < ?", wf, wt))
		if wt.Before(end) {
			parts = append(parts, rankDays(typ, wt, end))
		}
	}
	if len(parts) == 0 { // from after to: an empty period, still a valid query
		parts = append(parts, rankDays(typ, from, end))
	}
	union := parts[0]
	for _, p := range parts[1:] {
		union = union.Suffix("UNION ALL").SuffixExpr(p)
	}
	// The latest measurement is the greatest (day, value) pair of the parts' last days (migration 016):
	// no probe of the table per location.
	sums := append([]string{"location"}, sumColumns()...)
	sums = append(sums, "max(last_date)", "(max(ARRAY[(last_date - DATE '2000-01-01')::float8, last_value]))[2]")
	return psql.Select(sums...).FromSelect(union, "p").GroupBy("location").OrderBy("location")
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Ranking sums every location's measurements of typ between from and to (both included): whole months
// from measure_months, the days of the partial months at either end from the table. Locations without a
// measured day in the period are left out; rows are in location order.
func Ranking(ctx context.Context, db DB, typ string, from, to time.Time) ([]RankRow, error) {
	sql, args, err := RankingQuery(typ, from, to).ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (RankRow, error) {
		var r RankRow
		t := r.sumTargets()
		dst := make([]any, 0, len(t)+3)
		dst = append(append(append(dst, &r.Location), t...), &r.LatestDate, &r.LatestValue)
		if err := row.Scan(dst...); err != nil {
			return r, err
		}
		r.fill(t)
		return r, nil
	})
}
