package queries

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"

	"github.com/aqdash/aqdash/app/verify"
)

// AccuracyBys are the ways /accuracy groups the comparison, in display order: by series keys, by
// model and lead, and by calendar (year, month of the year across years, India's seasons as IMD
// defines them).
var AccuracyBys = []string{"location", "type", "model", "lead", "year", "month", "season"}

// Seasons are the IMD seasons, in calendar order: winter Jan–Feb, pre-monsoon Mar–May, monsoon
// Jun–Sep, post-monsoon Oct–Dec.
var Seasons = []string{"winter", "pre_monsoon", "monsoon", "post_monsoon"}

// SeasonOf is the IMD season of a calendar month (1–12).
func SeasonOf(month int) string {
	switch {
	case month <= 2:
		return "winter"
	case month <= 5:
		return "pre_monsoon"
	case month <= 9:
		return "monsoon"
	}
	return "post_monsoon"
}

// AccuracySortKeys lists the metrics an accuracy table may be sorted by besides its group keys.
var AccuracySortKeys = []string{"n", "mae", "rmse", "bias", "r", "nmb", "nme", "mape", "skill_persistence", "skill_ref",
	"hits", "misses", "false_alarms", "correct_negatives", "pod", "far", "pofd", "csi", "freq_bias", "hss"}

// AccuracyView is a breakdown of the comparison: its days filtered as a comparison's (View's
// locations, pollutants and dates; Models and Leads, several allowed), grouped by one or two of
// AccuracyBys, sorted (View.Sort, View.Desc) and paged (View.Page, View.Size).
type AccuracyView struct {
	View
	By     []string
	Models []string
	Leads  []int
	// Ref, when set, adds each group's skill against that model at the same lead, over the days both
	// models and a measurement have.
	Ref string
	// Scale is the AQI scale of the threshold scores (a BandScales key) and Threshold the level (1–5)
	// at or above which a day is an event.
	Scale     string
	Threshold int
}

// ValidBy reports whether b is one of AccuracyBys.
func ValidBy(b string) bool { return slices.Contains(AccuracyBys, b) }

// SortKeys lists the columns the view may be sorted by: its group keys, then the metrics.
func (av AccuracyView) SortKeys() []string {
	return append(slices.Clone(av.By), AccuracySortKeys...)
}

// ValidSort reports whether key is one of SortKeys.
func (av AccuracyView) ValidSort(key string) bool { return slices.Contains(av.SortKeys(), key) }

// AccuracyGroup is one row of a breakdown: its keys (those of the view's By; the others are zero) and
// the metrics of its days.
type AccuracyGroup struct {
	Location, Type, Model string
	Lead, Year, Month     int
	Season                string
	Metrics
	// Contingency is the threshold's table over the group's banded days on the view's scale; nil when
	// the group has none (no PM2.5 or PM10 day with both sides).
	Contingency *verify.Contingency
}

// Key is the group's value of one by, as text ("Delhi", "3", "winter").
func (g AccuracyGroup) Key(by string) string {
	switch by {
	case "location":
		return g.Location
	case "type":
		return g.Type
	case "model":
		return g.Model
	case "lead":
		return fmt.Sprint(g.Lead)
	case "year":
		return fmt.Sprint(g.Year)
	case "month":
		return fmt.Sprint(g.Month)
	case "season":
		return g.Season
	}
	return ""
}

// Value is the group's figure for a metric sort key; nil when it has none.
func (g AccuracyGroup) Value(key string) *float64 {
	f := func(n int64) *float64 { v := float64(n); return &v }
	c := g.Contingency
	switch key {
	case "n":
		return f(g.N)
	case "mae":
		return g.MAE
	case "rmse":
		return g.RMSE
	case "bias":
		return g.Bias
	case "r":
		return g.R
	case "nmb":
		return g.NMB
	case "nme":
		return g.NME
	case "mape":
		return g.MAPE
	case "skill_persistence":
		return g.Skill
	case "skill_ref":
		return g.SkillRef
	}
	if c == nil {
		return nil
	}
	switch key {
	case "hits":
		return f(c.Hits)
	case "misses":
		return f(c.Misses)
	case "false_alarms":
		return f(c.FalseAlarms)
	case "correct_negatives":
		return f(c.CorrectNegatives)
	case "pod":
		return c.POD()
	case "far":
		return c.FAR()
	case "pofd":
		return c.POFD()
	case "csi":
		return c.CSI()
	case "freq_bias":
		return c.FreqBias()
	case "hss":
		return c.HSS()
	}
	return nil
}

