package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// rowKey is a row's primary key.
type rowKey struct {
	location, typ string
	date          time.Time
	model         string
	lead          int
}

// FuzzImportCSV imports fuzzed CSV files through the real importer into a real database (one per
// fuzzing process, emptied before each input): it never panics; a file it refuses is refused with a line
// number (a *LineError or a *DuplicateError, never an error from the database: whatever the reader
// accepts, PostgreSQL must take) and leaves the tables empty; a file it accepts is all there, every row
// the reader read with its value, and nothing else.
func FuzzImportCSV(f *testing.F) {
	dbtest.DropStale(f) // the databases of the workers of earlier runs, which are killed at the end
	db := dbtest.NewPool(f)
	ctx := context.Background()
	f.Add(false, good)
	f.Add(false, "date,location,type,value\n2020-02-30,Hyderabad,pm25,1\n")
	f.Add(false, "\ufeffType,Value,Location,Date\nPM2.5,1e3,\" Pune \",2020-01-01\nno2,0,Pune,2020-01-01\n")
	f.Add(false, "City,Date,PM2.5,PM10,NO,NO2,NOx,NH3,CO,SO2,O3,Benzene,Toluene,Xylene,AQI,AQI_Bucket\nDelhi,2020-01-01,1,,3,,,,,,,,,,200,Poor\n")
	f.Add(true, "date,location,type,prediction\n2020-07-01,A,pm25,1\n2020-07-01,A,pm25,2\n")
	f.Add(true, "date,location,type,prediction\n2020-07-01,\"<b>\"\"x\"\"</b>\",co,0.5\n")
	f.Add(true, "date,location,type,prediction,model,issued,lead\n2020-07-03,A,pm25,1,ses,2020-07-01,2\n2020-07-03,A,pm25,1,ses,,1\n2020-07-03,A,pm25,1,,,\n")

	f.Fuzz(func(t *testing.T, predictions bool, csv string) {
		tbl := queries.Historic
		if predictions {
			tbl = queries.Predictions
		}
		if _, err := queries.DeleteAll(ctx, db, tbl); err != nil {
			t.Fatal(err)
		}
		counts, err := ingest.Import(ctx, db, tbl, strings.NewReader(csv))
		stored := map[rowKey]float64{}
		if err := queries.EachRow(ctx, db, tbl, queries.View{Sort: "date"}, func(r queries.Row) error {
			stored[rowKey{r.Location, r.Type, r.Date, r.Model, r.Lead}] = r.Value
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err != nil {
			var le *ingest.LineError
			var de *queries.DuplicateError
			if !errors.As(err, &le) && !errors.As(err, &de) {
				t.Fatalf("refused without a line number (the database's error?): %v", err)
			}
			if len(stored) != 0 {
				t.Fatalf("a refused file (%v) left %d rows", err, len(stored))
			}
			return
		}
		// Accepted: the rows are exactly those the reader reads.
		rd, rerr := ingest.NewReader(strings.NewReader(csv), tbl)
		if rerr != nil {
			t.Fatalf("imported, yet the header is refused: %v", rerr)
		}
		want := map[rowKey]float64{}
		for rd.Next() {
			r := rd.Row()
			want[rowKey{r.Location, r.Type, r.Date, r.Model, r.Lead}] = r.Value
		}
		if rd.Err() != nil {
			t.Fatalf("imported, yet the reader stops: %v", rd.Err())
		}
		if counts.Inserted != int64(len(want)) || counts.Updated != 0 || counts.Unchanged != 0 || len(stored) != len(want) {
			t.Fatalf("counts %+v, %d rows stored, %d read", counts, len(stored), len(want))
		}
		for k, v := range want {
			if got, ok := stored[k]; !ok || got != v {
				t.Fatalf("row %v: stored %v (%v), read %v", k, got, ok, v)
			}
		}
	})
}
