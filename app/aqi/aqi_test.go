package aqi

import (
	"math"
	"testing"
)

func TestLevelEachSideOfEveryEdge(t *testing.T) {
	cases := []struct {
		scale, typ string
		v          float64
		want       int
	}{
		// NAQI: (previous edge, edge].
		{"naqi", "pm25", 0, 0}, {"naqi", "pm25", 30, 0}, {"naqi", "pm25", 30.01, 1}, {"naqi", "pm25", 30.5, 1},
		{"naqi", "pm25", 60, 1}, {"naqi", "pm25", 60.5, 2}, {"naqi", "pm25", 90, 2}, {"naqi", "pm25", 90.001, 3},
		{"naqi", "pm25", 120, 3}, {"naqi", "pm25", 120.5, 4}, {"naqi", "pm25", 250, 4}, {"naqi", "pm25", 250.1, 5},
		{"naqi", "pm25", 2000, 5},
		{"naqi", "pm10", 50, 0}, {"naqi", "pm10", 50.5, 1}, {"naqi", "pm10", 100, 1}, {"naqi", "pm10", 100.5, 2},
		{"naqi", "pm10", 250, 2}, {"naqi", "pm10", 250.5, 3}, {"naqi", "pm10", 350, 3}, {"naqi", "pm10", 350.5, 4},
		{"naqi", "pm10", 430, 4}, {"naqi", "pm10", 430.5, 5},
		// US EPA: truncated to 0.1 (PM2.5) or 1 (PM10), then the published ranges.
		{"us_epa", "pm25", 0, 0}, {"us_epa", "pm25", 9.0, 0}, {"us_epa", "pm25", 9.09, 0}, {"us_epa", "pm25", 9.1, 1},
		{"us_epa", "pm25", 35.4, 1}, {"us_epa", "pm25", 35.49, 1}, {"us_epa", "pm25", 35.5, 2}, {"us_epa", "pm25", 40, 2},
		{"us_epa", "pm25", 55.49, 2}, {"us_epa", "pm25", 55.5, 3}, {"us_epa", "pm25", 125.49, 3}, {"us_epa", "pm25", 125.5, 4},
		{"us_epa", "pm25", 225.49, 4}, {"us_epa", "pm25", 225.5, 5}, {"us_epa", "pm25", 900, 5},
		{"us_epa", "pm10", 54, 0}, {"us_epa", "pm10", 54.9, 0}, {"us_epa", "pm10", 55, 1}, {"us_epa", "pm10", 154.9, 1},
		{"us_epa", "pm10", 155, 2}, {"us_epa", "pm10", 254.9, 2}, {"us_epa", "pm10", 255, 3}, {"us_epa", "pm10", 354.9, 3},
		{"us_epa", "pm10", 355, 4}, {"us_epa", "pm10", 424.9, 4}, {"us_epa", "pm10", 425, 5},
	}
	for _, c := range cases {
		s, _ := Get(c.scale)
		got, ok := s.Level(c.typ, c.v)
		if !ok || got != c.want {
			t.Errorf("%s %s %v: level %d (ok %v), want %d", c.scale, c.typ, c.v, got, ok, c.want)
		}
	}
	for _, s := range Scales() {
		if _, ok := s.Level("no2", 10); ok {
			t.Errorf("%s bands no2", s.Key)
		}
		if _, ok := s.Level("pm25", math.NaN()); ok {
			t.Errorf("%s bands NaN", s.Key)
		}
	}
}

