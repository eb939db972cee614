package main

import (
	"context"
	stdhtml "html"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/app/calgrid"
	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
)

// calendarView is what /calendar shows: one series' calendar year in one scale.
type calendarView struct {
	Location, Type string
	Year           int
	Scale          *aqi.Scale
	// ScaleKey is the scale as the URL carries it, "" for the deployment's.
	ScaleKey string
}

// url is path with the view's query (location, scale unless the deployment's, type, year), as
// url.Values.Encode writes it (keys in order, escaped by url.QueryEscape), without building the
// url.Values: the ranking writes one per location.
func (v calendarView) url(path string) string {
	u := path + "?location=" + url.QueryEscape(v.Location)
	if v.ScaleKey != "" {
		u += "&scale=" + url.QueryEscape(v.ScaleKey)
	}
	return u + "&type=" + url.QueryEscape(v.Type) + "&year=" + strconv.Itoa(v.Year)
}

// Years a calendar may ask for: any date PostgreSQL and Go agree on, far wider than any data.
const minYear, maxYear = 1900, 2200

// parseCalendar reads a calendar's parameters and settles the defaults: the first location, PM2.5 (or
// the location's first pollutant), the series' latest year with data. An unknown location or pollutant,
// a year that is not one, or an unknown scale is a 400 naming its parameter.
func (s *server) parseCalendar(ctx context.Context, c *fiber.Ctx) (calendarView, []int, error) {
	var v calendarView
	var err error
	if v.ScaleKey, v.Scale, err = s.scaleParam(c); err != nil {
		return v, nil, err
	}
	locs, types, err := s.listOptions(ctx)
	if err != nil {
		return v, nil, err
	}
	v.Location = strings.TrimSpace(c.Query("location"))
	v.Type = strings.TrimSpace(c.Query("type"))
	switch {
	case v.Location == "" && len(locs) > 0:
		v.Location = locs[0]
	case v.Location != "" && !slices.Contains(locs, v.Location):
		return v, nil, badParam("location", "%q is not a location of the data; see /locations for every location", v.Location)
	}
	if v.Type != "" && !slices.Contains(types, v.Type) {
		if _, known := ingest.LookupPollutant(v.Type); !known {
			return v, nil, badParam("type", "%q is not a pollutant; use one of %s", v.Type, strings.Join(types, ", "))
		}
	}
	if y := strings.TrimSpace(c.Query("year")); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < minYear || n > maxYear {
			return v, nil, badParam("year", "%q is not a year; use a year such as 2019 (from %d to %d)", y, minYear, maxYear)
		}
		v.Year = n
	}
	if v.Type == "" && v.Location != "" {
		have, err := s.locationTypes(ctx, v.Location)
		if err != nil {
			return v, nil, err
		}
		if t := fallback(have, "pm25"); len(t) > 0 {
			v.Type = t[0]
		}
	}
	if v.Type == "" {
		v.Type = "pm25"
	}
	var years []int
	if v.Location != "" {
		if years, err = queries.MeasureYears(ctx, s.db, v.Location, v.Type); err != nil {
			return v, nil, err
		}
	}
	if v.Year == 0 {
		v.Year = time.Now().Year()
		if len(years) > 0 {
			v.Year = years[len(years)-1]
		}
	}
	return v, years, nil
}

// calendarData is a calendar's figures: the year's days and sums and the prediction model shown.
type calendarData struct {
	Days  []queries.CalendarDay
	Sums  queries.MeasureSums
	Model string
}

// calendarFor reads the days of the view's year (the table, at most 366 rows) and its sums
// (measure_months, twelve rows), with the default model's predictions at its first lead.
func (s *server) calendarFor(ctx context.Context, v calendarView) (calendarData, error) {
	var d calendarData
	models, err := s.listModels(ctx)
	if err != nil {
		return d, err
	}
	// As a comparison without model= (resolveModels): DEFAULT_MODEL when the data has it, else the first.
	lead := queries.DefaultLead
	pick := slices.IndexFunc(models, func(m queries.ModelLeads) bool { return m.Model == s.cfg.DefaultModel })
	if pick < 0 && len(models) > 0 {
		pick = 0
	}
	if pick >= 0 {
		m := models[pick]
		d.Model = m.Model
		if !slices.Contains(m.Leads, lead) && len(m.Leads) > 0 {
			lead = m.Leads[0]
		}
	}
	model := d.Model
	if model == "" {
		model = queries.DefaultModel
	}
	if d.Days, err = queries.CalendarDays(ctx, s.db, v.Location, v.Type, v.Year, model, lead); err != nil {
		return d, err
	}
	d.Sums, err = queries.YearSums(ctx, s.db, v.Location, v.Type, v.Year)
	return d, err
}

