package main

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/age"

	"github.com/aqdash/aqdash/queries"
)

// comparePage is the data of pages/compare, pages/home and partials/compare.
type comparePage struct {
	pageData
	// Base is the path the view's links and forms go to: /compare, or / on the dashboard.
	Base     string
	View     queries.CompareView
	Rows     []compareRowView
	Total    int64
	Pages    int64
	Describe string
	Metrics  metricsView
	viewControls
	// Matches are the choices of which days to list.
	Matches []option
	Legends []typeLegend
	// Chart is nil when there is nothing to draw; ChartNote then says why, or says which series it
	// shows when several are chosen.
	Chart     *chart
	ChartNote string
	// Dashboard is the home page's form of the view: one location and one pollutant, with the latest
	// measurement.
	Dashboard bool
	Latest    *latestView
	// LatestFor names the dashboard's series ("PM2.5 in Hyderabad") for when it has no measurement.
	LatestFor string
	// NoData is true when both tables are empty.
	NoData bool
}

// compareRowView is one row of the comparison as the table shows it: numbers formatted, "" when missing.
type compareRowView struct {
	Date                            time.Time
	Location, Type, Unit            string
	Actual, Predicted               string
	Error, AbsError, PctError       string
	ActualBand, PredBand            *bandView
	MissingActual, MissingPredicted bool
}

// latestView is the dashboard's latest measurement.
type latestView struct {
	Date           time.Time
	Location, Type string
	Value, Unit    string
	Band           *bandView
	// Ago says how old the measurement is ("6 years ago") when that is more than two days; else "".
	Ago string
}

// matchLabels name the choices of the match select.
var matchLabels = map[queries.Match]string{
	queries.MatchBoth:              "Days with both",
	queries.MatchAll:               "All days",
	queries.MatchMissingActual:     "Days missing a measurement",
	queries.MatchMissingPrediction: "Days missing a prediction",
}

// parseCompare reads a comparison's state from the query string: parseView's parameters and match.
func parseCompare(c *fiber.Ctx) (queries.CompareView, error) {
	cv, errs := parseCompareAll(c)
	if len(errs) > 0 {
		return cv, errs[0].err
	}
	return cv, nil
}

// parseCompareAll is parseCompare that goes on past a bad parameter, as parseViewAll does.
func parseCompareAll(c *fiber.Ctx) (queries.CompareView, []fieldError) {
	v, errs := parseViewAll(c, queries.Comparison{})
	// The comparison pages by number: its sort keys include computed columns, which keyset cursors do
	// not cover.
	if v.After != nil || v.Before != nil {
		name := "after"
		if v.Before != nil {
			name = "before"
		}
		errs = append(errs, fieldError{name, badParam(name, "the comparison pages by number; use page")})
		v.After, v.Before = nil, nil
	}
	cv := queries.CompareView{View: v, Match: queries.MatchBoth}
	if m := strings.TrimSpace(c.Query("match")); m != "" {
		// A copy: c.Query points into the request's buffer, and the view outlives the handler in a CSV
		// export's stream writer.
		if match := queries.Match(strings.Clone(m)); match.Valid() {
			cv.Match = match
		} else {
			names := make([]string, len(queries.Matches))
			for i, m := range queries.Matches {
				names[i] = string(m)
			}
			errs = append(errs, fieldError{"match", badParam("match", "%q is not a kind of match; use one of %s", m, strings.Join(names, ", "))})
		}
	}
	return cv, errs
}

// compareQuery writes a comparison back as a canonical query string: viewQuery's, and match unless it
// is the default.
func compareQuery(cv queries.CompareView) url.Values {
	q := viewQuery(cv.View)
	if cv.Match != queries.MatchBoth {
		q.Set("match", string(cv.Match))
	}
	return q
}

// compareURL is base with the comparison's query string.
func compareURL(base string, cv queries.CompareView) string {
	if q := compareQuery(cv).Encode(); q != "" {
		return base + "?" + q
	}
	return base
}

