package main

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/app/verify"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/views"
)

// parseThreshold reads threshold= against scale: the level (1–5) of the band named, or the scale's
// default threshold when it is absent. An unknown name is a 400 naming threshold.
func parseThreshold(c *fiber.Ctx, scale *aqi.Scale) (int, *fieldError) {
	def, _ := scale.Threshold(scale.DefaultThreshold())
	name := strings.TrimSpace(string(c.Context().QueryArgs().Peek("threshold")))
	if name == "" {
		return def, nil
	}
	if level, ok := scale.Threshold(name); ok {
		return level, nil
	}
	// A threshold of another scale (a form whose scale select has just changed still sends the old
	// scale's threshold) is the band of the same level on this one: "poor" is "unhealthy" on US EPA.
	for _, other := range aqi.Scales() {
		if level, ok := other.Threshold(name); ok {
			return level, nil
		}
	}
	return def, &fieldError{"threshold", badParam("threshold", "%q is not a band of the %s; use one of %s", name, scale.Name,
		strings.Join(scale.ThresholdKeys(), ", "))}
}

// thresholdKey is the band name of a threshold level on scale ("poor"); level 0 is the default.
func thresholdKey(scale *aqi.Scale, level int) string {
	if level == 0 {
		return scale.DefaultThreshold()
	}
	return scale.BandKeys()[level]
}

// isDefaultThreshold reports whether level is scale's default threshold (left out of canonical URLs).
func isDefaultThreshold(scale *aqi.Scale, level int) bool {
	def, _ := scale.Threshold(scale.DefaultThreshold())
	return level == 0 || level == def
}

// bandName is the display name of a level on scale ("Very poor").
func bandName(scale *aqi.Scale, level int) string { return scale.BandName(level) }

// thresholdOptions are the choices of the threshold select.
func thresholdOptions(scale *aqi.Scale, level int) []option {
	var out []option
	for _, k := range scale.ThresholdKeys() {
		l, _ := scale.Threshold(k)
		out = append(out, option{k, bandName(scale, l) + " or worse", l == level})
	}
	return out
}

// contingencyOf is the threshold table of a metrics' band pairs on scale at level; nil without a
// banded day.
func contingencyOf(m queries.Metrics, scale *aqi.Scale, level int) *verify.Contingency {
	pairs := m.BandPairs[scale.Key]
	if pairs == nil {
		return nil
	}
	mx := verify.Matrix(*pairs)
	if mx.Total() == 0 {
		return nil
	}
	t := verify.At(&mx, level)
	return &t
}

// thresholdJSON are the threshold scores in JSON: counts and scores null without a banded day,
// a score null with nothing to divide by; scores as fractions.
type thresholdJSON struct {
	Hits             *int64   `json:"hits"`
	Misses           *int64   `json:"misses"`
	FalseAlarms      *int64   `json:"false_alarms"`
	CorrectNegatives *int64   `json:"correct_negatives"`
	POD              *float64 `json:"pod"`
	FAR              *float64 `json:"far"`
	POFD             *float64 `json:"pofd"`
	CSI              *float64 `json:"csi"`
	FreqBias         *float64 `json:"freq_bias"`
	HSS              *float64 `json:"hss"`
}

// newThresholdJSON writes a contingency table's scores (nil: all null).
func newThresholdJSON(t *verify.Contingency) thresholdJSON {
	if t == nil {
		return thresholdJSON{}
	}
	return thresholdJSON{Hits: &t.Hits, Misses: &t.Misses, FalseAlarms: &t.FalseAlarms, CorrectNegatives: &t.CorrectNegatives,
		POD: t.POD(), FAR: t.FAR(), POFD: t.POFD(), CSI: t.CSI(), FreqBias: t.FreqBias(), HSS: t.HSS()}
}

// thresholdView is the threshold scores as a page shows them: "—" when there is nothing to show.
type thresholdView = views.Threshold

// newThresholdView formats a contingency table's scores at a threshold (nil: none banded).
func newThresholdView(t *verify.Contingency, scale *aqi.Scale, level int) *thresholdView {
	if t == nil {
		return nil
	}
	return &thresholdView{
		Name: bandName(scale, level), Key: thresholdKey(scale, level), Scale: scale.Name,
		Hits: formatCount(t.Hits), Misses: formatCount(t.Misses), FalseAlarms: formatCount(t.FalseAlarms),
		CorrectNegatives: formatCount(t.CorrectNegatives),
		POD:              score(t.POD()), FAR: score(t.FAR()), POFD: score(t.POFD()), CSI: score(t.CSI()),
		FreqBias: score(t.FreqBias()), HSS: score(t.HSS()),
		Events: formatCount(t.Hits + t.Misses), Forecasts: formatCount(t.Hits + t.FalseAlarms),
	}
}

// score formats a score (a fraction) with three decimals and a true minus; "—" when missing.
func score(v *float64) string {
	if v == nil {
		return "—"
	}
	return strings.Replace(strconv.FormatFloat(*v, 'f', 3, 64), "-", "−", 1)
}

// confusionView is the band confusion matrix (views.Confusion writes it); confusionRow and
// confusionCell are its rows and counts.
type (
	confusionView = views.Confusion
	confusionRow  = views.ConfusionRow
	confusionCell = views.ConfusionCell
)

// newConfusionView builds the matrix of one banded pollutant's days on scale; nil for a pollutant
// without bands or a matrix without days.
func newConfusionView(typ string, scale *aqi.Scale, pairs *[verify.Levels][verify.Levels]int64) *confusionView {
	bands := scale.Bands(typ)
	if pairs == nil || len(bands) != verify.Levels {
		return nil
	}
	mx := verify.Matrix(*pairs)
	if mx.Total() == 0 {
		return nil
	}
	cv := &confusionView{Title: pollutantLabel(typ), Scale: scale.Name}
	cols := make([]int64, verify.Levels)
	for _, b := range bands {
		cv.Bands = append(cv.Bands, b.Name)
		cv.Classes = append(cv.Classes, b.Class)
	}
	for a := range verify.Levels {
		row := confusionRow{Band: bands[a].Name, Class: bands[a].Class}
		var total int64
		for p := range verify.Levels {
			n := mx[a][p]
			total += n
			cols[p] += n
			row.Cells = append(row.Cells, confusionCell{Count: formatCount(n), Diagonal: a == p, Zero: n == 0})
		}
		row.Total = formatCount(total)
		cv.Rows = append(cv.Rows, row)
	}
	for _, n := range cols {
		cv.ColTotals = append(cv.ColTotals, formatCount(n))
	}
	cv.Total = formatCount(mx.Total())
	return cv
}