// calendarPage is the data of pages/calendar and partials/calendar.
type calendarPage struct {
	pageData
	View     calendarView
	SelfURL  string
	JSONURL  string
	TableURL string
	// The form's choices.
	Locations, Types, Scales []option
	// Years lists every year with data as links; Prev and Next the years either side (nil when the
	// series has no data there).
	Years      []yearLink
	Prev, Next *yearLink
	Grid       calendarGrid
	Unit       string
	// Banded: the pollutant has bands; Bands then counts the year's days in each.
	Banded bool
	Bands  []bandCount
	// Guideline is the WHO 2021 24-hour guideline, "" for a pollutant without one.
	Guideline string
	Measured  int64
	WHODays   int64
	Model     string
	// NoData: the database holds no measurement at all.
	NoData bool
}

// yearLink is one year of the year navigation.
type yearLink struct {
	Year    int
	URL     string
	Current bool
}

// bandCount is the number of days of the year in one band.
type bandCount struct {
	Band aqi.Band
	N    int64
}

// The calendar's geometry (SVG user units): cells of calCell, calStep apart, right of the weekday labels
// and below the month labels.
const (
	calCell   = 15
	calStep   = 17
	calLeft   = 30
	calTop    = 18
	calMonthY = 12
)

// calendarGrid is the SVG calendar.
type calendarGrid struct {
	Width, Height int
	Cell          int
	Months        []calLabel
	Weekdays      []calLabel
	Days          []calDay
	// DaysSVG is Days as SVG markup (daysSVG).
	DaysSVG template.HTML
	// Label is the whole grid in words, for screen readers.
	Label string
}

// calLabel is a month or weekday label.
type calLabel struct {
	X, Y int
	Text string
}

// calDay is one day's cell: its band class ("aqi-3", "epa-3"; "none" when not measured, "nb" when
// measured without bands), its title, and the WHO mark.
type calDay struct {
	X, Y         int
	Class        string
	Title        string
	WHO          bool
	MarkX, MarkY float64
	Date         string
}

// newCalendarGrid lays out the year and colours each day by its measured band.
func newCalendarGrid(v calendarView, d calendarData, unit string) calendarGrid {
	cells, months, weeks := calgrid.Year(v.Year)
	g := calendarGrid{Width: calLeft + weeks*calStep, Height: calTop + 7*calStep, Cell: calCell}
	for _, m := range months {
		g.Months = append(g.Months, calLabel{X: calLeft + m.Week*calStep, Y: calMonthY, Text: m.Month.String()[:3]})
	}
	for i, w := range []string{"Mon", "", "Wed", "", "Fri", "", "Sun"} {
		if w != "" {
			g.Weekdays = append(g.Weekdays, calLabel{X: calLeft - 4, Y: calTop + i*calStep + calCell - 3, Text: w})
		}
	}
	byDate := make(map[time.Time]queries.CalendarDay, len(d.Days))
	for _, day := range d.Days {
		byDate[day.Date] = day
	}
	for _, c := range cells {
		cd := calDay{X: calLeft + c.Week*calStep, Y: calTop + c.Weekday*calStep, Class: "none", Date: c.Date.Format(time.DateOnly)}
		cd.MarkX, cd.MarkY = float64(cd.X)+calCell/2.0, float64(cd.Y)+calCell/2.0
		day, ok := byDate[c.Date]
		var title strings.Builder
		title.WriteString(c.Date.Format("Mon 2 Jan 2006") + ": ")
		if ok && day.Value != nil {
			cd.Class = "nb"
			title.WriteString(formatNumber(*day.Value) + " " + unit)
			if b, ok := v.Scale.BandOf(v.Type, *day.Value); ok {
				cd.Class = b.Class
				title.WriteString(", " + b.Name)
				if i, ok := v.Scale.SubIndex(v.Type, *day.Value); ok {
					title.WriteString(" (AQI " + strconv.Itoa(i) + ")")
				}
			}
			if ex, ok := aqi.WHOExceeded(v.Type, *day.Value); ok && ex {
				cd.WHO = true
				title.WriteString("; above the WHO guideline")
			}
		} else {
			title.WriteString("not measured")
		}
		if ok && day.Predicted != nil {
			title.WriteString("; predicted " + formatNumber(*day.Predicted) + " by " + d.Model)
		}
		cd.Title = title.String()
		g.Days = append(g.Days, cd)
	}
	g.DaysSVG = daysSVG(g.Days, g.Cell)
	return g
}

