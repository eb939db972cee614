// Package plots computes the geometry of the forecast-verification diagnostic plots: the density
// scatter of predicted against measured values (a binned 2-D histogram with the 1:1 line, the
// factor-of-2 lines and the AQI band edges on both axes) and the histogram of the errors (predicted −
// measured). It knows no SQL and no HTTP: it returns rectangles, lines, ticks and labels in SVG user
// units, which views/partials/diagnostics.html draws.
//
// Axes end at a round number (1, 2 or 5 times a power of ten, times a whole number). The scatter's
// common axis reaches the largest value, unless that value is more than OutlierRatio times the 99th
// percentile (a few absurd values would squeeze every other point into one corner): it then reaches the
// largest value that is not. The histogram reaches the largest |error|, or with 100 errors or more
// their 99th percentile. Values beyond an axis are counted in the outermost bins (Clipped says how
// many). Bins are a round fraction of the tick step, at most 40 along an axis, so every tick is a bin
// edge. Values that are not finite numbers (NaN, ±Inf) are left out and counted in Skipped.
package plots

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aqdash/aqdash/app/aqi"
)

// OutlierRatio is how far beyond the 99th percentile the largest value may lie before an axis stops
// at the percentile (see the package comment).
const OutlierRatio = 3

// Pair is one day of a series with both sides: the measured and the predicted value.
type Pair struct {
	Measured, Predicted float64
}

// Rect is a rectangle in SVG user units: its top-left corner, width and height.
type Rect struct {
	X, Y, W, H float64
}

// Line is a segment in SVG user units.
type Line struct {
	X1, Y1, X2, Y2 float64
}

// Tick is a labelled tick of an axis, Pos along it in SVG user units.
type Tick struct {
	Pos   float64
	Label string
}

// Frame is the drawing box of a plot: the viewBox (Width × Height) and the plot area inside it
// (X0, Y0 top-left, X1, Y1 bottom-right), with the positions of the axis texts worked out.
type Frame struct {
	Width, Height  float64
	X0, Y0, X1, Y1 float64
	// PlotW and PlotH are the plot area's size; XMid and YMid its middle.
	PlotW, PlotH, XMid, YMid float64
	// XTickY is the baseline of the x ticks' labels, XMarkY the end of their marks; YTickX the right end
	// of the y ticks' labels; XLabelY the baseline of the x axis' title, YLabelX the centre of the y
	// axis' (rotated) title.
	XTickY, XMarkY, YTickX, XLabelY, YLabelX float64
}

func newFrame(width, height, left, right, top, bottom float64) Frame {
	f := Frame{Width: width, Height: height, X0: left, Y0: top, X1: width - right, Y1: height - bottom}
	f.PlotW, f.PlotH = f.X1-f.X0, f.Y1-f.Y0
	f.XMid, f.YMid = (f.X0+f.X1)/2, (f.Y0+f.Y1)/2
	f.XTickY, f.XMarkY = f.Y1+24, f.Y1+5
	f.YTickX = f.X0 - 11
	f.XLabelY = height - 8
	f.YLabelX = 16
	return f
}

// axis is a linear axis from Lo to Hi (data units) with ticks every Step, and its bins of Width.
type axis struct {
	lo, hi, step, width float64
	bins                int
}

// Scatter is the geometry of the density scatter: measured on x, predicted on y, over one common range
// so the 1:1 line is the diagonal.
type Scatter struct {
	Frame
	// Lo and Hi bound both axes (data units); the cells are BinWidth wide, Bins along each axis.
	Lo, Hi   float64
	BinWidth float64
	Bins     int
	// Cells are the non-empty cells, each with its count and shade.
	Cells []Cell
	// Shades are the legend of the cells' shades: the count ranges, from the lightest to the darkest.
	Shades []Shade
	// Paths draw the cells: one SVG path per shade (its cells' rectangles), so that a plot of hundreds
	// of cells is a handful of elements.
	Paths []ShadePath
	// OneToOne is the line p = o; Over2 is p = 2o and Under2 p = o/2 (from the origin), clipped to the
	// plot area.
	OneToOne, Over2, Under2 Line
	XTicks, YTicks          []Tick
	// Bands are the AQI bands on the axes (nil for a pollutant without bands): a strip of each band's
	// colour under the x axis and beside the y axis; EdgeLines mark the edges between bands across the
	// plot, vertical and horizontal.
	Bands     []BandStrip
	EdgeLines []Line
	// GridPath draws the grid (a line across the plot at every tick) and EdgePath the EdgeLines, each
	// as one SVG path.
	GridPath, EdgePath string
	// Edges are the band edges inside the axes' range, in data units.
	Edges []float64
	// N is the number of pairs drawn; Within2 of the Fac2N pairs measured above 0 are within a factor of
	// 2 (o/2 ≤ p ≤ 2o).
	N, Within2, Fac2N int
	// Clipped counts the pairs with a side beyond Hi, counted in the outermost cells; Skipped the pairs
	// left out because a side is not a finite number.
	Clipped, Skipped int
	// MaxCount is the count of the fullest cell.
	MaxCount int
}

