package plots

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/aqdash/aqdash/app/aqi"
)

// randomPairs is n days of a skewed series (like PM2.5: mostly 20–150, a tail to 400) and a forecast
// with a multiplicative error, rounded to 0.01 as measurements are.
func randomPairs(r *rand.Rand, n int) []Pair {
	out := make([]Pair, n)
	for i := range out {
		o := math.Round(math.Exp(r.NormFloat64()*0.6+4)*100) / 100
		p := math.Round(o*math.Exp(r.NormFloat64()*0.35)*100) / 100
		out[i] = Pair{o, p}
	}
	return out
}

// cellOf finds, independently of the binning, which cell a pair falls in: the one whose edges
// (Lo + k·BinWidth, half-open, the last closed) hold each side, values beyond the axis in the outermost.
func cellOf(s *Scatter, p Pair) (col, row int) {
	find := func(v float64) int {
		for k := 0; k < s.Bins; k++ {
			lo, hi := s.Lo+float64(k)*s.BinWidth, s.Lo+float64(k+1)*s.BinWidth
			if k == s.Bins-1 {
				hi = s.Hi
			}
			if (k == 0 || v >= lo) && (v < hi || k == s.Bins-1) {
				return k
			}
		}
		return -1
	}
	return find(p.Measured), find(p.Predicted)
}

// checkScatter checks what holds for every scatter of pairs: counts add up to the pairs drawn, each
// pair lies in exactly one cell and every cell's count is the pairs in it, the cells tile the plot
// area, shades cover 1..MaxCount and each cell has its count's shade, the 1:1 line is the diagonal.
func checkScatter(t *testing.T, s *Scatter, pairs []Pair) {
	t.Helper()
	want := map[[2]int]int{}
	n := 0
	for _, p := range pairs {
		if !finite(p.Measured) || !finite(p.Predicted) {
			continue
		}
		n++
		c, r := cellOf(s, p)
		if c < 0 || r < 0 {
			t.Fatalf("pair %v lies in no cell of [%g, %g] in %d bins", p, s.Lo, s.Hi, s.Bins)
		}
		want[[2]int{c, r}]++
	}
	if s.N != n {
		t.Errorf("N = %d, want %d", s.N, n)
	}
	total := 0
	seen := map[[2]int]bool{}
	for _, c := range s.Cells {
		k := [2]int{c.Col, c.Row}
		if seen[k] {
			t.Errorf("cell %v twice", k)
		}
		seen[k] = true
		total += c.Count
		if c.Count != want[k] {
			t.Errorf("cell %v holds %d, but %d pairs fall in it", k, c.Count, want[k])
		}
		if c.Count <= 0 {
			t.Errorf("an empty cell is drawn: %+v", c)
		}
		// Its rectangle is where its bins are.
		x := s.X0 + float64(c.Col)*s.BinWidth/(s.Hi-s.Lo)*s.PlotW
		y := s.Y1 - float64(c.Row+1)*s.BinWidth/(s.Hi-s.Lo)*s.PlotH
		if math.Abs(c.X-x) > 0.02 || math.Abs(c.Y-y) > 0.02 || c.W <= 0 || c.H <= 0 ||
			c.X < s.X0-0.01 || c.X+c.W > s.X1+0.02 || c.Y < s.Y0-0.01 || c.Y+c.H > s.Y1+0.02 {
			t.Errorf("cell %v at %+v, want x %.2f y %.2f inside the plot", k, c.Rect, x, y)
		}
		sh := s.Shades[c.Shade-1]
		if c.Count < sh.Lo || c.Count > sh.Hi || sh.Class != c.Shade {
			t.Errorf("cell of %d has shade %+v", c.Count, sh)
		}
		if c.Count > s.MaxCount {
			t.Errorf("cell of %d above MaxCount %d", c.Count, s.MaxCount)
		}
	}
	for k, c := range want {
		if !seen[k] {
			t.Errorf("cell %v of %d pairs is not drawn", k, c)
		}
	}
	if total != n {
		t.Errorf("the cells hold %d pairs, want %d", total, n)
	}
	// The paths draw each cell once, in its shade's path.
	rects := 0
	for _, p := range s.Paths {
		for _, c := range s.Cells {
			if c.Shade == p.Class && !strings.Contains(p.D, string(appendRect(nil, c.Rect))) {
				t.Errorf("cell %+v is not in the path of shade %d", c, p.Class)
			}
		}
		rects += strings.Count(p.D, "M")
	}
	if rects != len(s.Cells) {
		t.Errorf("the paths draw %d rectangles for %d cells", rects, len(s.Cells))
	}
	if n > 0 {
		checkShades(t, s.Shades, s.MaxCount)
	}
	if s.Bins < 1 || s.Bins > maxBins || math.Abs(float64(s.Bins)*s.BinWidth-(s.Hi-s.Lo)) > 1e-9*(s.Hi-s.Lo) {
		t.Errorf("%d bins of %g over [%g, %g]", s.Bins, s.BinWidth, s.Lo, s.Hi)
	}
	if s.OneToOne != (Line{s.X0, s.Y1, s.X1, s.Y0}) && s.Lo == 0 {
		t.Errorf("1:1 line %+v, want the diagonal", s.OneToOne)
	}
}

