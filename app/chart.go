package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/views"
)

// The chart is an SVG drawn by views.Chart (views/chart.go) from the geometry computed here: no client-side
// library and no script. Its viewBox is chartWidth × chartHeight user units; the plot area is what the
// margins leave, and one user unit is one pixel at the chart's natural size.
const (
	chartWidth   = 960
	chartHeight  = 380
	marginLeft   = 64
	marginRight  = 88 // room for the band names, right of the plot
	marginTop    = 36
	marginBottom = 48
	// plotWidth is the number of horizontal pixels the lines have: a series with more points than this
	// is drawn as weekly (or monthly) means.
	plotWidth  = chartWidth - marginLeft - marginRight
	plotHeight = chartHeight - marginTop - marginBottom
)

// chart is everything partials/chart needs (views.Chart draws it); the others are its parts.
type (
	chart         = views.Chart
	chartKeyEntry = views.ChartKeyEntry
	chartBand     = views.ChartBand
	chartTick     = views.ChartTick
	chartLine     = views.ChartLine
	chartDot      = views.ChartDot
)

// chartModel is one model's buckets for the chart: the predicted side of each is its line; the
// measured side (the same for every model) draws the measured line from the first model given.
type chartModel struct {
	Model string
	Rows  []queries.Bucket
}

// lineClasses are the model lines' classes, in order: each has its own colour and dash pattern
// (public/app.css), so they stay apart without colour too.
var lineClasses = [maxChartModels]string{"predicted", "vs1", "vs2", "vs3"}

// chartStep is how the points of a chart are made: one per day, or the mean of each week or month.
type chartStep int

const (
	stepDay chartStep = iota
	stepWeek
	stepMonth
)

func (s chartStep) noun() string { return [...]string{"day", "week", "month"}[s] }

// unit is the step's name among queries.ChartUnits.
func (s chartStep) unit() string { return queries.ChartUnits[s] }

// chartStepFor chooses how to draw the days from start to end: one point per day when they fit the
// plot's pixels, else weekly means, else monthly means.
func chartStepFor(start, end time.Time) chartStep {
	switch {
	case dayIndex(start, end)+1 <= plotWidth:
		return stepDay
	case dayIndex(monday(start), monday(end))/7+1 <= plotWidth:
		return stepWeek
	}
	return stepMonth
}

// chartBucket is one point's worth of days.
type chartBucket struct {
	// lo and hi are the first and last day of the bucket inside the chart's range, as day offsets from
	// its start.
	lo, hi       int
	index        int
	sumA, sumP   float64
	nA, nP       int
	meanA, meanP float64
	hasA, hasP   bool
}

// chartBandNames are the chart's names of the bands whose own name is wider than the margin right of
// the plot (88 pixels, about 12 characters): short forms. The legend below the chart names them in full.
var chartBandNames = map[string]string{"usg": "USG", "very_unhealthy": "V. Unhealthy"}

// chartBandName is a band's name beside the chart's stripe.
func chartBandName(b aqi.Band) string {
	if n, ok := chartBandNames[b.Key]; ok {
		return n
	}
	return b.Name
}

