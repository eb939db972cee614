package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/views"
)

// accuracyPage is the data of pages/accuracy and partials/accuracy.
type accuracyPage struct {
	pageData
	viewControls
	View  queries.AccuracyView
	Scale *aqi.Scale
	// ThresholdName is the threshold band ("Poor"), ThresholdKey its parameter value.
	ThresholdName, ThresholdKey string
	Rows                        views.AccuracyRows
	Total, Pages                int64
	Describe                    string
	// ByOpts are the two by selects' choices (the second has "none").
	ByOpts, By2Opts []option
	ThresholdOpts   []option
	// Model and lead controls: a single choice, or "all" when by holds model or lead.
	ModelOpts, LeadOpts, RefOpts []option
	ByModel, ByLead              bool
	// Banded is true when some group has banded days: the threshold columns are shown.
	Banded bool
	// Confusion is the band confusion matrix of the view's one banded pollutant (nil otherwise).
	Confusion *confusionView
	// Diagnostics are the diagnostic plots of the view's days when it shows one location, one
	// pollutant, one model and one lead (nil otherwise).
	Diagnostics *diagnosticsView
	// TypeDefaulted is true when the view took PM2.5 because neither by nor the URL chose a pollutant.
	TypeDefaulted bool
	NoData        bool
}

// accuracyRowView is one group as the table shows it, written by views.AccuracyRow.HTML.
type accuracyRowView = views.AccuracyRow

// accuracyCell is one figure of a group (views.AccuracyCell).
type accuracyCell = views.AccuracyCell

// accuracyMetric is one metric column.
type accuracyMetric struct {
	Key, Label, Title string
	// Threshold marks the threshold scores, shown for banded views only; Unit the pollutant's unit.
	Threshold, Unit bool
}

// accuracyMetrics are the metric columns, in display order.
var accuracyMetrics = []accuracyMetric{
	{"n", "Days", "Days with both a measurement and a prediction", false, false},
	{"mae", "MAE", "Mean absolute error", false, true},
	{"rmse", "RMSE", "Root mean squared error", false, true},
	{"bias", "Bias", "Mean error, prediction − measurement", false, true},
	{"r", "r", "Pearson correlation of predictions with measurements", false, false},
	{"nmb", "NMB %", "Normalised mean bias: 100 × Σ(P−O) / ΣO", false, false},
	{"nme", "NME %", "Normalised mean error: 100 × Σ|P−O| / ΣO", false, false},
	{"mape", "MAPE %", "Mean absolute percentage error", false, false},
	{"skill_persistence", "Skill vs persistence", "1 − MAE / MAE of persistence", false, false},
	{"skill_ref", "Skill vs ref", "1 − MAE / MAE of the reference model", false, false},
	{"hits", "Hits", "Event measured and predicted (a)", true, false},
	{"misses", "Misses", "Event measured, not predicted (c)", true, false},
	{"false_alarms", "False alarms", "Event predicted, not measured (b)", true, false},
	{"correct_negatives", "Correct negatives", "Neither measured nor predicted (d)", true, false},
	{"pod", "POD", "Probability of detection a/(a+c)", true, false},
	{"far", "FAR", "False alarm ratio b/(a+b)", true, false},
	{"pofd", "POFD", "Probability of false detection (false alarm rate) b/(b+d)", true, false},
	{"csi", "CSI", "Critical success index a/(a+b+c)", true, false},
	{"freq_bias", "Freq. bias", "Frequency bias (a+b)/(a+c)", true, false},
	{"hss", "HSS", "Heidke skill score", true, false},
}

// byLabels name the bys.
var byLabels = map[string]string{
	"location": "Location", "type": "Pollutant", "model": "Model", "lead": "Lead", "year": "Year", "month": "Month", "season": "Season",
}

// seasonLabels name the IMD seasons.
var seasonLabels = map[string]string{
	"winter": "Winter (Jan–Feb)", "pre_monsoon": "Pre-monsoon (Mar–May)", "monsoon": "Monsoon (Jun–Sep)", "post_monsoon": "Post-monsoon (Oct–Dec)",
}

// accuracyParams is what parseAccuracyAll reads besides the view: the raw model and lead filters, to
// settle against the data's models, and whether the pollutant was defaulted.
type accuracyParams struct {
	models        []string
	leads         []int
	typeDefaulted bool
}