func checkShades(t *testing.T, sh []Shade, maxCount int) {
	t.Helper()
	if len(sh) == 0 || len(sh) > shadeCount || sh[0].Lo != 1 || sh[len(sh)-1].Hi != maxCount {
		t.Fatalf("shades %+v for max %d", sh, maxCount)
	}
	for i, s := range sh {
		if s.Class != i+1 || s.Lo > s.Hi || (i > 0 && s.Lo != sh[i-1].Hi+1) || s.Label == "" {
			t.Errorf("shade %d: %+v (of %+v)", i, s, sh)
		}
	}
}

func TestScatterRandomSeries(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 7, 99, 100, 365, 3650} {
		pairs := randomPairs(r, n)
		s := NewScatter(pairs, aqi.Default().Bands("pm25"))
		if s == nil {
			t.Fatalf("n=%d: nil", n)
		}
		checkScatter(t, s, pairs)
		top := 0.0
		for _, p := range pairs {
			top = max(top, p.Measured, p.Predicted)
		}
		if s.Clipped == 0 && (s.Hi < top || s.Hi > 2*top) {
			t.Errorf("n=%d: the axis ends at %g for a largest value of %g", n, s.Hi, top)
		}
		// FAC2, counted here on its own.
		within, of := 0, 0
		for _, p := range pairs {
			if p.Measured > 0 {
				of++
				if p.Predicted/p.Measured >= 0.5 && p.Predicted/p.Measured <= 2 {
					within++
				}
			}
		}
		if s.Within2 != within || s.Fac2N != of {
			t.Errorf("n=%d: within 2 = %d of %d, want %d of %d", n, s.Within2, s.Fac2N, within, of)
		}
	}
}

func TestScatterEmpty(t *testing.T) {
	if s := NewScatter(nil, nil); s != nil {
		t.Errorf("no pairs: %+v", s)
	}
	if s := NewScatter([]Pair{{math.NaN(), 1}, {2, math.Inf(1)}}, nil); s != nil {
		t.Errorf("no finite pair: %+v", s)
	}
	if _, ok := (*Scatter)(nil).Within2Share(); ok {
		t.Error("a nil scatter has a share")
	}
}