// Cell is one non-empty cell of the density scatter.
type Cell struct {
	Rect
	// Col counts the cells along the measured axis, Row along the predicted one, from 0 at Lo.
	Col, Row int
	Count    int
	// Shade is the cell's shade class, 1 (fewest) to len(Scatter.Shades).
	Shade int
}

// Shade is one class of cell counts: cells with Lo to Hi pairs get the shade Class.
type Shade struct {
	Class  int
	Lo, Hi int
	// Label is the range as a legend prints it: "1", "2–3".
	Label string
}

// ShadePath is the outline of every cell of one shade, as an SVG path's d attribute.
type ShadePath struct {
	Class int
	D     string
}

// BandStrip is one AQI band's stretch of both axes.
type BandStrip struct {
	Class, Name string
	// X is the strip under the x axis, Y the one beside the y axis.
	X, Y Rect
}

// shadeCount is the most shades a scatter's legend has.
const shadeCount = 5

// The scatter's viewBox and margins: a square plot area, with room for the ticks, the band strips and
// the axis titles. Labels are 13 to 15 user units, so at a 375 px phone's width (about 340 px of
// figure, a scale of 0.85) they stay 11 px or more.
const (
	scatterWidth  = 400
	scatterHeight = 400
	scatterLeft   = 70
	scatterRight  = 14
	scatterTop    = 14
	scatterBottom = 62
	// stripGap and stripSize place the band strips between the plot area and the tick labels.
	stripGap  = 1
	stripSize = 6
)

