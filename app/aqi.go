package main

import (
	"math"
	"strconv"

	"github.com/aqdash/aqdash/queries"
)

// bandView is a value's AQI band as a page shows it: its name (the text cue) and its CSS class (the
// colour cue, aqi-0 for Good to aqi-5 for Severe, in the "compare" section of app.css).
type bandView struct {
	Name  string
	Class string
	Level int
}

// bandFor is the band of a pollutant's value, or nil when the pollutant has no bands or there is no value.
func bandFor(typ string, v *float64) *bandView {
	if v == nil {
		return nil
	}
	b, ok := queries.BandOf(typ, *v)
	if !ok {
		return nil
	}
	return &bandView{Name: b.Name, Class: bandClass(b.Level), Level: b.Level}
}

func bandClass(level int) string { return "aqi-" + strconv.Itoa(level) }

// legendItem is one band of a pollutant's legend.
type legendItem struct {
	Name, Class, Range string
}

// bandLegend is the legend of one pollutant's bands: "Good ≤ 30", "Satisfactory > 30 to 60", …, nil for
// a pollutant without bands.
func bandLegend(typ string) []legendItem {
	var out []legendItem
	for _, b := range queries.Bands(typ) {
		var r string
		switch {
		case b.Lower == 0:
			r = "≤ " + edge(b.Upper)
		case math.IsInf(b.Upper, 1):
			r = "> " + edge(b.Lower)
		default:
			r = "> " + edge(b.Lower) + " to " + edge(b.Upper)
		}
		out = append(out, legendItem{Name: b.Name, Class: bandClass(b.Level), Range: r})
	}
	return out
}

func edge(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// typeLegend is one banded pollutant's legend on a page.
type typeLegend struct {
	Type, Label, Unit string
	Bands             []legendItem
}

// legendsFor lists the legends of the banded pollutants a view can show: the chosen ones, or every banded
// one when no pollutant is chosen.
func legendsFor(types []string) []typeLegend {
	if len(types) == 0 {
		types = queries.BandedTypes
	}
	var out []typeLegend
	for _, t := range types {
		if items := bandLegend(t); items != nil {
			out = append(out, typeLegend{Type: t, Label: pollutantLabel(t), Unit: pollutantUnit(t), Bands: items})
		}
	}
	return out
}
