package queries_test

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// seed upserts rows into t and fails the test on any error.
func seed(t *testing.T, db queries.DB, tbl queries.Table, rows ...queries.Row) {
	t.Helper()
	in := make([]queries.ImportRow, len(rows))
	for i, r := range rows {
		in[i] = queries.ImportRow{Line: int64(i + 2), Row: r}
	}
	if _, err := queries.Upsert(context.Background(), db, tbl, queries.SliceSource(in)); err != nil {
		t.Fatalf("seed %s: %v", tbl.Key, err)
	}
}

func TestListRowsQuerySQL(t *testing.T) {
	v := queries.View{
		Locations: []string{"Hyderabad", "Delhi"}, Types: []string{"pm25"},
		From: day("2020-01-01"), To: day("2020-01-31"),
		Sort: "value", Desc: true, Page: 3, Size: 10,
	}
	q, err := queries.ListRowsQuery(queries.Historic, v)
	if err != nil {
		t.Fatal(err)
	}
	sql, args, err := q.ToSql()
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT date, location, type, value, ''::text AS model, 0 AS lead FROM daily_historic_pollution WHERE (location IN ($1,$2) AND type = $3 AND date >= $4 AND date <= $5) ORDER BY value DESC, location DESC, date DESC LIMIT 10 OFFSET 20" // type is pinned: left out
	if sql != want {
		t.Errorf("sql\n got %s\nwant %s", sql, want)
	}
	wantArgs := []any{"Hyderabad", "Delhi", "pm25", day("2020-01-01"), day("2020-01-31")}
	if !reflect.DeepEqual(args, wantArgs) {
		t.Errorf("args = %v, want %v", args, wantArgs)
	}

	q, err = queries.ListRowsQuery(queries.Predictions, queries.View{Sort: "date", Page: 1, Size: 25})
	if err != nil {
		t.Fatal(err)
	}
	sql, args, _ = q.ToSql()
	want = "SELECT date, location, type, prediction, model, lead FROM daily_prediction_pollution ORDER BY date ASC, location ASC, type ASC, model ASC, lead ASC LIMIT 25 OFFSET 0"
	if sql != want || len(args) != 0 {
		t.Errorf("sql\n got %s %v\nwant %s", sql, args, want)
	}
	sql, args, _ = queries.CountRowsQuery(queries.Predictions, queries.View{Types: []string{"no2"}}).ToSql()
	if want := "SELECT count(*) FROM daily_prediction_pollution WHERE (type = $1)"; sql != want || !reflect.DeepEqual(args, []any{"no2"}) {
		t.Errorf("count sql = %s %v", sql, args)
	}
}

func TestSortWhitelist(t *testing.T) {
	for _, bad := range []string{"", "prediction", "value; DROP TABLE x", "Date"} {
		if _, err := queries.ListRowsQuery(queries.Historic, queries.View{Sort: bad, Size: 1}); err == nil {
			t.Errorf("sort %q was accepted on historic", bad)
		}
	}
	if _, err := queries.ListRowsQuery(queries.Predictions, queries.View{Sort: "value", Size: 1}); err == nil {
		t.Error("sort value was accepted on predictions")
	}
	if !queries.Predictions.ValidSort("prediction") || queries.Historic.ValidSort("prediction") {
		t.Error("ValidSort disagrees with the table's value column")
	}
}

