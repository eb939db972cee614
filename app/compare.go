package main

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/age"
	"github.com/aqdash/aqdash/app/aqi"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/views"
)

// comparePage is the data of pages/compare, pages/home and partials/compare.
type comparePage struct {
	pageData
	// Base is the path the view's links and forms go to: /compare, or / on the dashboard.
	Base     string
	View     queries.CompareView
	Rows     views.CompareRows
	Total    int64
	Pages    int64
	Describe string
	Metrics  metricsView
	viewControls
	// Matches are the choices of which days to list.
	Matches []option
	Legends *scaleLegend
	// Scale is the AQI scale the view shows its bands in.
	Scale *aqi.Scale
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
	// NoData is true when both tables are empty; Seeding when, meanwhile, the first start is loading
	// the demo data.
	NoData, Seeding bool
	// The model controls: the model, lead and reference selects and the vs checkboxes (the models
	// other than the chosen one), filled from the data.
	ModelOpts, LeadOpts, RefOpts, VsOpts []option
	// ByLead is the "by lead" strip (one model only: no vs lines): the MAE at every lead the model has.
	ByLead []leadMAEView
	// Forecast is the dashboard's latest forecast of the chosen model (nil: none after the last
	// measurement; ForecastFor then names what there is none of).
	Forecast    *forecastView
	ForecastFor string
	// ThresholdOpts are the threshold select's choices (banded views); Confusion the band confusion
	// matrix of the view's one banded pollutant (nil otherwise).
	ThresholdOpts []option
	Confusion     *confusionView
	// Diagnostics are the dashboard's diagnostic plots (diagnosticsFor), below the metrics; nil when
	// the view has not one location and one pollutant, or no day with both sides.
	Diagnostics *diagnosticsView
}

// leadMAEView is one lead of the "by lead" strip.
type leadMAEView struct {
	Lead     int
	MAE, N   string
	URL      string
	Current  bool
	BarWidth float64
}

// forecastView is the dashboard's latest forecast: one run of the model, issued on Issued.
type forecastView struct {
	Model  string
	Issued time.Time
	// AfterLast says how long after the last measurement the run was issued ("2 days"), when it was:
	// such a run knew no measurement of its issue day (the demo's models never issue one).
	AfterLast string
	Points    []forecastPointView
}

// forecastPointView is one day of the latest forecast.
type forecastPointView struct {
	Date        time.Time
	Lead        int
	Value, Unit string
	Band        *bandView
}

// compareRowView is one row of the comparison as the table shows it (views.CompareRow writes it).
type compareRowView = views.CompareRow

// latestView is the dashboard's latest measurement.
type latestView struct {
	Date           time.Time
	Location, Type string
	Value, Unit    string
	Band           *bandView
	// Ago says how old the measurement is ("6 years ago") when that is more than two days; else "".
	Ago string
	// ScaleKey is the view's scale as its URLs carry it ("" for the deployment's), for the links.
	ScaleKey string
	scale    *aqi.Scale
}

// matchLabels name the choices of the match select.
var matchLabels = map[queries.Match]string{
	queries.MatchBoth:              "Days with both",
	queries.MatchAll:               "All days",
	queries.MatchMissingActual:     "Days missing a measurement",
	queries.MatchMissingPrediction: "Days missing a prediction",
}

// parseCompare reads a comparison's state from the query string and settles its models against the
// data's (parseCompareResolved); the first bad parameter is its 400.
func (s *server) parseCompare(c *fiber.Ctx) (queries.CompareView, error) {
	cv, errs, err := s.parseCompareResolved(c)
	if err != nil {
		return cv, err
	}
	if len(errs) > 0 {
		return cv, errs[0].err
	}
	return cv, nil
}