func TestScatterOneValueAndAllEqual(t *testing.T) {
	for _, pairs := range [][]Pair{
		{{50, 50}},
		{{0, 0}},
		slices.Repeat([]Pair{{42.5, 42.5}}, 500),
		slices.Repeat([]Pair{{0, 0}}, 500),
		slices.Repeat([]Pair{{30, 60}}, 3),
	} {
		s := NewScatter(pairs, aqi.Default().Bands("pm25"))
		if s == nil {
			t.Fatalf("%v: nil", pairs[0])
		}
		checkScatter(t, s, pairs)
		if len(s.Cells) != 1 || s.Cells[0].Count != len(pairs) || s.MaxCount != len(pairs) {
			t.Errorf("%d × %v: cells %+v", len(pairs), pairs[0], s.Cells)
		}
		if s.Hi <= 0 || s.Hi < max(pairs[0].Measured, pairs[0].Predicted) || s.Clipped != 0 {
			t.Errorf("%v: axis [%g, %g], clipped %d", pairs[0], s.Lo, s.Hi, s.Clipped)
		}
		if s.Cells[0].Shade != len(s.Shades) || s.Shades[len(s.Shades)-1].Hi != len(pairs) {
			t.Errorf("%v: the one cell is not in the darkest shade: %+v", pairs[0], s.Shades)
		}
	}
	// 0 measured: no FAC2 figure.
	s := NewScatter([]Pair{{0, 0}}, nil)
	if _, ok := s.Within2Share(); ok || s.Fac2N != 0 {
		t.Errorf("a 0 measurement counts for FAC2: %+v", s)
	}
	// 30 → 60 is exactly a factor of 2: within.
	s = NewScatter([]Pair{{30, 60}, {30, 15}, {30, 60.01}, {30, 14.99}}, nil)
	if share, ok := s.Within2Share(); !ok || s.Within2 != 2 || share != 0.5 {
		t.Errorf("factor 2 on the edge: %d of %d", s.Within2, s.Fac2N)
	}
}

func TestScatterEdgesAndValuesOnEdges(t *testing.T) {
	// Values on bin edges go in the bin above; the axis' top value in the last bin.
	pairs := []Pair{{0, 0}, {10, 10}, {20, 30}, {100, 100}, {99.999, 0.001}, {30, 30}, {60, 90}, {120, 120}}
	s := NewScatter(pairs, aqi.Default().Bands("pm25"))
	checkScatter(t, s, pairs)
	if s.Lo != 0 || s.Hi != 150 || s.BinWidth != 5 || s.Bins != 30 {
		t.Fatalf("axis [%g, %g] in %d bins of %g", s.Lo, s.Hi, s.Bins, s.BinWidth)
	}
	at := map[[2]int]int{}
	for _, c := range s.Cells {
		at[[2]int{c.Col, c.Row}] = c.Count
	}
	for _, w := range []struct{ col, row int }{{0, 0}, {2, 2}, {4, 6}, {20, 20}, {19, 0}, {6, 6}, {12, 18}, {24, 24}} {
		if at[[2]int{w.col, w.row}] != 1 {
			t.Errorf("no pair in cell (%d, %d): %v", w.col, w.row, at)
		}
	}
	// NAQI PM2.5 edges 30, 60, 90, 120 (250 is beyond the axis' 150): four lines each way, and the
	// strips of the bands from Good to Very poor (121–250, cut at 150).
	if !slices.Equal(s.Edges, []float64{30, 60, 90, 120}) || len(s.EdgeLines) != 8 {
		t.Fatalf("edges %v, lines %d", s.Edges, len(s.EdgeLines))
	}
	if len(s.Bands) != 5 || s.Bands[0].Class != "aqi-0" || s.Bands[3].Name != "Poor" || s.Bands[4].Name != "Very poor" {
		t.Fatalf("bands %+v", s.Bands)
	}
	x30 := s.X0 + 30.0/150*s.PlotW
	if e := s.EdgeLines[0]; math.Abs(e.X1-x30) > 0.01 || e.X1 != e.X2 || e.Y1 != s.Y0 || e.Y2 != s.Y1 {
		t.Errorf("the 30 edge across x: %+v, want x %.2f", e, x30)
	}
	if e := s.EdgeLines[1]; math.Abs(e.Y1-(s.Y1-30.0/150*s.PlotH)) > 0.01 || e.X1 != s.X0 || e.X2 != s.X1 {
		t.Errorf("the 30 edge across y: %+v", e)
	}
	// The strips tile the axes: Good from 0 to 30, …, Very poor from 120 to the end, 150.
	for i, b := range s.Bands {
		lo := []float64{0, 30, 60, 90, 120}[i]
		if math.Abs(b.X.X-(s.X0+lo/150*s.PlotW)) > 0.01 || math.Abs(b.X.W-30.0/150*s.PlotW) > 0.02 || b.X.Y <= s.Y1 {
			t.Errorf("band %d strip on x: %+v", i, b.X)
		}
		if math.Abs(b.Y.Y+b.Y.H-(s.Y1-lo/150*s.PlotH)) > 0.02 || b.Y.X+b.Y.W >= s.X0 {
			t.Errorf("band %d strip on y: %+v", i, b.Y)
		}
	}
	// Factor-of-2 lines from the origin: p = 2o meets the top at o = 75, p = o/2 the right at p = 75.
	if s.Over2 != (Line{s.X0, s.Y1, round2(s.X0 + s.PlotW/2), s.Y0}) || s.Under2 != (Line{s.X0, s.Y1, s.X1, round2(s.Y1 - s.PlotH/2)}) {
		t.Errorf("factor-2 lines %+v %+v", s.Over2, s.Under2)
	}
	// Ticks: the same values on both axes, at round numbers.
	var labels []string
	for i, tk := range s.XTicks {
		labels = append(labels, tk.Label)
		if s.YTicks[i].Label != tk.Label {
			t.Errorf("tick %d: x %q, y %q", i, tk.Label, s.YTicks[i].Label)
		}
	}
	if !slices.Equal(labels, []string{"0", "50", "100", "150"}) {
		t.Errorf("ticks %v", labels)
	}
	// The edge lines are drawn by EdgePath, the grid by GridPath (a line per tick, each way).
	for _, l := range s.EdgeLines {
		if !strings.Contains(s.EdgePath, string(appendLine(nil, l))) {
			t.Errorf("edge %+v is not in the path", l)
		}
	}
	if n := strings.Count(s.GridPath, "M"); n != 2*len(s.XTicks) {
		t.Errorf("the grid has %d lines for %d ticks", n, len(s.XTicks))
	}
	// A pollutant without bands has none.
	if s := NewScatter(pairs, aqi.Default().Bands("no2")); s.Bands != nil || s.EdgeLines != nil {
		t.Errorf("no2 has bands: %+v", s.Bands)
	}
}