// TestListRowsResults checks filters, every sort in both directions, and that paging visits each row
// exactly once in the order of the whole result.
func TestListRowsResults(t *testing.T) {
	ctx := context.Background()
	db := dbtest.NewPool(t)
	var rows []queries.Row
	for _, loc := range []string{"Hyderabad", "Delhi", "Chennai"} {
		for _, typ := range []string{"pm25", "no2"} {
			for d := 1; d <= 9; d++ {
				// Equal values on purpose, so ties need the primary key to break them.
				rows = append(rows, queries.Row{Date: time.Date(2020, 1, d, 0, 0, 0, 0, time.UTC), Location: loc, Type: typ, Value: float64(d % 3)})
			}
		}
	}
	seed(t, db, queries.Historic, rows...)

	v := queries.View{Locations: []string{"Hyderabad", "Nowhere"}, Types: []string{"pm25"}, From: day("2020-01-03"), To: day("2020-01-05"), Sort: "date", Desc: true, Page: 1, Size: 25}
	got, err := queries.ListRows(ctx, db, queries.Historic, v)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !got[0].Date.Equal(day("2020-01-05")) || !got[2].Date.Equal(day("2020-01-03")) {
		t.Fatalf("filtered rows = %v", got)
	}
	for _, r := range got {
		if r.Location != "Hyderabad" || r.Type != "pm25" {
			t.Fatalf("row outside the filter: %v", r)
		}
	}
	if n, err := queries.CountRows(ctx, db, queries.Historic, v); err != nil || n != 3 {
		t.Fatalf("count = %d, %v; want 3", n, err)
	}
	if n, _ := queries.CountRows(ctx, db, queries.Historic, queries.View{Locations: []string{"Nowhere"}}); n != 0 {
		t.Fatalf("unknown location counted %d rows", n)
	}

	less := map[string]func(a, b queries.Row) int{
		"date": func(a, b queries.Row) int {
			return cmpChain(a.Date.Compare(b.Date), cmpS(a.Location, b.Location), cmpS(a.Type, b.Type))
		},
		"location": func(a, b queries.Row) int {
			return cmpChain(cmpS(a.Location, b.Location), cmpS(a.Type, b.Type), a.Date.Compare(b.Date))
		},
		"type": func(a, b queries.Row) int {
			return cmpChain(cmpS(a.Type, b.Type), cmpS(a.Location, b.Location), a.Date.Compare(b.Date))
		},
		"value": func(a, b queries.Row) int {
			return cmpChain(cmpF(a.Value, b.Value), cmpS(a.Location, b.Location), cmpS(a.Type, b.Type), a.Date.Compare(b.Date))
		},
	}
	for key, cmp := range less {
		for _, desc := range []bool{false, true} {
			want := append([]queries.Row(nil), rows...)
			sort.Slice(want, func(i, j int) bool {
				c := cmp(want[i], want[j])
				if desc {
					c = -c
				}
				return c < 0
			})
			var paged []queries.Row
			for page := 1; ; page++ {
				got, err := queries.ListRows(ctx, db, queries.Historic, queries.View{Sort: key, Desc: desc, Page: page, Size: 7})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) == 0 {
					break
				}
				paged = append(paged, got...)
			}
			if len(paged) != len(want) {
				t.Fatalf("sort %s desc=%v: paging gave %d rows, want %d", key, desc, len(paged), len(want))
			}
			for i := range want {
				if !want[i].Date.Equal(paged[i].Date) || want[i].Location != paged[i].Location || want[i].Type != paged[i].Type {
					t.Fatalf("sort %s desc=%v: row %d = %v, want %v", key, desc, i, paged[i], want[i])
				}
			}
			// Walking with cursors (next links) visits the same rows, and walking back (previous links)
			// from the last page gives each page again.
			var pages [][]queries.Row
			v := queries.View{Sort: key, Desc: desc, Page: 1, Size: 7}
			for {
				got, err := queries.ListRows(ctx, db, queries.Historic, v)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) == 0 {
					break
				}
				pages = append(pages, got)
				v.After = queries.CursorOf(got[len(got)-1])
			}
			var walked []queries.Row
			for _, p := range pages {
				walked = append(walked, p...)
			}
			if !reflect.DeepEqual(walked, paged) {
				t.Fatalf("sort %s desc=%v: cursor walk differs from offset paging", key, desc)
			}
			for i := len(pages) - 1; i > 0; i-- {
				back, err := queries.ListRows(ctx, db, queries.Historic, queries.View{Sort: key, Desc: desc, Size: 7, Before: queries.CursorOf(pages[i][0])})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(back, pages[i-1]) {
					t.Fatalf("sort %s desc=%v: previous of page %d = %v, want %v", key, desc, i+1, back, pages[i-1])
				}
			}
			// EachRow streams the same rows in the same order.
			i := 0
			err := queries.EachRow(ctx, db, queries.Historic, queries.View{Sort: key, Desc: desc, Page: 4, Size: 7}, func(r queries.Row) error {
				if !r.Date.Equal(want[i].Date) || r.Location != want[i].Location || r.Type != want[i].Type {
					t.Fatalf("EachRow row %d = %v, want %v", i, r, want[i])
				}
				i++
				return nil
			})
			if err != nil || i != len(want) {
				t.Fatalf("EachRow: %d rows, %v", i, err)
			}
		}
	}
}