// AccuracyPage is one page of a breakdown and how many groups it has in all.
type AccuracyPage struct {
	Groups []AccuracyGroup
	Total  int64
	// BandPairs sums the band pairs of every group (all pages) of the view's scale: the view's
	// confusion matrix.
	BandPairs verify.Matrix
}

// byExpr is the SQL of a by over rows with model, lead, location, type and month columns (prefix
// qualifies them: "" or "a.").
func byExpr(by, prefix string) string {
	switch by {
	case "year":
		return "extract(year FROM " + prefix + "month)::int"
	case "month":
		return "extract(month FROM " + prefix + "month)::int"
	case "season":
		return "CASE WHEN extract(month FROM " + prefix + "month) <= 2 THEN 'winter' WHEN extract(month FROM " + prefix +
			"month) <= 5 THEN 'pre_monsoon' WHEN extract(month FROM " + prefix + "month) <= 9 THEN 'monsoon' ELSE 'post_monsoon' END"
	}
	return prefix + by
}

// calendarBy reports whether bys holds a by of the calendar, which needs monthly sums.
func calendarBy(bys []string) bool {
	return slices.ContainsFunc(bys, func(b string) bool { return b == "year" || b == "month" || b == "season" })
}

// seriesWhere is the condition on the sums' series columns. The (model, lead) pairs are named from
// model_leads even when the view leaves the model or the lead open (by model, by lead), so that the
// days of a partial month are read through the comparison's (model, lead, type, location, date) index,
// pair by pair: without them a breakdown by lead of one series over a date range scanned the model's
// every day (past QUERY_TIMEOUT at 10M rows).
func (av AccuracyView) seriesWhere() sq.And {
	w := sq.And{}
	if len(av.Models) > 0 {
		w = append(w, sq.Eq{"model": oneOrMany(av.Models)})
	}
	if len(av.Leads) > 0 {
		w = append(w, sq.Eq{"lead": av.Leads})
	}
	w = append(w, av.pairsIn(""))
	if x := (View{Locations: av.Locations, Types: av.Types}).where(); x != nil {
		w = append(w, x)
	}
	return w
}

// pairsIn is the condition that the rows' (model, lead) (columns qualified by prefix: "" or "a.") be
// one of the view's pairs in model_leads.
func (av AccuracyView) pairsIn(prefix string) sq.Sqlizer { return pairsIn(prefix, av.Models, av.Leads) }

// pairsIn is the condition that the rows' (model, lead) (columns qualified by prefix) be a pair of
// model_leads, of models and leads when given: with the pairs named, the comparison and its sums are
// read by their (model, lead, …) keys, pair by pair, also where a view leaves the model or the lead open.
func pairsIn(prefix string, models []string, leads []int) sq.Sqlizer {
	pairs := sq.Select("model", "lead").From("model_leads")
	if len(models) > 0 {
		pairs = pairs.Where(sq.Eq{"model": oneOrMany(models)})
	}
	if len(leads) > 0 {
		pairs = pairs.Where(sq.Eq{"lead": leads})
	}
	return sq.Expr("("+prefix+"model, "+prefix+"lead) IN (?)", pairs)
}