// parseCompareResolved is parseCompareAll, then resolveModels against the data's models (cached by data
// version). err is the database's failure; a bad parameter is still its 400 then (in errs).
func (s *server) parseCompareResolved(c *fiber.Ctx) (queries.CompareView, []fieldError, error) {
	cv, errs := parseCompareAll(c)
	ctx, cancel := s.queryContext(c)
	defer cancel()
	models, err := s.listModels(ctx)
	if err != nil {
		if len(errs) > 0 {
			return cv, errs, nil
		}
		return cv, nil, err
	}
	return cv, append(errs, resolveModels(&cv, models, s.cfg.DefaultModel)...), nil
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
	cv := queries.CompareView{View: v, Match: queries.MatchBoth, Lead: 1}
	q := c.Context().QueryArgs()
	bad := func(name, format string, args ...any) {
		errs = append(errs, fieldError{name, badParam(name, format, args...)})
	}
	badName := func(name, m string) {
		bad(name, "%q is not a model name; a name is 1 to 64 letters, digits, '.', '_' or '-'", m)
	}
	// model and ref are one each (the last of repeats would be a guess: a repeat is a 400); vs repeats.
	for _, p := range []struct {
		name string
		dst  *string
	}{{"model", &cv.Model}, {"ref", &cv.Ref}} {
		switch vals := multi(q.PeekMulti(p.name)); {
		case len(vals) > 1:
			bad(p.name, "give one %s, not %d (%s)", p.name, len(vals), strings.Join(vals, ", "))
		case len(vals) == 1 && !validModelName(vals[0]):
			badName(p.name, vals[0])
		case len(vals) == 1:
			*p.dst = vals[0]
		}
	}
	for _, m := range multi(q.PeekMulti("vs")) {
		if !validModelName(m) {
			badName("vs", m)
			continue
		}
		cv.Vs = append(cv.Vs, m)
	}
	if len(cv.Vs) > maxChartModels {
		bad("vs", "the chart draws at most %d models; %d were given", maxChartModels, len(cv.Vs))
		cv.Vs = nil
	}
	switch vals := multi(q.PeekMulti("lead")); {
	case len(vals) > 1:
		bad("lead", "give one lead, not %d (%s)", len(vals), strings.Join(vals, ", "))
	case len(vals) == 1:
		if n, ok := parseLead(vals[0]); ok {
			cv.Lead = n
		} else {
			bad("lead", "%q is not a lead time; use a whole number of days from 0 to %d", vals[0], maxLead)
		}
	}
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
	level, ferr := parseThreshold(c, viewScale(c, cv.View))
	if ferr != nil {
		errs = append(errs, *ferr)
	}
	cv.Threshold = level
	if sc := viewScale(c, cv.View); !isDefaultThreshold(sc, level) {
		cv.ThresholdKey = thresholdKey(sc, level)
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
	// The model and the lead always: the view's default model depends on the data, and a bookmark must
	// keep showing the same one.
	if cv.Model != "" {
		q.Set("model", cv.Model)
		q.Set("lead", strconv.Itoa(cv.Lead))
	}
	if cv.Ref != "" {
		q.Set("ref", cv.Ref)
	}
	for _, m := range cv.Vs {
		q.Add("vs", m)
	}
	if cv.ThresholdKey != "" {
		q.Set("threshold", cv.ThresholdKey)
	}
	return q
}

// resolveModels settles a comparison's models against the data's (models, from ListModels): without
// model=, the only model there is, else DEFAULT_MODEL when the data has it, else the first by name.
// An unknown model, ref or vs model is a 400 naming its parameter, and so is a ref equal to the model
// or more than maxChartModels lines. A vs model equal to the model, or repeated, is dropped.
func resolveModels(cv *queries.CompareView, models []queries.ModelLeads, defaultModel string) []fieldError {
	var errs []fieldError
	names := make([]string, len(models))
	for i, m := range models {
		names[i] = m.Model
	}
	known := func(m string) bool { return slices.Contains(names, m) }
	unknown := func(param, m string) {
		choices := "there are none yet"
		if len(names) > 0 {
			choices = "use one of " + strings.Join(names, ", ")
		}
		errs = append(errs, fieldError{param, badParam(param, "%q is not a model of the data; %s", m, choices)})
	}
	switch {
	case cv.Model == "" && len(names) == 1:
		cv.Model = names[0]
	case cv.Model == "" && known(defaultModel):
		cv.Model = defaultModel
	case cv.Model == "" && len(names) > 0:
		cv.Model = names[0]
	case cv.Model == "":
		// No predictions at all: the comparison holds the measurements under the default model at the
		// default lead (queries.ListModels), so match=all and missing_prediction still list them.
		cv.Model = queries.DefaultModel
	case !known(cv.Model) && len(names) > 0:
		unknown("model", cv.Model)
	}
	if cv.Ref != "" {
		switch {
		case !known(cv.Ref):
			unknown("ref", cv.Ref)
			cv.Ref = ""
		case cv.Ref == cv.Model:
			errs = append(errs, fieldError{"ref", badParam("ref", "%q is the model shown; choose another model to compare it with", cv.Ref)})
			cv.Ref = ""
		}
	}
	var vs []string
	for _, m := range cv.Vs {
		switch {
		case !known(m):
			unknown("vs", m)
		case m != cv.Model && !slices.Contains(vs, m):
			vs = append(vs, m)
		}
	}
	if 1+len(vs) > maxChartModels {
		errs = append(errs, fieldError{"vs", badParam("vs", "the chart draws at most %d models, %s included; choose at most %d others", maxChartModels, cv.Model, maxChartModels-1)})
		vs = nil
	}
	cv.Vs = vs
	return errs
}

// chartModels are the models a comparison's chart draws: its model, then the vs ones.
func chartModels(cv queries.CompareView) []string {
	return append([]string{cv.Model}, cv.Vs...)
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
	cv, errs, err := s.parseCompareResolved(c)
	if err != nil {
		return err
	}
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
	sc := viewScale(c, cv.View)
	p := comparePage{Base: base, Dashboard: dashboard, Scale: sc}
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
	p.Seeding = p.NoData && s.seeding.Load()
	p.View = cv
	sum, err := queries.Summarize(ctx, s.db, cv)
	if err != nil {
		return p, err
	}
	// No day matches (a series without predictions): no page of rows to look for, which would read
	// every day of the series to find none.
	var rows []queries.CompareRow
	if sum.Total > 0 {
		if rows, err = queries.CompareRows(ctx, s.db, cv); err != nil {
			return p, err
		}
	}
	v := cv.View
	p.Total = sum.Total
	p.Pages = max(1, (sum.Total+int64(v.Size)-1)/int64(v.Size))
	p.Describe = describe(v)
	if types, err = s.typesFor(ctx, v.Locations, types); err != nil {
		return p, err
	}
	p.viewControls = newViewControls(base, v, locs, types)
	p.ScaleOpts = scaleOptions(sc)
	if err := s.setDateBounds(ctx, &p.viewControls, []queries.Table{queries.Historic, queries.Predictions}, v); err != nil {
		return p, err
	}
	p.SelfURL = compareURL(base, cv)
	p.Legends = legendsFor(sc, v.Types)
	p.Metrics = newMetricsView(sum.Metrics, cv, p.SingleType, sc)
	p.ThresholdOpts = thresholdOptions(sc, cv.Threshold)
	if p.SingleType != "" && cv.Match != queries.MatchMissingActual && cv.Match != queries.MatchMissingPrediction {
		p.Confusion = newConfusionView(p.SingleType, sc, sum.Metrics.BandPairs[sc.Key])
	}
	for _, r := range rows {
		p.Rows = append(p.Rows, newCompareRowView(sc, r, p.SingleType == ""))
	}
	for _, m := range queries.Matches {
		p.Matches = append(p.Matches, option{string(m), matchLabels[m], m == cv.Match})
	}
	models, err := s.listModels(ctx)
	if err != nil {
		return p, err
	}
	p.setModelControls(cv, models)
	if len(cv.Vs) == 0 && cv.Match != queries.MatchMissingActual && cv.Match != queries.MatchMissingPrediction {
		leads, err := queries.LeadMAEs(ctx, s.db, cv)
		if err != nil {
			return p, err
		}
		p.ByLead = byLeadStrip(base, cv, leads)
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
		if p.Chart, err = s.seriesChart(ctx, sc, loc, typ, chartModels(cv), cv.Lead, v.From, v.To); err != nil {
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
				Unit: pollutantUnit(r.Type), Band: bandFor(sc, r.Type, &r.Value), Ago: age.Ago(r.Date, s.clock()),
				ScaleKey: cv.Scale, scale: sc}
		}
		run, ok, err := queries.LatestForecast(ctx, s.db, v.Locations[0], v.Types[0], cv.Model)
		if err != nil {
			return p, err
		}
		p.ForecastFor = cv.Model + " for " + p.LatestFor
		if ok {
			p.Forecast = newForecastView(sc, cv.Model, v.Types[0], run, p.Latest)
		}
	}
	if dashboard {
		if p.Diagnostics, err = s.diagnosticsFor(ctx, cv, sc); err != nil {
			return p, err
		}
	}
	return p, nil
}

