package main

import (
	"cmp"
	"context"
	"encoding/csv"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/views"
)

// rankingView is what /locations shows: every location's figures for one pollutant over one period.
type rankingView struct {
	Type  string
	Scale *aqi.Scale
	// ScaleKey is the scale as the URL carries it, "" for the deployment's.
	ScaleKey string
	// From and To bound the period, both included; Defaulted when the URL named neither (the 365 days
	// ending on the pollutant's last measured day).
	From, To  time.Time
	Defaulted bool
	Sort      string
	Desc      bool
}

// rankDefaultSort is the ranking's order unless the URL says otherwise: the highest mean first.
const rankDefaultSort = "mean"

// rankSortKeys lists the ranking's columns on a scale: location, mean, days, the bands from level 3 up
// (their keys), the days in any of them ("<level-3 key>_or_worse"), WHO days, the latest value.
func rankSortKeys(sc *aqi.Scale, typ string) []string {
	keys := []string{"location", "mean", "days"}
	if aqi.Banded(typ) {
		for _, b := range sc.Bands(typ)[3:] {
			keys = append(keys, b.Key)
		}
		keys = append(keys, worseKey(sc))
	}
	if _, ok := aqi.WHOGuideline(typ); ok {
		keys = append(keys, "who_days")
	}
	return append(keys, "latest")
}

// worseKey is the sort key of the days in any band from level 3 up: "poor_or_worse", "unhealthy_or_worse".
func worseKey(sc *aqi.Scale) string { return sc.DefaultThreshold() + "_or_worse" }

// query is the view's canonical query string, defaults left out.
func (v rankingView) query() url.Values {
	q := url.Values{}
	q.Set("type", v.Type)
	if !v.Defaulted {
		q.Set("from", v.From.Format(time.DateOnly))
		q.Set("to", v.To.Format(time.DateOnly))
	}
	if v.ScaleKey != "" {
		q.Set("scale", v.ScaleKey)
	}
	if v.Sort != rankDefaultSort || !v.Desc {
		q.Set("sort", v.Sort)
		if v.Desc {
			q.Set("dir", "desc")
		} else {
			q.Set("dir", "asc")
		}
	}
	return q
}

func (v rankingView) url(path string) string { return path + "?" + v.query().Encode() }

// parseRanking reads the ranking's parameters and settles the defaults: PM2.5 (or the first pollutant),
// the 365 days ending on its last measured day, the highest mean first. An unknown pollutant, scale or
// sort, a bad date or direction is a 400 naming its parameter.
func (s *server) parseRanking(ctx context.Context, c *fiber.Ctx) (rankingView, error) {
	v := rankingView{Sort: rankDefaultSort, Desc: true}
	var err error
	if v.ScaleKey, v.Scale, err = s.scaleParam(c); err != nil {
		return v, err
	}
	_, types, err := s.listOptions(ctx)
	if err != nil {
		return v, err
	}
	v.Type = strings.TrimSpace(c.Query("type"))
	switch {
	case v.Type == "":
		if t := fallback(types, "pm25"); len(t) > 0 {
			v.Type = t[0]
		} else {
			v.Type = "pm25"
		}
	case !slices.Contains(types, v.Type):
		if _, known := ingest.LookupPollutant(v.Type); !known {
			return v, badParam("type", "%q is not a pollutant; use one of %s", v.Type, strings.Join(types, ", "))
		}
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &v.From}, {"to", &v.To}} {
		if s := strings.TrimSpace(c.Query(p.name)); s != "" {
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return v, badParam(p.name, "%q is not a date; use YYYY-MM-DD, such as 2019-01-01", s)
			}
			*p.dst = d
		}
	}
	switch {
	case v.From.IsZero() && v.To.IsZero():
		v.Defaulted = true
		last, ok, err := queries.LastMeasured(ctx, s.db, v.Type)
		if err != nil {
			return v, err
		}
		if !ok {
			last = time.Now().UTC().Truncate(24 * time.Hour)
		}
		v.From, v.To = last.AddDate(0, 0, -364), last
	case v.From.IsZero():
		v.From = v.To.AddDate(0, 0, -364)
	case v.To.IsZero():
		v.To = v.From.AddDate(0, 0, 364)
	}
	if v.From.After(v.To) {
		return v, badParam("from", "%s is after to (%s); from must be on or before to", v.From.Format(time.DateOnly), v.To.Format(time.DateOnly))
	}
	keys := rankSortKeys(v.Scale, v.Type)
	if k := strings.TrimSpace(c.Query("sort")); k != "" {
		if !slices.Contains(keys, k) {
			return v, badParam("sort", "%q is not a column of this ranking; use one of %s", k, strings.Join(keys, ", "))
		}
		v.Sort = k
		v.Desc = k != "location"
	}
	switch d := strings.TrimSpace(c.Query("dir")); d {
	case "":
	case "asc":
		v.Desc = false
	case "desc":
		v.Desc = true
	default:
		return v, badParam("dir", "%q is not a direction; use asc or desc", d)
	}
	return v, nil
}