// parseAccuracyAll reads a breakdown's state from the query string, going on past bad parameters as
// parseViewAll does.
func parseAccuracyAll(c *fiber.Ctx, scale *aqi.Scale) (queries.AccuracyView, accuracyParams, []fieldError) {
	q := c.Context().QueryArgs()
	var errs []fieldError
	var ap accuracyParams
	bad := func(name, format string, args ...any) {
		errs = append(errs, fieldError{name, badParam(name, format, args...)})
	}
	av := queries.AccuracyView{Scale: scale.Key}
	for _, b := range q.PeekMulti("by") {
		by := strings.TrimSpace(string(b))
		switch {
		case by == "":
		case !queries.ValidBy(by):
			bad("by", "%q is not a way to group; use one or two of %s", by, strings.Join(queries.AccuracyBys, ", "))
		case slices.Contains(av.By, by):
			bad("by", "%q is given twice; group by two different things, or by one", by)
		default:
			av.By = append(av.By, strings.Clone(by))
		}
	}
	if len(av.By) > 2 {
		bad("by", "group by at most two things, not %d (%s)", len(av.By), strings.Join(av.By, ", "))
		av.By = av.By[:2]
	}
	if len(av.By) == 0 {
		av.By = []string{"location"}
	}
	v, verrs := parseViewAll(c, av)
	errs = append(verrs, errs...)
	if v.After != nil || v.Before != nil {
		name := "after"
		if v.Before != nil {
			name = "before"
		}
		bad(name, "the accuracy table pages by number; use page")
		v.After, v.Before = nil, nil
	}
	if strings.TrimSpace(string(q.Peek("sort"))) == "" {
		v.Sort = av.By[0]
	}
	if strings.TrimSpace(string(q.Peek("dir"))) == "" {
		v.Desc = accuracyDefaultDesc(v.Sort, av.By)
	}
	av.View = v
	level, ferr := parseThreshold(c, scale)
	if ferr != nil {
		errs = append(errs, *ferr)
	}
	av.Threshold = level
	byModel, byLead := slices.Contains(av.By, "model"), slices.Contains(av.By, "lead")
	models := multi(q.PeekMulti("model"))
	for _, m := range models {
		if !validModelName(m) {
			bad("model", "%q is not a model name; a name is 1 to 64 letters, digits, '.', '_' or '-'", m)
			continue
		}
		ap.models = append(ap.models, m)
	}
	if len(ap.models) > 1 && !byModel {
		bad("model", "give one model, not %d (%s), or group by model", len(ap.models), strings.Join(ap.models, ", "))
		ap.models = ap.models[:1]
	}
	for _, l := range multi(q.PeekMulti("lead")) {
		n, ok := parseLead(l)
		if !ok {
			bad("lead", "%q is not a lead time; use a whole number of days from 0 to %d", l, maxLead)
			continue
		}
		ap.leads = append(ap.leads, n)
	}
	if len(ap.leads) > 1 && !byLead {
		bad("lead", "give one lead, not %d, or group by lead", len(ap.leads))
		ap.leads = ap.leads[:1]
	}
	switch refs := multi(q.PeekMulti("ref")); {
	case len(refs) > 1:
		bad("ref", "give one ref, not %d (%s)", len(refs), strings.Join(refs, ", "))
	case len(refs) == 1 && !validModelName(refs[0]):
		bad("ref", "%q is not a model name; a name is 1 to 64 letters, digits, '.', '_' or '-'", refs[0])
	case len(refs) == 1:
		av.Ref = refs[0]
	}
	// One figure over several pollutants' units means nothing: without a pollutant, PM2.5.
	if len(av.Types) == 0 && !slices.Contains(av.By, "type") {
		av.Types = []string{"pm25"}
		ap.typeDefaulted = true
	}
	return av, ap, errs
}

// accuracyDefaultDesc is a column's first direction: group keys ascending, figures largest first.
func accuracyDefaultDesc(key string, bys []string) bool {
	return !slices.Contains(bys, key)
}

// oneForecast reports whether the breakdown av covers one model at one lead: it is not grouped by model
// or by lead, or that grouping is filtered to one.
func oneForecast(av queries.AccuracyView) bool {
	return (!slices.Contains(av.By, "model") || len(av.Models) == 1) && (!slices.Contains(av.By, "lead") || len(av.Leads) == 1)
}