func TestScatterHugeOutliers(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pairs := randomPairs(r, 1000)
	pairs = append(pairs, Pair{1e9, 50}, Pair{60, 5e8}, Pair{math.NaN(), 3})
	s := NewScatter(pairs, nil)
	checkScatter(t, s, pairs)
	if s.Hi > 2000 || s.Clipped != 2 || s.Skipped != 1 || s.N != 1002 {
		t.Errorf("outliers: axis to %g, clipped %d, skipped %d, n %d", s.Hi, s.Clipped, s.Skipped, s.N)
	}
	// The outliers are in the outermost cells.
	if c, _ := cellOf(s, Pair{1e9, 50}); c != s.Bins-1 {
		t.Errorf("1e9 measured in column %d of %d", c, s.Bins)
	}
	if _, r := cellOf(s, Pair{60, 5e8}); r != s.Bins-1 {
		t.Errorf("5e8 predicted in row %d of %d", r, s.Bins)
	}
	// Few pairs: the axis keeps every one (no percentile of 5 values).
	few := []Pair{{10, 12}, {20, 18}, {15, 16}, {1e6, 900000}}
	s = NewScatter(few, nil)
	checkScatter(t, s, few)
	if s.Hi < 1e6 || s.Clipped != 0 {
		t.Errorf("few pairs: axis to %g, clipped %d", s.Hi, s.Clipped)
	}
}

