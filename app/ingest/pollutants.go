package ingest

import "strings"

// Pollutant is one pollutant aqdash knows: its type code as stored, how people write it, its unit, and
// its column in the CPCB wide form.
type Pollutant struct {
	Code  string
	Label string
	Unit  string
}

// Pollutants lists every pollutant code, in the order of the CPCB data set's columns.
var Pollutants = []Pollutant{
	{"pm25", "PM2.5", "µg/m³"},
	{"pm10", "PM10", "µg/m³"},
	{"no", "NO", "µg/m³"},
	{"no2", "NO2", "µg/m³"},
	{"nox", "NOx", "ppb"},
	{"nh3", "NH3", "µg/m³"},
	{"co", "CO", "mg/m³"},
	{"so2", "SO2", "µg/m³"},
	{"o3", "O3", "µg/m³"},
	{"benzene", "Benzene", "µg/m³"},
	{"toluene", "Toluene", "µg/m³"},
	{"xylene", "Xylene", "µg/m³"},
}

// LookupPollutant finds a pollutant by its code or its label, ignoring case ("pm25", "PM2.5").
func LookupPollutant(s string) (Pollutant, bool) {
	for _, p := range Pollutants {
		if strings.EqualFold(s, p.Code) || strings.EqualFold(s, p.Label) {
			return p, true
		}
	}
	return Pollutant{}, false
}

// PollutantCodes lists every code, for messages.
func PollutantCodes() string {
	codes := make([]string, len(Pollutants))
	for i, p := range Pollutants {
		codes[i] = p.Code
	}
	return strings.Join(codes, ", ")
}
