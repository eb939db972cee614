package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aqdash/aqdash/queries"
)

// The chart is an SVG drawn by views/partials/chart.html from the geometry computed here: no client-side
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

// chart is everything partials/chart needs.
type chart struct {
	Width, Height  int
	X0, Y0, X1, Y1 float64 // the plot area: left, top, right, bottom
	// Derived positions, so the template needs no arithmetic.
	PlotW, XMid, YMid      float64
	YTickX, XTickY, XMarkY float64
	BandLabelX, XLabelY    float64
	Title, Desc            string
	// Note says how the points were made (daily values, or weekly or monthly means and why).
	Note           string
	XLabel, YLabel string
	Bands          []chartBand
	XTicks, YTicks []chartTick
	Actual         chartLine
	Predicted      chartLine
}

// chartBand is one AQI band's background stripe.
type chartBand struct {
	Y, H        float64
	Class, Name string
	LabelY      float64
	// ShowLabel is false when the stripe is too thin for its name.
	ShowLabel bool
}

// chartTick is one labelled tick of an axis, at Pos along it.
type chartTick struct {
	Pos   float64
	Label string
}

// chartLine is one series: Path draws its runs of consecutive points; a run of one point (a day with no
// neighbours) is a dot, because a path of one point draws nothing.
type chartLine struct {
	Path  string
	Dots  []chartDot
	Count int
}

// chartDot is an isolated point.
type chartDot struct{ X, Y float64 }

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

// buildChart computes the chart of one series over the days from start to end, drawn by step, from its
// buckets (queries.SeriesBuckets of that range and step's unit). It returns nil when there is nothing to
// draw.
func buildChart(location, typ string, start, end time.Time, step chartStep, rows []queries.Bucket) *chart {
	if len(rows) == 0 {
		return nil
	}
	days := dayIndex(start, end) + 1
	buckets := bucketize(step, start, end, rows)

	// The y axis starts at 0 and ends at a round number above the highest point.
	top := 0.0
	for _, b := range buckets {
		if b.hasA {
			top = max(top, b.meanA)
		}
		if b.hasP {
			top = max(top, b.meanP)
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
	for _, b := range queries.Bands(typ) {
		if b.Lower >= top {
			break
		}
		hi, lo := y(math.Min(b.Upper, top)), y(b.Lower)
		band := chartBand{Y: round1(hi), H: round1(lo - hi), Class: bandClass(b.Level), Name: b.Name, LabelY: round1((hi + lo) / 2)}
		band.ShowLabel = band.H >= 11
		c.Bands = append(c.Bands, band)
	}

	var ab, pb strings.Builder
	var runA, runP []chartDot
	flush := func(run []chartDot, path *strings.Builder, line *chartLine) {
		switch len(run) {
		case 0:
		case 1:
			line.Dots = append(line.Dots, run[0])
		default:
			var b []byte
			for i, d := range run {
				cmd := byte('L') // line to
				if i == 0 {
					cmd = 'M' // move to
				}
				b = append(b, cmd)
				b = strconv.AppendFloat(b, d.X, 'f', 1, 64)
				b = append(b, ' ')
				b = strconv.AppendFloat(b, d.Y, 'f', 1, 64)
			}
			path.Write(b)
		}
	}
	prev := -2
	for _, b := range buckets {
		// A bucket that does not follow the previous one means days (or weeks) without data: the
		// lines break there; nothing is ever drawn across a gap.
		if b.index != prev+1 {
			flush(runA, &ab, &c.Actual)
			flush(runP, &pb, &c.Predicted)
			runA, runP = nil, nil
		}
		prev = b.index
		cx := round1(x(float64(b.lo+b.hi) / 2))
		if b.hasA {
			runA = append(runA, chartDot{cx, round1(y(b.meanA))})
			c.Actual.Count++
		} else {
			flush(runA, &ab, &c.Actual)
			runA = nil
		}
		if b.hasP {
			runP = append(runP, chartDot{cx, round1(y(b.meanP))})
			c.Predicted.Count++
		} else {
			flush(runP, &pb, &c.Predicted)
			runP = nil
		}
	}
	flush(runA, &ab, &c.Actual)
	flush(runP, &pb, &c.Predicted)
	c.Actual.Path, c.Predicted.Path = ab.String(), pb.String()

	measured, predicted := 0, 0
	for _, r := range rows {
		measured += r.Actual
		predicted += r.Predicted
	}
	const f = "2 Jan 2006"
	what := location + " · " + pollutantLabel(typ)
	c.Title = what + ": measured and predicted, " + start.Format(f) + " to " + end.Format(f)
	switch step {
	case stepDay:
		c.Note = "Daily values. Gaps in a line are days without data."
	default:
		c.Note = fmt.Sprintf("%s means: the %s days in this range are more than the chart's %d horizontal pixels. Gaps in a line are %ss without data.",
			strings.ToUpper(step.noun()[:1])+step.noun()[1:]+"ly", formatCount(int64(days)), plotWidth, step.noun())
	}
	c.Desc = fmt.Sprintf("Line chart of %s from %s to %s. Measured values (solid line) on %s days, predicted values (dashed line) on %s days; the y axis runs from 0 to %s%s. %s",
		what, start.Format(f), end.Format(f), formatCount(int64(measured)), formatCount(int64(predicted)),
		strconv.FormatFloat(top, 'f', -1, 64), unitSuffix(typ), c.Note)
	if len(c.Bands) > 0 {
		c.Desc += " The background shows the AQI bands."
	}
	return c
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
