package queries_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// TestDateBounds: the date inputs' min and max follow the rows the location and pollutant filters
// select, per table, and follow writes (series_stats is kept by triggers).
func TestDateBounds(t *testing.T) {
	ctx := context.Background()
	db := dbtest.NewPool(t)
	both := []queries.Table{queries.Historic, queries.Predictions}
	if _, _, ok, err := queries.DateBounds(ctx, db, both, nil, nil); err != nil || ok {
		t.Fatalf("empty tables: ok %v, err %v", ok, err)
	}
	seed(t, db, queries.Historic,
		queries.Row{Date: day("2019-01-01"), Location: "Hyderabad", Type: "pm25", Value: 1},
		queries.Row{Date: day("2020-07-01"), Location: "Hyderabad", Type: "pm25", Value: 1},
		queries.Row{Date: day("2018-05-01"), Location: "Delhi", Type: "no2", Value: 1},
		queries.Row{Date: day("2018-06-01"), Location: "Delhi", Type: "pm25", Value: 1},
	)
	seed(t, db, queries.Predictions,
		queries.Row{Date: day("2020-07-02"), Location: "Hyderabad", Type: "pm25", Value: 1},
		queries.Row{Date: day("2017-01-01"), Location: "Agra", Type: "pm10", Value: 1},
	)
	cases := []struct {
		tables      []queries.Table
		locs, types []string
		first, last string // "" when nothing matches
	}{
		{both, nil, nil, "2017-01-01", "2020-07-02"},
		{[]queries.Table{queries.Historic}, nil, nil, "2018-05-01", "2020-07-01"},
		{[]queries.Table{queries.Predictions}, nil, nil, "2017-01-01", "2020-07-02"},
		{[]queries.Table{queries.Historic}, []string{"Hyderabad"}, nil, "2019-01-01", "2020-07-01"},
		{both, []string{"Hyderabad"}, []string{"pm25"}, "2019-01-01", "2020-07-02"},
		{[]queries.Table{queries.Historic}, nil, []string{"pm25"}, "2018-06-01", "2020-07-01"},
		{[]queries.Table{queries.Historic}, []string{"Delhi", "Hyderabad"}, []string{"no2"}, "2018-05-01", "2018-05-01"},
		{both, []string{"Nowhere"}, nil, "", ""},
		{[]queries.Table{queries.Historic}, []string{"Agra"}, nil, "", ""},
	}
	for _, c := range cases {
		first, last, ok, err := queries.DateBounds(ctx, db, c.tables, c.locs, c.types)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if ok {
			got = first.Format(time.DateOnly) + " " + last.Format(time.DateOnly)
		}
		want := strings.TrimSpace(c.first + " " + c.last)
		if got != want {
			t.Errorf("%v %v %v: bounds %q, want %q", c.tables, c.locs, c.types, got, want)
		}
	}
	// A write moves them.
	if _, err := db.Exec(ctx, "DELETE FROM daily_historic_pollution WHERE date = '2020-07-01'"); err != nil {
		t.Fatal(err)
	}
	_, last, _, err := queries.DateBounds(ctx, db, []queries.Table{queries.Historic}, []string{"Hyderabad"}, nil)
	if err != nil || !last.Equal(day("2019-01-01")) {
		t.Errorf("after a delete: last %v, %v", last, err)
	}
	sql, _, _ := queries.DateBoundsQuery(both, []string{"a"}, []string{"b"}).ToSql()
	if !strings.Contains(sql, "FROM series_stats") || strings.Contains(sql, "daily_") {
		t.Errorf("the bounds must come from series_stats only: %s", sql)
	}

	types, err := queries.LocationTypes(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"Agra": {"pm10"}, "Delhi": {"no2", "pm25"}, "Hyderabad": {"pm25"}}
	if !reflect.DeepEqual(types, want) {
		t.Errorf("LocationTypes = %v, want %v", types, want)
	}
}
