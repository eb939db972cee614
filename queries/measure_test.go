package queries_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// measured is one stored measurement, as the Go oracles below read it back from the table.
type measured struct {
	loc, typ string
	date     time.Time
	value    float64
}

func storedMeasurements(t *testing.T, db queries.DB) []measured {
	t.Helper()
	rows, err := db.Query(context.Background(), "SELECT location, type, date, value FROM daily_historic_pollution ORDER BY 1, 2, 3")
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (measured, error) {
		var m measured
		err := r.Scan(&m.loc, &m.typ, &m.date, &m.value)
		return m, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// goSums is the oracle: MeasureSums of the measurements for which keep says yes, by plain loops over
// app/aqi's Go tables.
func goSums(ms []measured, keep func(measured) bool) queries.MeasureSums {
	s := queries.MeasureSums{Bands: map[string][aqi.Levels]int64{}}
	for _, k := range queries.ScaleKeys {
		s.Bands[k] = [aqi.Levels]int64{}
	}
	for _, m := range ms {
		if !keep(m) {
			continue
		}
		s.Days++
		s.Sum += m.value
		if ex, ok := aqi.WHOExceeded(m.typ, m.value); ok && ex {
			s.WHODays++
		}
		for _, k := range queries.ScaleKeys {
			sc, _ := aqi.Get(k)
			if l, ok := sc.Level(m.typ, m.value); ok {
				b := s.Bands[k]
				b[l]++
				s.Bands[k] = b
			}
		}
	}
	return s
}

// sameSums compares two sums, the value sums to a relative 1e-9 (the order of a float sum differs).
func sameSums(a, b queries.MeasureSums) bool {
	return a.Days == b.Days && a.WHODays == b.WHODays && reflect.DeepEqual(a.Bands, b.Bands) &&
		math.Abs(a.Sum-b.Sum) <= 1e-9*math.Max(1, math.Abs(b.Sum))
}

// monthKey names one series and month.
type monthKey struct {
	loc, typ string
	month    time.Time
}

// readMonths reads measure_months as it is.
func readMonths(t *testing.T, db queries.DB) map[monthKey]queries.MeasureSums {
	t.Helper()
	sql := "SELECT location, type, month, days, sum_value, who_days"
	for _, k := range queries.ScaleKeys {
		for l := range aqi.Levels {
			sql += fmt.Sprintf(", %s_%d", k, l)
		}
	}
	rows, err := db.Query(context.Background(), sql+" FROM measure_months")
	if err != nil {
		t.Fatal(err)
	}
	out := map[monthKey]queries.MeasureSums{}
	for rows.Next() {
		var k monthKey
		var s queries.MeasureSums
		var bands [2 * aqi.Levels]int64
		dst := []any{&k.loc, &k.typ, &k.month, &s.Days, &s.Sum, &s.WHODays}
		for i := range bands {
			dst = append(dst, &bands[i])
		}
		if err := rows.Scan(dst...); err != nil {
			t.Fatal(err)
		}
		s.Bands = map[string][aqi.Levels]int64{}
		for i, sk := range queries.ScaleKeys {
			s.Bands[sk] = [aqi.Levels]int64(bands[i*aqi.Levels : (i+1)*aqi.Levels])
		}
		out[k] = s
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return out
}

// checkMonths compares measure_months with the oracle over the table's rows.
func checkMonths(t *testing.T, db queries.DB, step string) {
	t.Helper()
	ms := storedMeasurements(t, db)
	want := map[monthKey]bool{}
	for _, m := range ms {
		want[monthKey{m.loc, m.typ, time.Date(m.date.Year(), m.date.Month(), 1, 0, 0, 0, 0, time.UTC)}] = true
	}
	got := readMonths(t, db)
	if len(got) != len(want) {
		t.Errorf("%s: measure_months has %d rows, the table %d series months", step, len(got), len(want))
	}
	for k := range want {
		w := goSums(ms, func(m measured) bool {
			return m.loc == k.loc && m.typ == k.typ && m.date.Year() == k.month.Year() && m.date.Month() == k.month.Month()
		})
		if g, ok := got[k]; !ok || !sameSums(g, w) {
			t.Errorf("%s: %v: measure_months %+v, want %+v", step, k, g, w)
		}
	}
	// Each month's last measured day and its value (migration 016), against the rows in date order.
	wantLast := map[monthKey]measured{}
	for _, m := range ms {
		wantLast[monthKey{m.loc, m.typ, time.Date(m.date.Year(), m.date.Month(), 1, 0, 0, 0, 0, time.UTC)}] = m
	}
	rows, err := db.Query(context.Background(), "SELECT location, type, month, last_date, last_value FROM measure_months")
	if err != nil {
		t.Fatal(err)
	}
	var k monthKey
	var last time.Time
	var value float64
	_, err = pgx.ForEachRow(rows, []any{&k.loc, &k.typ, &k.month, &last, &value}, func() error {
		if w, ok := wantLast[k]; ok && (!w.date.Equal(last) || w.value != value) {
			t.Errorf("%s: %v: last day %v %v, want %v %v", step, k, last.Format(time.DateOnly), value, w.date.Format(time.DateOnly), w.value)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// randomMeasurements makes n days of series with gaps, values across every band edge of both scales.
func randomMeasurements(r *rand.Rand, locs, types []string, from time.Time, n int) []queries.Row {
	var rows []queries.Row
	for _, l := range locs {
		for _, typ := range types {
			for d := range n {
				if r.IntN(5) == 0 { // a gap
					continue
				}
				v := math.Round(r.Float64()*3000) / 10 // 0.0 .. 300.0, often on an edge's tenth
				if r.IntN(8) == 0 {
					v = []float64{9, 9.1, 15, 30, 30.5, 35.5, 45, 55, 60, 120, 125.5, 250, 425}[r.IntN(13)]
				}
				rows = append(rows, queries.Row{Date: from.AddDate(0, 0, d), Location: l, Type: typ, Value: v})
			}
		}
	}
	return rows
}

// TestMeasureMonthsFollowEveryWriter: measure_months equals the sums of the table's rows (by Go loops
// over app/aqi) after imports, re-imports that change values, the ingest's small writes, plain SQL
// inserts, updates (of values and of keys), deletes, a bulk load, and a truncate, and a from-scratch
// rebuild leaves it as the triggers kept it.
func TestMeasureMonthsFollowEveryWriter(t *testing.T) {
	ctx := context.Background()
	db := dbtest.NewPool(t)
	r := rand.New(rand.NewPCG(16, 13))
	checkMonths(t, db, "empty")
	rows := randomMeasurements(r, []string{"Delhi", "Patna"}, []string{"pm25", "pm10", "no2", "o3"}, day("2019-11-20"), 80)
	seed(t, db, queries.Historic, rows...)
	checkMonths(t, db, "import")
	for i := range rows {
		if r.IntN(3) == 0 {
			rows[i].Value = math.Round(r.Float64()*2000) / 10
		}
	}
	seed(t, db, queries.Historic, rows...)
	checkMonths(t, db, "re-import (upsert) with changed values")
	seed(t, db, queries.Historic, queries.Row{Date: day("2021-05-05"), Location: "Agra", Type: "pm25", Value: 40})
	checkMonths(t, db, "one new row")

	steps := []struct{ name, sql string }{
		{"insert", "INSERT INTO daily_historic_pollution VALUES ('Agra', 'pm25', '2021-05-06', 16), ('Agra', 'pm10', '2021-06-01', 500)"},
		{"upsert", "INSERT INTO daily_historic_pollution VALUES ('Agra', 'pm25', '2021-05-06', 14), ('Agra', 'pm25', '2021-05-07', 130) ON CONFLICT (location, type, date) DO UPDATE SET value = EXCLUDED.value"},
		{"change values only", "UPDATE daily_historic_pollution SET value = value * 1.5 WHERE location = 'Delhi' AND date < '2019-12-10'"},
		{"move rows to another series", "UPDATE daily_historic_pollution SET location = 'Kota' WHERE location = 'Patna' AND type = 'pm25' AND date < '2020-01-05'"},
		{"move rows in time", "UPDATE daily_historic_pollution SET date = date + 400 WHERE location = 'Delhi' AND type = 'pm10' AND date < '2019-12-01'"},
		{"delete days", "DELETE FROM daily_historic_pollution WHERE location = 'Patna' AND date BETWEEN '2019-12-24' AND '2020-01-09'"},
		{"delete a whole month", "DELETE FROM daily_historic_pollution WHERE location = 'Agra' AND type = 'pm10'"},
		{"delete nothing", "DELETE FROM daily_historic_pollution WHERE location = 'Nowhere'"},
	}
	for _, st := range steps {
		if _, err := db.Exec(ctx, st.sql); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		checkMonths(t, db, st.name)
	}

	// A bulk load skips the triggers' upkeep and rebuilds once.
	more := randomMeasurements(r, []string{"Chennai"}, []string{"pm25", "so2"}, day("2018-02-10"), 60)
	err := queries.BulkLoad(ctx, db, func(tx pgx.Tx) (bool, error) {
		seed(t, tx, queries.Historic, more...)
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkMonths(t, db, "bulk load")

	kept := readMonths(t, db)
	if _, err := db.Exec(ctx, "SELECT aqdash_measure_months_rebuild()"); err != nil {
		t.Fatal(err)
	}
	rebuilt := readMonths(t, db)
	if len(kept) != len(rebuilt) {
		t.Fatalf("kept on write: %d rows, rebuilt: %d", len(kept), len(rebuilt))
	}
	for k, w := range rebuilt {
		if !sameSums(kept[k], w) {
			t.Errorf("%v: kept on write %+v, rebuilt %+v", k, kept[k], w)
		}
	}

	if _, err := db.Exec(ctx, "TRUNCATE daily_historic_pollution"); err != nil {
		t.Fatal(err)
	}
	checkMonths(t, db, "truncate")
}

// rankFixture loads random measurements with gaps for the ranking and calendar tests.
func rankFixture(t *testing.T) (*pgxpool.Pool, []measured) {
	t.Helper()
	db := dbtest.NewPool(t)
	r := rand.New(rand.NewPCG(2019, 16))
	rows := randomMeasurements(r, []string{"Delhi", "Patna", "Hyderabad", "Lucknow"}, []string{"pm25", "pm10", "o3"}, day("2018-10-15"), 500)
	// A location whose measurements stop early, and one with a single day.
	rows = append(rows, randomMeasurements(r, []string{"Amaravati"}, []string{"pm25"}, day("2018-10-15"), 40)...)
	rows = append(rows, queries.Row{Date: day("2019-06-30"), Location: "Kota", Type: "pm25", Value: 251})
	seed(t, db, queries.Historic, rows...)
	return db, storedMeasurements(t, db)
}

// TestRankingAgainstGoLoops: every location's figures over periods of every shape (whole years, partial
// months at either end, one day, one month, across a new year, before any data) are the plain sums of
// the stored rows.
func TestRankingAgainstGoLoops(t *testing.T) {
	ctx := context.Background()
	db, ms := rankFixture(t)
	periods := [][2]string{
		{"2019-01-01", "2019-12-31"}, {"2018-10-15", "2020-02-26"}, {"2019-03-17", "2019-03-17"},
		{"2019-02-01", "2019-02-28"}, {"2019-02-02", "2019-02-27"}, {"2018-12-20", "2019-01-10"},
		{"2019-05-31", "2019-07-01"}, {"2019-04-10", "2020-01-31"}, {"2017-01-01", "2017-12-31"},
		{"2018-11-01", "2019-06-29"},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 6 {
		a := day("2018-10-01").AddDate(0, 0, r.IntN(520))
		periods = append(periods, [2]string{a.Format(time.DateOnly), a.AddDate(0, 0, r.IntN(400)).Format(time.DateOnly)})
	}
	for _, typ := range []string{"pm25", "o3"} {
		for _, p := range periods {
			from, to := day(p[0]), day(p[1])
			got, err := queries.Ranking(ctx, db, typ, from, to)
			if err != nil {
				t.Fatalf("%s %v: %v", typ, p, err)
			}
			in := func(m measured) bool { return m.typ == typ && !m.date.Before(from) && !m.date.After(to) }
			var locs []string
			for _, m := range ms {
				if in(m) && !slices.Contains(locs, m.loc) {
					locs = append(locs, m.loc)
				}
			}
			slices.Sort(locs)
			if len(got) != len(locs) {
				t.Fatalf("%s %v: %d rows, want %d (%v)", typ, p, len(got), len(locs), locs)
			}
			for i, row := range got {
				if row.Location != locs[i] {
					t.Fatalf("%s %v: row %d is %s, want %s", typ, p, i, row.Location, locs[i])
				}
				w := goSums(ms, func(m measured) bool { return in(m) && m.loc == row.Location })
				if !sameSums(row.MeasureSums, w) {
					t.Errorf("%s %v %s: %+v, want %+v", typ, p, row.Location, row.MeasureSums, w)
				}
				var last measured
				for _, m := range ms {
					if in(m) && m.loc == row.Location {
						last = m
					}
				}
				if !row.LatestDate.Equal(last.date) || row.LatestValue != last.value {
					t.Errorf("%s %v %s: latest %v %v, want %v %v", typ, p, row.Location, row.LatestDate, row.LatestValue, last.date, last.value)
				}
			}
		}
	}
}

// TestCalendarAgainstGoLoops: a year's days and sums of one series, and its years, are those of the
// stored rows, predictions joined by model and lead.
func TestCalendarAgainstGoLoops(t *testing.T) {
	ctx := context.Background()
	db, ms := rankFixture(t)
	seed(t, db, queries.Predictions,
		queries.Row{Date: day("2019-03-01"), Location: "Delhi", Type: "pm25", Value: 77, Model: "ses", Lead: 1},
		queries.Row{Date: day("2019-03-01"), Location: "Delhi", Type: "pm25", Value: 66, Model: "ses", Lead: 2},
		queries.Row{Date: day("2019-03-02"), Location: "Delhi", Type: "pm25", Value: 55, Model: "other", Lead: 1})
	for _, loc := range []string{"Delhi", "Amaravati", "Kota"} {
		years, err := queries.MeasureYears(ctx, db, loc, "pm25")
		if err != nil {
			t.Fatal(err)
		}
		var want []int
		for _, m := range ms {
			if m.loc == loc && m.typ == "pm25" && !slices.Contains(want, m.date.Year()) {
				want = append(want, m.date.Year())
			}
		}
		if !slices.Equal(years, want) {
			t.Errorf("%s years %v, want %v", loc, years, want)
		}
		for _, y := range append(want, 2005) {
			sums, err := queries.YearSums(ctx, db, loc, "pm25", y)
			if err != nil {
				t.Fatal(err)
			}
			in := func(m measured) bool { return m.loc == loc && m.typ == "pm25" && m.date.Year() == y }
			if w := goSums(ms, in); !sameSums(sums, w) {
				t.Errorf("%s %d: %+v, want %+v", loc, y, sums, w)
			}
			days, err := queries.CalendarDays(ctx, db, loc, "pm25", y, "ses", 1)
			if err != nil {
				t.Fatal(err)
			}
			var wantDays []queries.CalendarDay
			for _, m := range ms {
				if in(m) {
					v := m.value
					wantDays = append(wantDays, queries.CalendarDay{Date: m.date, Value: &v})
				}
			}
			if loc == "Delhi" && y == 2019 {
				for i, d := range wantDays {
					if d.Date.Equal(day("2019-03-01")) {
						p := 77.0
						wantDays[i].Predicted = &p
					}
				}
				if !slices.ContainsFunc(wantDays, func(d queries.CalendarDay) bool { return d.Date.Equal(day("2019-03-01")) }) {
					p := 77.0
					wantDays = append(wantDays, queries.CalendarDay{Date: day("2019-03-01"), Predicted: &p})
					slices.SortFunc(wantDays, func(a, b queries.CalendarDay) int { return a.Date.Compare(b.Date) })
				}
			}
			if (len(days) > 0 || len(wantDays) > 0) && !reflect.DeepEqual(days, wantDays) {
				t.Errorf("%s %d: %d days, want %d", loc, y, len(days), len(wantDays))
			}
		}
	}
}