// resolveAccuracyModels settles the breakdown's models and leads against the data's: grouped by
// model, the models given or all; else one model (given, or the default as on /compare). Grouped by
// lead, the leads given or all; else one lead (given, or 1). An unknown model or ref is a 400.
func resolveAccuracyModels(av *queries.AccuracyView, ap accuracyParams, models []queries.ModelLeads, defaultModel string) []fieldError {
	cv := queries.CompareView{Ref: av.Ref}
	if len(ap.models) > 0 {
		cv.Model = ap.models[0]
	}
	var errs []fieldError
	names := make([]string, len(models))
	for i, m := range models {
		names[i] = m.Model
	}
	unknown := func(param, m string) {
		choices := "there are none yet"
		if len(names) > 0 {
			choices = "use one of " + strings.Join(names, ", ")
		}
		errs = append(errs, fieldError{param, badParam(param, "%q is not a model of the data; %s", m, choices)})
	}
	if slices.Contains(av.By, "model") {
		for _, m := range ap.models {
			if !slices.Contains(names, m) && len(names) > 0 {
				unknown("model", m)
			}
		}
		av.Models = ap.models
	} else {
		errs = append(errs, resolveModels(&cv, models, defaultModel)...)
		av.Models = []string{cv.Model}
	}
	if av.Ref != "" && !slices.Contains(names, av.Ref) {
		unknown("ref", av.Ref)
		av.Ref = ""
	}
	if slices.Contains(av.By, "lead") {
		av.Leads = ap.leads
	} else if len(ap.leads) == 1 {
		av.Leads = ap.leads
	} else {
		av.Leads = []int{queries.DefaultLead}
	}
	return errs
}

// parseAccuracyResolved is parseAccuracyAll, then the models settled against the data's.
func (s *server) parseAccuracyResolved(c *fiber.Ctx, scale *aqi.Scale) (queries.AccuracyView, accuracyParams, []fieldError, error) {
	av, ap, errs := parseAccuracyAll(c, scale)
	ctx, cancel := s.queryContext(c)
	defer cancel()
	models, err := s.listModels(ctx)
	if err != nil {
		if len(errs) > 0 {
			return av, ap, errs, nil
		}
		return av, ap, nil, err
	}
	return av, ap, append(errs, resolveAccuracyModels(&av, ap, models, s.cfg.DefaultModel)...), nil
}

// accuracyQuery writes a breakdown back as a canonical query string.
func accuracyQuery(av queries.AccuracyView, scale *aqi.Scale) url.Values {
	v := av.View
	v.Sort, v.Desc = "date", true // written below, against the breakdown's own defaults
	q := viewQuery(v)
	for _, b := range av.By {
		q.Add("by", b)
	}
	if len(av.By) > 0 && (av.Sort != av.By[0] || av.Desc != accuracyDefaultDesc(av.Sort, av.By)) {
		q.Set("sort", av.Sort)
		if av.Desc {
			q.Set("dir", "desc")
		} else {
			q.Set("dir", "asc")
		}
	}
	for _, m := range av.Models {
		q.Add("model", m)
	}
	for _, l := range av.Leads {
		q.Add("lead", strconv.Itoa(l))
	}
	if av.Ref != "" {
		q.Set("ref", av.Ref)
	}
	if !isDefaultThreshold(scale, av.Threshold) {
		q.Set("threshold", thresholdKey(scale, av.Threshold))
	}
	return q
}

// accuracyURL is base with the breakdown's query string.
func accuracyURL(base string, av queries.AccuracyView, scale *aqi.Scale) string {
	if e := accuracyQuery(av, scale).Encode(); e != "" {
		return base + "?" + e
	}
	return base
}

// showAccuracy is the accuracy breakdown: one row per group of the comparison's days, every metric
// and threshold score from the sums, sorted and paged.
func (s *server) showAccuracy(c *fiber.Ctx) error {
	_, scale := requestScale(c)
	av, ap, errs, err := s.parseAccuracyResolved(c, scale)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return s.invalidAccuracy(c, av, ap, scale, errs)
	}
	if ap.typeDefaulted && !wantsFragment(c) {
		// The URL says which pollutant the figures are of: a plain load of the default view goes to
		// its canonical URL (an htmx swap pushes it instead).
		return c.Redirect(accuracyURL("/accuracy", av, scale), fiber.StatusFound)
	}
	p, err := s.accuracyPage(c, av, ap, scale)
	if err != nil {
		return err
	}
	title := "Accuracy by " + strings.Join(byNames(av.By), " and ")
	if p.Describe != "" {
		title += " · " + p.Describe
	}
	p.pageData = s.newPage(c, title)
	pushCanonical(c, p.SelfURL)
	return s.render(c, fiber.StatusOK, "pages/accuracy", "partials/accuracy", p)
}