// daysSVG writes the day cells (a rect with its title, and the WHO mark) as SVG, every title escaped
// (stdhtml.EscapeString escapes the five characters that matter in text). Like optionTags (render.go)
// this markup lives in Go: 366 cells through template actions were half of a calendar request's time.
func daysSVG(days []calDay, cell int) template.HTML {
	var b strings.Builder
	b.Grow(len(days) * 160)
	size := strconv.Itoa(cell)
	for _, d := range days {
		b.WriteString(`<rect x="` + strconv.Itoa(d.X) + `" y="` + strconv.Itoa(d.Y) + `" width="` + size + `" height="` + size +
			`" rx="2" class="day ` + stdhtml.EscapeString(d.Class) + `" data-date="` + d.Date + `"><title>` + stdhtml.EscapeString(d.Title) + `</title></rect>`)
		if d.WHO {
			b.WriteString(`<circle class="who" cx="` + strconv.FormatFloat(d.MarkX, 'f', -1, 64) + `" cy="` + strconv.FormatFloat(d.MarkY, 'f', -1, 64) + `" r="3"/>`)
		}
	}
	return template.HTML(b.String())
}

// showCalendar is /calendar: one series' year as a grid of weeks and weekdays, each day in the colour
// of its measured band, days above the WHO guideline marked, beside the year's days per band and
// exceedance days, with links to every year that has data.
func (s *server) showCalendar(c *fiber.Ctx) error {
	ctx, cancel := s.queryContext(c)
	defer cancel()
	v, years, err := s.parseCalendar(ctx, c)
	if err != nil {
		return err
	}
	p := calendarPage{View: v, SelfURL: v.url("/calendar"), JSONURL: v.url("/calendar.json"), Unit: pollutantUnit(v.Type)}
	title := "Calendar"
	if v.Location == "" {
		p.NoData = true
	} else {
		title += " · " + v.Location + " · " + pollutantLabel(v.Type) + " · " + strconv.Itoa(v.Year)
		d, err := s.calendarFor(ctx, v)
		if err != nil {
			return err
		}
		p.Model = d.Model
		p.Grid = newCalendarGrid(v, d, p.Unit)
		p.Measured, p.WHODays = d.Sums.Days, d.Sums.WHODays
		if bands := v.Scale.Bands(v.Type); bands != nil {
			p.Banded = true
			counts := d.Sums.Bands[v.Scale.Key]
			for _, b := range bands {
				p.Bands = append(p.Bands, bandCount{Band: b, N: counts[b.Level]})
			}
		}
		if g, ok := aqi.WHOGuideline(v.Type); ok {
			p.Guideline = strconv.FormatFloat(g, 'f', -1, 64) + " " + p.Unit
		}
		p.Grid.Label = calendarLabel(v, p)
		locs, types, err := s.listOptions(ctx)
		if err != nil {
			return err
		}
		have, err := s.locationTypes(ctx, v.Location)
		if err != nil {
			return err
		}
		if len(have) == 0 {
			have = types
		}
		p.Locations = options(locs, []string{v.Location}, identity)
		p.Types = options(have, []string{v.Type}, pollutantLabel)
		p.Scales = scaleOptions(v.Scale)
		link := func(y int) yearLink {
			w := v
			w.Year = y
			return yearLink{Year: y, URL: w.url("/calendar"), Current: y == v.Year}
		}
		for _, y := range years {
			p.Years = append(p.Years, link(y))
		}
		if len(years) > 0 && v.Year > years[0] {
			l := link(v.Year - 1)
			p.Prev = &l
		}
		if len(years) > 0 && v.Year < years[len(years)-1] {
			l := link(v.Year + 1)
			p.Next = &l
		}
		from := time.Date(v.Year, 1, 1, 0, 0, 0, 0, time.UTC)
		p.TableURL = viewURL("/historic", queries.View{Locations: []string{v.Location}, Types: []string{v.Type},
			From: from, To: from.AddDate(1, 0, -1), Sort: "date", Desc: false, Page: 1, Size: 100})
	}
	p.pageData = s.newPage(c, title)
	pushCanonical(c, p.SelfURL)
	return s.render(c, fiber.StatusOK, "pages/calendar", "partials/calendar", p)
}