// AccuracyQuery builds the query behind Accuracy: the statistics summed per group, over compare_series
// when the view has neither dates nor a calendar by, else over compare_months' whole months and the
// partial months' days (comparison_days, each with its month), so a breakdown of every series is a sum
// over one row per series (and month), whatever the size of the comparison. Groups without a day with
// both sides are left out. Rows come in group-key order.
//
// Only the rows with a day with both sides are summed (n > 0; compare_series' partial index of
// migration 017 finds them), and only the statistics of those days (pairedStatColumns, the band pairs
// of av.Scale): the series without predictions, three quarters of compare_series at 10M rows, add
// nothing to a breakdown. The groups' Metrics therefore leave ActualN and WHODays at 0.
func AccuracyQuery(av AccuracyView) (sq.SelectBuilder, error) {
	if len(av.By) == 0 || len(av.By) > 2 {
		return sq.SelectBuilder{}, fmt.Errorf("queries: an accuracy breakdown has one or two bys, not %d", len(av.By))
	}
	for _, b := range av.By {
		if !ValidBy(b) {
			return sq.SelectBuilder{}, fmt.Errorf("queries: %q is not a by of the accuracy breakdown", b)
		}
	}
	scale := slices.Index(BandScales, av.Scale)
	if scale < 0 {
		return sq.SelectBuilder{}, fmt.Errorf("queries: %q is not an AQI scale of the sums", av.Scale)
	}
	stats := pairedStatColumns(scale)
	where := append(av.seriesWhere(), sq.Gt{"n": 0})
	var union sq.SelectBuilder
	if av.From.IsZero() && av.To.IsZero() && !calendarBy(av.By) {
		union = sq.Select(append([]string{"model", "lead", "location", "type"}, stats...)...).From("compare_series").Where(where)
	} else {
		cols := append([]string{"model", "lead", "location", "type", "month"}, stats...)
		part := func(table string) sq.SelectBuilder { return sq.Select(cols...).From(table).Where(where) }
		days := func(a, b time.Time, bInclusive bool) sq.SelectBuilder {
			dc := append([]string{"model", "lead", "location", "type", "date_trunc('month', date::timestamp)::date AS month"}, stats...)
			q := sq.Select(dc...).From("comparison_days").Where(where)
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
			return q
		}
		union = summedOver("month", "compare_months", "month", av.From, av.To, part, days)
	}
	keys := make([]string, len(av.By))
	for i, b := range av.By {
		keys[i] = byExpr(b, "")
	}
	group := make([]string, len(keys))
	for i := range keys {
		group[i] = fmt.Sprint(i + 1)
	}
	return psql.Select(append(keys, summed(stats)...)...).FromSelect(union, "s").
		GroupBy(group...).Having("sum(n) > 0").OrderBy(group...), nil
}

// accuracyRefQuery builds the equalized reference sums of every group: the view's comparison rows with
// an error joined on the reference model's row of the same series, day and lead with an error too
// (the rows, not sums, as RefMetricsQuery).
func accuracyRefQuery(av AccuracyView) sq.SelectBuilder {
	w := append(sq.And{sq.NotEq{"a.error": nil}, sq.NotEq{"b.error": nil}, av.pairsIn("a.")},
		View{Locations: av.Locations, Types: av.Types, Models: av.Models, Leads: av.Leads, From: av.From, To: av.To}.whereOn("a")...)
	inner := psql.Select("a.model", "a.lead", "a.location", "a.type", "date_trunc('month', a.date::timestamp)::date AS month",
		"a.abs_error AS model_abs", "b.abs_error AS ref_abs").
		From("comparison a").
		Join("comparison b ON b.model = ? AND b.lead = a.lead AND b.location = a.location AND b.type = a.type AND b.date = a.date", av.Ref).
		Where(w)
	keys := make([]string, len(av.By))
	group := make([]string, len(av.By))
	for i, b := range av.By {
		keys[i] = byExpr(b, "")
		group[i] = fmt.Sprint(i + 1)
	}
	return psql.Select(append(keys, "count(*)", "coalesce(sum(model_abs), 0)", "coalesce(sum(ref_abs), 0)")...).
		FromSelect(inner, "r").GroupBy(group...)
}

// scanKeys returns scan targets for the by columns of a row into g.
func scanKeys(g *AccuracyGroup, bys []string) []any {
	out := make([]any, len(bys))
	for i, b := range bys {
		switch b {
		case "location":
			out[i] = &g.Location
		case "type":
			out[i] = &g.Type
		case "model":
			out[i] = &g.Model
		case "lead":
			out[i] = &g.Lead
		case "year":
			out[i] = &g.Year
		case "month":
			out[i] = &g.Month
		case "season":
			out[i] = &g.Season
		}
	}
	return out
}

// groupKey is a group's keys joined, to match the reference sums to their group.
func groupKey(g AccuracyGroup, bys []string) string {
	parts := make([]string, len(bys))
	for i, b := range bys {
		parts[i] = g.Key(b)
	}
	return strings.Join(parts, "\x00")
}