// newForecastView is the latest forecast as the dashboard shows it: its days after the last
// measurement (latest, nil when there is none); nil when no day is.
func newForecastView(sc *aqi.Scale, model, typ string, run queries.LatestRun, latest *latestView) *forecastView {
	fv := &forecastView{Model: model, Issued: run.Issued}
	if latest != nil && run.Issued.After(latest.Date) {
		days := int(run.Issued.Sub(latest.Date).Hours()/24 + 0.5)
		fv.AfterLast = strconv.Itoa(days) + " days"
		if days == 1 {
			fv.AfterLast = "1 day"
		}
	}
	for _, pt := range run.Points {
		if latest != nil && !pt.Date.After(latest.Date) {
			continue
		}
		value := pt.Value
		fv.Points = append(fv.Points, forecastPointView{Date: pt.Date, Lead: pt.Lead, Value: formatNumber(value),
			Unit: pollutantUnit(typ), Band: bandFor(sc, typ, &value)})
	}
	if len(fv.Points) == 0 {
		return nil
	}
	return fv
}

// setModelControls fills the model, lead and reference selects and the vs checkboxes from the data's
// models; the chosen values are always among them, so the form shows what the view shows.
func (p *comparePage) setModelControls(cv queries.CompareView, models []queries.ModelLeads) {
	var names []string
	var leads []int
	for _, m := range models {
		names = append(names, m.Model)
		if m.Model == cv.Model {
			leads = append(leads, m.Leads...)
		}
	}
	if cv.Model != "" {
		p.ModelOpts = options(names, []string{cv.Model}, identity)
	}
	if !slices.Contains(leads, cv.Lead) {
		leads = append(leads, cv.Lead)
		slices.Sort(leads)
	}
	for _, l := range leads {
		p.LeadOpts = append(p.LeadOpts, option{strconv.Itoa(l), leadLabel(l), l == cv.Lead})
	}
	p.RefOpts = []option{{"", "None", cv.Ref == ""}}
	for _, m := range names {
		if m != cv.Model {
			p.RefOpts = append(p.RefOpts, option{m, m, m == cv.Ref})
			p.VsOpts = append(p.VsOpts, option{m, m, slices.Contains(cv.Vs, m)})
		}
	}
}