// NewScatter bins pairs into the density scatter. bands are the pollutant's AQI bands on the view's
// scale (nil for none); their inner edges are marked on both axes. It returns nil when no pair is a
// pair of finite numbers.
func NewScatter(pairs []Pair, bands []aqi.Band) *Scatter {
	values := make([]float64, 0, 2*len(pairs))
	s := &Scatter{}
	for _, p := range pairs {
		if !finite(p.Measured) || !finite(p.Predicted) {
			s.Skipped++
			continue
		}
		values = append(values, p.Measured, p.Predicted)
	}
	if len(values) == 0 {
		return nil
	}
	ax := valueAxis(values)
	s.Frame = newFrame(scatterWidth, scatterHeight, scatterLeft, scatterRight, scatterTop, scatterBottom)
	s.Lo, s.Hi, s.BinWidth, s.Bins = ax.lo, ax.hi, ax.width, ax.bins
	x := func(v float64) float64 { return s.X0 + (v-s.Lo)/(s.Hi-s.Lo)*s.PlotW }
	y := func(v float64) float64 { return s.Y1 - (v-s.Lo)/(s.Hi-s.Lo)*s.PlotH }

	counts := make([]int, ax.bins*ax.bins)
	for _, p := range pairs {
		if !finite(p.Measured) || !finite(p.Predicted) {
			continue
		}
		s.N++
		if p.Measured > s.Hi || p.Predicted > s.Hi || p.Measured < s.Lo || p.Predicted < s.Lo {
			s.Clipped++
		}
		counts[ax.bin(p.Predicted)*ax.bins+ax.bin(p.Measured)]++
		if p.Measured > 0 {
			s.Fac2N++
			if p.Predicted >= p.Measured/2 && p.Predicted <= 2*p.Measured {
				s.Within2++
			}
		}
	}
	for _, c := range counts {
		s.MaxCount = max(s.MaxCount, c)
	}
	s.Shades = shades(s.MaxCount)
	for i, c := range counts {
		if c == 0 {
			continue
		}
		row, col := i/ax.bins, i%ax.bins
		left, right := x(ax.edge(col)), x(ax.edge(col+1))
		top, bottom := y(ax.edge(row+1)), y(ax.edge(row))
		s.Cells = append(s.Cells, Cell{Rect: Rect{round2(left), round2(top), round2(right - left), round2(bottom - top)},
			Col: col, Row: row, Count: c, Shade: shadeOf(s.Shades, c)})
	}

	paths := make([][]byte, len(s.Shades))
	for _, c := range s.Cells {
		paths[c.Shade-1] = appendRect(paths[c.Shade-1], c.Rect)
	}
	for i, d := range paths {
		if len(d) > 0 {
			s.Paths = append(s.Paths, ShadePath{Class: i + 1, D: string(d)})
		}
	}

	s.OneToOne = Line{round2(x(s.Lo)), round2(y(s.Lo)), round2(x(s.Hi)), round2(y(s.Hi))}
	// From the origin (Lo ≤ 0 always) to where each line leaves the plot area.
	s.Over2 = Line{round2(x(0)), round2(y(0)), round2(x(s.Hi / 2)), round2(y(s.Hi))}
	s.Under2 = Line{round2(x(0)), round2(y(0)), round2(x(s.Hi)), round2(y(s.Hi / 2))}
	for _, v := range ax.ticks() {
		label := tickLabel(v, ax.step)
		s.XTicks = append(s.XTicks, Tick{round2(x(v)), label})
		s.YTicks = append(s.YTicks, Tick{round2(y(v)), label})
	}
	var grid []byte
	for i := range s.XTicks {
		grid = appendLine(grid, Line{s.XTicks[i].Pos, s.Y0, s.XTicks[i].Pos, s.Y1})
		grid = appendLine(grid, Line{s.X0, s.YTicks[i].Pos, s.X1, s.YTicks[i].Pos})
	}
	s.GridPath = string(grid)
	for _, b := range bands {
		lo, hi := math.Max(b.Lower, s.Lo), math.Min(b.Upper, s.Hi)
		if lo >= hi {
			continue
		}
		s.Bands = append(s.Bands, BandStrip{Class: b.Class, Name: b.Name,
			X: Rect{round2(x(lo)), s.Y1 + stripGap, round2(x(hi) - x(lo)), stripSize},
			Y: Rect{s.X0 - stripGap - stripSize, round2(y(hi)), stripSize, round2(y(lo) - y(hi))}})
		if b.Upper > s.Lo && b.Upper < s.Hi {
			s.Edges = append(s.Edges, b.Upper)
			ex, ey := round2(x(b.Upper)), round2(y(b.Upper))
			s.EdgeLines = append(s.EdgeLines, Line{ex, s.Y0, ex, s.Y1}, Line{s.X0, ey, s.X1, ey})
		}
	}
	var edges []byte
	for _, l := range s.EdgeLines {
		edges = appendLine(edges, l)
	}
	s.EdgePath = string(edges)
	return s
}

// Within2Share is the share of the pairs measured above 0 whose prediction is within a factor of 2
// (FAC2, 0 to 1); ok is false when no pair is measured above 0.
func (s *Scatter) Within2Share() (share float64, ok bool) {
	if s == nil || s.Fac2N == 0 {
		return 0, false
	}
	return float64(s.Within2) / float64(s.Fac2N), true
}

// shades splits the cell counts 1..maxCount into at most shadeCount classes, evenly on a log scale (a
// density scatter's counts span orders of magnitude: a few full cells and a long tail of single days).
func shades(maxCount int) []Shade {
	if maxCount < 1 {
		return nil
	}
	k := min(shadeCount, maxCount)
	lows := []int{1}
	for i := 1; i < k; i++ {
		lo := max(lows[i-1]+1, int(math.Ceil(math.Pow(float64(maxCount), float64(i)/float64(k))-1e-9)))
		if lo > maxCount {
			break
		}
		lows = append(lows, lo)
	}
	out := make([]Shade, len(lows))
	for i, lo := range lows {
		hi := maxCount
		if i+1 < len(lows) {
			hi = lows[i+1] - 1
		}
		label := strconv.Itoa(lo)
		if hi > lo {
			label += "–" + strconv.Itoa(hi)
		}
		out[i] = Shade{Class: i + 1, Lo: lo, Hi: hi, Label: label}
	}
	return out
}

// shadeOf is the class of a count among shades.
func shadeOf(shades []Shade, count int) int {
	for _, s := range shades {
		if count <= s.Hi {
			return s.Class
		}
	}
	return len(shades)
}

