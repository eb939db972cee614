package ingest_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dbtest.DropTemplate()
	os.Exit(code)
}

func count(t *testing.T, db *pgxpool.Pool, tbl queries.Table) int64 {
	t.Helper()
	n, err := queries.CountRows(context.Background(), db, tbl, queries.View{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const good = `date,location,type,value
2020-07-01,Hyderabad,pm25,26.1
2020-07-02,Hyderabad,pm25,30
2020-07-01,Hyderabad,PM10,55.5
2020-07-01,"Navi Mumbai, MH",no2,0
`

func TestImportGoodAndReimport(t *testing.T) {
	ctx := context.Background()
	db := dbtest.NewPool(t)
	c, err := ingest.Import(ctx, db, queries.Historic, strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if c != (queries.Counts{Inserted: 4}) {
		t.Fatalf("first import = %+v, want 4 inserted", c)
	}
	c, err = ingest.Import(ctx, db, queries.Historic, strings.NewReader(good))
	if err != nil || c != (queries.Counts{Unchanged: 4}) {
		t.Fatalf("re-import = %+v, %v; want 4 unchanged", c, err)
	}
	changed := strings.Replace(good, "26.1", "27", 1) + "2020-07-03,Hyderabad,pm25,31\n"
	c, err = ingest.Import(ctx, db, queries.Historic, strings.NewReader(changed))
	if err != nil || c != (queries.Counts{Inserted: 1, Updated: 1, Unchanged: 3}) {
		t.Fatalf("changed import = %+v, %v; want 1 inserted, 1 updated, 3 unchanged", c, err)
	}
	rows, err := queries.ListRows(ctx, db, queries.Historic, queries.View{Locations: []string{"Hyderabad"}, Types: []string{"pm10"}, Sort: "date", Size: 10})
	if err != nil || len(rows) != 1 || rows[0].Type != "pm10" || rows[0].Value != 55.5 {
		t.Fatalf("label PM10 should be stored as pm10: %v %v", rows, err)
	}
	if n := count(t, db, queries.Historic); n != 5 {
		t.Fatalf("%d rows stored, want 5", n)
	}
	// The predictions table takes its own header, with columns in any order.
	c, err = ingest.Import(ctx, db, queries.Predictions, strings.NewReader("location,date,prediction,type\nHyderabad,2020-07-01,25,pm25\n"))
	if err != nil || c.Inserted != 1 {
		t.Fatalf("predictions import = %+v, %v", c, err)
	}
}

// TestImportBadRows: every kind of bad row is refused with its line number, and nothing is written, not
// even the good rows before it.
func TestImportBadRows(t *testing.T) {
	ctx := context.Background()
	db := dbtest.NewPool(t)
	if _, err := ingest.Import(ctx, db, queries.Historic, strings.NewReader(good)); err != nil {
		t.Fatal(err)
	}
	before := count(t, db, queries.Historic)
	ok := "2021-01-01,Delhi,pm25,1\n2021-01-02,Delhi,pm25,2\n"
	cases := []struct {
		name, file string
		line       int64
		want       string
	}{
		{"impossible date", "date,location,type,value\n" + ok + "2020-02-30,Delhi,pm25,1\n", 4, `date "2020-02-30" does not exist`},
		{"malformed date", "date,location,type,value\n" + ok + "01/02/2020,Delhi,pm25,1\n", 4, "not an ISO date"},
		{"empty date", "date,location,type,value\n" + ok + ",Delhi,pm25,1\n", 4, "date is empty"},
		{"not a number", "date,location,type,value\n" + ok + "2021-01-03,Delhi,pm25,abc\n", 4, `value "abc" is not a number`},
		{"NaN", "date,location,type,value\n" + ok + "2021-01-03,Delhi,pm25,NaN\n", 4, "not a finite number"},
		{"infinity", "date,location,type,value\n" + ok + "2021-01-03,Delhi,pm25,+Inf\n", 4, "not a finite number"},
		{"overflow", "date,location,type,value\n" + ok + "2021-01-03,Delhi,pm25,1e999\n", 4, "not a finite number"},
		{"negative", "date,location,type,value\n" + ok + "2021-01-03,Delhi,pm25,-0.5\n", 4, "negative"},
		{"empty value", "date,location,type,value\n" + ok + "2021-01-03,Delhi,pm25,\n", 4, "value is empty"},
		{"missing field", "date,location,type,value\n" + ok + "2021-01-03,Delhi,pm25\n", 4, "has 3 fields, the header has 4"},
		{"extra field", "date,location,type,value\n" + ok + "2021-01-03,Delhi,pm25,1,2\n", 4, "has 5 fields, the header has 4"},
		{"unknown header", "date,location,type,amount\n" + ok, 1, `unknown column "amount"`},
		{"missing column", "date,location,value\n2021-01-01,Delhi,1\n", 1, `missing column "type"`},
		{"prediction header on historic", "date,location,type,prediction\n" + ok, 1, `unknown column "prediction"`},
		{"unknown pollutant", "date,location,type,value\n" + ok + "2021-01-03,Delhi,smoke,1\n", 4, `unknown pollutant "smoke"`},
		{"empty location", "date,location,type,value\n" + ok + "2021-01-03,,pm25,1\n", 4, "location is empty"},
		{"duplicate key", "date,location,type,value\n" + ok + "2021-01-01,Delhi,pm25,9\n", 4, "duplicate of line 2"},
		{"bad quoting", "date,location,type,value\n" + ok + "2021-01-03,\"Del\"hi,pm25,1\n", 4, "malformed CSV"},
		{"empty file", "", 1, "the file is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ingest.Import(ctx, db, queries.Historic, strings.NewReader(tc.file))
			if err == nil {
				t.Fatal("import succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			var le *ingest.LineError
			var de *queries.DuplicateError
			switch {
			case errors.As(err, &le):
				if le.Line != tc.line {
					t.Errorf("error names line %d, want %d: %v", le.Line, tc.line, err)
				}
			case errors.As(err, &de):
				if de.Line != tc.line {
					t.Errorf("error names line %d, want %d: %v", de.Line, tc.line, err)
				}
			default:
				t.Errorf("error %v (%T) carries no line number", err, err)
			}
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("message %q does not start with the line", err)
			}
			if n := count(t, db, queries.Historic); n != before {
				t.Fatalf("a failed import changed the table: %d rows, want %d", n, before)
			}
		})
	}
}

const wide = `City,Date,PM2.5,PM10,NO,NO2,NOx,NH3,CO,SO2,O3,Benzene,Toluene,Xylene,AQI,AQI_Bucket
Ahmedabad,2015-01-01,,,0.92,18.22,17.15,,0.92,27.64,133.36,0,0.02,0,,
Hyderabad,2020-07-01,26.1,50,,,,,,,,,,,58,Satisfactory
`

func TestImportWideForm(t *testing.T) {
	ctx := context.Background()
	db := dbtest.NewPool(t)
	c, err := ingest.Import(ctx, db, queries.Historic, strings.NewReader("\ufeff"+wide))
	if err != nil {
		t.Fatal(err)
	}
	// Ahmedabad: NO, NO2, NOx, CO, SO2, O3, Benzene, Toluene, Xylene (9 cells); Hyderabad: PM2.5, PM10.
	if c.Inserted != 11 {
		t.Fatalf("wide import inserted %d rows, want 11", c.Inserted)
	}
	rows, err := queries.ListRows(ctx, db, queries.Historic, queries.View{Locations: []string{"Ahmedabad"}, Sort: "type", Size: 50})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, r := range rows {
		got[r.Type] = r.Value
	}
	want := map[string]float64{"no": 0.92, "no2": 18.22, "nox": 17.15, "co": 0.92, "so2": 27.64, "o3": 133.36, "benzene": 0, "toluene": 0.02, "xylene": 0}
	if len(got) != len(want) {
		t.Fatalf("Ahmedabad rows = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Ahmedabad %s = %v, want %v", k, got[k], v)
		}
	}
	if c, err := ingest.Import(ctx, db, queries.Historic, strings.NewReader(wide)); err != nil || c.Unchanged != 11 {
		t.Fatalf("wide re-import = %+v, %v", c, err)
	}
	bad := wide + "Delhi,2020-07-01,-3,,,,,,,,,,,,,\n"
	if _, err := ingest.Import(ctx, db, queries.Historic, strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), `line 4: PM2.5 "-3" is negative`) {
		t.Fatalf("bad wide row: %v", err)
	}
	if _, err := ingest.Import(ctx, db, queries.Predictions, strings.NewReader(wide)); err == nil || !strings.Contains(err.Error(), "import it as historic") {
		t.Fatalf("wide form into predictions: %v", err)
	}
	if _, err := ingest.Import(ctx, db, queries.Historic, strings.NewReader("City,Date,PM2.5,Smoke\n")); err == nil || !strings.Contains(err.Error(), `unknown column "Smoke"`) {
		t.Fatalf("unknown wide column: %v", err)
	}
}