// rankFigure is one row's figure for a sort key; ok is false where the row has none.
func rankFigure(v rankingView, r queries.RankRow, key string) float64 {
	bands := r.Bands[v.Scale.Key]
	switch key {
	case "mean":
		return r.Mean()
	case "days":
		return float64(r.Days)
	case "who_days":
		return float64(r.WHODays)
	case "latest":
		return r.LatestValue
	case worseKey(v.Scale):
		var n int64
		for _, c := range bands[3:] {
			n += c
		}
		return float64(n)
	}
	for _, b := range v.Scale.Bands(v.Type) {
		if b.Key == key {
			return float64(bands[b.Level])
		}
	}
	return 0
}

// sortRanking orders the rows by the view's sort, ties by location. Each row's figure is worked out
// once, not at every comparison.
func sortRanking(v rankingView, rows []queries.RankRow) {
	type keyed struct {
		fig float64
		row queries.RankRow
	}
	ks := make([]keyed, len(rows))
	for i, r := range rows {
		ks[i].row = r
		if v.Sort != "location" {
			ks[i].fig = rankFigure(v, r, v.Sort)
		}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		var c int
		if v.Sort == "location" {
			c = strings.Compare(a.row.Location, b.row.Location)
		} else {
			c = cmp.Compare(a.fig, b.fig)
		}
		if v.Desc {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(a.row.Location, b.row.Location)
		}
		return c
	})
	for i := range ks {
		rows[i] = ks[i].row
	}
}

// rankingFor reads and sorts the view's rows.
func (s *server) rankingFor(ctx context.Context, v rankingView) ([]queries.RankRow, error) {
	rows, err := queries.Ranking(ctx, s.db, v.Type, v.From, v.To)
	if err != nil {
		return nil, err
	}
	sortRanking(v, rows)
	return rows, nil
}

// rankingPage is the data of pages/ranking and partials/ranking.
type rankingPage struct {
	pageData
	View    rankingView
	SelfURL string
	JSONURL string
	CSVURL  string
	Types   []option
	Scales  []option
	Columns []rankColumn
	Rows    views.RankRows
	// Periods are quick links: the default (last 365 days) and each calendar year with data.
	Periods  []periodLink
	Describe string
	Unit     string
	Banded   bool
	HasWHO   bool
	// WorseName names the days at level 3 or worse: "Poor or worse".
	WorseName string
	NoData    bool
}

// rankColumn is one sortable column header.
type rankColumn struct {
	Key, Label, URL, AriaSort string
	Class, Unit               string
	// Title explains the column on hover.
	Title string
}

// periodLink is one quick period of the ranking.
type periodLink struct {
	Label, URL string
	Current    bool
}

// rankRowView is one location's row as shown, written by views.RankRow.HTML.
type rankRowView = views.RankRow

// rankCell is one figure of a row (views.RankCell).
type rankCell = views.RankCell

// singleBand reports whether a sort key is one band's days.
func singleBand(v rankingView, key string) bool {
	for _, b := range v.Scale.Bands(v.Type) {
		if b.Key == key {
			return true
		}
	}
	return false
}

