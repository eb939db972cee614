package queries_test

import (
	"context"
	"testing"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// seriesOrder is, for each table the rebuild writes in series order (migrations 013 and 014), its key in
// that order (the text keys compared bytewise, as the rebuild sorts them).
var seriesOrder = map[string]string{
	"comparison":     `model COLLATE "C", lead, location COLLATE "C", type COLLATE "C", date`,
	"compare_months": `model COLLATE "C", lead, location COLLATE "C", type COLLATE "C", month`,
	"compare_weeks":  `model COLLATE "C", lead, location COLLATE "C", type COLLATE "C", week`,
}

// misplaced counts the rows of tbl whose place in the heap (ctid) is not their place in series order.
func misplaced(t *testing.T, db queries.DB, tbl string) (bad, rows int) {
	t.Helper()
	err := db.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE phys <> logical), count(*) FROM (
	    SELECT row_number() OVER (ORDER BY ctid) AS phys, row_number() OVER (ORDER BY `+seriesOrder[tbl]+`) AS logical FROM `+tbl+`) s`).Scan(&bad, &rows)
	if err != nil {
		t.Fatal(err)
	}
	return bad, rows
}

// disorder rewrites the comparison's rows in a random order (a table kept row by row by the triggers
// ends up much like this).
func disorder(t *testing.T, db queries.DB) {
	t.Helper()
	ctx := context.Background()
	for _, sql := range []string{
		`CREATE TEMP TABLE shuffled AS SELECT location, type, date, model, lead, actual, predicted, prev FROM comparison ORDER BY random()`,
		`DELETE FROM comparison`,
		`INSERT INTO comparison (location, type, date, model, lead, actual, predicted, prev) SELECT * FROM shuffled`,
		`DROP TABLE shuffled`,
	} {
		if _, err := db.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	if bad, rows := misplaced(t, db, "comparison"); bad == 0 || rows < 100 {
		t.Fatalf("the shuffled comparison has %d of %d rows out of series order: the test proves nothing", bad, rows)
	}
}

// addModel gives every prediction a twin of a second model at lead 2, so the tables hold several pairs.
func addModel(t *testing.T, db queries.DB) {
	t.Helper()
	if _, err := db.Exec(context.Background(), `INSERT INTO daily_prediction_pollution (location, type, date, model, lead, prediction)
	    SELECT location, type, date, 'another', 2, prediction + 1 FROM daily_prediction_pollution ORDER BY date DESC`); err != nil {
		t.Fatal(err)
	}
}

// TestRebuildWritesSeriesTogether: the comparison's rebuild writes the comparison and its monthly and
// weekly sums in series order, whatever order the rows were in before, and changes none of them.
func TestRebuildWritesSeriesTogether(t *testing.T) {
	db := dbtest.NewPool(t)
	ctx := context.Background()
	compareFixture().load(t, db)
	addModel(t, db)
	disorder(t, db)
	before := dbtest.ComparisonSnapshot(t, db)
	if _, err := db.Exec(ctx, "SELECT aqdash_compare_rebuild()"); err != nil {
		t.Fatal(err)
	}
	for tbl := range seriesOrder {
		if bad, rows := misplaced(t, db, tbl); bad != 0 || rows == 0 {
			t.Errorf("after the rebuild, %d of %d rows of %s are out of series order", bad, rows, tbl)
		}
	}
	if after := dbtest.ComparisonSnapshot(t, db); after != before {
		t.Error("the rebuild changed the comparison's contents")
	}
}

// TestMigrationPutsComparisonInOrder: migration 014 puts a comparison that is out of order (written by
// 013's rebuild or kept row by row) in series order, keeping every row, and brings the ordered rebuild.
func TestMigrationPutsComparisonInOrder(t *testing.T) {
	ctx := context.Background()
	conn, err := queries.Connect(ctx, dbtest.NewDatabase(t))
	if err != nil {
		t.Fatalf("PostgreSQL is unreachable: %v", err)
	}
	defer conn.Close(ctx)
	if err := queries.MigrateTo(ctx, conn, 13); err != nil {
		t.Fatal(err)
	}
	compareFixture().load(t, conn)
	addModel(t, conn)
	disorder(t, conn)
	before := dbtest.ComparisonSnapshot(t, conn)
	if err := queries.MigrateTo(ctx, conn, 14); err != nil {
		t.Fatal(err)
	}
	if bad, rows := misplaced(t, conn, "comparison"); bad != 0 || rows == 0 {
		t.Errorf("after migration 014, %d of %d comparison rows are out of series order", bad, rows)
	}
	if after := dbtest.ComparisonSnapshot(t, conn); after != before {
		t.Error("migration 014 changed the comparison's contents")
	}
	// Down and up again: 013's rebuild and back.
	if err := queries.MigrateTo(ctx, conn, 13); err != nil {
		t.Fatal(err)
	}
	if err := queries.MigrateTo(ctx, conn, 14); err != nil {
		t.Fatal(err)
	}
	disorder(t, conn)
	if _, err := conn.Exec(ctx, "SELECT aqdash_compare_rebuild()"); err != nil {
		t.Fatal(err)
	}
	if bad, _ := misplaced(t, conn, "comparison"); bad != 0 {
		t.Errorf("after 014's rebuild, %d comparison rows are out of series order", bad)
	}
}
