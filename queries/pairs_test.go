package queries_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// TestSeriesPairs: the pairs of one series, model and lead in a date range are exactly the days the
// fixture has both sides of, in date order, for every model and lead, with open and closed bounds; a
// series, model or lead without predictions has none.
func TestSeriesPairs(t *testing.T) {
	db := dbtest.NewPool(t)
	d := forecastFixture()
	d.load(t, db)
	ctx := context.Background()
	type rng struct{ from, to time.Time }
	ranges := []rng{{}, {day("2020-02-01"), day("2020-02-29")}, {day("2020-03-01"), time.Time{}}, {time.Time{}, day("2020-01-20")}, {day("2021-01-01"), time.Time{}}}
	checked := 0
	for _, s := range []struct{ loc, typ string }{{"Hyderabad", "pm25"}, {"Delhi", "no2"}, {"Hyderabad", "no2"}} {
		for _, ml := range []struct {
			model string
			lead  int
		}{{"ses", 0}, {"ses", 1}, {"ses", 3}, {"clim", 1}, {"clim", 2}, {"clim", 0}, {"none", 1}} {
			for _, r := range ranges {
				got, err := queries.SeriesPairs(ctx, db, s.loc, s.typ, ml.model, ml.lead, r.from, r.to)
				if err != nil {
					t.Fatal(err)
				}
				var want []queries.Pair
				for i := range 200 {
					date := day("2020-01-01").AddDate(0, 0, i)
					if !r.from.IsZero() && date.Before(r.from) || !r.to.IsZero() && date.After(r.to) {
						continue
					}
					a, okA := d.actual[cmpKey{s.loc, s.typ, date}]
					p, okP := d.pred[fcKey{s.loc, s.typ, date, ml.model, ml.lead}]
					if okA && okP {
						want = append(want, queries.Pair{Actual: a, Predicted: p})
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s %s %s lead %d %v: %d pairs, want %d\n got %v\nwant %v", s.loc, s.typ, ml.model, ml.lead, r, len(got), len(want), got, want)
				}
				checked += len(want)
			}
		}
	}
	if checked < 200 {
		t.Fatalf("the fixture gave only %d pairs to check", checked)
	}
	// One range of the primary key, with $ placeholders.
	sql, args, err := queries.SeriesPairsQuery("Agra", "pm25", "ses", 2, day("2020-01-01"), day("2020-12-31")).ToSql()
	if err != nil || strings.Contains(sql, "?") || len(args) != 6 ||
		sql != "SELECT actual, predicted FROM (SELECT date, actual, predicted FROM comparison WHERE lead = $1 AND model = $2 AND (location = $3 AND type = $4 AND date >= $5 AND date <= $6) OFFSET 0) AS series WHERE actual IS NOT NULL AND predicted IS NOT NULL ORDER BY date" {
		t.Errorf("query %s %v %v", sql, args, err)
	}
}