func TestScatterNegativeValues(t *testing.T) {
	pairs := []Pair{{-3, 5}, {10, -12.5}, {40, 38}, {0, 0}}
	s := NewScatter(pairs, nil)
	checkScatter(t, s, pairs)
	if s.Lo > -12.5 || s.Lo != math.Floor(s.Lo/10)*10 || s.Hi < 40 {
		t.Errorf("axis [%g, %g]", s.Lo, s.Hi)
	}
	if s.OneToOne != (Line{s.X0, s.Y1, s.X1, s.Y0}) {
		t.Errorf("1:1 %+v", s.OneToOne)
	}
	// The factor-2 lines start at the origin, inside the plot.
	ox := round2(s.X0 + (0-s.Lo)/(s.Hi-s.Lo)*s.PlotW)
	if s.Over2.X1 != ox || s.Under2.X1 != ox {
		t.Errorf("factor-2 lines do not start at the origin %.2f: %+v %+v", ox, s.Over2, s.Under2)
	}
	if s.Fac2N != 2 || s.Within2 != 1 {
		t.Errorf("FAC2 %d of %d", s.Within2, s.Fac2N)
	}
}

func TestShades(t *testing.T) {
	for m := 1; m <= 2000; m++ {
		sh := shades(m)
		checkShades(t, sh, m)
		if len(sh) != min(m, shadeCount) {
			t.Errorf("max %d: %d shades", m, len(sh))
		}
		for c := 1; c <= m; c++ {
			s := sh[shadeOf(sh, c)-1]
			if c < s.Lo || c > s.Hi {
				t.Fatalf("count %d gets shade %+v", c, s)
			}
		}
	}
	if got := shades(100); got[1].Label != "3–6" || got[4].Label != "40–100" {
		t.Errorf("shades(100) = %+v", got)
	}
	if shades(0) != nil {
		t.Error("shades of nothing")
	}
}

// checkHistogram checks what holds for every histogram: bars tile the axis symmetric around 0 with 0
// an edge, counts add up to N, each error is counted in the bar whose edges hold it, the mean and its
// line are right.
func checkHistogram(t *testing.T, h *Histogram, pairs []Pair) {
	t.Helper()
	var errs []float64
	for _, p := range pairs {
		if e := p.Predicted - p.Measured; finite(p.Measured) && finite(p.Predicted) && finite(e) {
			errs = append(errs, e)
		}
	}
	if h.N != len(errs) || h.Lo != -h.Hi || h.Hi <= 0 {
		t.Fatalf("n %d of %d, axis [%g, %g]", h.N, len(errs), h.Lo, h.Hi)
	}
	if len(h.Bars)%2 != 0 || h.Bars[len(h.Bars)/2].Lo != 0 {
		t.Errorf("%d bars, the middle one from %g: 0 is not an edge", len(h.Bars), h.Bars[len(h.Bars)/2].Lo)
	}
	want := make([]int, len(h.Bars))
	sum := 0.0
	for _, e := range errs {
		sum += e
		k := -1
		for i, b := range h.Bars {
			if (i == 0 || e >= b.Lo) && (e < b.Hi || i == len(h.Bars)-1) {
				k = i
				break
			}
		}
		if k < 0 {
			t.Fatalf("error %g in no bar", e)
		}
		want[k]++
	}
	total := 0
	for i, b := range h.Bars {
		total += b.Count
		if b.Count != want[i] {
			t.Errorf("bar [%g, %g) holds %d, want %d", b.Lo, b.Hi, b.Count, want[i])
		}
		if i > 0 && (b.Lo != h.Bars[i-1].Hi || math.Abs(b.X-(h.Bars[i-1].X+h.Bars[i-1].W)) > 0.02) {
			t.Errorf("bar %d does not follow bar %d", i, i-1)
		}
		if math.Abs(b.Hi-b.Lo-h.BinWidth) > 1e-9*h.Hi || b.H < 0 || b.Y+b.H > h.Y1+0.01 || b.Y < h.Y0-0.01 {
			t.Errorf("bar %d: %+v", i, b)
		}
		if b.Count > h.YMax {
			t.Errorf("bar of %d above the axis' %d", b.Count, h.YMax)
		}
	}
	if total != h.N {
		t.Errorf("bars hold %d, want %d", total, h.N)
	}
	drawn := 0
	for _, b := range h.Bars {
		if b.Count > 0 {
			drawn++
			if !strings.Contains(h.BarsPath, string(appendRect(nil, b.Rect))) {
				t.Errorf("bar %+v is not in the path", b)
			}
		}
	}
	if strings.Count(h.BarsPath, "M") != drawn {
		t.Errorf("the path draws %d bars, want %d", strings.Count(h.BarsPath, "M"), drawn)
	}
	if math.Abs(h.Mean-sum/float64(len(errs))) > 1e-9*math.Max(1, math.Abs(h.Mean)) {
		t.Errorf("mean %g, want %g", h.Mean, sum/float64(len(errs)))
	}
	zx := round2(h.X0 + h.PlotW/2)
	if h.Zero.X1 != zx || h.Zero.X2 != zx {
		t.Errorf("zero line %+v, want x %.2f", h.Zero, zx)
	}
	if !h.MeanClipped {
		mx := round2(h.X0 + (h.Mean-h.Lo)/(h.Hi-h.Lo)*h.PlotW)
		if h.MeanLine.X1 != mx {
			t.Errorf("mean line %+v, want x %.2f", h.MeanLine, mx)
		}
	}
	if h.MeanLine.X1 < h.X0 || h.MeanLine.X1 > h.X1 {
		t.Errorf("mean line outside the plot: %+v", h.MeanLine)
	}
}