// Accuracy returns one page of a breakdown (every group when Size is 0), sorted by av.Sort (a group
// key or one of AccuracySortKeys) in av.Desc's direction, groups without that figure last, ties by
// the group keys ascending; and how many groups there are. The groups' metrics come from the sums
// (AccuracyQuery); the threshold scores from the band pairs of av.Scale at av.Threshold.
func Accuracy(ctx context.Context, db DB, av AccuracyView) (AccuracyPage, error) {
	var page AccuracyPage
	scale := slices.Index(BandScales, av.Scale)
	if scale < 0 {
		return page, fmt.Errorf("queries: %q is not an AQI scale of the sums", av.Scale)
	}
	if av.Threshold < 1 || av.Threshold >= verify.Levels {
		return page, fmt.Errorf("queries: %d is not a threshold level", av.Threshold)
	}
	if !av.ValidSort(av.Sort) {
		return page, fmt.Errorf("queries: %q is not a sort column of the accuracy breakdown", av.Sort)
	}
	q, err := AccuracyQuery(av)
	if err != nil {
		return page, err
	}
	at := statIndexes(pairedStatColumns(scale))
	sql, args, err := q.ToSql()
	if err != nil {
		return page, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return page, err
	}
	groups, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (AccuracyGroup, error) {
		var g AccuracyGroup
		var t statSums
		if err := row.Scan(append(scanKeys(&g, av.By), t.targetsAt(at)...)...); err != nil {
			return g, err
		}
		g.Metrics = t.metrics()
		pairs := t.Pairs[scale]
		if pairs.Total() > 0 {
			c := verify.At(&pairs, av.Threshold)
			g.Contingency = &c
		}
		return g, nil
	})
	if err != nil {
		return page, err
	}
	if av.Ref != "" {
		if err := accuracyRef(ctx, db, av, groups); err != nil {
			return page, err
		}
	}
	for _, g := range groups {
		for a := range verify.Levels {
			for p := range verify.Levels {
				page.BandPairs[a][p] += g.BandPairs[av.Scale][a][p]
			}
		}
	}
	sortGroups(groups, av)
	page.Total = int64(len(groups))
	if av.Size > 0 {
		lo := min(int(av.Offset()), len(groups))
		groups = groups[lo:min(lo+av.Size, len(groups))]
	}
	page.Groups = groups
	return page, nil
}

// accuracyRef fills the groups' reference metrics.
func accuracyRef(ctx context.Context, db DB, av AccuracyView, groups []AccuracyGroup) error {
	sql, args, err := accuracyRefQuery(av).ToSql()
	if err != nil {
		return err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	type refSums struct {
		n             int64
		model, refAbs float64
	}
	byKey := map[string]refSums{}
	var g AccuracyGroup
	var r refSums
	_, err = pgx.ForEachRow(rows, append(scanKeys(&g, av.By), &r.n, &r.model, &r.refAbs), func() error {
		byKey[groupKey(g, av.By)] = r
		return nil
	})
	if err != nil {
		return err
	}
	for i := range groups {
		r, ok := byKey[groupKey(groups[i], av.By)]
		if !ok || r.n == 0 {
			continue
		}
		m := &groups[i].Metrics
		m.RefN = r.n
		mae, ref := r.model/float64(r.n), r.refAbs/float64(r.n)
		m.RefModelMAE, m.RefMAE = &mae, &ref
		m.SkillRef = verify.Skill(r.model, r.refAbs, r.n)
	}
	return nil
}

// compareKeys orders two groups by their keys, ascending: numbers as numbers, seasons in calendar order.
func compareKeys(x, y AccuracyGroup, bys []string) int {
	for _, b := range bys {
		var c int
		switch b {
		case "lead":
			c = cmp.Compare(x.Lead, y.Lead)
		case "year":
			c = cmp.Compare(x.Year, y.Year)
		case "month":
			c = cmp.Compare(x.Month, y.Month)
		case "season":
			c = cmp.Compare(slices.Index(Seasons, x.Season), slices.Index(Seasons, y.Season))
		default:
			c = strings.Compare(x.Key(b), y.Key(b))
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// sortGroups sorts groups by av.Sort: a group key puts that key first (in av.Desc's direction), the
// other keys after it ascending; a metric sorts by its value (groups without one last in either
// direction), ties by the group keys ascending.
func sortGroups(groups []AccuracyGroup, av AccuracyView) {
	dir := 1
	if av.Desc {
		dir = -1
	}
	if slices.Contains(av.By, av.Sort) {
		rest := slices.DeleteFunc(slices.Clone(av.By), func(b string) bool { return b == av.Sort })
		slices.SortStableFunc(groups, func(x, y AccuracyGroup) int {
			return cmp.Or(dir*compareKeys(x, y, []string{av.Sort}), compareKeys(x, y, rest))
		})
		return
	}
	slices.SortStableFunc(groups, func(x, y AccuracyGroup) int {
		a, b := x.Value(av.Sort), y.Value(av.Sort)
		switch {
		case a == nil && b == nil:
		case a == nil:
			return 1
		case b == nil:
			return -1
		default:
			if c := cmp.Compare(*a, *b); c != 0 {
				return dir * c
			}
		}
		return compareKeys(x, y, av.By)
	})
}
