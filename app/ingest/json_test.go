package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// TestImportJSON: the JSON body goes through the same checks and the same upsert as a CSV file, and its
// errors name the row.
func TestImportJSON(t *testing.T) {
	ctx := context.Background()
	db := dbtest.NewPool(t)
	body := `{"rows": [
		{"date": "2020-07-01", "location": "Hyderabad", "type": "PM2.5", "value": 26.1},
		{"date": "2020-07-01", "location": "Navi Mumbai, MH", "type": "no2", "value": 0}
	]}`
	c, err := ingest.ImportJSON(ctx, db, queries.Historic, strings.NewReader(body))
	if err != nil || c != (queries.Counts{Inserted: 2}) {
		t.Fatalf("import = %+v, %v", c, err)
	}
	c, err = ingest.ImportJSON(ctx, db, queries.Historic, strings.NewReader(body))
	if err != nil || c != (queries.Counts{Unchanged: 2}) {
		t.Fatalf("re-import = %+v, %v", c, err)
	}
	bad := strings.Replace(body, `"value": 0`, `"value": 1e999`, 1)
	_, err = ingest.ImportJSON(ctx, db, queries.Historic, strings.NewReader(bad))
	var re *ingest.RowError
	if !errors.As(err, &re) || re.Row != 2 || re.Error() != `row 2: value "1e999" is not a finite number` {
		t.Fatalf("bad row: %v", err)
	}
	if n := count(t, db, queries.Historic); n != 2 {
		t.Fatalf("rows = %d", n)
	}
}