// Histogram is the geometry of the error histogram: predicted − measured on x, in bins symmetric around
// 0 (0 is an edge between two bins), the number of days on y.
type Histogram struct {
	Frame
	// Lo and Hi bound the x axis (Lo = −Hi); the bins are BinWidth wide.
	Lo, Hi   float64
	BinWidth float64
	// Bars are every bin, empty ones too (a bar of height 0), from Lo up. A bin holds the errors e with
	// its Lo ≤ e < its Hi; the last one holds Hi too, and the outermost ones the clipped errors.
	Bars []Bar
	// BarsPath draws the non-empty bars as one SVG path (its d attribute).
	BarsPath string
	XTicks   []Tick
	YTicks   []Tick
	// GridPath draws the grid (a line across the plot at every y tick), MarksPath the x ticks' marks,
	// each as one SVG path.
	GridPath, MarksPath string
	// YMax is the count at the top of the y axis.
	YMax int
	// Zero is the vertical line at 0; MeanLine the one at the mean error (clamped to the plot area when
	// the mean lies beyond the axis: MeanClipped), MeanLabel its label ("mean +3.2"), MeanLabelX where
	// it is written and MeanAnchor its text-anchor, so that it stays inside the plot.
	Zero, MeanLine Line
	MeanLabel      string
	MeanLabelX     float64
	MeanAnchor     string
	MeanClipped    bool
	// N is the number of errors counted; Mean their mean (over every one, the clipped ones too).
	N    int
	Mean float64
	// Clipped counts the errors beyond ±Hi, counted in the outermost bins; Skipped the pairs left out
	// because a side is not a finite number.
	Clipped, Skipped int
}

// Bar is one bin of the error histogram.
type Bar struct {
	Rect
	// Lo and Hi bound the bin's errors (data units).
	Lo, Hi float64
	Count  int
}

// The histogram's viewBox and margins.
const (
	histWidth  = 400
	histHeight = 300
	histLeft   = 70
	histRight  = 14
	histTop    = 30 // room for the marker labels above the plot
	histBottom = 62
)

// NewHistogram counts the errors (predicted − measured) of pairs into symmetric bins. It returns nil
// when no pair is a pair of finite numbers.
func NewHistogram(pairs []Pair) *Histogram {
	h := &Histogram{}
	errs := make([]float64, 0, len(pairs))
	abs := make([]float64, 0, len(pairs))
	sum := 0.0
	for _, p := range pairs {
		e := p.Predicted - p.Measured
		if !finite(p.Measured) || !finite(p.Predicted) || !finite(e) {
			h.Skipped++
			continue
		}
		errs = append(errs, e)
		abs = append(abs, math.Abs(e))
		sum += e
	}
	if len(errs) == 0 {
		return nil
	}
	h.N = len(errs)
	h.Mean = sum / float64(h.N)
	h.Frame = newFrame(histWidth, histHeight, histLeft, histRight, histTop, histBottom)

	// The half-range: a round number at or above the largest |error| (or its 99th percentile, see the
	// package comment), in ticks of step and bins of width, about 24 bins in all.
	top := centralMax(abs)
	step := niceStep(top / 3)
	hi := math.Min(math.MaxFloat64, math.Max(step, math.Ceil(top/step-1e-9)*step))
	width, bins := divide(-hi, hi, step)
	ax := axis{lo: -hi, hi: hi, step: step, width: width, bins: bins}
	h.Lo, h.Hi, h.BinWidth = ax.lo, ax.hi, ax.width
	x := func(v float64) float64 { return h.X0 + (v-h.Lo)/(h.Hi-h.Lo)*h.PlotW }

	counts := make([]int, ax.bins)
	for _, e := range errs {
		if e < h.Lo || e > h.Hi {
			h.Clipped++
		}
		counts[ax.bin(e)]++
	}
	most := slices.Max(counts)
	ystep := niceStep(float64(most) / 4)
	if ystep < 1 {
		ystep = 1
	}
	h.YMax = int(math.Max(ystep, math.Ceil(float64(most)/ystep)*ystep))
	y := func(c float64) float64 { return h.Y1 - c/float64(h.YMax)*h.PlotH }
	for i, c := range counts {
		left, right := x(ax.edge(i)), x(ax.edge(i+1))
		top := y(float64(c))
		h.Bars = append(h.Bars, Bar{Rect: Rect{round2(left), round2(top), round2(right - left), round2(h.Y1 - top)},
			Lo: ax.edge(i), Hi: ax.edge(i + 1), Count: c})
	}
	var path []byte
	for _, b := range h.Bars {
		if b.Count > 0 {
			path = appendRect(path, b.Rect)
		}
	}
	h.BarsPath = string(path)
	for _, v := range ax.ticks() {
		h.XTicks = append(h.XTicks, Tick{round2(x(v)), tickLabel(v, step)})
	}
	for c := 0.0; c <= float64(h.YMax)+ystep/2; c += ystep {
		h.YTicks = append(h.YTicks, Tick{round2(y(c)), tickLabel(c, ystep)})
	}
	var grid, marks []byte
	for _, tk := range h.YTicks {
		grid = appendLine(grid, Line{h.X0, tk.Pos, h.X1, tk.Pos})
	}
	for _, tk := range h.XTicks {
		marks = appendLine(marks, Line{tk.Pos, h.Y1, tk.Pos, h.XMarkY})
	}
	h.GridPath, h.MarksPath = string(grid), string(marks)
	zx := round2(x(0))
	h.Zero = Line{zx, h.Y0 - 4, zx, h.Y1}
	m := h.Mean
	if m < h.Lo || m > h.Hi {
		h.MeanClipped = true
		m = math.Max(h.Lo, math.Min(h.Hi, m))
	}
	mx := round2(x(m))
	h.MeanLine = Line{mx, h.Y0 - 4, mx, h.Y1}
	h.MeanLabel = "mean " + Signed(h.Mean, math.Min(0.1, width))
	// The label sits beside its line, on the side away from 0 (on the right when the mean is 0), and
	// turns inward near an edge.
	h.MeanLabelX, h.MeanAnchor = mx+4, "start"
	if h.Mean < 0 {
		h.MeanLabelX, h.MeanAnchor = mx-4, "end"
	}
	const room = 90 // about the width of "mean −123.4" at 13 units
	if h.MeanAnchor == "start" && h.MeanLabelX+room > h.X1 {
		h.MeanLabelX, h.MeanAnchor = mx-4, "end"
	} else if h.MeanAnchor == "end" && h.MeanLabelX-room < h.X0 {
		h.MeanLabelX, h.MeanAnchor = mx+4, "start"
	}
	return h
}

