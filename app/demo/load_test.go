package demo

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dbtest.DropTemplate()
	os.Exit(code)
}

// stored reads every stored prediction of the given locations as "location type date model lead".
func stored(t *testing.T, db queries.DB, locations []string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	err := queries.EachRow(context.Background(), db, queries.Predictions, queries.View{Locations: locations, Sort: "date"}, func(r queries.Row) error {
		out[fmt.Sprintf("%s %s %s %s %d", r.Location, r.Type, r.Date.Format(time.DateOnly), r.Model, r.Lead)] = r.Value
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLoaderNoPeeking checks the no-peeking property on what the loader writes, in a real database, for
// every model and lead: the loader loads a real city up to mid-2019 (the whole data set takes minutes);
// then, into a second database, only their
// measurements up to a cut day. Every prediction issued on or before the cut (date − lead ≤ cut) must be
// stored in both, with the same value; loading again changes nothing.
func TestLoaderNoPeeking(t *testing.T) {
	ctx := context.Background()
	all, err := readMeasurements()
	if err != nil {
		t.Fatal(err)
	}
	cities := []string{"Hyderabad"}
	var measured []queries.ImportRow
	for _, r := range all {
		if r.Location == cities[0] && r.Date.Before(time.Date(2019, 7, 1, 0, 0, 0, 0, time.UTC)) {
			measured = append(measured, r)
		}
	}
	cut := time.Date(2018, 11, 15, 0, 0, 0, 0, time.UTC)
	full, past := dbtest.NewPool(t), dbtest.NewPool(t)
	res, err := load(ctx, full, measured, AllModels())
	if err != nil {
		t.Fatal(err)
	}
	if res.Predictions.Inserted == 0 || res.Historic.Inserted != int64(len(measured)) {
		t.Fatalf("load: %+v", res)
	}
	again, err := load(ctx, full, measured, AllModels())
	if err != nil || again.Historic.Inserted+again.Historic.Updated+again.Predictions.Inserted+again.Predictions.Updated != 0 {
		t.Fatalf("second load changed something: %+v, %v", again, err)
	}
	if _, err := load(ctx, past, upTo(measured, cut), AllModels()); err != nil {
		t.Fatal(err)
	}
	a, b := stored(t, full, cities), stored(t, past, cities)
	if int64(len(a)) != res.Predictions.Inserted {
		t.Fatalf("%d predictions stored, the loader reported %d", len(a), res.Predictions.Inserted)
	}
	byPair := map[string]int{}
	compared := 0
	for k, v := range a {
		var loc, typ, date, model string
		var lead int
		if _, err := fmt.Sscanf(k, "%s %s %s %s %d", &loc, &typ, &date, &model, &lead); err != nil {
			t.Fatal(k, err)
		}
		d, _ := time.Parse(time.DateOnly, date)
		if d.AddDate(0, 0, -lead).After(cut) {
			continue
		}
		w, ok := b[k]
		if !ok {
			t.Fatalf("%s (issued by the cut) is stored, but not when only the measurements up to the cut are loaded", k)
		}
		if w != v {
			t.Fatalf("%s is %v, but %v from the measurements up to the cut", k, v, w)
		}
		byPair[fmt.Sprintf("%s %d", model, lead)]++
		compared++
	}
	// And nothing issued by the cut exists only in the cut database.
	for k := range b {
		var loc, typ, date, model string
		var lead int
		fmt.Sscanf(k, "%s %s %s %s %d", &loc, &typ, &date, &model, &lead)
		d, _ := time.Parse(time.DateOnly, date)
		if _, ok := a[k]; !ok && !d.AddDate(0, 0, -lead).After(cut) {
			t.Fatalf("%s is stored from the measurements up to the cut, but not from all of them", k)
		}
	}
	for _, m := range []string{"ses", "persistence", "climatology"} {
		for lead := 1; lead <= 3; lead++ {
			if byPair[fmt.Sprintf("%s %d", m, lead)] < 300 {
				t.Errorf("only %d predictions of %s at lead %d compared", byPair[fmt.Sprintf("%s %d", m, lead)], m, lead)
			}
		}
	}
	if len(byPair) != 9 {
		t.Errorf("pairs compared: %v", byPair)
	}
	t.Logf("%d stored predictions issued by %s are the same without the later measurements: %v", compared, cut.Format(time.DateOnly), byPair)
}

// TestFreshLoadStagesComparison: a load into empty tables builds the comparison beside itself, on a
// second connection (queries.StageComparison), and adopts it; what it adopts (the comparison, its
// months, weeks and series sums, the model and lead counts) is what a rebuild from the stored rows
// writes, and a second load (not into empty tables) keeps it so.
func TestFreshLoadStagesComparison(t *testing.T) {
	ctx := context.Background()
	all, err := readMeasurements()
	if err != nil {
		t.Fatal(err)
	}
	var measured []queries.ImportRow
	for _, r := range all {
		if r.Location == "Delhi" || r.Location == "Hyderabad" {
			measured = append(measured, r)
		}
	}
	db := dbtest.NewPool(t)
	res, err := load(ctx, db, measured, AllModels())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Staged {
		t.Fatal("a load into empty tables rebuilt the comparison instead of adopting the staged one")
	}
	var rows, leftovers int
	if err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM comparison),
	        (SELECT count(*) FROM pg_class WHERE relname LIKE '%\_load' OR relname LIKE '%\_next')`).Scan(&rows, &leftovers); err != nil {
		t.Fatal(err)
	}
	if rows < 100_000 || leftovers != 0 {
		t.Fatalf("comparison rows %d, stage tables or indexes left behind %d", rows, leftovers)
	}
	staged := dbtest.ComparisonSnapshot(t, db)
	if rebuilt := dbtest.RebuiltSnapshot(t, db); rebuilt != staged {
		t.Fatalf("the staged comparison differs from a rebuild (%d and %d bytes)", len(staged), len(rebuilt))
	}
	again, err := load(ctx, db, measured, AllModels())
	if err != nil || again.Staged || again.Historic.Inserted+again.Predictions.Inserted != 0 {
		t.Fatalf("second load: %+v, %v", again, err)
	}
	if after := dbtest.ComparisonSnapshot(t, db); after != staged {
		t.Fatal("a second load changed the comparison")
	}
	t.Logf("%d comparison rows staged and adopted, identical to a rebuild", rows)
}
