package main

import (
	"html/template"
	"strconv"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/views"
)

// bandView is a value's AQI band as a page shows it, on the view's scale: its name (the text cue), its
// CSS class (the colour cue: aqi-0 to aqi-5 on India's NAQI, epa-0 to epa-5 on the US EPA AQI, in the
// "compare" section of app.css) and the value's AQI sub-index, shown on hover and to screen readers.
type bandView struct {
	Name  string
	Key   string
	Class string
	Level int
	// AQI is the value's sub-index on the scale ("AQI 112").
	AQI int
}

// HTML is the band as a page shows it (views.Band).
func (b *bandView) HTML() template.HTML { return views.Band(b.Class, b.Name, b.AQI) }

// chip is b's HTML, "" for no band (nil).
func (b *bandView) chip() template.HTML {
	if b == nil {
		return ""
	}
	return b.HTML()
}

// bandFor is the band of a pollutant's value on a scale, or nil when the pollutant has no bands or there
// is no value.
func bandFor(sc *aqi.Scale, typ string, v *float64) *bandView {
	if v == nil {
		return nil
	}
	b, ok := sc.BandOf(typ, *v)
	if !ok {
		return nil
	}
	i, _ := sc.SubIndex(typ, *v)
	return &bandView{Name: b.Name, Key: b.Key, Class: b.Class, Level: b.Level, AQI: i}
}

// legendItem is one band of a pollutant's legend.
type legendItem struct {
	Name, Class, Range, AQI string
}

// bandLegend is the legend of one pollutant's bands on a scale: each band's name, its concentrations as
// the scale publishes them ("31–60", "250+") and its sub-index range ("AQI 51–100"); nil for a
// pollutant without bands.
func bandLegend(sc *aqi.Scale, typ string) []legendItem {
	var out []legendItem
	for _, b := range sc.Bands(typ) {
		out = append(out, legendItem{Name: b.Name, Class: b.Class, Range: b.Range,
			AQI: strconv.Itoa(b.ILo) + "–" + strconv.Itoa(b.IHi)})
	}
	return out
}

// typeLegend is one banded pollutant's legend on a page.
type typeLegend struct {
	Type, Label, Unit string
	Bands             []legendItem
}

// scaleLegend is the legends of a view's banded pollutants on its scale, with the scale's name and
// source and how it bands a value between two published edges.
type scaleLegend struct {
	Scale *aqi.Scale
	Types []typeLegend
}

// legendsFor lists the legends of the banded pollutants a view can show, on its scale: the chosen ones,
// or every banded one when no pollutant is chosen; nil when none of them has bands.
func legendsFor(sc *aqi.Scale, types []string) *scaleLegend {
	if len(types) == 0 {
		types = aqi.BandedTypes
	}
	l := &scaleLegend{Scale: sc}
	for _, t := range types {
		if items := bandLegend(sc, t); items != nil {
			l.Types = append(l.Types, typeLegend{Type: t, Label: pollutantLabel(t), Unit: pollutantUnit(t), Bands: items})
		}
	}
	if len(l.Types) == 0 {
		return nil
	}
	return l
}