func TestSubIndexAtPublishedBreakpoints(t *testing.T) {
	cases := []struct {
		scale, typ string
		v          float64
		want       int
	}{
		// NAQI: every published breakpoint maps onto its index edge.
		{"naqi", "pm25", 0, 0}, {"naqi", "pm25", 30, 50}, {"naqi", "pm25", 31, 51}, {"naqi", "pm25", 60, 100},
		{"naqi", "pm25", 61, 101}, {"naqi", "pm25", 90, 200}, {"naqi", "pm25", 91, 201}, {"naqi", "pm25", 120, 300},
		{"naqi", "pm25", 121, 301}, {"naqi", "pm25", 250, 400}, {"naqi", "pm25", 251, 401}, {"naqi", "pm25", 380, 500},
		{"naqi", "pm25", 1000, 500},
		{"naqi", "pm10", 50, 50}, {"naqi", "pm10", 51, 51}, {"naqi", "pm10", 100, 100}, {"naqi", "pm10", 101, 101},
		{"naqi", "pm10", 250, 200}, {"naqi", "pm10", 251, 201}, {"naqi", "pm10", 350, 300}, {"naqi", "pm10", 351, 301},
		{"naqi", "pm10", 430, 400}, {"naqi", "pm10", 431, 401}, {"naqi", "pm10", 510, 500}, {"naqi", "pm10", 999, 500},
		// Between two published integers: clamped to the band's range (the example).
		{"naqi", "pm25", 30.5, 51}, {"naqi", "pm25", 60.5, 101},
		// verification.md's example: 40 µg/m³ is NAQI 66.
		{"naqi", "pm25", 40, 66},
		// US EPA 2024 breakpoints.
		{"us_epa", "pm25", 0, 0}, {"us_epa", "pm25", 9.0, 50}, {"us_epa", "pm25", 9.1, 51}, {"us_epa", "pm25", 35.4, 100},
		{"us_epa", "pm25", 35.5, 101}, {"us_epa", "pm25", 55.4, 150}, {"us_epa", "pm25", 55.5, 151}, {"us_epa", "pm25", 125.4, 200},
		{"us_epa", "pm25", 125.5, 201}, {"us_epa", "pm25", 225.4, 300}, {"us_epa", "pm25", 225.5, 301}, {"us_epa", "pm25", 325.4, 500},
		{"us_epa", "pm25", 500, 500},
		{"us_epa", "pm10", 54, 50}, {"us_epa", "pm10", 55, 51}, {"us_epa", "pm10", 154, 100}, {"us_epa", "pm10", 155, 101},
		{"us_epa", "pm10", 254, 150}, {"us_epa", "pm10", 255, 151}, {"us_epa", "pm10", 354, 200}, {"us_epa", "pm10", 355, 201},
		{"us_epa", "pm10", 424, 300}, {"us_epa", "pm10", 425, 301}, {"us_epa", "pm10", 604, 500}, {"us_epa", "pm10", 700, 500},
		// Truncation first: 35.49 is 35.4 (100), 9.09 is 9.0 (50), 54.9 is 54 (50).
		{"us_epa", "pm25", 35.49, 100}, {"us_epa", "pm25", 9.09, 50}, {"us_epa", "pm10", 54.9, 50},
		// verification.md's example: 40 µg/m³ is US EPA 112; EPA's formula for 35.9 gives 102.
		{"us_epa", "pm25", 40, 112}, {"us_epa", "pm25", 35.9, 102},
	}
	for _, c := range cases {
		s, _ := Get(c.scale)
		got, ok := s.SubIndex(c.typ, c.v)
		if !ok || got != c.want {
			t.Errorf("%s %s %v: AQI %d (ok %v), want %d", c.scale, c.typ, c.v, got, ok, c.want)
		}
	}
}

// TestSubIndexAgreesWithBand checks, over a fine sweep, that the sub-index never decreases and lies in
// the range of the value's band.
func TestSubIndexAgreesWithBand(t *testing.T) {
	for _, s := range Scales() {
		for _, typ := range BandedTypes {
			prev := -1
			for v := 0.0; v <= 800; v += 0.01 {
				b, _ := s.BandOf(typ, v)
				i, ok := s.SubIndex(typ, v)
				if !ok || i < b.ILo || i > b.IHi || i > 500 {
					t.Fatalf("%s %s %v: AQI %d outside %s's %d–%d", s.Key, typ, v, i, b.Key, b.ILo, b.IHi)
				}
				if i < prev {
					t.Fatalf("%s %s %v: AQI %d after %d", s.Key, typ, v, i, prev)
				}
				prev = i
			}
		}
	}
}

func TestThresholds(t *testing.T) {
	n, _ := Get("naqi")
	e, _ := Get("us_epa")
	if n.DefaultThreshold() != "poor" || e.DefaultThreshold() != "unhealthy" {
		t.Fatalf("default thresholds %q %q", n.DefaultThreshold(), e.DefaultThreshold())
	}
	if l, ok := n.Threshold("very_poor"); !ok || l != 4 {
		t.Errorf("naqi very_poor: %d %v", l, ok)
	}
	if l, ok := e.Threshold("usg"); !ok || l != 2 {
		t.Errorf("us_epa usg: %d %v", l, ok)
	}
	for _, bad := range []string{"good", "", "Poor", "usg"} {
		if _, ok := n.Threshold(bad); ok {
			t.Errorf("naqi takes threshold %q", bad)
		}
	}
	if got := len(e.ThresholdKeys()); got != Levels-1 {
		t.Errorf("%d threshold keys", got)
	}
	if _, ok := Get("aqi"); ok {
		t.Error("unknown scale found")
	}
	if Default().Key != DefaultKey || Scales()[0].Key != DefaultKey {
		t.Error("default scale is not first")
	}
}

func TestWHO(t *testing.T) {
	cases := []struct {
		typ      string
		v        float64
		exceeded bool
		ok       bool
	}{
		{"pm25", 15, false, true}, {"pm25", 15.01, true, true}, {"pm10", 45, false, true}, {"pm10", 46, true, true},
		{"no2", 25.5, true, true}, {"so2", 40, false, true}, {"co", 4.1, true, true}, {"o3", 500, false, false},
	}
	for _, c := range cases {
		ex, ok := WHOExceeded(c.typ, c.v)
		if ex != c.exceeded || ok != c.ok {
			t.Errorf("%s %v: %v %v", c.typ, c.v, ex, ok)
		}
	}
}