// byNames are the bys' labels, lower case.
func byNames(bys []string) []string {
	out := make([]string, len(bys))
	for i, b := range bys {
		out[i] = strings.ToLower(byLabels[b])
	}
	return out
}

// accuracyPage runs the breakdown's query and builds its page data (all but pageData).
func (s *server) accuracyPage(c *fiber.Ctx, av queries.AccuracyView, ap accuracyParams, scale *aqi.Scale) (accuracyPage, error) {
	ctx, cancel := s.queryContext(c)
	defer cancel()
	p := accuracyPage{View: av, Scale: scale, TypeDefaulted: ap.typeDefaulted}
	locs, types, err := s.listOptions(ctx)
	if err != nil {
		return p, err
	}
	p.NoData = len(locs) == 0 && len(types) == 0
	res, err := queries.Accuracy(ctx, s.db, av)
	if err != nil {
		return p, err
	}
	models, err := s.listModels(ctx)
	if err != nil {
		return p, err
	}
	const base = "/accuracy"
	p.Total = res.Total
	p.Pages = max(1, (res.Total+int64(av.Size)-1)/int64(av.Size))
	p.Describe = describe(av.View)
	p.viewControls = newViewControls(base, av.View, locs, types)
	if err := s.setDateBounds(ctx, &p.viewControls, []queries.Table{queries.Historic, queries.Predictions}, av.View); err != nil {
		return p, err
	}
	p.fillControls(av, scale, models)
	p.SelfURL = accuracyURL(base, av, scale)
	for _, g := range res.Groups {
		if g.Contingency != nil {
			p.Banded = true
		}
	}
	if len(av.Types) == 1 && aqi.Banded(av.Types[0]) {
		p.Banded = true
		// The matrix counts each day once: of one model at one lead. Grouped by model or by lead over
		// several, summing their groups would count each day once per model and lead.
		if oneForecast(av) {
			pairs := [6][6]int64(res.BandPairs)
			p.Confusion = newConfusionView(av.Types[0], scale, &pairs)
		}
	}
	if len(av.Locations) == 1 && len(av.Types) == 1 && len(av.Models) == 1 && len(av.Leads) == 1 {
		if p.Diagnostics, err = s.seriesDiagnostics(ctx, scale, av.Locations[0], av.Types[0], av.Models[0], av.Leads[0], av.From, av.To); err != nil {
			return p, err
		}
	}
	p.Columns = accuracyColumns(base, av, scale, p.Banded, p.SingleType)
	p.Rows = accuracyRows(res.Groups, av, p.Banded)
	at := func(page int64) string { w := av; w.Page = int(page); return accuracyURL(base, w, scale) }
	if av.Page > 1 {
		p.PrevURL = at(min(int64(av.Page-1), p.Pages))
		p.FirstURL = at(1)
	}
	if int64(av.Page) < p.Pages {
		p.NextURL = at(int64(av.Page + 1))
		p.LastURL = at(p.Pages)
	}
	q := accuracyQuery(av, scale)
	p.JSONURL = "/accuracy.json?" + q.Encode()
	q.Del("page")
	q.Del("size")
	p.CSVURL = strings.TrimSuffix("/accuracy.csv?"+q.Encode(), "?")
	p.ThresholdName, p.ThresholdKey = bandName(scale, av.Threshold), thresholdKey(scale, av.Threshold)
	return p, nil
}