// leadLabel names a lead time: "1 day ahead", "0 days (same day)".
func leadLabel(l int) string {
	switch l {
	case 0:
		return "0 days (same day)"
	case 1:
		return "1 day ahead"
	}
	return strconv.Itoa(l) + " days ahead"
}

// byLeadStrip is the "by lead" strip: each lead's MAE, a bar as long as it relative to the largest, and
// a link to the view at that lead.
func byLeadStrip(base string, cv queries.CompareView, leads []queries.LeadMAE) []leadMAEView {
	top := 0.0
	for _, l := range leads {
		if l.MAE != nil {
			top = max(top, *l.MAE)
		}
	}
	var out []leadMAEView
	for _, l := range leads {
		w := cv
		w.Lead, w.Page = l.Lead, 1
		lv := leadMAEView{Lead: l.Lead, MAE: optNumber(l.MAE), N: formatCount(l.N), URL: compareURL(base, w), Current: l.Lead == cv.Lead}
		if lv.MAE == "" {
			lv.MAE = "—"
		}
		if l.MAE != nil && top > 0 {
			lv.BarWidth = round1(*l.MAE / top * 120)
		}
		out = append(out, lv)
	}
	return out
}

// seriesChart builds the chart of one series over [from, to] (a zero bound is where its data starts or
// ends), its points summed by the database; nil when the series has no day there.
func (s *server) seriesChart(ctx context.Context, sc *aqi.Scale, loc, typ string, models []string, lead int, from, to time.Time) (*chart, error) {
	// The range is where any of the models (or the measurements) has a day.
	var first, last time.Time
	for _, m := range models {
		f, l, ok, err := queries.SeriesSpan(ctx, s.db, loc, typ, m, lead, from, to)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if first.IsZero() || f.Before(first) {
			first = f
		}
		if l.After(last) {
			last = l
		}
	}
	if first.IsZero() {
		return nil, nil
	}
	start, end := from, to
	if start.IsZero() {
		start = first
	}
	if end.IsZero() {
		end = last
	}
	step := chartStepFor(start, end)
	lines := make([]chartModel, len(models))
	for i, m := range models {
		buckets, err := queries.SeriesBuckets(ctx, s.db, loc, typ, m, lead, start, end, step.unit())
		if err != nil {
			return nil, err
		}
		lines[i] = chartModel{Model: m, Rows: buckets}
	}
	return buildChart(sc, loc, typ, start, end, step, lines), nil
}