// valueAxis is the common axis of the scatter: from 0 (or a round number below the lowest value, if
// one is negative) to a round number at or above the largest (see the package comment), in bins of a
// round width, at most maxBins of them.
func valueAxis(values []float64) axis {
	top := robustMax(values)
	low := slices.Min(values)
	step := niceStep((top - math.Min(low, 0)) / 5)
	hi := math.Min(math.MaxFloat64, math.Max(step, math.Ceil(top/step-1e-9)*step))
	lo := 0.0
	if low < 0 {
		lo = math.Floor(low/step+1e-9) * step
	}
	width, bins := divide(lo, hi, step)
	return axis{lo: lo, hi: hi, step: step, width: width, bins: bins}
}

// maxBins is the most bins along an axis.
const maxBins = 40

// divide splits [lo, hi] (a whole number of steps) into bins of step/d for the largest d of 1, 2, 4, 5,
// 10, 20 that makes at most maxBins bins, so that every tick is a bin edge.
func divide(lo, hi, step float64) (width float64, bins int) {
	ticks := max(1, int(math.Round((hi-lo)/step)))
	d := 1
	for _, k := range []int{2, 4, 5, 10, 20} {
		if ticks*k <= maxBins {
			d = k
		}
	}
	return step / float64(d), ticks * d
}

// robustMax is the largest of values, or, when that is more than OutlierRatio times their 99th
// percentile (and the percentile is above 0), the largest value that is not.
func robustMax(values []float64) float64 {
	if len(values) < 100 {
		return slices.Max(values)
	}
	// The values above the 99th percentile are all among the top 1 %: those are all it takes.
	top := topK(values, tailSize(len(values)))
	q, most := top[0], top[len(top)-1]
	if q <= 0 || most <= OutlierRatio*q {
		return most
	}
	// The largest value that is not an outlier (q itself at least).
	i, _ := slices.BinarySearch(top, math.Nextafter(OutlierRatio*q, math.Inf(1)))
	return top[i-1]
}