// fillControls fills the by, threshold, model, lead and reference selects.
func (p *accuracyPage) fillControls(av queries.AccuracyView, scale *aqi.Scale, models []queries.ModelLeads) {
	second := ""
	if len(av.By) > 1 {
		second = av.By[1]
	}
	p.By2Opts = []option{{"", "Nothing else", second == ""}}
	for _, b := range queries.AccuracyBys {
		p.ByOpts = append(p.ByOpts, option{b, byLabels[b], b == av.By[0]})
		p.By2Opts = append(p.By2Opts, option{b, byLabels[b], b == second})
	}
	p.ThresholdOpts = thresholdOptions(scale, av.Threshold)
	p.ByModel, p.ByLead = slices.Contains(av.By, "model"), slices.Contains(av.By, "lead")
	var names []string
	leadSet := map[int]bool{}
	for _, m := range models {
		names = append(names, m.Model)
		for _, l := range m.Leads {
			leadSet[l] = true
		}
	}
	if p.ByModel {
		p.ModelOpts = append([]option{{"", "All models", len(av.Models) == 0}}, options(names, av.Models, identity)...)
	} else {
		p.ModelOpts = options(names, av.Models, identity)
	}
	var leads []int
	for l := range leadSet {
		leads = append(leads, l)
	}
	for _, l := range av.Leads {
		if !leadSet[l] {
			leads = append(leads, l)
		}
	}
	slices.Sort(leads)
	if p.ByLead {
		p.LeadOpts = []option{{"", "All leads", len(av.Leads) == 0}}
	}
	for _, l := range leads {
		p.LeadOpts = append(p.LeadOpts, option{strconv.Itoa(l), leadLabel(l), slices.Contains(av.Leads, l)})
	}
	p.RefOpts = []option{{"", "None", av.Ref == ""}}
	for _, m := range names {
		p.RefOpts = append(p.RefOpts, option{m, m, m == av.Ref})
	}
}

// accuracyColumns builds the headers: the group keys, then the metrics (the threshold scores when
// banded, skill vs ref with a reference); each links to the view sorted by it, page 1.
func accuracyColumns(base string, av queries.AccuracyView, scale *aqi.Scale, banded bool, singleType string) []column {
	var cols []column
	add := func(key, label string, numeric bool) {
		col := column{Key: key, Label: label, Numeric: numeric}
		w := av
		w.Page, w.Sort, w.Desc = 1, key, accuracyDefaultDesc(key, av.By)
		if key == av.Sort {
			w.Desc = !av.Desc
			col.AriaSort = "ascending"
			if av.Desc {
				col.AriaSort = "descending"
			}
		}
		col.URL = accuracyURL(base, w, scale)
		cols = append(cols, col)
	}
	for _, b := range av.By {
		add(b, byLabels[b], b == "lead" || b == "year" || b == "month")
	}
	for _, m := range shownMetrics(av, banded) {
		add(m.Key, m.Label, true)
		if m.Unit && singleType != "" {
			cols[len(cols)-1].Unit = pollutantUnit(singleType)
		}
	}
	return cols
}

// shownMetrics are the metric columns a view shows.
func shownMetrics(av queries.AccuracyView, banded bool) []accuracyMetric {
	var out []accuracyMetric
	for _, m := range accuracyMetrics {
		if m.Threshold && !banded || m.Key == "skill_ref" && av.Ref == "" {
			continue
		}
		out = append(out, m)
	}
	return out
}

// keyLabel is a group key as the table shows it.
func keyLabel(g queries.AccuracyGroup, by string) string {
	switch by {
	case "type":
		return pollutantLabel(g.Type)
	case "lead":
		return leadLabel(g.Lead)
	case "month":
		return time.Month(g.Month).String()
	case "season":
		return seasonLabels[g.Season]
	}
	return g.Key(by)
}

// metricText formats a group's figure for a column.
func metricText(g queries.AccuracyGroup, key string) string {
	v := g.Value(key)
	if v == nil {
		return "—"
	}
	switch key {
	case "n", "hits", "misses", "false_alarms", "correct_negatives":
		return formatCount(int64(*v))
	case "r", "skill_persistence", "skill_ref", "pod", "far", "pofd", "csi", "freq_bias", "hss":
		return score(v)
	case "bias":
		return signed(v)
	}
	if *v < 0 {
		return "−" + formatNumber(-*v)
	}
	return formatNumber(*v)
}