// newCompareRowView formats one row, its bands on the scale sc; withUnit puts the unit beside values
// when pollutants are mixed.
func newCompareRowView(sc *aqi.Scale, r queries.CompareRow, withUnit bool) compareRowView {
	out := compareRowView{
		Date: r.Date, Location: r.Location, Type: r.Type,
		ISODate: r.Date.Format(time.DateOnly), HumanDate: r.Date.Format("2 Jan 2006"), TypeLabel: pollutantLabel(r.Type),
		Actual: optNumber(r.Actual), Predicted: optNumber(r.Predicted),
		Error: signed(r.Error), AbsError: optNumber(r.AbsError), PctError: signed(r.PctError),
		ActualBand: bandFor(sc, r.Type, r.Actual).chip(), PredBand: bandFor(sc, r.Type, r.Predicted).chip(),
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
type metricsView = views.Metrics

// bandAgreement is the percentage of the banded days whose predicted band on sc is the measured one,
// from the band-pair counts; nil without banded days.
func bandAgreement(m queries.Metrics, sc *aqi.Scale) *float64 {
	pairs := m.BandPairs[sc.Key]
	if pairs == nil {
		return m.BandAgreement
	}
	var n, agree int64
	for a := range pairs {
		for p, k := range pairs[a] {
			n += k
			if a == p {
				agree += k
			}
		}
	}
	if n == 0 {
		return nil
	}
	v := 100 * float64(agree) / float64(n)
	return &v
}

// newMetricsView formats the metrics of a comparison; sc is the view's scale.
func newMetricsView(m queries.Metrics, cv queries.CompareView, singleType string, sc *aqi.Scale) metricsView {
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
		Banded: m.BandN > 0, BandN: formatCount(m.BandN), BandAgreement: dash(bandAgreement(m, sc), " %"),
		Unit:       pollutantUnit(singleType),
		MixedUnits: singleType == "",
	}
	mv.Bias = signed(m.Bias)
	if mv.Bias == "" {
		mv.Bias = "—"
	}
	mv.R = score(m.R)
	mv.NMB, mv.NME = dash(m.NMB, " %"), dash(m.NME, " %")
	if m.NMB != nil && *m.NMB < 0 {
		mv.NMB = "−" + formatNumber(-*m.NMB) + " %"
	}
	scale := sc
	level := cv.Threshold
	if level == 0 {
		level, _ = scale.Threshold(scale.DefaultThreshold())
	}
	mv.Threshold = newThresholdView(contingencyOf(m, scale, level), scale, level)
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
	if cv.Ref != "" {
		mv.Ref, mv.RefN, mv.RefMAE, mv.RefModelMAE = cv.Ref, formatCount(m.RefN), dash(m.RefMAE, ""), dash(m.RefModelMAE, "")
		mv.SkillRef = "—"
		if m.SkillRef != nil {
			mv.SkillRef = strings.Replace(strconv.FormatFloat(*m.SkillRef, 'f', 3, 64), "-", "−", 1)
			switch {
			case *m.SkillRef > 0:
				mv.RefVerdict = "better than " + cv.Ref
			case *m.SkillRef < 0:
				mv.RefVerdict = "worse than " + cv.Ref
			default:
				mv.RefVerdict = "as good as " + cv.Ref
			}
		}
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