func TestCursorEncoding(t *testing.T) {
	c := &queries.Cursor{Date: day("2020-02-29"), Location: "Navi Mumbai, <MH>", Type: "pm25", Value: 12.5}
	got, err := queries.DecodeCursor(c.Encode())
	if err != nil || *got != *c {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	for _, bad := range []string{"", "x", "WyJhIl0", c.Encode() + "A", "bnVsbA"} {
		if _, err := queries.DecodeCursor(bad); err == nil {
			t.Errorf("DecodeCursor(%q) accepted", bad)
		}
	}
	q, err := queries.ListRowsQuery(queries.Historic, queries.View{Sort: "value", Desc: true, Size: 5, After: c})
	if err != nil {
		t.Fatal(err)
	}
	sql, args, _ := q.ToSql()
	want := "SELECT date, location, type, value, ''::text AS model, 0 AS lead FROM daily_historic_pollution WHERE (value, location, type, date) < ($1,$2,$3,$4) ORDER BY value DESC, location DESC, type DESC, date DESC LIMIT 5"
	if sql != want || !reflect.DeepEqual(args, []any{12.5, "Navi Mumbai, <MH>", "pm25", day("2020-02-29")}) {
		t.Errorf("keyset sql\n got %s %v\nwant %s", sql, args, want)
	}
}

// TestPinnedColumnsLeaveTheOrder: with one location and one pollutant, the order and a cursor's row
// comparison use only (value, date), which the series index (location, type, value, date) serves.
func TestPinnedColumnsLeaveTheOrder(t *testing.T) {
	c := &queries.Cursor{Date: day("2020-02-29"), Location: "Delhi", Type: "pm25", Value: 12.5}
	q, err := queries.ListRowsQuery(queries.Historic, queries.View{Locations: []string{"Delhi"}, Types: []string{"pm25"}, Sort: "value", Desc: true, Size: 5, After: c})
	if err != nil {
		t.Fatal(err)
	}
	sql, args, _ := q.ToSql()
	// And the walk through next links gives the same rows as the whole filtered view, in both directions.
	ctx := context.Background()
	db := dbtest.NewPool(t)
	var rows []queries.Row
	for d := 0; d < 40; d++ {
		for _, typ := range []string{"pm25", "no2"} {
			rows = append(rows, queries.Row{Date: day("2020-01-01").AddDate(0, 0, d), Location: "Delhi", Type: typ, Value: float64(d % 6)})
		}
	}
	seed(t, db, queries.Historic, rows...)
	for _, desc := range []bool{false, true} {
		v := queries.View{Locations: []string{"Delhi"}, Types: []string{"pm25"}, Sort: "value", Desc: desc, Size: 7}
		var all, walked []queries.Row
		if err := queries.EachRow(ctx, db, queries.Historic, v, func(r queries.Row) error { all = append(all, r); return nil }); err != nil {
			t.Fatal(err)
		}
		for {
			page, err := queries.ListRows(ctx, db, queries.Historic, v)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			walked = append(walked, page...)
			v.After = queries.CursorOf(page[len(page)-1])
		}
		if len(all) != 40 || !reflect.DeepEqual(walked, all) {
			t.Fatalf("desc=%v: walked %d rows, the view has %d", desc, len(walked), len(all))
		}
	}
	want := "SELECT date, location, type, value, ''::text AS model, 0 AS lead FROM daily_historic_pollution WHERE (location = $1 AND type = $2) AND (value, date) < ($3,$4) ORDER BY value DESC, date DESC LIMIT 5"
	if sql != want || !reflect.DeepEqual(args, []any{"Delhi", "pm25", 12.5, day("2020-02-29")}) {
		t.Errorf("pinned keyset sql\n got %s %v\nwant %s", sql, args, want)
	}
}

func cmpS(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpChain(cs ...int) int {
	for _, c := range cs {
		if c != 0 {
			return c
		}
	}
	return 0
}

func TestCatalog(t *testing.T) {
	ctx := context.Background()
	db := dbtest.NewPool(t)
	if empty, err := queries.TablesEmpty(ctx, db); err != nil || !empty {
		t.Fatalf("new database: empty = %v, %v", empty, err)
	}
	seed(t, db, queries.Historic,
		queries.Row{Date: day("2020-01-01"), Location: "Hyderabad", Type: "pm25", Value: 1},
		queries.Row{Date: day("2020-01-03"), Location: "Hyderabad", Type: "pm25", Value: 2},
		queries.Row{Date: day("2020-01-02"), Location: "Delhi", Type: "no2", Value: 3},
	)
	seed(t, db, queries.Predictions,
		queries.Row{Date: day("2020-01-02"), Location: "Hyderabad", Type: "pm25", Value: 1},
		queries.Row{Date: day("2020-01-05"), Location: "Agra", Type: "o3", Value: 1},
	)
	if empty, err := queries.TablesEmpty(ctx, db); err != nil || empty {
		t.Fatalf("seeded database: empty = %v, %v", empty, err)
	}
	locs, types, err := queries.ListOptions(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(locs, []string{"Agra", "Delhi", "Hyderabad"}) || !reflect.DeepEqual(types, []string{"no2", "o3", "pm25"}) {
		t.Fatalf("options = %v %v", locs, types)
	}
	series, err := queries.ListSeries(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	want := []queries.Series{
		{Location: "Agra", Type: "o3", Predicted: 1, PredFirst: day("2020-01-05"), PredLast: day("2020-01-05")},
		{Location: "Delhi", Type: "no2", Measured: 1, First: day("2020-01-02"), Last: day("2020-01-02")},
		{Location: "Hyderabad", Type: "pm25", Measured: 2, First: day("2020-01-01"), Last: day("2020-01-03"), Predicted: 1, PredFirst: day("2020-01-02"), PredLast: day("2020-01-02")},
	}
	if len(series) != len(want) {
		t.Fatalf("series = %+v", series)
	}
	for i := range want {
		g, w := series[i], want[i]
		if g.Location != w.Location || g.Type != w.Type || g.Measured != w.Measured || g.Predicted != w.Predicted ||
			!g.First.Equal(w.First) || !g.Last.Equal(w.Last) || !g.PredFirst.Equal(w.PredFirst) || !g.PredLast.Equal(w.PredLast) {
			t.Errorf("series %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestCountCappedAndEstimated(t *testing.T) {
	ctx := context.Background()
	db := dbtest.NewPool(t)
	var rows []queries.Row
	for d := 0; d < 300; d++ {
		rows = append(rows, queries.Row{Date: day("2020-01-01").AddDate(0, 0, d), Location: "Hyderabad", Type: "pm25", Value: 1})
	}
	seed(t, db, queries.Historic, rows...)
	if _, err := db.Exec(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	n, capped, err := queries.CountRowsCapped(ctx, db, queries.Historic, queries.View{}, 100)
	if err != nil || !capped || n != 101 {
		t.Fatalf("capped count = %d, %v, %v; want 101, capped", n, capped, err)
	}
	n, capped, err = queries.CountRowsCapped(ctx, db, queries.Historic, queries.View{From: day("2020-10-01")}, 100)
	if err != nil || capped || n != 26 { // 2020-10-01 .. 2020-10-26
		t.Fatalf("count under the cap = %d, %v, %v; want exactly 26", n, capped, err)
	}
	est, err := queries.EstimateRows(ctx, db, queries.Historic, queries.View{Locations: []string{"Hyderabad"}, From: day("2020-01-01")})
	if err != nil || est < 250 || est > 350 {
		t.Fatalf("estimate = %d, %v; want about 300 after ANALYZE", est, err)
	}
	total, err := queries.CountView(ctx, db, queries.Historic, queries.View{})
	if err != nil || total.Estimated || total.N != 300 {
		t.Fatalf("CountView under CountCap = %+v, %v", total, err)
	}
}

// TestDeepPages: pages past the first thousand rows (found through an index-only scan first) hold the
// same rows as the plain order, for every sort and direction, and a page past the end is empty.
func TestDeepPages(t *testing.T) {
	ctx := context.Background()
	db := dbtest.NewPool(t)
	var rows []queries.Row
	for d := 0; d < 700; d++ {
		for _, loc := range []string{"Agra", "Bhopal"} {
			rows = append(rows, queries.Row{Date: day("2015-01-01").AddDate(0, 0, d), Location: loc, Type: "pm25", Value: float64(d % 50)})
		}
	}
	seed(t, db, queries.Historic, rows...)
	for _, key := range queries.Historic.SortKeys() {
		for _, desc := range []bool{false, true} {
			var all []queries.Row
			if err := queries.EachRow(ctx, db, queries.Historic, queries.View{Sort: key, Desc: desc}, func(r queries.Row) error { all = append(all, r); return nil }); err != nil {
				t.Fatal(err)
			}
			for _, page := range []int{1, 2, 99, 100, 101, 144, 145, 199, 200} {
				for _, size := range []int{7, 9} {
					// Without a total pages are read forwards; with one, pages past the middle from the end.
					for _, total := range []int64{0, int64(len(all))} {
						got, err := queries.ListRows(ctx, db, queries.Historic, queries.View{Sort: key, Desc: desc, Page: page, Size: size, Total: total})
						if err != nil {
							t.Fatal(err)
						}
						from := min((page-1)*size, len(all))
						want := all[from:min(from+size, len(all))]
						if (len(got) > 0 || len(want) > 0) && !reflect.DeepEqual(got, want) {
							t.Fatalf("sort %s desc=%v page %d size %d total %d = %v, want %v", key, desc, page, size, total, got, want)
						}
					}
				}
			}
			if got, err := queries.ListRows(ctx, db, queries.Historic, queries.View{Sort: key, Desc: desc, Page: 201, Size: 7}); err != nil || len(got) != 0 {
				t.Fatalf("page past the end: %v, %v", got, err)
			}
		}
	}
}

// TestDateJumpKeptOnWrites: date_stats (migration 005) counts each day's rows exactly through inserts,
// updates that move rows to other days, deletes and truncates, and a deep page in date order found
// through it (with or without a date range) holds the rows of the plain order.
func TestDateJumpKeptOnWrites(t *testing.T) {
	ctx := context.Background()
	db := dbtest.NewPool(t)
	var rows []queries.Row
	locs := []string{"Agra", "Bhopal", "Chennai", "Delhi", "Erode"}
	for d := 0; d < 600; d++ {
		for i := range 1 + d%len(locs) { // one to five rows a day
			rows = append(rows, queries.Row{Date: day("2016-01-01").AddDate(0, 0, d), Location: locs[i], Type: "pm25", Value: float64(d % 40)})
		}
	}
	seed(t, db, queries.Historic, rows...)
	check := func(after string) {
		t.Helper()
		var bad int
		err := db.QueryRow(ctx, `SELECT count(*) FROM date_stats s FULL JOIN
			(SELECT date, count(*) AS n FROM daily_historic_pollution GROUP BY date) c USING (date)
			WHERE s.tbl = 'historic' AND s.n IS DISTINCT FROM c.n OR s.tbl IS NULL`).Scan(&bad)
		if err != nil || bad != 0 {
			t.Fatalf("after %s: date_stats differs from the table on %d days (%v)", after, bad, err)
		}
		for _, v := range []queries.View{{}, {From: day("2016-02-10")}, {To: day("2017-03-01")}, {From: day("2016-03-03"), To: day("2017-01-09")}} {
			for _, desc := range []bool{true, false} {
				v.Sort, v.Desc = "date", desc
				var all []queries.Row
				if err := queries.EachRow(ctx, db, queries.Historic, v, func(r queries.Row) error { all = append(all, r); return nil }); err != nil {
					t.Fatal(err)
				}
				for _, page := range []int{40, 41, 77, 100, 119, 120, 121, 400} {
					w := v
					w.Page, w.Size = page, 11
					got, err := queries.ListRows(ctx, db, queries.Historic, w)
					if err != nil {
						t.Fatal(err)
					}
					from := min((page-1)*11, len(all))
					want := all[from:min(from+11, len(all))]
					if (len(got) > 0 || len(want) > 0) && !reflect.DeepEqual(got, want) {
						t.Fatalf("after %s: %+v page %d = %v, want %v", after, v, page, got, want)
					}
				}
			}
		}
	}
	check("the first load")
	for _, sql := range []string{
		"DELETE FROM daily_historic_pollution WHERE date BETWEEN '2016-05-01' AND '2016-05-20'",
		"UPDATE daily_historic_pollution SET date = date + 1000 WHERE location = 'Chennai' AND date < '2016-04-01'",
		"UPDATE daily_historic_pollution SET value = value + 1 WHERE location = 'Agra'",
		"DELETE FROM daily_historic_pollution WHERE location = 'Erode'",
	} {
		if _, err := db.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		check(sql)
	}
	if _, err := db.Exec(ctx, "TRUNCATE daily_historic_pollution"); err != nil {
		t.Fatal(err)
	}
	check("TRUNCATE")
}