// showCompare is the comparison of measurements and predictions: a chart, the metrics strip and one
// page of the joined rows, sorted and filtered.
func (s *server) showCompare(c *fiber.Ctx) error {
	cv, errs := parseCompareAll(c)
	if len(errs) > 0 {
		return s.invalidCompare(c, "/compare", "pages/compare", cv, errs, false)
	}
	p, err := s.comparePage(c, "/compare", cv, false)
	if err != nil {
		return err
	}
	title := "Compare"
	if p.Describe != "" {
		title += " · " + p.Describe
	}
	p.pageData = s.newPage(c, title)
	return s.renderCompare(c, "pages/compare", p)
}

// renderCompare answers with the page, or for an htmx swap the fragment, and has htmx push the view's
// canonical URL rather than the form's every field.
func (s *server) renderCompare(c *fiber.Ctx, page string, p comparePage) error {
	pushCanonical(c, p.SelfURL)
	return s.render(c, fiber.StatusOK, page, "partials/compare", p)
}

// comparePage runs a comparison's queries and builds its page data (all but pageData). On the dashboard
// a view without a location or pollutant gets the dashboard's defaults first.
func (s *server) comparePage(c *fiber.Ctx, base string, cv queries.CompareView, dashboard bool) (comparePage, error) {
	ctx, cancel := s.queryContext(c)
	defer cancel()
	p := comparePage{Base: base, Dashboard: dashboard}
	locs, types, err := s.listOptions(ctx)
	if err != nil {
		return p, err
	}
	if dashboard {
		if err := s.dashboardDefaults(ctx, &cv, locs, types); err != nil {
			return p, err
		}
	}
	p.NoData = len(locs) == 0 && len(types) == 0
	p.View = cv
	rows, err := queries.CompareRows(ctx, s.db, cv)
	if err != nil {
		return p, err
	}
	sum, err := queries.Summarize(ctx, s.db, cv)
	if err != nil {
		return p, err
	}
	v := cv.View
	p.Total = sum.Total
	p.Pages = max(1, (sum.Total+int64(v.Size)-1)/int64(v.Size))
	p.Describe = describe(v)
	if types, err = s.typesFor(ctx, v.Locations, types); err != nil {
		return p, err
	}
	p.viewControls = newViewControls(base, v, locs, types)
	if err := s.setDateBounds(ctx, &p.viewControls, []queries.Table{queries.Historic, queries.Predictions}, v); err != nil {
		return p, err
	}
	p.SelfURL = compareURL(base, cv)
	p.Legends = legendsFor(v.Types)
	p.Metrics = newMetricsView(sum.Metrics, cv, p.SingleType)
	for _, r := range rows {
		p.Rows = append(p.Rows, newCompareRowView(r, p.SingleType == ""))
	}
	for _, m := range queries.Matches {
		p.Matches = append(p.Matches, option{string(m), matchLabels[m], m == cv.Match})
	}
	p.Columns = compareColumns(base, cv, p.SingleType)
	at := func(page int64) string { w := cv; w.Page = int(page); return compareURL(base, w) }
	if v.Page > 1 {
		p.PrevURL = at(min(int64(v.Page-1), p.Pages))
		p.FirstURL = at(1)
	}
	if int64(v.Page) < p.Pages {
		p.NextURL = at(int64(v.Page + 1))
		p.LastURL = at(p.Pages)
	}
	q := compareQuery(cv)
	p.JSONURL = "/compare.json?" + q.Encode()
	q.Del("page")
	q.Del("size")
	p.CSVURL = "/compare.csv?" + q.Encode()
	p.JSONURL, p.CSVURL = strings.TrimSuffix(p.JSONURL, "?"), strings.TrimSuffix(p.CSVURL, "?")

	// The chart draws one series: the first chosen location and pollutant.
	switch {
	case len(v.Locations) == 0 && len(v.Types) == 0:
		p.ChartNote = "Choose a location and a pollutant to see their chart."
	case len(v.Locations) == 0:
		p.ChartNote = "Choose a location to see its chart."
	case len(v.Types) == 0:
		p.ChartNote = "Choose a pollutant to see its chart."
	default:
		loc, typ := v.Locations[0], v.Types[0]
		if p.Chart, err = s.seriesChart(ctx, loc, typ, v.From, v.To); err != nil {
			return p, err
		}
		var several []string
		if len(v.Locations) > 1 {
			several = append(several, "the first of "+strconv.Itoa(len(v.Locations))+" chosen locations")
		}
		if len(v.Types) > 1 {
			several = append(several, "the first of "+strconv.Itoa(len(v.Types))+" chosen pollutants")
		}
		switch {
		case p.Chart == nil:
			p.ChartNote = "No measurements or predictions of " + pollutantLabel(typ) + " in " + loc + " to chart in this range."
		case len(several) > 0:
			p.ChartNote = "The chart shows " + loc + " · " + pollutantLabel(typ) + " only: " + strings.Join(several, " and ") + "."
		}
	}
	if dashboard && len(v.Locations) > 0 && len(v.Types) > 0 {
		p.LatestFor = pollutantLabel(v.Types[0]) + " in " + v.Locations[0]
		lv := queries.View{Locations: v.Locations[:1], Types: v.Types[:1], From: v.From, To: v.To, Sort: "date", Desc: true, Page: 1, Size: 1}
		latest, err := queries.ListRows(ctx, s.db, queries.Historic, lv)
		if err != nil {
			return p, err
		}
		if len(latest) == 1 {
			r := latest[0]
			p.Latest = &latestView{Date: r.Date, Location: r.Location, Type: r.Type, Value: formatNumber(r.Value),
				Unit: pollutantUnit(r.Type), Band: bandFor(r.Type, &r.Value), Ago: age.Ago(r.Date, s.clock())}
		}
	}
	return p, nil
}