func TestHistogramRandomSeries(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 3, 100, 2000} {
		pairs := randomPairs(r, n)
		h := NewHistogram(pairs)
		checkHistogram(t, h, pairs)
		if len(h.Bars) < 10 || len(h.Bars) > maxBins {
			t.Errorf("n=%d: %d bars", n, len(h.Bars))
		}
	}
}

func TestHistogramEdgeCases(t *testing.T) {
	if h := NewHistogram(nil); h != nil {
		t.Errorf("no pairs: %+v", h)
	}
	if h := NewHistogram([]Pair{{math.Inf(-1), 2}}); h != nil {
		t.Errorf("no finite pair: %+v", h)
	}
	// One value, all equal: every error 0, in the bar starting at 0; the mean on the zero line.
	for _, pairs := range [][]Pair{{{40, 40}}, slices.Repeat([]Pair{{12, 12}}, 300)} {
		h := NewHistogram(pairs)
		checkHistogram(t, h, pairs)
		mid := h.Bars[len(h.Bars)/2]
		if mid.Count != len(pairs) || h.Mean != 0 || h.MeanLine.X1 != h.Zero.X1 || h.MeanLabel != "mean 0.00" {
			t.Errorf("all errors 0: middle bar %+v, mean %g %q", mid, h.Mean, h.MeanLabel)
		}
	}
	// Negative errors only: the mean is below 0, its label on the left of its line.
	pairs := []Pair{{50, 40}, {50, 45}, {60, 30}, {70, 69.5}}
	h := NewHistogram(pairs)
	checkHistogram(t, h, pairs)
	if h.Mean != -11.375 || h.MeanLabel != "mean −11.4" || h.MeanLine.X1 >= h.Zero.X1 || h.Hi != 30 || h.BinWidth != 2 || h.MeanAnchor != "end" {
		t.Errorf("negative errors: mean %g %q at %g (zero %g), axis ±%g by %g", h.Mean, h.MeanLabel, h.MeanLine.X1, h.Zero.X1, h.Hi, h.BinWidth)
	}
	var ticks []string
	for _, tk := range h.XTicks {
		ticks = append(ticks, tk.Label)
	}
	if !slices.Equal(ticks, []string{"−30", "−20", "−10", "0", "10", "20", "30"}) {
		t.Errorf("ticks %v", ticks)
	}
	if strings.Count(h.MarksPath, "M") != len(h.XTicks) || strings.Count(h.GridPath, "M") != len(h.YTicks) {
		t.Errorf("marks %q, grid %q", h.MarksPath, h.GridPath)
	}
	// An error exactly on an edge goes in the bar above it; one at the axis' end in the last bar.
	pairs = []Pair{{10, 15}, {10, 5}, {0, 40}, {40, 0}}
	h = NewHistogram(pairs)
	checkHistogram(t, h, pairs)
	if h.Bars[len(h.Bars)-1].Count != 1 || h.Bars[0].Count != 1 {
		t.Errorf("ends: %+v … %+v", h.Bars[0], h.Bars[len(h.Bars)-1])
	}
}

