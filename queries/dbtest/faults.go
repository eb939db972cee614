package dbtest

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aqdash/aqdash/queries"
)

// LockTables takes an ACCESS EXCLUSIVE lock on both row tables of url's database and on the comparison
// kept from them, in a transaction of its own connection, so that every query that reads or writes them
// waits: a query as slow as the test likes. release commits (ending the wait); it is also called when t ends.
func LockTables(t testing.TB, url string) (release func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := queries.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE daily_historic_pollution, daily_prediction_pollution, comparison, compare_months, compare_series IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if done {
			return
		}
		done = true
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := tx.Commit(ctx); err != nil {
			t.Errorf("dbtest: release the lock: %v", err)
		}
		conn.Close(ctx)
	}
	t.Cleanup(release)
	return release
}

// LockWaiters counts the sessions on url's database that are waiting for a lock.
func LockWaiters(t testing.TB, url string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := queries.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// CountRows counts the rows of t in url's database, exactly, on a connection of its own.
func CountRows(t testing.TB, url string, table queries.Table) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := queries.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{tableName(table)}.Sanitize()).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// tableName is the SQL name of a row table (the queries package keeps it unexported).
func tableName(t queries.Table) string {
	if t.Key == queries.Predictions.Key {
		return "daily_prediction_pollution"
	}
	return "daily_historic_pollution"
}

// DropStale drops the databases that test processes of this machine made and left behind when they
// were killed (fuzzing workers are, when fuzzing ends): those whose name carries the id of a process
// that no longer runs. Only for a server on this machine (a socket or loopback), where the ids mean
// something.
func DropStale(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := admin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if h := conn.Config().Host; !strings.HasPrefix(h, "/") && h != "127.0.0.1" && h != "::1" && h != "localhost" {
		return
	}
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'aqdash\\_test\\_%' OR datname LIKE 'aqdash\\_tmpl\\_%'")
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		parts := strings.Split(name, "_") // aqdash, test|tmpl, pid, n
		if len(parts) != 4 {
			continue
		}
		pid, err := strconv.Atoi(parts[2])
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("dbtest: drop stale %s: %v", name, err)
		}
	}
}

// processAlive reports whether a process with this id runs on this machine.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