// seriesChart builds the chart of one series over [from, to] (a zero bound is where its data starts or
// ends), its points summed by the database; nil when the series has no day there.
func (s *server) seriesChart(ctx context.Context, loc, typ string, from, to time.Time) (*chart, error) {
	first, last, ok, err := queries.SeriesSpan(ctx, s.db, loc, typ, from, to)
	if err != nil || !ok {
		return nil, err
	}
	start, end := from, to
	if start.IsZero() {
		start = first
	}
	if end.IsZero() {
		end = last
	}
	step := chartStepFor(start, end)
	buckets, err := queries.SeriesBuckets(ctx, s.db, loc, typ, start, end, step.unit())
	if err != nil {
		return nil, err
	}
	return buildChart(loc, typ, start, end, step, []chartModel{{Rows: buckets}}), nil
}

// newCompareRowView formats one row; withUnit puts the unit beside values when pollutants are mixed.
func newCompareRowView(r queries.CompareRow, withUnit bool) compareRowView {
	out := compareRowView{
		Date: r.Date, Location: r.Location, Type: r.Type,
		Actual: optNumber(r.Actual), Predicted: optNumber(r.Predicted),
		Error: signed(r.Error), AbsError: optNumber(r.AbsError), PctError: signed(r.PctError),
		ActualBand: bandFor(r.Type, r.Actual), PredBand: bandFor(r.Type, r.Predicted),
		MissingActual: r.Actual == nil, MissingPredicted: r.Predicted == nil,
	}
	if withUnit {
		out.Unit = pollutantUnit(r.Type)
	}
	if out.PctError != "" {
		out.PctError += " %"
	}
	return out
}

// optNumber formats a number that may be missing: "" when it is.
func optNumber(v *float64) string {
	if v == nil {
		return ""
	}
	return formatNumber(*v)
}

// signed formats a difference with its sign, a true minus for negatives: "+3.20", "−1.05".
func signed(v *float64) string {
	switch {
	case v == nil:
		return ""
	case *v > 0:
		return "+" + formatNumber(*v)
	case *v < 0:
		return "−" + formatNumber(-*v)
	}
	return formatNumber(0)
}

