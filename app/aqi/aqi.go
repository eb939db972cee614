// Package aqi holds the air-quality index scales aqdash can show, one Go table per scale: each band's
// key, name, colour, concentration range and AQI sub-index range, for the pollutants whose daily mean a
// scale bands (PM2.5 and PM10: the other pollutants' index breakpoints are for 1-hour or 8-hour
// averages, which daily means cannot give). It also holds the WHO 2021 24-hour guideline levels.
//
// The SQL that counts bands (migration 008_scales.sql: aqdash_band_naqi, aqdash_band_us_epa,
// aqdash_who_exceeded) writes the same edges out; a test in package queries checks the two agree on
// each side of every edge.
package aqi

import (
	"math"
	"strconv"
)

// Levels is the number of bands of every scale; level 0 is the best, Levels-1 the worst.
const Levels = 6

// DefaultKey is the key of the scale a deployment shows unless AQI_SCALE says otherwise.
const DefaultKey = "naqi"

// BandedTypes lists the pollutant codes that have bands, in display order.
var BandedTypes = []string{"pm25", "pm10"}

// Banded reports whether a pollutant has bands (and an AQI sub-index) on every scale.
func Banded(typ string) bool { return typ == "pm25" || typ == "pm10" }

// Band is one band of a scale for one pollutant.
type Band struct {
	// Level counts from 0 (the best band) to Levels-1 (the worst).
	Level int
	// Key is the band's key in URLs and JSON: "good", "very_poor", "usg", ….
	Key string
	// Name is the band's name as the scale's document prints it.
	Name string
	// Color is the band's colour as the scale's document gives it (#rrggbb).
	Color string
	// Class is the CSS class of the band's colour cue ("aqi-3", "epa-3").
	Class string
	// Lower and Upper bound the band's concentrations: a value v is in the band when
	// Lower < v <= Upper on a scale whose UpperInclusive is true, Lower <= v < Upper otherwise. The
	// first band's Lower is 0, the last band's Upper +Inf.
	Lower, Upper float64
	// BLo and BHi are the band's breakpoints as published (NAQI PM2.5 Satisfactory: 31 and 60); the
	// last band's BHi is where its sub-index reaches 500.
	BLo, BHi float64
	// ILo and IHi are the band's sub-index range (51 and 100).
	ILo, IHi int
	// Range is the band's concentration range as a legend prints it: "31–60", "250+".
	Range string
}

// Scale is one AQI scale.
type Scale struct {
	// Key is the scale's key in URLs, JSON and AQI_SCALE: "naqi", "us_epa".
	Key string
	// Name is the scale's full name; Short a short one for selects and legends.
	Name, Short string
	// Source cites the document the table is taken from.
	Source string
	// UpperInclusive tells on which side of an edge a value equal to it falls (see Band).
	UpperInclusive bool
	// truncate is the step a concentration is truncated to before it is banded (US EPA), 0 for none.
	truncate map[string]float64
	bands    map[string][]Band
}

type bandDef struct {
	key, name, color string
}

type breakpoints struct {
	blo, bhi float64
	ilo, ihi int
}

func build(class string, defs [Levels]bandDef, edges map[string][Levels - 1]float64,
	bps map[string][Levels]breakpoints, ranges map[string][Levels]string) map[string][]Band {
	out := map[string][]Band{}
	for typ, e := range edges {
		bands := make([]Band, Levels)
		lower := 0.0
		for i, d := range defs {
			upper := math.Inf(1)
			if i < len(e) {
				upper = e[i]
			}
			bp := bps[typ][i]
			bands[i] = Band{Level: i, Key: d.key, Name: d.name, Color: d.color, Class: class + "-" + strconv.Itoa(i),
				Lower: lower, Upper: upper, BLo: bp.blo, BHi: bp.bhi, ILo: bp.ilo, IHi: bp.ihi, Range: ranges[typ][i]}
			lower = upper
		}
		out[typ] = bands
	}
	return out
}

