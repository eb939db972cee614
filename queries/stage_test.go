package queries_test

import (
	"context"
	"testing"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// sliceSource is a queries.StagedSource over rows held in memory.
type sliceSource struct {
	rows []queries.StagedRow
	i    int
}

func (s *sliceSource) Next() bool { s.i++; return s.i <= len(s.rows) }

func (s *sliceSource) Row() *queries.StagedRow { return &s.rows[s.i-1] }

// keptRows reads the comparison the triggers keep, in the order a stage is sent in.
func keptRows(t *testing.T, db queries.DB) []queries.StagedRow {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT model, lead, location, type, date, actual, predicted, prev FROM comparison
	    ORDER BY model COLLATE "C", lead, location COLLATE "C", type COLLATE "C", date`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (queries.StagedRow, error) {
		var r queries.StagedRow
		var lead int16
		err := row.Scan(&r.Model, &lead, &r.Location, &r.Type, &r.Date, &r.Actual, &r.Predicted, &r.Prev)
		r.Lead = int(lead)
		return r, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// stageTables counts the stage's tables and indexes left in the database.
func stageTables(t *testing.T, db queries.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM pg_class WHERE relname LIKE '%\_load' OR relname LIKE '%\_next'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// adopt stages rows on a connection of its own, then adopts them in a transaction of db's, committed.
func adopt(t *testing.T, db *pgxpool.Pool, rows []queries.StagedRow) bool {
	t.Helper()
	ctx := context.Background()
	n, err := queries.StageComparison(ctx, db.Config().ConnConfig, &sliceSource{rows: rows})
	if err != nil || n != int64(len(rows)) {
		t.Fatalf("staged %d of %d rows: %v", n, len(rows), err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	ok, err := queries.AdoptComparison(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestStagedComparisonIsAdopted: a stage holding exactly the comparison the triggers keep (sent in
// series order) is adopted, changes none of the comparison's rows and sums, leaves no stage table
// behind, and is written in series order; the views read it as before.
func TestStagedComparisonIsAdopted(t *testing.T) {
	db := dbtest.NewPool(t)
	compareFixture().load(t, db)
	addModel(t, db)
	disorder(t, db)
	before := dbtest.ComparisonSnapshot(t, db)
	kept := keptRows(t, db)
	if !adopt(t, db, kept) {
		t.Fatal("a stage equal to the kept comparison was not adopted")
	}
	if after := dbtest.ComparisonSnapshot(t, db); after != before {
		t.Error("adopting the stage changed the comparison")
	}
	if n := stageTables(t, db); n != 0 {
		t.Errorf("%d stage tables or indexes left behind", n)
	}
	for tbl := range seriesOrder {
		if bad, rows := misplaced(t, db, tbl); bad != 0 || rows == 0 {
			t.Errorf("after the adoption, %d of %d rows of %s are out of series order", bad, rows, tbl)
		}
	}
	// The indexes the live comparison had are there again, under their own names.
	var missing int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM pg_indexes WHERE tablename = 'comparison' AND indexname LIKE '%\_next'`).Scan(&missing); err != nil || missing != 0 {
		t.Errorf("indexes still named for the stage: %d (%v)", missing, err)
	}
	// Writes after it are kept by the triggers as before, the same as a rebuild.
	if _, err := db.Exec(context.Background(), `UPDATE daily_historic_pollution SET value = value + 7 WHERE location = 'Delhi' AND type = 'pm10' AND date = '2020-01-10'`); err != nil {
		t.Fatal(err)
	}
	kept2 := dbtest.ComparisonSnapshot(t, db)
	if _, err := db.Exec(context.Background(), "SELECT aqdash_compare_rebuild()"); err != nil {
		t.Fatal(err)
	}
	if rebuilt := dbtest.ComparisonSnapshot(t, db); rebuilt != kept2 {
		t.Error("a write after the adoption left the comparison unlike a rebuild")
	}
}

// TestStageThatDisagreesIsDropped: a stage that misses a measured day of one pair, or a prediction, or a
// whole pair, is not adopted: the stage is dropped, the live comparison is left as it was, and the bulk
// load's finish rebuilds it (no adoption marked).
func TestStageThatDisagreesIsDropped(t *testing.T) {
	db := dbtest.NewPool(t)
	compareFixture().load(t, db)
	addModel(t, db)
	before := dbtest.ComparisonSnapshot(t, db)
	kept := keptRows(t, db)
	withoutPredicted := -1
	for i, r := range kept {
		if r.Predicted.Valid && r.Model == "another" {
			withoutPredicted = i
			break
		}
	}
	for name, rows := range map[string][]queries.StagedRow{
		"a measured day missing": append(append([]queries.StagedRow{}, kept[:3]...), kept[4:]...),
		"a prediction missing": func() []queries.StagedRow {
			rows := append([]queries.StagedRow{}, kept...)
			rows[withoutPredicted].Predicted.Valid = false
			return rows
		}(),
		"a pair missing": func() []queries.StagedRow {
			var rows []queries.StagedRow
			for _, r := range kept {
				if r.Model != "another" {
					rows = append(rows, r)
				}
			}
			return rows
		}(),
	} {
		if adopt(t, db, rows) {
			t.Errorf("%s: adopted", name)
		}
		if n := stageTables(t, db); n != 0 {
			t.Errorf("%s: %d stage tables or indexes left behind", name, n)
		}
		if after := dbtest.ComparisonSnapshot(t, db); after != before {
			t.Errorf("%s: the comparison changed", name)
		}
	}
	// The bulk load's finish rebuilds when nothing was adopted.
	ctx := context.Background()
	disorder(t, db)
	err := queries.BulkLoad(ctx, db, func(tx pgx.Tx) (bool, error) {
		if ok, err := queries.AdoptComparison(ctx, tx); ok || err != nil {
			t.Errorf("adopted without a stage: %v %v", ok, err)
		}
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if bad, rows := misplaced(t, db, "comparison"); bad != 0 || rows == 0 {
		t.Errorf("the bulk load's finish did not rebuild: %d of %d rows out of series order", bad, rows)
	}
	if after := dbtest.ComparisonSnapshot(t, db); after != before {
		t.Error("the rebuild changed the comparison")
	}
}

// TestRebuildDropsLeftoverStage: a stage committed but never adopted (its load failed after
// StageComparison) is dropped by the next rebuild.
func TestRebuildDropsLeftoverStage(t *testing.T) {
	db := dbtest.NewPool(t)
	compareFixture().load(t, db)
	before := dbtest.ComparisonSnapshot(t, db)
	if _, err := queries.StageComparison(context.Background(), db.Config().ConnConfig, &sliceSource{rows: keptRows(t, db)}); err != nil {
		t.Fatal(err)
	}
	if n := stageTables(t, db); n < 4 {
		t.Fatalf("only %d stage tables after staging", n)
	}
	if _, err := db.Exec(context.Background(), "SELECT aqdash_compare_rebuild()"); err != nil {
		t.Fatal(err)
	}
	if n := stageTables(t, db); n != 0 {
		t.Errorf("%d stage tables left after a rebuild", n)
	}
	if after := dbtest.ComparisonSnapshot(t, db); after != before {
		t.Error("the rebuild changed the comparison")
	}
}
