package queries

import "math"

// Band is one band of India's National Air Quality Index sub-index for a pollutant's 24-hour mean.
type Band struct {
	// Level counts from 0 (Good) to 5 (Severe); a higher level is worse.
	Level int
	// Name is the band's name: "Good", "Satisfactory", "Moderate", "Poor", "Very poor", "Severe".
	Name string
	// Lower and Upper bound the band: Lower < value <= Upper, except that the first band starts at 0
	// inclusive and the last has Upper = +Inf.
	Lower, Upper float64
}

// PoorLevel is the level of "Poor": a day at this level or above is "Poor or worse". The view
// comparison_days of migration 004 counts with the same level.
const PoorLevel = 3

// bandNames are the NAQI band names, Level order.
var bandNames = [6]string{"Good", "Satisfactory", "Moderate", "Poor", "Very poor", "Severe"}

// bandEdges holds each banded pollutant's upper band edges (µg/m³, inclusive), from CPCB's National Air
// Quality Index: Good 0–30 / 0–50, Satisfactory 31–60 / 51–100, Moderate 61–90 / 101–250, Poor 91–120 /
// 251–350, Very Poor 121–250 / 351–430, Severe above. The published bands list whole numbers; a value
// between two of them (30.5) belongs to the higher band, so each band is (previous edge, edge].
//
// The comparison's statistics band their days in PostgreSQL, with the SQL function aqdash_band of
// migration 004, which writes the same edges out; TestBandSQLAgreesWithGo checks the two agree.
var bandEdges = map[string][5]float64{
	"pm25": {30, 60, 90, 120, 250},
	"pm10": {50, 100, 250, 350, 430},
}

// BandedTypes lists the pollutant codes that have AQI bands, in display order.
var BandedTypes = []string{"pm25", "pm10"}

// Bands returns the six bands of a pollutant, Good first, or nil when the pollutant has no bands.
func Bands(typ string) []Band {
	edges, ok := bandEdges[typ]
	if !ok {
		return nil
	}
	out := make([]Band, len(bandNames))
	lower := 0.0
	for i, name := range bandNames {
		upper := math.Inf(1)
		if i < len(edges) {
			upper = edges[i]
		}
		out[i] = Band{Level: i, Name: name, Lower: lower, Upper: upper}
		lower = upper
	}
	return out
}

// BandOf returns the band of a pollutant's value; ok is false for a pollutant without bands.
func BandOf(typ string, v float64) (b Band, ok bool) {
	bands := Bands(typ)
	if bands == nil {
		return Band{}, false
	}
	for _, b := range bands {
		if v <= b.Upper {
			return b, true
		}
	}
	return bands[len(bands)-1], true
}