// naqi is India's National Air Quality Index (CPCB, 2014): 24-hour PM2.5 and PM10 in µg/m³. The
// published bands list whole numbers (PM2.5 Good 0–30, Satisfactory 31–60); a value between two of them
// (30.5) belongs to the higher band, so each band is (previous edge, edge]. The published Severe band is
// open ("250+"); its sub-index rises from 401 over the width of the Very poor band (PM2.5 251–380, PM10
// 431–510) to 500 and stays there.
var naqi = &Scale{
	Key: "naqi", Name: "India National Air Quality Index", Short: "India NAQI",
	Source:         "CPCB, National Air Quality Index (2014)",
	UpperInclusive: true,
	bands: build("aqi", [Levels]bandDef{
		{"good", "Good", "#00b050"}, {"satisfactory", "Satisfactory", "#92d050"}, {"moderate", "Moderate", "#ffff00"},
		{"poor", "Poor", "#ff9900"}, {"very_poor", "Very poor", "#ff0000"}, {"severe", "Severe", "#c00000"},
	}, map[string][Levels - 1]float64{
		"pm25": {30, 60, 90, 120, 250},
		"pm10": {50, 100, 250, 350, 430},
	}, map[string][Levels]breakpoints{
		"pm25": {{0, 30, 0, 50}, {31, 60, 51, 100}, {61, 90, 101, 200}, {91, 120, 201, 300}, {121, 250, 301, 400}, {251, 380, 401, 500}},
		"pm10": {{0, 50, 0, 50}, {51, 100, 51, 100}, {101, 250, 101, 200}, {251, 350, 201, 300}, {351, 430, 301, 400}, {431, 510, 401, 500}},
	}, map[string][Levels]string{
		"pm25": {"0–30", "31–60", "61–90", "91–120", "121–250", "250+"},
		"pm10": {"0–50", "51–100", "101–250", "251–350", "351–430", "430+"},
	}),
}

// usEPA is the US EPA Air Quality Index as revised in 2024 (EPA-454/B-24-002, May 2024, Table 6): 24-hour
// PM2.5 truncated to 0.1 µg/m³ and PM10 truncated to 1 µg/m³ before they are banded, so a band is
// [edge, next edge) of the untruncated value (PM2.5 Good is below 9.1). Hazardous 225.5–325.4 (PM10
// 425–604) maps onto 301–500; above, the sub-index stays 500.
var usEPA = &Scale{
	Key: "us_epa", Name: "US EPA Air Quality Index (2024)", Short: "US EPA AQI",
	Source:         "US EPA, Technical Assistance Document for the Reporting of Daily Air Quality, EPA-454/B-24-002 (May 2024), Table 6",
	UpperInclusive: false,
	truncate:       map[string]float64{"pm25": 0.1, "pm10": 1},
	bands: build("epa", [Levels]bandDef{
		{"good", "Good", "#00e400"}, {"moderate", "Moderate", "#ffff00"}, {"usg", "Unhealthy for Sensitive Groups", "#ff7e00"},
		{"unhealthy", "Unhealthy", "#ff0000"}, {"very_unhealthy", "Very Unhealthy", "#8f3f97"}, {"hazardous", "Hazardous", "#7e0023"},
	}, map[string][Levels - 1]float64{
		"pm25": {9.1, 35.5, 55.5, 125.5, 225.5},
		"pm10": {55, 155, 255, 355, 425},
	}, map[string][Levels]breakpoints{
		"pm25": {{0, 9.0, 0, 50}, {9.1, 35.4, 51, 100}, {35.5, 55.4, 101, 150}, {55.5, 125.4, 151, 200}, {125.5, 225.4, 201, 300}, {225.5, 325.4, 301, 500}},
		"pm10": {{0, 54, 0, 50}, {55, 154, 51, 100}, {155, 254, 101, 150}, {255, 354, 151, 200}, {355, 424, 201, 300}, {425, 604, 301, 500}},
	}, map[string][Levels]string{
		"pm25": {"0.0–9.0", "9.1–35.4", "35.5–55.4", "55.5–125.4", "125.5–225.4", "225.5+"},
		"pm10": {"0–54", "55–154", "155–254", "255–354", "355–424", "425+"},
	}),
}

var scales = []*Scale{naqi, usEPA}

// Scales returns every scale, the default first.
func Scales() []*Scale { return append([]*Scale(nil), scales...) }

// Get returns the scale of a key.
func Get(key string) (*Scale, bool) {
	for _, s := range scales {
		if s.Key == key {
			return s, true
		}
	}
	return nil, false
}

// Default returns the scale of DefaultKey.
func Default() *Scale { return naqi }

// Keys lists every scale's key, the default first.
func Keys() []string {
	out := make([]string, len(scales))
	for i, s := range scales {
		out[i] = s.Key
	}
	return out
}

// Bands returns a pollutant's bands on the scale, the best first, or nil for a pollutant without bands.
// The slice is the scale's own: do not modify it.
func (s *Scale) Bands(typ string) []Band { return s.bands[typ] }