// accuracyRows formats the page's groups, with a bar beside the sorted metric as long as the figure
// relative to the page's largest magnitude.
func accuracyRows(groups []queries.AccuracyGroup, av queries.AccuracyView, banded bool) views.AccuracyRows {
	metrics := shownMetrics(av, banded)
	top := 0.0
	for _, g := range groups {
		if v := g.Value(av.Sort); v != nil {
			top = max(top, math.Abs(*v))
		}
	}
	var out []accuracyRowView
	for _, g := range groups {
		r := accuracyRowView{URL: groupCompareURL(g, av)}
		for _, b := range av.By {
			r.Keys = append(r.Keys, keyLabel(g, b))
		}
		for _, m := range metrics {
			cell := accuracyCell{Text: metricText(g, m.Key), Sorted: m.Key == av.Sort}
			if v := g.Value(m.Key); cell.Sorted && v != nil && top > 0 {
				cell.Bar = round1(math.Abs(*v) / top * 60)
				cell.Neg = *v < 0
			}
			r.Cells = append(r.Cells, cell)
		}
		out = append(out, r)
	}
	return out
}

// groupCompareURL is the comparison of a group's days: its location, pollutant, model and lead (the
// view's own when it does not group by them), its year as a date range within the view's; a month of
// the year or a season spans several years, which a comparison cannot filter: it links to the
// comparison of the rest of the group.
func groupCompareURL(g queries.AccuracyGroup, av queries.AccuracyView) string {
	cv := queries.CompareView{View: queries.View{Locations: av.Locations, Types: av.Types, From: av.From, To: av.To,
		Sort: "date", Desc: true, Page: 1, Size: queries.DefaultSize}, Match: queries.MatchBoth, Ref: av.Ref, Threshold: av.Threshold}
	if len(av.Models) > 0 {
		cv.Model = av.Models[0]
	}
	cv.Lead = queries.DefaultLead
	if len(av.Leads) > 0 {
		cv.Lead = av.Leads[0]
	}
	for _, b := range av.By {
		switch b {
		case "location":
			cv.Locations = []string{g.Location}
		case "type":
			cv.Types = []string{g.Type}
		case "model":
			cv.Model = g.Model
		case "lead":
			cv.Lead = g.Lead
		case "year":
			from, to := time.Date(g.Year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(g.Year, 12, 31, 0, 0, 0, 0, time.UTC)
			if av.From.After(from) {
				from = av.From
			}
			if !av.To.IsZero() && av.To.Before(to) {
				to = av.To
			}
			cv.From, cv.To = from, to
		}
	}
	if cv.Model == "" {
		cv.Model = queries.DefaultModel
	}
	if cv.Ref == cv.Model {
		cv.Ref = ""
	}
	return compareURL("/compare", cv)
}

// invalidAccuracy answers the breakdown with bad parameters: a 400 with its form, the bad fields
// marked, the messages where the table would be.
func (s *server) invalidAccuracy(c *fiber.Ctx, av queries.AccuracyView, ap accuracyParams, scale *aqi.Scale, errs []fieldError) error {
	ctx, cancel := s.queryContext(c)
	defer cancel()
	locs, types, err := s.listOptions(ctx)
	if err != nil {
		return errs[0].err
	}
	p := accuracyPage{View: av, Scale: scale, TypeDefaulted: ap.typeDefaulted}
	p.viewControls = newViewControls("/accuracy", av.View, locs, types)
	p.Invalid = newFormError(errs)
	models, _ := s.listModels(ctx)
	p.fillControls(av, scale, models)
	s.keepBadChoices(c, &p.viewControls)
	if p.Bad("threshold") {
		p.ThresholdOpts = keepBadChoice(p.ThresholdOpts, rawParam(c, "threshold"))
	}
	if p.Bad("by") {
		p.ByOpts = keepBadChoice(p.ByOpts, rawParam(c, "by"))
	}
	p.SelfURL = "/accuracy"
	p.pageData = s.newPage(c, p.Invalid.Title+" · Accuracy")
	c.Set("Cache-Control", "no-store")
	return s.render(c, fiber.StatusBadRequest, "pages/accuracy", "partials/accuracy", p)
}

func (p accuracyPage) liveAttrs() liveAttrs {
	a := newLiveAttrs(p.SelfURL, queries.Historic.Key+" "+queries.Predictions.Key, p.View.View, p.pageData)
	models := slices.Clone(p.View.Models)
	if p.View.Ref != "" && len(models) > 0 {
		models = append(models, p.View.Ref)
	}
	a.Models = jsonList(models)
	return a
}

// accuracyJSON is the body of /accuracy.json.
type accuracyJSON struct {
	By        []string            `json:"by"`
	Groups    []accuracyGroupJSON `json:"groups"`
	Page      int                 `json:"page"`
	Size      int                 `json:"size"`
	Total     int64               `json:"total"`
	Threshold string              `json:"threshold"`
}

// accuracyGroupJSON is one group: its keys (only the view's bys), then every metric, null with
// nothing to divide by; skill_ref only with ref=.
type accuracyGroupJSON struct {
	Location *string `json:"location,omitempty"`
	Type     *string `json:"type,omitempty"`
	Model    *string `json:"model,omitempty"`
	Lead     *int    `json:"lead,omitempty"`
	Year     *int    `json:"year,omitempty"`
	Month    *int    `json:"month,omitempty"`
	Season   *string `json:"season,omitempty"`

	N                int64           `json:"n"`
	MAE              *float64        `json:"mae"`
	RMSE             *float64        `json:"rmse"`
	Bias             *float64        `json:"bias"`
	R                *float64        `json:"r"`
	NMB              *float64        `json:"nmb"`
	NME              *float64        `json:"nme"`
	MAPE             *float64        `json:"mape"`
	SkillPersistence *float64        `json:"skill_persistence"`
	SkillRef         json.RawMessage `json:"skill_ref,omitempty"`
	thresholdJSON
}

// newAccuracyGroupJSON writes one group.
func newAccuracyGroupJSON(g queries.AccuracyGroup, av queries.AccuracyView) accuracyGroupJSON {
	out := accuracyGroupJSON{N: g.N, MAE: g.MAE, RMSE: g.RMSE, Bias: g.Bias, R: g.R, NMB: g.NMB, NME: g.NME, MAPE: g.MAPE,
		SkillPersistence: g.Skill, thresholdJSON: newThresholdJSON(g.Contingency)}
	for _, b := range av.By {
		switch b {
		case "location":
			out.Location = &g.Location
		case "type":
			out.Type = &g.Type
		case "model":
			out.Model = &g.Model
		case "lead":
			out.Lead = &g.Lead
		case "year":
			out.Year = &g.Year
		case "month":
			out.Month = &g.Month
		case "season":
			out.Season = &g.Season
		}
	}
	if av.Ref != "" {
		out.SkillRef, _ = json.Marshal(g.SkillRef)
	}
	return out
}

// exportAccuracyJSON is the JSON twin of the breakdown: the same parameters, the same page of groups.
func (s *server) exportAccuracyJSON(c *fiber.Ctx) error {
	_, scale := requestScale(c)
	av, _, errs, err := s.parseAccuracyResolved(c, scale)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return errs[0].err
	}
	ctx, cancel := s.queryContext(c)
	defer cancel()
	res, err := queries.Accuracy(ctx, s.db, av)
	if err != nil {
		return err
	}
	out := accuracyJSON{By: av.By, Groups: make([]accuracyGroupJSON, len(res.Groups)), Page: av.Page, Size: av.Size, Total: res.Total,
		Threshold: thresholdKey(scale, av.Threshold)}
	for i, g := range res.Groups {
		out.Groups[i] = newAccuracyGroupJSON(g, av)
	}
	return c.JSON(out)
}

// exportAccuracyCSV writes every group of the breakdown (all pages) in the view's order: the by
// columns, then every metric by its JSON name; an empty field where the JSON has null.
func (s *server) exportAccuracyCSV(c *fiber.Ctx) error {
	_, scale := requestScale(c)
	av, _, errs, err := s.parseAccuracyResolved(c, scale)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return errs[0].err
	}
	ctx, cancel := s.queryContext(c)
	defer cancel()
	av.Size = 0
	res, err := queries.Accuracy(ctx, s.db, av)
	if err != nil {
		return err
	}
	header := slices.Clone(av.By)
	for _, m := range accuracyMetrics {
		if m.Key != "skill_ref" || av.Ref != "" {
			header = append(header, m.Key)
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(header)
	for _, g := range res.Groups {
		rec := make([]string, 0, len(header))
		for _, b := range av.By {
			rec = append(rec, g.Key(b))
		}
		for _, key := range header[len(av.By):] {
			rec = append(rec, csvNumber(g.Value(key)))
		}
		_ = w.Write(rec)
	}
	w.Flush()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="accuracy.csv"`)
	return c.Send(buf.Bytes())
}
