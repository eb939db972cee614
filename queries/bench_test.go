package queries_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/app/demo"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// The benchmarks here measure building the SQL (no database) and running the queries the pages run on a
// real database of synthetic series (benchRows rows per table, made once per run). `make bench` measures
// whole requests under load on ten million rows; these isolate one query each:
//
//	go test -run '^$' -bench . -benchmem ./queries/

const benchRows = 200_000

// benchDB returns a pool on a fresh database holding benchRows synthetic rows per table, both dropped
// when b ends.
func benchDB(b *testing.B) *pgxpool.Pool {
	b.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbtest.NewDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	if _, err := demo.Synthetic(ctx, pool, benchRows); err != nil {
		b.Fatal(err)
	}
	if err := queries.Analyze(ctx, pool); err != nil {
		b.Fatal(err)
	}
	return pool
}

// benchViews are the views the benchmarks build and run: the seed's latest 15, one series sorted by value
// three pages in, and a date range over one pollutant.
var benchViews = map[string]queries.View{
	"latest15":       {Sort: "date", Desc: true, Page: 1, Size: 15},
	"series_value":   {Locations: []string{"Synthetic 0002"}, Types: []string{"pm25"}, Sort: "value", Desc: true, Page: 3, Size: 25},
	"type_daterange": {Types: []string{"no2"}, From: day("2018-01-01"), To: day("2018-12-31"), Sort: "value", Page: 1, Size: 25},
}

// benchCompares are the comparisons: every series sorted by |error| (the metrics over everything), one
// series, and every series over a date range that cuts two months.
var benchCompares = map[string]queries.CompareView{
	"everything_abs_error": {View: queries.View{Sort: "abs_error", Desc: true, Page: 1, Size: 25}, Match: queries.MatchBoth},
	"series":               {View: queries.View{Locations: []string{"Synthetic 0002"}, Types: []string{"pm25"}, Sort: "date", Desc: true, Page: 1, Size: 25}, Match: queries.MatchBoth},
	"daterange_all":        {View: queries.View{From: day("2018-03-10"), To: day("2018-09-20"), Sort: "date", Page: 1, Size: 25}, Match: queries.MatchAll},
}

func BenchmarkBuildSQL(b *testing.B) {
	for name, v := range benchViews {
		b.Run("rows/"+name, func(b *testing.B) {
			for b.Loop() {
				q, err := queries.ListRowsQuery(queries.Historic, v)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := q.ToSql(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for name, cv := range benchCompares {
		b.Run("compare/"+name, func(b *testing.B) {
			for b.Loop() {
				q, err := queries.CompareRowsQuery(cv)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := q.ToSql(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("metrics/"+name, func(b *testing.B) {
			for b.Loop() {
				q, err := queries.CompareSummaryQuery(cv)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := q.ToSql(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkQueries runs each page's queries on benchRows rows per table: a page of rows, a page of the
// comparison, and the metrics query (Summarize: sums over whole months from compare_months, and over the
// remaining days from the comparison).
func BenchmarkQueries(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for name, v := range benchViews {
		b.Run("rows/"+name, func(b *testing.B) {
			for b.Loop() {
				rows, err := queries.ListRows(ctx, db, queries.Historic, v)
				if err != nil || len(rows) == 0 {
					b.Fatalf("%d rows: %v", len(rows), err)
				}
			}
		})
	}
	for name, cv := range benchCompares {
		b.Run("compare/"+name, func(b *testing.B) {
			for b.Loop() {
				rows, err := queries.CompareRows(ctx, db, cv)
				if err != nil || len(rows) == 0 {
					b.Fatalf("%d rows: %v", len(rows), err)
				}
			}
		})
		b.Run("metrics/"+name, func(b *testing.B) {
			for b.Loop() {
				s, err := queries.Summarize(ctx, db, cv)
				if err != nil || s.N == 0 || s.MAE == nil {
					b.Fatalf("%+v: %v", s, err)
				}
			}
		})
	}
}
