package queries_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// listen runs a Listener on url until the test ends and returns its changes and a channel that receives
// once per (re)connect.
func listen(t *testing.T, url string) (<-chan queries.Change, <-chan struct{}) {
	t.Helper()
	changes, listening, _ := listenCounting(t, url)
	return changes, listening
}

// listenCounting is listen, also counting the connections lost.
func listenCounting(t *testing.T, url string) (<-chan queries.Change, <-chan struct{}, *atomic.Int64) {
	t.Helper()
	lost := new(atomic.Int64)
	changes := make(chan queries.Change, 100)
	listening := make(chan struct{}, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	l := &queries.Listener{
		URL: url, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnListen:   func() { listening <- struct{}{} },
		OnLost:     func() { lost.Add(1) },
		OnChange:   func(c queries.Change) { changes <- c },
		MinBackoff: 100 * time.Millisecond,
	}
	go func() { defer close(done); l.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	wait(t, listening, "the listener to listen")
	return changes, listening, lost
}

// wait receives from ch within 10 s, or fails the test.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

func exec(t *testing.T, db *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := db.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestNotifyPayloads(t *testing.T) {
	url := dbtest.NewDatabase(t)
	db, err := queries.NewPool(context.Background(), queries.PoolConfig{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	changes, _ := listen(t, url)

	v0, err := queries.DataVersion(context.Background(), db)
	if err != nil || v0 != "0.0" {
		t.Fatalf("fresh data version = %q, %v; want 0.0", v0, err)
	}

	// An import is one statement: one notification with the distinct locations and types, sorted.
	seed(t, db, queries.Historic,
		queries.Row{Date: day("2020-07-01"), Location: "Hyderabad", Type: "pm25", Value: 1},
		queries.Row{Date: day("2020-07-03"), Location: "Delhi", Type: "pm25", Value: 2},
		queries.Row{Date: day("2020-07-02"), Location: "Hyderabad", Type: "no2", Value: 3},
	)
	got := wait(t, changes, "the import's change")
	want := queries.Change{Table: "historic", Op: "insert", Rows: 3, Version: "1.0",
		Locations: []string{"Delhi", "Hyderabad"}, Types: []string{"no2", "pm25"}, From: "2020-07-01", To: "2020-07-03"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("import change\n got %+v\nwant %+v", got, want)
	}

	// The same import again changes nothing and announces nothing: the next change is the update below.
	seed(t, db, queries.Historic,
		queries.Row{Date: day("2020-07-01"), Location: "Hyderabad", Type: "pm25", Value: 1},
	)
	exec(t, db, "UPDATE daily_historic_pollution SET value = 9 WHERE location = 'Delhi'")
	got = wait(t, changes, "the update's change")
	want = queries.Change{Table: "historic", Op: "update", Rows: 1, Version: "2.0",
		Locations: []string{"Delhi"}, Types: []string{"pm25"}, From: "2020-07-03", To: "2020-07-03"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("update change\n got %+v\nwant %+v", got, want)
	}

	// An update that moves a row names both sides.
	exec(t, db, "UPDATE daily_historic_pollution SET location = 'Agra' WHERE location = 'Delhi'")
	got = wait(t, changes, "the move's change")
	if !reflect.DeepEqual(got.Locations, []string{"Agra", "Delhi"}) {
		t.Fatalf("move change locations = %v", got.Locations)
	}

	// Predictions count separately.
	exec(t, db, "INSERT INTO daily_prediction_pollution VALUES ('Hyderabad', 'pm25', '2020-07-04', 5)")
	got = wait(t, changes, "the prediction's change")
	if got.Table != "predictions" || got.Version != "3.1" || got.Rows != 1 || !reflect.DeepEqual(got.Models, []string{"default"}) {
		t.Fatalf("prediction change = %+v", got)
	}
	// A change of predictions names its models; one of measurements names none (it touches them all).
	exec(t, db, "INSERT INTO daily_prediction_pollution (location, type, date, model, lead, prediction) VALUES ('Hyderabad', 'pm25', '2020-07-04', 'ses', 2, 5), ('Hyderabad', 'pm25', '2020-07-05', 'clim', 1, 6)")
	got = wait(t, changes, "the models' change")
	if got.Table != "predictions" || got.Version != "3.2" || got.Rows != 2 || !reflect.DeepEqual(got.Models, []string{"clim", "ses"}) {
		t.Fatalf("models change = %+v", got)
	}

	exec(t, db, "DELETE FROM daily_historic_pollution WHERE type = 'no2'")
	got = wait(t, changes, "the delete's change")
	if got.Op != "delete" || got.Rows != 1 || !reflect.DeepEqual(got.Types, []string{"no2"}) || got.Models != nil {
		t.Fatalf("delete change = %+v", got)
	}

	// More than 50 locations: "all" instead of the lists, in one notification well under 8000 bytes.
	var b strings.Builder
	b.WriteString("INSERT INTO daily_historic_pollution SELECT 'City ' || i || ' " + strings.Repeat("x", 90) + "', 'pm25', '2020-01-01', i FROM generate_series(1, 60) i")
	exec(t, db, b.String())
	got = wait(t, changes, "the bulk change")
	if !got.All || got.Locations != nil || got.Rows != 60 {
		t.Fatalf("bulk change = %+v", got)
	}

	exec(t, db, "TRUNCATE daily_prediction_pollution")
	got = wait(t, changes, "the truncate's change")
	if got.Op != "truncate" || !got.All || got.Table != "predictions" {
		t.Fatalf("truncate change = %+v", got)
	}

	v, err := queries.DataVersion(context.Background(), db)
	if err != nil || v != got.Version {
		t.Fatalf("data version = %q, %v; want the last change's %q", v, err, got.Version)
	}

	// A rolled-back write announces nothing and bumps nothing.
	tx, err := db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(context.Background(), "INSERT INTO daily_historic_pollution VALUES ('Pune', 'pm25', '2020-01-01', 1)"); err != nil {
		t.Fatal(err)
	}
	_ = tx.Rollback(context.Background())
	exec(t, db, "INSERT INTO daily_historic_pollution VALUES ('Goa', 'pm25', '2020-01-01', 1)")
	got = wait(t, changes, "the change after a rollback")
	if !reflect.DeepEqual(got.Locations, []string{"Goa"}) {
		t.Fatalf("after a rollback: %+v", got)
	}
}

// TestNotifyLongNamesStayUnderTheLimit: 50 names of 100 four-byte characters would make a 20 KB payload;
// the trigger sends "all" instead.
func TestNotifyLongNamesStayUnderTheLimit(t *testing.T) {
	url := dbtest.NewDatabase(t)
	db, err := queries.NewPool(context.Background(), queries.PoolConfig{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	changes, _ := listen(t, url)
	exec(t, db, "INSERT INTO daily_historic_pollution SELECT i || repeat('😀', 99), 'pm25', '2020-01-01', i FROM generate_series(1, 50) i")
	got := wait(t, changes, "the change")
	if !got.All || len(got.Locations) != 0 || got.Rows != 50 {
		t.Fatalf("long names: %+v", got)
	}
}

func TestListenerReconnectsAfterItsBackendIsKilled(t *testing.T) {
	url := dbtest.NewDatabase(t)
	db, err := queries.NewPool(context.Background(), queries.PoolConfig{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	changes, listening, lost := listenCounting(t, url)
	for round := 1; round <= 2; round++ {
		var killed int
		err := db.QueryRow(context.Background(),
			"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
			queries.ListenerAppName).Scan(&killed)
		if err != nil || killed != 1 {
			t.Fatalf("round %d: killed %d listener backends (%v); want 1", round, killed, err)
		}
		wait(t, listening, "the listener to reconnect")
		if n := lost.Load(); n != int64(round) {
			t.Fatalf("round %d: OnLost called %d times", round, n)
		}
		loc := fmt.Sprintf("After kill %d", round)
		exec(t, db, "INSERT INTO daily_historic_pollution VALUES ($1, 'pm25', '2020-01-01', 1)", loc)
		got := wait(t, changes, "a change after the reconnect")
		if !reflect.DeepEqual(got.Locations, []string{loc}) {
			t.Fatalf("round %d: %+v", round, got)
		}
	}
}

func TestParseChange(t *testing.T) {
	c, err := queries.ParseChange(`{"table":"historic","locations":["A"],"types":["pm25"]}`)
	if err != nil || c.All || c.Table != "historic" {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = queries.ParseChange(`not json`)
	if err == nil || !c.All {
		t.Fatalf("bad payload: %+v %v; want all and an error", c, err)
	}
	c, _ = queries.ParseChange(`{"table":"predictions"}`)
	if !c.All {
		t.Fatalf("a change without lists touches everything: %+v", c)
	}
}
