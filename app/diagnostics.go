package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/app/plots"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/views"
)

// diagnosticsView is the data of partials/diagnostics (views.Diagnostics writes it).
type diagnosticsView = views.Diagnostics

// diagnosticsFor is the diagnostic plots of a comparison that shows one location and one pollutant
// (nil for any other view, for a view of days missing a side, and when the series has no day with both
// sides): the days of the view's model and lead in its date range, banded on the default scale.
func (s *server) diagnosticsFor(ctx context.Context, cv queries.CompareView, sc *aqi.Scale) (*diagnosticsView, error) {
	if len(cv.Locations) != 1 || len(cv.Types) != 1 || cv.Match == queries.MatchMissingActual || cv.Match == queries.MatchMissingPrediction {
		return nil, nil
	}
	return s.seriesDiagnostics(ctx, sc, cv.Locations[0], cv.Types[0], cv.Model, cv.Lead, cv.From, cv.To)
}

// seriesDiagnostics reads one series' days with both sides (model at lead, within [from, to], a zero
// bound open) and builds their diagnostic plots, the band edges of scale; nil when there is no such day.
func (s *server) seriesDiagnostics(ctx context.Context, scale *aqi.Scale, loc, typ, model string, lead int, from, to time.Time) (*diagnosticsView, error) {
	pairs, err := queries.SeriesPairs(ctx, s.db, loc, typ, model, lead, from, to)
	if err != nil {
		return nil, err
	}
	return buildDiagnostics(scale, loc, typ, model, lead, pairs), nil
}

// buildDiagnostics builds the plots and their words from one series' pairs; nil without a pair.
func buildDiagnostics(scale *aqi.Scale, loc, typ, model string, lead int, pairs []queries.Pair) *diagnosticsView {
	pp := make([]plots.Pair, len(pairs))
	over, under := 0, 0
	for i, p := range pairs {
		pp[i] = plots.Pair{Measured: p.Actual, Predicted: p.Predicted}
		switch {
		case p.Predicted > p.Actual:
			over++
		case p.Predicted < p.Actual:
			under++
		}
	}
	var bands []aqi.Band
	if scale != nil {
		bands = scale.Bands(typ)
	}
	sc := plots.NewScatter(pp, bands)
	h := plots.NewHistogram(pp)
	if sc == nil || h == nil {
		return nil
	}
	unit := pollutantUnit(typ)
	withUnit := func(v string) string {
		if unit == "" {
			return v
		}
		return v + " " + unit
	}
	inUnit := func(label string) string {
		if unit == "" {
			return label
		}
		return label + " (" + unit + ")"
	}
	what := loc + " · " + pollutantLabel(typ)
	d := &diagnosticsView{
		Heading: what + ", model " + model + " at " + strings.ToLower(leadLabel(lead)),
		Scatter: sc, Hist: h,
		MeasuredLabel:  inUnit("Measured"),
		PredictedLabel: inUnit("Predicted"),
		ErrorLabel:     inUnit("Error: predicted − measured"),
		N:              formatCount(int64(sc.N)),
		Shades:         sc.Shades,
		CellSize:       withUnit(plotNumber(sc.BinWidth)),
		MeanError:      withUnit(signed(&h.Mean)),
		Fac2:           "—",
	}
	days := func(n int) string {
		if n == 1 {
			return "1 day"
		}
		return formatCount(int64(n)) + " days"
	}
	fac2 := "No day is measured above 0, so no share within a factor of 2."
	if share, ok := sc.Within2Share(); ok {
		d.Fac2 = strconv.FormatFloat(100*share, 'f', 0, 64) + " %"
		fac2 = fmt.Sprintf("%s of the days measured above 0 are predicted within a factor of 2 (%s of %s).",
			d.Fac2, formatCount(int64(sc.Within2)), formatCount(int64(sc.Fac2N)))
	}
	direction := ""
	switch {
	case h.Mean > 0:
		direction = ": the model over-predicts on average"
	case h.Mean < 0:
		direction = ": the model under-predicts on average"
	}
	d.Summary = fmt.Sprintf("%s with both a measurement and a prediction: over-predicted on %s, under-predicted on %s. %s Mean error %s%s.",
		days(sc.N), days(over), days(under), fac2, d.MeanError, direction)

	if len(sc.Edges) > 0 {
		var e []string
		for _, v := range sc.Edges {
			e = append(e, plotNumber(v))
		}
		d.Edges = withUnit(joinAnd(e))
		d.ScaleName = scale.Short
	}
	if sc.Clipped > 0 || h.Clipped > 0 {
		var parts []string
		if sc.Clipped > 0 {
			parts = append(parts, fmt.Sprintf("%s beyond %s are counted in the scatter's outermost cells", days(sc.Clipped), withUnit(plotNumber(sc.Hi))))
		}
		if h.Clipped > 0 {
			parts = append(parts, fmt.Sprintf("%s with an error beyond ±%s in the histogram's outermost bars", days(h.Clipped), withUnit(plotNumber(h.Hi))))
		}
		d.Clipped = "The axes stop short of the farthest days: " + strings.Join(parts, "; ") + "."
	}

	axisRange := plotNumber(sc.Lo) + " to " + withUnit(plotNumber(sc.Hi))
	d.ScatterTitle = what + ": predicted against measured, density of days"
	d.ScatterDesc = fmt.Sprintf("Density scatter of %s: each cell, %s wide on both axes, is shaded by how many of the %s fall in it (%d shades, up to %s in the fullest cell). "+
		"Measured on the horizontal axis and predicted on the vertical, both from %s. "+
		"The solid diagonal is the 1:1 line, a perfect forecast; the two dashed lines are a prediction twice and half the measurement. %s",
		what, d.CellSize, days(sc.N), len(sc.Shades), days(sc.MaxCount), axisRange, fac2)
	if d.Edges != "" {
		d.ScatterDesc += " Dotted lines and the coloured strips along both axes mark the " + d.ScaleName + " band edges at " + d.Edges + "."
	}
	most := 0
	for _, b := range h.Bars {
		most = max(most, b.Count)
	}
	d.HistTitle = what + ": histogram of the errors (predicted − measured)"
	d.HistDesc = fmt.Sprintf("Histogram of the errors, predicted − measured, of %s: %d bars %s wide from %s to %s, the tallest %s. "+
		"A solid line marks 0 (no error) and a dashed line the mean error, %s.",
		days(h.N), len(h.Bars), withUnit(plotNumber(h.BinWidth)), plots.Signed(h.Lo, h.BinWidth), withUnit(plots.Signed(h.Hi, h.BinWidth)), days(most), d.MeanError)
	if d.Clipped != "" {
		d.ScatterDesc += " " + d.Clipped
		d.HistDesc += " " + d.Clipped
	}
	return d
}

// plotNumber writes an axis value or bin width as short as it goes: "10", "2.5", "0.05".
func plotNumber(v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), "-", "−", 1)
}

// joinAnd joins words as a sentence lists them: "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