// compareColumns builds the comparison's headers: each links to the view sorted by it (page 1), and a
// click on the sorted column flips its direction.
func compareColumns(base string, cv queries.CompareView, singleType string) []column {
	labels := map[string]string{
		"date": "Date", "location": "Location", "type": "Pollutant", "actual": "Measured", "predicted": "Predicted",
		"error": "Error", "abs_error": "|Error|", "pct_error": "% error",
	}
	var cols []column
	for _, key := range (queries.Comparison{}).SortKeys() {
		col := column{Key: key, Label: labels[key], Numeric: key != "date" && key != "location" && key != "type"}
		if col.Numeric && key != "pct_error" && singleType != "" {
			col.Unit = pollutantUnit(singleType)
		}
		w := cv
		w.Page = 1
		w.Sort = key
		w.Desc = defaultDesc(key)
		if key == cv.Sort {
			w.Desc = !cv.Desc
			col.AriaSort = "ascending"
			if cv.Desc {
				col.AriaSort = "descending"
			}
		}
		col.URL = compareURL(base, w)
		cols = append(cols, col)
	}
	return cols
}

// metricsView is the metrics strip: every number formatted, "—" when it cannot be computed.
type metricsView struct {
	// Empty is true when no row has both a measurement and a prediction.
	Empty bool
	// Missing is true when the view lists only days missing one side (match=missing_*).
	Missing                      bool
	N, MAPEN, SkillN             string
	MAE, RMSE, Bias, MAPE, Skill string
	SkillMAE, PersistenceMAE     string
	Unit                         string
	// Banded is true when some of the rows have AQI bands; the band figures follow.
	Banded                             bool
	BandN, BandAgreement               string
	PoorActual, Hits, HitRate          string
	PoorPredicted, FalseAlarms, FARate string
	// MixedUnits is true when the rows may mix pollutants (and so units).
	MixedUnits    bool
	BiasDirection string
	SkillVerdict  string
}

// newMetricsView formats the metrics of a comparison.
func newMetricsView(m queries.Metrics, cv queries.CompareView, singleType string) metricsView {
	dash := func(v *float64, unit string) string {
		if v == nil {
			return "—"
		}
		return formatNumber(*v) + unit
	}
	mv := metricsView{
		Empty:   m.N == 0,
		Missing: cv.Match == queries.MatchMissingActual || cv.Match == queries.MatchMissingPrediction,
		N:       formatCount(m.N), MAPEN: formatCount(m.MAPEN), SkillN: formatCount(m.SkillN),
		MAE: dash(m.MAE, ""), RMSE: dash(m.RMSE, ""), Bias: dash(m.Bias, ""), MAPE: dash(m.MAPE, " %"),
		SkillMAE: dash(m.SkillMAE, ""), PersistenceMAE: dash(m.PersistenceMAE, ""),
		Banded: m.BandN > 0, BandN: formatCount(m.BandN), BandAgreement: dash(m.BandAgreement, " %"),
		PoorActual: formatCount(m.PoorActual), Hits: formatCount(m.Hits), HitRate: dash(m.HitRate, " %"),
		PoorPredicted: formatCount(m.PoorPredicted), FalseAlarms: formatCount(m.FalseAlarms), FARate: dash(m.FalseAlarmRate, " %"),
		Unit:       pollutantUnit(singleType),
		MixedUnits: singleType == "",
	}
	mv.Bias = signed(m.Bias)
	if mv.Bias == "" {
		mv.Bias = "—"
	}
	if m.Skill != nil {
		// A true minus, as the errors and the bias have: "−0.034".
		mv.Skill = strings.Replace(strconv.FormatFloat(*m.Skill, 'f', 3, 64), "-", "−", 1)
		switch {
		case *m.Skill > 0:
			mv.SkillVerdict = "better than persistence"
		case *m.Skill < 0:
			mv.SkillVerdict = "worse than persistence"
		default:
			mv.SkillVerdict = "as good as persistence"
		}
	} else {
		mv.Skill = "—"
	}
	if m.Bias != nil {
		switch {
		case *m.Bias > 0:
			mv.BiasDirection = "over-predicts on average"
		case *m.Bias < 0:
			mv.BiasDirection = "under-predicts on average"
		}
	}
	return mv
}