func TestHistogramHugeOutliers(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	pairs := randomPairs(r, 1000)
	pairs = append(pairs, Pair{10, 1e12}, Pair{5e11, 10})
	h := NewHistogram(pairs)
	checkHistogram(t, h, pairs)
	// The axis reaches the 99th percentile of |error|: the two outliers and at most 1 % of the rest lie
	// beyond it.
	if h.Hi > 1000 || h.Clipped < 2 || h.Clipped > 2+10 {
		t.Errorf("outliers: axis ±%g, clipped %d", h.Hi, h.Clipped)
	}
	if h.Bars[0].Count < 1 || h.Bars[len(h.Bars)-1].Count < 1 {
		t.Error("the outliers are not in the outermost bars")
	}
	// The mean counts them: it is far off, and its line is held at the edge.
	if math.Abs(h.Mean) < 1e8 || !h.MeanClipped {
		t.Errorf("mean %g, clipped %v", h.Mean, h.MeanClipped)
	}
}

func TestLabels(t *testing.T) {
	for _, c := range []struct {
		v, step float64
		want    string
	}{{0, 1, "0"}, {-0.0000001, 0.1, "0.0"}, {20, 20, "20"}, {-40, 20, "−40"}, {0.5, 0.5, "0.5"}, {2.25, 0.05, "2.25"}, {1e6, 2e5, "1000000"}} {
		if got := tickLabel(c.v, c.step); got != c.want {
			t.Errorf("tickLabel(%g, %g) = %q, want %q", c.v, c.step, got, c.want)
		}
	}
	for _, c := range []struct {
		v, prec float64
		want    string
	}{{3.21, 0.1, "+3.2"}, {-0.04, 0.1, "0.0"}, {0, 1, "0"}, {-12, 1, "−12"}} {
		if got := Signed(c.v, c.prec); got != c.want {
			t.Errorf("Signed(%g, %g) = %q, want %q", c.v, c.prec, got, c.want)
		}
	}
}

func TestAppendRect(t *testing.T) {
	if got := string(appendRect([]byte("x"), Rect{1.5, 2, 10.25, 3})); got != "xM1.5 2h10.25v3h-10.25z" {
		t.Errorf("appendRect = %q", got)
	}
}

// TestPercentiles: the tail that robustMax and centralMax take is the 99th percentile by sorting.
func TestPercentiles(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{100, 101, 199, 1000, 3652, 7304} {
		for _, gen := range []func(i int) float64{
			func(int) float64 { return r.ExpFloat64() * 50 },
			func(i int) float64 { return float64(i) },     // ascending: every value enters the heap
			func(i int) float64 { return float64(n - i) }, // descending
			func(i int) float64 { return float64(i % 7) }, // ties
			func(i int) float64 { // two outliers
				if i == 5 || i == n-1 {
					return 1e9
				}
				return r.Float64() * 100
			},
		} {
			values := make([]float64, n)
			for i := range values {
				values[i] = gen(i)
			}
			sorted := slices.Clone(values)
			slices.Sort(sorted)
			rank := int(math.Ceil(0.99*float64(n))) - 1
			k := tailSize(n)
			if got := topK(values, k); !slices.Equal(got, sorted[rank:]) {
				t.Fatalf("n=%d: topK = %v, want %v", n, got, sorted[rank:])
			}
			if got := centralMax(values); got != sorted[rank] {
				t.Errorf("n=%d: centralMax = %g, want %g", n, got, sorted[rank])
			}
			want := sorted[n-1]
			if q := sorted[rank]; q > 0 && want > OutlierRatio*q {
				for _, v := range sorted {
					if v <= OutlierRatio*q {
						want = v
					}
				}
			}
			if got := robustMax(values); got != want {
				t.Errorf("n=%d: robustMax = %g, want %g", n, got, want)
			}
		}
	}
}
