package queries_test

import (
	"context"
	"math"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// naqi is the scale the comparison's SQL bands its days on (migration 004's aqdash_band).
var naqi, _ = aqi.Get("naqi")

// bandCases are values on, just past and between the published band edges; between two bands (30.5)
// a value belongs to the higher one.
var bandCases = map[string][]struct {
	v    float64
	want string
}{
	"pm25": {
		{0, "Good"}, {29.99, "Good"}, {30, "Good"}, {30.01, "Satisfactory"}, {30.5, "Satisfactory"}, {31, "Satisfactory"},
		{60, "Satisfactory"}, {60.5, "Moderate"}, {61, "Moderate"}, {90, "Moderate"}, {90.5, "Poor"}, {91, "Poor"},
		{120, "Poor"}, {120.5, "Very poor"}, {121, "Very poor"}, {250, "Very poor"}, {250.01, "Severe"}, {251, "Severe"}, {1000, "Severe"},
	},
	"pm10": {
		{0, "Good"}, {50, "Good"}, {50.5, "Satisfactory"}, {51, "Satisfactory"}, {100, "Satisfactory"}, {100.01, "Moderate"},
		{101, "Moderate"}, {250, "Moderate"}, {250.01, "Poor"}, {251, "Poor"}, {350, "Poor"}, {350.5, "Very poor"},
		{351, "Very poor"}, {430, "Very poor"}, {430.01, "Severe"}, {431, "Severe"}, {2000, "Severe"},
	},
}

// TestBandOfEdges checks app/aqi's NAQI bands on each side of the published edges.
func TestBandOfEdges(t *testing.T) {
	for typ, cases := range bandCases {
		for _, c := range cases {
			b, ok := naqi.BandOf(typ, c.v)
			if !ok || b.Name != c.want {
				t.Errorf("BandOf(%s, %v) = %q %v, want %q", typ, c.v, b.Name, ok, c.want)
			}
		}
	}
	for _, typ := range []string{"no2", "o3", "co", ""} {
		if b, ok := naqi.BandOf(typ, 100); ok {
			t.Errorf("BandOf(%s) = %v, want no band", typ, b)
		}
		if naqi.Bands(typ) != nil {
			t.Errorf("Bands(%s) is not nil", typ)
		}
	}
	for _, typ := range aqi.BandedTypes {
		bands := naqi.Bands(typ)
		if len(bands) != 6 || bands[0].Lower != 0 || !math.IsInf(bands[5].Upper, 1) || bands[3].Name != "Poor" {
			t.Fatalf("Bands(%s) = %v", typ, bands)
		}
		for i := 1; i < len(bands); i++ {
			if bands[i].Lower != bands[i-1].Upper || bands[i].Level != i {
				t.Errorf("Bands(%s): band %d does not follow band %d", typ, i, i-1)
			}
		}
	}
}

// TestBandSQLAgreesWithGo runs the SQL CASE the metrics use (migration 004's aqdash_band) over every
// edge case (and a fine sweep) in PostgreSQL, and checks it gives the same band as app/aqi's NAQI.
func TestBandSQLAgreesWithGo(t *testing.T) {
	db := dbtest.NewPool(t)
	for _, typ := range []string{"pm25", "pm10", "no2"} {
		var vals []float64
		for _, c := range bandCases["pm25"] {
			vals = append(vals, c.v)
		}
		for _, c := range bandCases["pm10"] {
			vals = append(vals, c.v)
		}
		for v := 0.0; v <= 500; v += 0.25 {
			vals = append(vals, v)
		}
		sql, args, err := queries.BandLevelsQuery(typ, vals).ToSql()
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(context.Background(), sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		var v float64
		var level *int
		n := 0
		_, err = pgx.ForEachRow(rows, []any{&v, &level}, func() error {
			n++
			b, ok := naqi.BandOf(typ, v)
			switch {
			case !ok && level != nil:
				t.Errorf("%s %v: SQL gives level %d, Go no band", typ, v, *level)
			case ok && (level == nil || *level != b.Level):
				t.Errorf("%s %v: SQL gives %v, Go %d (%s)", typ, v, level, b.Level, b.Name)
			}
			return nil
		})
		if err != nil || n != len(vals) {
			t.Fatalf("%s: %d of %d rows: %v", typ, n, len(vals), err)
		}
	}
}