// Edges returns the five concentrations between a pollutant's bands (see Band for which side an edge
// value falls on), or nil for a pollutant without bands.
func (s *Scale) Edges(typ string) []float64 {
	bands := s.bands[typ]
	if bands == nil {
		return nil
	}
	out := make([]float64, 0, Levels-1)
	for _, b := range bands[:Levels-1] {
		out = append(out, b.Upper)
	}
	return out
}

// Level returns the band level of a pollutant's value; ok is false for a pollutant without bands or a
// value that is not a number.
func (s *Scale) Level(typ string, v float64) (level int, ok bool) {
	bands := s.bands[typ]
	if bands == nil || math.IsNaN(v) {
		return 0, false
	}
	for _, b := range bands[:Levels-1] {
		if v < b.Upper || (s.UpperInclusive && v == b.Upper) {
			return b.Level, true
		}
	}
	return Levels - 1, true
}

// BandOf returns the band of a pollutant's value; ok is false as for Level.
func (s *Scale) BandOf(typ string, v float64) (Band, bool) {
	l, ok := s.Level(typ, v)
	if !ok {
		return Band{}, false
	}
	return s.bands[typ][l], true
}

// SubIndex returns a pollutant's AQI sub-index for a daily mean: the scale's linear formula
// I = (IHi − ILo)/(BHi − BLo) × (C − BLo) + ILo within the value's band, C the concentration (truncated
// first on a scale that truncates), clamped to the band's index range and rounded to the nearest
// integer; at most 500. ok is false for a pollutant without bands or a value that is not a number.
func (s *Scale) SubIndex(typ string, v float64) (int, bool) {
	b, ok := s.BandOf(typ, v)
	if !ok {
		return 0, false
	}
	c := math.Max(v, 0)
	if step := s.truncate[typ]; step > 0 {
		// The 1e-9 keeps 35.5 from truncating to 35.4: 35.5/0.1 is 354.99999999999994 in floating point.
		c = math.Floor(c/step+1e-9) * step
	}
	i := float64(b.IHi-b.ILo)/(b.BHi-b.BLo)*(c-b.BLo) + float64(b.ILo)
	i = math.Max(float64(b.ILo), math.Min(float64(b.IHi), i))
	return int(math.Round(i)), true
}

// BandKeys lists the keys of the scale's bands, the best first.
func (s *Scale) BandKeys() []string {
	out := make([]string, Levels)
	for i, b := range s.bands["pm25"] {
		out[i] = b.Key
	}
	return out
}

// BandName returns the name of a level's band (the same for every banded pollutant).
func (s *Scale) BandName(level int) string { return s.bands["pm25"][level].Name }

// Threshold returns the level of a threshold key: the key of a band other than the best one, meaning
// "that band or worse".
func (s *Scale) Threshold(key string) (level int, ok bool) {
	for _, b := range s.bands["pm25"][1:] {
		if b.Key == key {
			return b.Level, true
		}
	}
	return 0, false
}

// ThresholdKeys lists the keys Threshold takes, the lowest first.
func (s *Scale) ThresholdKeys() []string { return s.BandKeys()[1:] }

// DefaultThreshold is the threshold key of level 3: "poor" on NAQI, "unhealthy" on US EPA.
func (s *Scale) DefaultThreshold() string { return s.bands["pm25"][3].Key }

// whoGuidelines are the WHO 2021 air quality guideline levels for 24-hour means (WHO global air quality
// guidelines, 2021, ISBN 9789240034228, Table 0.1): µg/m³, CO in mg/m³. O3's guideline is for an 8-hour
// mean, which a daily mean cannot show.
var whoGuidelines = map[string]float64{"pm25": 15, "pm10": 45, "no2": 25, "so2": 40, "co": 4}

// WHOGuideline returns a pollutant's WHO 2021 24-hour guideline level; ok is false for a pollutant
// without one.
func WHOGuideline(typ string) (float64, bool) {
	g, ok := whoGuidelines[typ]
	return g, ok
}

// WHOExceeded reports whether a daily mean is above (strictly) its pollutant's WHO 24-hour guideline;
// ok is false for a pollutant without one.
func WHOExceeded(typ string, v float64) (exceeded, ok bool) {
	g, ok := whoGuidelines[typ]
	if !ok {
		return false, false
	}
	return v > g, true
}

// WHOTypes lists the pollutants with a 24-hour guideline.
func WHOTypes() []string { return []string{"pm25", "pm10", "no2", "so2", "co"} }
