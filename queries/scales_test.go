package queries_test

import (
	"context"
	"math"
	"testing"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
	"github.com/jackc/pgx/v5"
)

// TestScaleSQLAgreesWithGo checks migration 008's SQL (aqdash_band_naqi, aqdash_band_us_epa,
// aqdash_who_exceeded) against app/aqi on each side of every band edge and WHO guideline, and over a
// fine sweep, for every scale and pollutant.
func TestScaleSQLAgreesWithGo(t *testing.T) {
	db := dbtest.NewPool(t)
	for _, s := range aqi.Scales() {
		for _, typ := range []string{"pm25", "pm10", "no2", "so2", "co", "o3"} {
			var vals []float64
			edges := append([]float64(nil), s.Edges("pm25")...)
			edges = append(edges, s.Edges("pm10")...)
			if g, ok := aqi.WHOGuideline(typ); ok {
				edges = append(edges, g)
			}
			for _, e := range edges {
				vals = append(vals, e, math.Nextafter(e, 0), math.Nextafter(e, 1000), e-0.05, e+0.05, e-0.01, e+0.01, e-0.5, e+0.5)
			}
			for v := 0.0; v <= 700; v += 0.05 {
				vals = append(vals, v)
			}
			sql, args, err := queries.ScaleQuery(s.Key, typ, vals).ToSql()
			if err != nil {
				t.Fatal(err)
			}
			rows, err := db.Query(context.Background(), sql, args...)
			if err != nil {
				t.Fatal(err)
			}
			var v float64
			var level *int
			var who *bool
			n := 0
			_, err = pgx.ForEachRow(rows, []any{&v, &level, &who}, func() error {
				n++
				l, ok := s.Level(typ, v)
				switch {
				case !ok && level != nil:
					t.Errorf("%s %s %v: SQL gives level %d, Go no band", s.Key, typ, v, *level)
				case ok && (level == nil || *level != l):
					t.Errorf("%s %s %v: SQL gives %v, Go %d", s.Key, typ, v, level, l)
				}
				ex, ok := aqi.WHOExceeded(typ, v)
				switch {
				case !ok && who != nil:
					t.Errorf("%s %v: SQL gives WHO %v, Go no guideline", typ, v, *who)
				case ok && (who == nil || *who != ex):
					t.Errorf("%s %v: SQL gives WHO %v, Go %v", typ, v, who, ex)
				}
				return nil
			})
			if err != nil || n != len(vals) {
				t.Fatalf("%s %s: %d of %d rows: %v", s.Key, typ, n, len(vals), err)
			}
		}
	}
}