// calendarLabel says what the calendar shows, for the grid's accessible name.
func calendarLabel(v calendarView, p calendarPage) string {
	var b strings.Builder
	b.WriteString("Calendar of " + pollutantLabel(v.Type) + " in " + v.Location + ", " + strconv.Itoa(v.Year) + ": ")
	b.WriteString(formatCount(p.Measured) + " days measured")
	if p.Guideline != "" {
		b.WriteString(", " + formatCount(p.WHODays) + " above the WHO guideline")
	}
	for _, bc := range p.Bands {
		if bc.N > 0 {
			b.WriteString(", " + formatCount(bc.N) + " " + bc.Band.Name)
		}
	}
	b.WriteString(". Every day is in the table of measurements linked below.")
	return b.String()
}

func (p calendarPage) liveAttrs() liveAttrs {
	from := time.Date(p.View.Year, 1, 1, 0, 0, 0, 0, time.UTC)
	lv := queries.View{From: from, To: from.AddDate(1, 0, -1), Sort: "date", Page: 1}
	if p.View.Location != "" {
		lv.Locations = []string{p.View.Location}
		lv.Types = []string{p.View.Type}
	}
	a := newLiveAttrs(p.SelfURL, queries.Historic.Key+" "+queries.Predictions.Key, lv, p.pageData)
	if p.Model != "" {
		a.Models = jsonList([]string{p.Model})
	}
	return a
}

// calendarJSON is the body of /calendar.json.
type calendarJSON struct {
	Location     string            `json:"location"`
	Type         string            `json:"type"`
	Year         int               `json:"year"`
	Scale        string            `json:"scale"`
	Days         []calendarJSONDay `json:"days"`
	Bands        map[string]int64  `json:"bands"`
	WHODays      *int64            `json:"who_days"`
	MeasuredDays int64             `json:"measured_days"`
}

// calendarJSONDay is one measured day: its band key (null without bands) and whether it is above the
// WHO guideline (null without one).
type calendarJSONDay struct {
	Date        string  `json:"date"`
	Value       float64 `json:"value"`
	Band        *string `json:"band"`
	WHOExceeded *bool   `json:"who_exceeded"`
}

// exportCalendarJSON is the JSON twin of /calendar: the same parameters and defaults, the measured days
// and the year's figures.
func (s *server) exportCalendarJSON(c *fiber.Ctx) error {
	ctx, cancel := s.queryContext(c)
	defer cancel()
	v, _, err := s.parseCalendar(ctx, c)
	if err != nil {
		return err
	}
	out := calendarJSON{Location: v.Location, Type: v.Type, Year: v.Year, Scale: v.Scale.Key, Days: []calendarJSONDay{}, Bands: map[string]int64{}}
	if v.Location != "" {
		d, err := s.calendarFor(ctx, v)
		if err != nil {
			return err
		}
		for _, day := range d.Days {
			if day.Value == nil {
				continue
			}
			jd := calendarJSONDay{Date: day.Date.Format(time.DateOnly), Value: *day.Value}
			if b, ok := v.Scale.BandOf(v.Type, *day.Value); ok {
				jd.Band = &b.Key
			}
			if ex, ok := aqi.WHOExceeded(v.Type, *day.Value); ok {
				jd.WHOExceeded = &ex
			}
			out.Days = append(out.Days, jd)
		}
		if bands := v.Scale.Bands(v.Type); bands != nil {
			counts := d.Sums.Bands[v.Scale.Key]
			for _, b := range bands {
				out.Bands[b.Key] = counts[b.Level]
			}
		}
		out.MeasuredDays = d.Sums.Days
		if _, ok := aqi.WHOGuideline(v.Type); ok {
			out.WHODays = &d.Sums.WHODays
		}
	} else if _, ok := aqi.WHOGuideline(v.Type); ok {
		zero := int64(0)
		out.WHODays = &zero
	}
	return c.JSON(out)
}

// CalendarURL is the calendar of the latest measurement's series and year: the dashboard's link to it.
func (l latestView) CalendarURL() string {
	return calendarView{Location: l.Location, Type: l.Type, Year: l.Date.Year(), Scale: l.scale, ScaleKey: l.ScaleKey}.url("/calendar")
}

// RankingURL is the city ranking of the latest measurement's pollutant, in the view's scale.
func (l latestView) RankingURL() string {
	return withScale("/locations?type="+url.QueryEscape(l.Type), l.ScaleKey)
}