// showRanking is /locations: the city ranking for one pollutant and period, sortable by each figure,
// with a bar beside the sorted one, and a link to the overview of every series (/locations/all).
func (s *server) showRanking(c *fiber.Ctx) error {
	ctx, cancel := s.queryContext(c)
	defer cancel()
	v, err := s.parseRanking(ctx, c)
	if err != nil {
		return err
	}
	rows, err := s.rankingFor(ctx, v)
	if err != nil {
		return err
	}
	_, types, err := s.listOptions(ctx)
	if err != nil {
		return err
	}
	p := rankingPage{View: v, SelfURL: v.url("/locations"), JSONURL: v.url("/locations.json"), CSVURL: v.url("/locations.csv"),
		Types: options(types, []string{v.Type}, pollutantLabel), Scales: scaleOptions(v.Scale), Unit: pollutantUnit(v.Type),
		Banded: aqi.Banded(v.Type), NoData: len(types) == 0}
	_, p.HasWHO = aqi.WHOGuideline(v.Type)
	p.Describe = pollutantLabel(v.Type) + " · " + v.From.Format("2 Jan 2006") + " to " + v.To.Format("2 Jan 2006")
	if p.Banded {
		p.WorseName = v.Scale.Bands(v.Type)[3].Name + " or worse"
	}
	p.Periods, err = s.rankPeriods(ctx, v)
	if err != nil {
		return err
	}
	for _, k := range rankSortKeys(v.Scale, v.Type) {
		col := rankColumn{Key: k, Label: rankLabel(v, k, p.Unit), Class: "num", Title: rankTitle(v, k)}
		switch k {
		case "location":
			col.Class = ""
		case "mean":
			col.Unit = p.Unit
		}
		if singleBand(v, k) && k != v.Sort {
			col.Class += " rank-opt"
		}
		w := v
		w.Sort, w.Desc = k, k != "location"
		if k == v.Sort {
			w.Desc = !v.Desc
			col.AriaSort = "ascending"
			if v.Desc {
				col.AriaSort = "descending"
			}
		}
		col.URL = w.url("/locations")
		p.Columns = append(p.Columns, col)
	}
	var max float64
	for _, r := range rows {
		if f := rankFigure(v, r, v.Sort); f > max {
			max = f
		}
	}
	// The figures' columns, worked out once for every row.
	type figure struct {
		key, label string
		optional   bool
	}
	var figures []figure
	for _, k := range rankSortKeys(v.Scale, v.Type) {
		if k != "location" && k != "latest" {
			figures = append(figures, figure{k, rankLabel(v, k, p.Unit), singleBand(v, k) && k != v.Sort})
		}
	}
	p.Rows = make(views.RankRows, 0, len(rows))
	for _, r := range rows {
		rv := rankRowView{Location: r.Location, LatestDate: r.LatestDate, LatestValue: formatNumber(r.LatestValue), LatestSorted: v.Sort == "latest"}
		rv.CalendarURL = calendarView{Location: r.Location, Type: v.Type, Year: r.LatestDate.Year(), Scale: v.Scale, ScaleKey: v.ScaleKey}.url("/calendar")
		if b, ok := v.Scale.BandOf(v.Type, r.LatestValue); ok {
			rv.LatestBandClass, rv.LatestBandName = b.Class, b.Name
		}
		rv.Cells = make([]rankCell, 0, len(figures))
		for _, fig := range figures {
			k := fig.key
			f := rankFigure(v, r, k)
			cell := rankCell{Key: k, Label: fig.label, Sorted: k == v.Sort, Text: formatCount(int64(f)), Optional: fig.optional}
			if k == "mean" {
				cell.Text = formatNumber(f)
			}
			if cell.Sorted && max > 0 {
				cell.Bar = int(f / max * 100)
			}
			rv.Cells = append(rv.Cells, cell)
		}
		p.Rows = append(p.Rows, rv)
	}
	p.pageData = s.newPage(c, "Ranking · "+p.Describe)
	pushCanonical(c, p.SelfURL)
	return s.render(c, fiber.StatusOK, "pages/ranking", "partials/ranking", p)
}

// rankLabel is a column's header.
func rankLabel(v rankingView, key, unit string) string {
	switch key {
	case "location":
		return "Location"
	case "mean":
		return "Mean"
	case "days":
		return "Days"
	case "who_days":
		return "Above WHO"
	case "latest":
		return "Latest"
	case worseKey(v.Scale):
		return v.Scale.Bands(v.Type)[3].Name + " or worse"
	}
	for _, b := range v.Scale.Bands(v.Type) {
		if b.Key == key {
			return b.Name
		}
	}
	return key
}

// rankTitle explains a column.
func rankTitle(v rankingView, key string) string {
	switch key {
	case "mean":
		return "Mean of the days measured"
	case "days":
		return "Days measured in the period"
	case "who_days":
		g, _ := aqi.WHOGuideline(v.Type)
		return "Days above the WHO 2021 24-hour guideline (" + strconv.FormatFloat(g, 'f', -1, 64) + " " + pollutantUnit(v.Type) + ")"
	case "latest":
		return "The last day measured in the period"
	case worseKey(v.Scale):
		return "Days in the " + v.Scale.Short + " bands " + v.Scale.Bands(v.Type)[3].Name + " and worse"
	case "location":
		return ""
	}
	return "Days in the " + v.Scale.Short + " band " + rankLabel(v, key, "")
}

// rankPeriods are the quick periods: the last 365 days and every calendar year the pollutant was
// measured in.
func (s *server) rankPeriods(ctx context.Context, v rankingView) ([]periodLink, error) {
	// The years the pollutant was measured in: one row of series_stats' bounds, not every series.
	f, l, ok, err := queries.DateBounds(ctx, s.db, []queries.Table{queries.Historic}, nil, []string{v.Type})
	if err != nil {
		return nil, err
	}
	first, last := 0, 0
	if ok {
		first, last = f.Year(), l.Year()
	}
	w := v
	w.Defaulted = true
	out := []periodLink{{Label: "Last 365 days", URL: w.url("/locations"), Current: v.Defaulted}}
	if first == 0 {
		return out, nil
	}
	for y := first; y <= last; y++ {
		w := v
		w.Defaulted = false
		w.From, w.To = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
		out = append(out, periodLink{Label: strconv.Itoa(y), URL: w.url("/locations"),
			Current: !v.Defaulted && v.From.Equal(w.From) && v.To.Equal(w.To)})
	}
	return out, nil
}