// centralMax is the error histogram's reach: the largest |error|, or for 100 errors or more their 99th
// percentile, since a few large errors would otherwise squeeze the bulk of them into two or three bars
// (the errors beyond are counted in the outermost bars, and said).
func centralMax(abs []float64) float64 {
	if len(abs) < 100 {
		return slices.Max(abs)
	}
	return topK(abs, tailSize(len(abs)))[0]
}

// tailSize is how many of n sorted values lie at or above their 99th percentile (the nearest-rank
// percentile, the value at rank ⌈0.99 n⌉).
func tailSize(n int) int {
	return n - int(math.Ceil(0.99*float64(n))) + 1
}

// topK returns the k largest of values (1 ≤ k ≤ len(values)), smallest first, through a min-heap of
// k: O(n log k), without sorting (or copying) all of them.
func topK(values []float64, k int) []float64 {
	h := make([]float64, 0, k)
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			if r := l + 1; r < len(h) && h[r] < h[l] {
				l = r
			}
			if h[i] <= h[l] {
				return
			}
			h[i], h[l] = h[l], h[i]
			i = l
		}
	}
	for _, v := range values {
		switch {
		case len(h) < k:
			h = append(h, v)
			for i := len(h) - 1; i > 0 && h[(i-1)/2] > h[i]; i = (i - 1) / 2 {
				h[i], h[(i-1)/2] = h[(i-1)/2], h[i]
			}
		case v > h[0]:
			h[0] = v
			down(0)
		}
	}
	slices.Sort(h)
	return h
}

// bin is the index of the bin holding v: [edge(i), edge(i+1)), the last one closed, and values beyond
// either end in the outermost bins.
func (a axis) bin(v float64) int {
	i := int(math.Floor((v - a.lo) / a.width))
	// A value on an edge may land a bin too low or high by rounding: check against the edges.
	if i >= 0 && i < a.bins {
		if v < a.edge(i) {
			i--
		} else if v >= a.edge(i+1) {
			i++
		}
	}
	return max(0, min(a.bins-1, i))
}

// edge is the lower edge of bin i (the upper of bin i-1).
func (a axis) edge(i int) float64 {
	if i == a.bins {
		return a.hi
	}
	return a.lo + float64(i)*a.width
}

// ticks are the axis' tick values, every step from lo to hi.
func (a axis) ticks() []float64 {
	var out []float64
	n := int(math.Round((a.hi - a.lo) / a.step))
	for i := 0; i <= n; i++ {
		out = append(out, a.lo+float64(i)*a.step)
	}
	return out
}

// niceStep rounds a raw step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || !finite(raw) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// decimals is the number of decimals a multiple of step needs.
func decimals(step float64) int {
	if step <= 0 || !finite(step) {
		return 0
	}
	return max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
}

// tickLabel formats a tick value at the precision of its step, with a true minus.
func tickLabel(v, step float64) string {
	s := strconv.FormatFloat(v, 'f', decimals(step), 64)
	if strings.Trim(s, "-0.") == "" {
		return strings.TrimPrefix(s, "-")
	}
	return strings.Replace(s, "-", "−", 1)
}

// Signed formats a value with its sign ("+3.2", "−0.5", "0") to the precision of prec (0.1: one
// decimal), with a true minus.
func Signed(v, prec float64) string {
	s := tickLabel(v, prec)
	if v > 0 && strings.Trim(s, "0.") != "" {
		return "+" + s
	}
	return s
}

// appendRect appends a closed rectangle to an SVG path: move to its corner, then a horizontal, a
// vertical and a horizontal line.
func appendRect(d []byte, r Rect) []byte {
	num := func(c byte, v float64) {
		d = append(d, c)
		d = strconv.AppendFloat(d, v, 'f', -1, 64)
	}
	num('M', r.X)
	num(' ', r.Y)
	num('h', round2(r.W))
	num('v', round2(r.H))
	num('h', round2(-r.W))
	return append(d, 'z')
}

// appendLine appends a segment to an SVG path: move to one end, line to the other.
func appendLine(d []byte, l Line) []byte {
	d = append(d, 'M')
	d = strconv.AppendFloat(d, l.X1, 'f', -1, 64)
	d = append(d, ' ')
	d = strconv.AppendFloat(d, l.Y1, 'f', -1, 64)
	d = append(d, 'L')
	d = strconv.AppendFloat(d, l.X2, 'f', -1, 64)
	d = append(d, ' ')
	d = strconv.AppendFloat(d, l.Y2, 'f', -1, 64)
	return d
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func round2(f float64) float64 { return math.Round(f*100) / 100 }
