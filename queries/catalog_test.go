package queries_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// truth computes every series' count and date range straight from the tables.
func truth(t *testing.T, db *pgxpool.Pool) map[string]queries.Series {
	t.Helper()
	out := map[string]queries.Series{}
	for _, tbl := range []queries.Table{queries.Historic, queries.Predictions} {
		err := queries.EachRow(context.Background(), db, tbl, queries.View{Sort: "location"}, func(r queries.Row) error {
			s := out[r.Location+"/"+r.Type]
			s.Location, s.Type = r.Location, r.Type
			if tbl == queries.Historic {
				if s.Measured == 0 || r.Date.Before(s.First) {
					s.First = r.Date
				}
				if r.Date.After(s.Last) {
					s.Last = r.Date
				}
				s.Measured++
			} else {
				if s.Predicted == 0 || r.Date.Before(s.PredFirst) {
					s.PredFirst = r.Date
				}
				if r.Date.After(s.PredLast) {
					s.PredLast = r.Date
				}
				s.Predicted++
			}
			out[r.Location+"/"+r.Type] = s
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func checkStats(t *testing.T, db *pgxpool.Pool, step string) {
	t.Helper()
	got, err := queries.ListSeries(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	want := truth(t, db)
	if len(got) != len(want) {
		t.Fatalf("%s: %d series in series_stats, %d in the tables: %+v", step, len(got), len(want), got)
	}
	for _, g := range got {
		w := want[g.Location+"/"+g.Type]
		if g.Measured != w.Measured || g.Predicted != w.Predicted || !g.First.Equal(w.First) || !g.Last.Equal(w.Last) ||
			!g.PredFirst.Equal(w.PredFirst) || !g.PredLast.Equal(w.PredLast) {
			t.Errorf("%s: series_stats %+v, tables %+v", step, g, w)
		}
	}
}

// TestSeriesStatsFollowEveryWriter: the counts behind the overview and the row totals stay exact through
// imports, re-imports with changed values, and plain SQL deletes, updates that move rows, and truncates.
func TestSeriesStatsFollowEveryWriter(t *testing.T) {
	ctx := context.Background()
	db := dbtest.NewPool(t)
	checkStats(t, db, "empty")
	var rows []queries.Row
	for d := 0; d < 20; d++ {
		rows = append(rows,
			queries.Row{Date: day("2020-01-01").AddDate(0, 0, d), Location: "Hyderabad", Type: "pm25", Value: float64(d)},
			queries.Row{Date: day("2020-03-01").AddDate(0, 0, d), Location: "Delhi", Type: "no2", Value: 1})
	}
	seed(t, db, queries.Historic, rows...)
	seed(t, db, queries.Predictions, rows[:10]...)
	checkStats(t, db, "import")
	rows[0].Value = 99
	seed(t, db, queries.Historic, rows...) // an upsert that updates one value
	checkStats(t, db, "re-import")

	steps := []struct{ name, sql string }{
		{"delete the first days", "DELETE FROM daily_historic_pollution WHERE location = 'Hyderabad' AND date < '2020-01-05'"},
		{"delete the last days", "DELETE FROM daily_historic_pollution WHERE location = 'Delhi' AND date > '2020-03-15'"},
		{"move rows to another series", "UPDATE daily_historic_pollution SET location = 'Agra' WHERE location = 'Delhi' AND date < '2020-03-04'"},
		{"move rows in time", "UPDATE daily_prediction_pollution SET date = date + 100 WHERE date < '2020-01-03'"},
		{"change values only", "UPDATE daily_historic_pollution SET value = value + 1"},
		{"delete a whole series", "DELETE FROM daily_historic_pollution WHERE location = 'Agra'"},
		{"truncate", "TRUNCATE daily_prediction_pollution"},
	}
	for _, st := range steps {
		if _, err := db.Exec(ctx, st.sql); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		checkStats(t, db, st.name)
	}
	total, err := queries.CountView(ctx, db, queries.Historic, queries.View{Types: []string{"pm25", "no2"}})
	if err != nil || total.Estimated || total.N != 16+12 {
		t.Fatalf("CountView from series_stats = %+v, %v; want 28 exactly", total, err)
	}
}