func (p rankingPage) liveAttrs() liveAttrs {
	lv := queries.View{Types: []string{p.View.Type}, From: p.View.From, To: p.View.To, Sort: "date", Page: 1}
	if p.View.Defaulted {
		// The default period ends on the last measured day: any new day may move it.
		lv.From, lv.To = time.Time{}, time.Time{}
	}
	return newLiveAttrs(p.SelfURL, queries.Historic.Key, lv, p.pageData)
}

// rankingJSON is the body of /locations.json.
type rankingJSON struct {
	Type  string           `json:"type"`
	From  string           `json:"from"`
	To    string           `json:"to"`
	Scale string           `json:"scale"`
	Rows  []rankingJSONRow `json:"rows"`
}

// rankingJSONRow is one location: band_days has every band key of the scale ({} without bands),
// who_days is null without a WHO guideline.
type rankingJSONRow struct {
	Location string           `json:"location"`
	Mean     float64          `json:"mean"`
	Days     int64            `json:"days"`
	WHODays  *int64           `json:"who_days"`
	BandDays map[string]int64 `json:"band_days"`
	Latest   rankingJSONDay   `json:"latest"`
}

// rankingJSONDay is a location's latest day in the period.
type rankingJSONDay struct {
	Date  string  `json:"date"`
	Value float64 `json:"value"`
	Band  *string `json:"band"`
}

func newRankingJSONRow(v rankingView, r queries.RankRow) rankingJSONRow {
	out := rankingJSONRow{Location: r.Location, Mean: r.Mean(), Days: r.Days, BandDays: map[string]int64{},
		Latest: rankingJSONDay{Date: r.LatestDate.Format(time.DateOnly), Value: r.LatestValue}}
	if _, ok := aqi.WHOGuideline(v.Type); ok {
		n := r.WHODays
		out.WHODays = &n
	}
	counts := r.Bands[v.Scale.Key]
	for _, b := range v.Scale.Bands(v.Type) {
		out.BandDays[b.Key] = counts[b.Level]
	}
	if b, ok := v.Scale.BandOf(v.Type, r.LatestValue); ok {
		out.Latest.Band = &b.Key
	}
	return out
}

// exportRankingJSON is the JSON twin of /locations: the same parameters, rows in the same order.
func (s *server) exportRankingJSON(c *fiber.Ctx) error {
	ctx, cancel := s.queryContext(c)
	defer cancel()
	v, err := s.parseRanking(ctx, c)
	if err != nil {
		return err
	}
	rows, err := s.rankingFor(ctx, v)
	if err != nil {
		return err
	}
	out := rankingJSON{Type: v.Type, From: v.From.Format(time.DateOnly), To: v.To.Format(time.DateOnly), Scale: v.Scale.Key, Rows: []rankingJSONRow{}}
	for _, r := range rows {
		out.Rows = append(out.Rows, newRankingJSONRow(v, r))
	}
	return c.JSON(out)
}

// exportRankingCSV is the CSV twin of /locations: one line per location, the JSON's fields flattened
// (band_<key> for every band of the scale; who_days empty without a guideline).
func (s *server) exportRankingCSV(c *fiber.Ctx) error {
	ctx, cancel := s.queryContext(c)
	defer cancel()
	v, err := s.parseRanking(ctx, c)
	if err != nil {
		return err
	}
	rows, err := s.rankingFor(ctx, v)
	if err != nil {
		return err
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	header := []string{"location", "mean", "days", "who_days"}
	bands := v.Scale.Bands(v.Type)
	for _, band := range bands {
		header = append(header, "band_"+band.Key)
	}
	header = append(header, "latest_date", "latest_value", "latest_band")
	_ = w.Write(header)
	for _, r := range rows {
		j := newRankingJSONRow(v, r)
		rec := []string{j.Location, strconv.FormatFloat(j.Mean, 'f', -1, 64), strconv.FormatInt(j.Days, 10), ""}
		if j.WHODays != nil {
			rec[3] = strconv.FormatInt(*j.WHODays, 10)
		}
		for _, band := range bands {
			rec = append(rec, strconv.FormatInt(j.BandDays[band.Key], 10))
		}
		band := ""
		if j.Latest.Band != nil {
			band = *j.Latest.Band
		}
		rec = append(rec, j.Latest.Date, strconv.FormatFloat(j.Latest.Value, 'f', -1, 64), band)
		_ = w.Write(rec)
	}
	w.Flush()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="ranking-`+v.Type+`-`+v.From.Format(time.DateOnly)+`-`+v.To.Format(time.DateOnly)+`.csv"`)
	return c.SendString(b.String())
}