// buildChart computes the chart of one series, its band background on the scale sc, over the days from start to end, drawn by step, from the
// buckets of each model (queries.SeriesBuckets of that range, step's unit and the model; at most
// maxChartModels): the measured line, then one line per model. It returns nil when there is nothing to
// draw.
func buildChart(sc *aqi.Scale, location, typ string, start, end time.Time, step chartStep, models []chartModel) *chart {
	if len(models) > maxChartModels {
		models = models[:maxChartModels]
	}
	empty := true
	for _, m := range models {
		empty = empty && len(m.Rows) == 0
	}
	if empty {
		return nil
	}
	days := dayIndex(start, end) + 1
	buckets := make([][]chartBucket, len(models))
	for i, m := range models {
		buckets[i] = bucketize(step, start, end, m.Rows)
	}

	// The y axis starts at 0 and ends at a round number above the highest point.
	top := 0.0
	for _, bs := range buckets {
		for _, b := range bs {
			if b.hasA {
				top = max(top, b.meanA)
			}
			if b.hasP {
				top = max(top, b.meanP)
			}
		}
	}
	stepY := niceStep(top / 5)
	top = math.Max(stepY, math.Ceil(top/stepY)*stepY)

	c := &chart{
		Width: chartWidth, Height: chartHeight,
		X0: marginLeft, Y0: marginTop, X1: marginLeft + plotWidth, Y1: marginTop + plotHeight,
		PlotW: plotWidth, XMid: marginLeft + plotWidth/2, YMid: marginTop + plotHeight/2,
		YTickX: marginLeft - 8, XTickY: marginTop + plotHeight + 20, XMarkY: marginTop + plotHeight + 5,
		BandLabelX: marginLeft + plotWidth + 6, XLabelY: chartHeight - 6,
		XLabel: "Date",
		YLabel: pollutantLabel(typ),
	}
	if u := pollutantUnit(typ); u != "" {
		c.YLabel += " (" + u + ")"
	}
	x := func(dayOffset float64) float64 {
		if days == 1 {
			return c.X0 + plotWidth/2
		}
		return c.X0 + dayOffset/float64(days-1)*plotWidth
	}
	y := func(v float64) float64 { return c.Y1 - v/top*plotHeight }

	for v := 0.0; v <= top+stepY/2; v += stepY {
		c.YTicks = append(c.YTicks, chartTick{Pos: round1(y(v)), Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	for _, t := range dateTicks(start, end) {
		c.XTicks = append(c.XTicks, chartTick{Pos: round1(x(float64(dayIndex(start, t.at)))), Label: t.label})
	}
	for _, b := range sc.Bands(typ) {
		if b.Lower >= top {
			break
		}
		hi, lo := y(math.Min(b.Upper, top)), y(b.Lower)
		band := chartBand{Y: round1(hi), H: round1(lo - hi), Class: b.Class, Name: chartBandName(b), LabelY: round1((hi + lo) / 2)}
		band.ShowLabel = band.H >= 13
		c.Bands = append(c.Bands, band)
	}

	c.Actual = drawLine(buckets[0], x, y, func(b chartBucket) (float64, bool) { return b.meanA, b.hasA })
	c.Actual.Name, c.Actual.Class = "Measured", "actual"
	var names []string
	for i, m := range models {
		l := drawLine(buckets[i], x, y, func(b chartBucket) (float64, bool) { return b.meanP, b.hasP })
		l.Name, l.Class = m.Model, lineClasses[i]
		if l.Name == "" {
			l.Name = "Predicted"
		}
		c.Models = append(c.Models, l)
		names = append(names, l.Name)
	}
	c.Predicted = c.Models[0]
	// The legend: a 28-unit sample and the name, then the next entry after the name's width (about 7.5
	// units a character at the key's 13px).
	kx := 0.0
	for _, l := range append([]chartLine{c.Actual}, c.Models...) {
		c.Key = append(c.Key, chartKeyEntry{Class: l.Class, Name: l.Name, X: kx, X2: kx + 28, TextX: kx + 34})
		kx += 34 + float64(utf8.RuneCountInString(l.Name))*7.5 + 22
	}

	measured := 0
	for _, r := range models[0].Rows {
		measured += r.Actual
	}
	const f = "2 Jan 2006"
	what := location + " · " + pollutantLabel(typ)
	if len(models) == 1 {
		c.Title = what + ": measured and predicted, " + start.Format(f) + " to " + end.Format(f)
	} else {
		c.Title = what + ": measured and predicted by " + strings.Join(names, ", ") + ", " + start.Format(f) + " to " + end.Format(f)
	}
	switch step {
	case stepDay:
		c.Note = "Daily values. Gaps in a line are days without data."
	default:
		c.Note = fmt.Sprintf("%s means: the %s days in this range are more than the chart's %d horizontal pixels. Gaps in a line are %ss without data.",
			strings.ToUpper(step.noun()[:1])+step.noun()[1:]+"ly", formatCount(int64(days)), plotWidth, step.noun())
	}
	var drawn []string
	for i, l := range c.Models {
		predicted := 0
		for _, r := range models[i].Rows {
			predicted += r.Predicted
		}
		style := lineStyles[i]
		if models[i].Model == "" {
			drawn = append(drawn, fmt.Sprintf("predicted values (%s) on %s days", style, formatCount(int64(predicted))))
		} else {
			drawn = append(drawn, fmt.Sprintf("%s (%s) on %s days", l.Name, style, formatCount(int64(predicted))))
		}
	}
	c.Desc = fmt.Sprintf("Line chart of %s from %s to %s. Measured values (solid line) on %s days, %s; the y axis runs from 0 to %s%s. %s",
		what, start.Format(f), end.Format(f), formatCount(int64(measured)), strings.Join(drawn, ", "),
		strconv.FormatFloat(top, 'f', -1, 64), unitSuffix(typ), c.Note)
	if len(c.Bands) > 0 {
		c.Desc += " The background shows the AQI bands."
	}
	return c
}

// lineStyles say in words how each model line is drawn, for the chart's description.
var lineStyles = [maxChartModels]string{"dashed line", "dotted line", "dash-dot line", "long-dash line"}

// drawLine draws one side of the buckets (pick says its mean and whether the bucket has it): runs of
// consecutive points as a path, a lone point as a dot. A bucket that does not follow the previous one,
// or lacks the side, breaks the line: nothing is ever drawn across a gap.
func drawLine(buckets []chartBucket, x, y func(float64) float64, pick func(chartBucket) (float64, bool)) chartLine {
	var line chartLine
	var path []byte
	var run []chartDot
	flush := func() {
		switch len(run) {
		case 0:
		case 1:
			line.Dots = append(line.Dots, run[0])
		default:
			for i, d := range run {
				cmd := byte('L') // line to
				if i == 0 {
					cmd = 'M' // move to
				}
				path = append(path, cmd)
				path = strconv.AppendFloat(path, d.X, 'f', 1, 64)
				path = append(path, ' ')
				path = strconv.AppendFloat(path, d.Y, 'f', 1, 64)
			}
		}
		run = run[:0]
	}
	prev := -2
	for _, b := range buckets {
		if b.index != prev+1 {
			flush()
		}
		prev = b.index
		if v, ok := pick(b); ok {
			run = append(run, chartDot{X: round1(x(float64(b.lo+b.hi) / 2)), Y: round1(y(v))})
			line.Count++
		} else {
			flush()
		}
	}
	flush()
	line.Path = string(path)
	return line
}

func unitSuffix(typ string) string {
	if u := pollutantUnit(typ); u != "" {
		return " " + u
	}
	return ""
}

// bucketize places the buckets of one series (one per day, week or calendar month, in order, as
// queries.SeriesBuckets returns them) on the chart's days from start to end: each gets its index among all
// the range's buckets (so gaps show), its first and last day inside the range, and its means.
func bucketize(step chartStep, start, end time.Time, rows []queries.Bucket) []chartBucket {
	last := dayIndex(start, end)
	out := make([]chartBucket, 0, len(rows))
	for _, r := range rows {
		var idx int
		lastDay := r.Start
		switch step {
		case stepDay:
			idx = dayIndex(start, r.Start)
		case stepWeek:
			idx, lastDay = dayIndex(monday(start), r.Start)/7, r.Start.AddDate(0, 0, 6)
		case stepMonth:
			idx = (r.Start.Year()-start.Year())*12 + int(r.Start.Month()) - int(start.Month())
			lastDay = r.Start.AddDate(0, 1, -1)
		}
		b := chartBucket{index: idx, lo: max(0, dayIndex(start, r.Start)), hi: min(last, dayIndex(start, lastDay)),
			sumA: r.SumActual, nA: r.Actual, sumP: r.SumPredicted, nP: r.Predicted}
		if b.hasA = b.nA > 0; b.hasA {
			b.meanA = b.sumA / float64(b.nA)
		}
		if b.hasP = b.nP > 0; b.hasP {
			b.meanP = b.sumP / float64(b.nP)
		}
		out = append(out, b)
	}
	return out
}

// dayIndex is the number of days from a to b (dates at midnight UTC, as they come from PostgreSQL).
func dayIndex(a, b time.Time) int {
	return int(math.Round(b.Sub(a).Hours() / 24))
}

// monday is the Monday on or before t.
func monday(t time.Time) time.Time {
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}

// niceStep rounds a raw step up to 1, 2 or 5 times a power of ten, so axis labels are round numbers.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// dateTick is a labelled day on the date axis.
type dateTick struct {
	at    time.Time
	label string
}

// dateTicks chooses the finest calendar unit (days, Mondays, months, quarters, years, decades…) that
// puts at most ten ticks on [start, end], and lists them.
func dateTicks(start, end time.Time) []dateTick {
	// A unit is a floor (the last tick on or before t), a step to the next tick, and a label layout.
	type unit struct {
		floor  func(time.Time) time.Time
		next   func(time.Time) time.Time
		layout string
	}
	months := func(n int) unit {
		return unit{
			func(t time.Time) time.Time {
				return time.Date(t.Year(), t.Month()-(t.Month()-1)%time.Month(n), 1, 0, 0, 0, 0, time.UTC)
			},
			func(t time.Time) time.Time { return t.AddDate(0, n, 0) },
			"Jan 2006",
		}
	}
	units := []unit{
		{func(t time.Time) time.Time { return t }, func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }, "2 Jan"},
		{monday, func(t time.Time) time.Time { return t.AddDate(0, 0, 7) }, "2 Jan"},
		months(1),
		months(3),
	}
	for _, n := range []int{1, 2, 5, 10, 20, 50, 100} {
		units = append(units, unit{
			func(t time.Time) time.Time { return time.Date(t.Year()-t.Year()%n, 1, 1, 0, 0, 0, 0, time.UTC) },
			func(t time.Time) time.Time { return t.AddDate(n, 0, 0) },
			"2006",
		})
	}
	var ticks []dateTick
	for _, u := range units {
		ticks = ticks[:0]
		t := u.floor(start)
		if t.Before(start) {
			t = u.next(t)
		}
		for ; !t.After(end) && len(ticks) <= 10; t = u.next(t) {
			ticks = append(ticks, dateTick{t, t.Format(u.layout)})
		}
		if len(ticks) <= 10 {
			break
		}
	}
	return ticks
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
