package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// logBuffer collects a server's log lines; safe for the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const relZ = "date,location,type,value\n2020-01-01,RelZ,pm25,7\n"

// plainConn is a connection of the test's own to url's database, as psql would be.
func plainConn(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := queries.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// storedValue reads one measurement and its comparison row.
func storedValue(t *testing.T, conn *pgx.Conn, location string) (value, actual float64) {
	t.Helper()
	err := conn.QueryRow(context.Background(), `SELECT h.value, c.actual FROM daily_historic_pollution h
		JOIN comparison c USING (location, type, date) WHERE location = $1 AND type = 'pm25' AND date = '2020-01-01'`, location).Scan(&value, &actual)
	if err != nil {
		t.Fatal(err)
	}
	return value, actual
}

// TestIngestDeadlockReproduction is the reproduction: a plain-SQL transaction that writes twice
// (its first statement's trigger takes the comparison's lock, its second needs the row an API upsert of
// the same key would lock) beside that upsert. It was a deadlock and a 500; the API now takes the lock
// before any row, waits for the transaction to commit, and answers 200. Both orders of events: the
// issue's timings (pg_sleep(1), the POST 0.3 s in) and a stepped one that waits until the API's request
// is seen waiting for a lock before the plain transaction goes on.
func TestIngestDeadlockReproduction(t *testing.T) {
	ts := ingestServer(t)
	logs := &logBuffer{}
	ts.server.log = slog.New(slog.NewTextHandler(logs, nil))
	// The lock taken first means no deadlock at all: not one retry.
	t.Cleanup(func() {
		if strings.Contains(logs.String(), "conflicted") {
			t.Errorf("the upserts met a conflict and were retried:\n%s", logs.String())
		}
	})
	if resp, body := ts.post(t, "/api/historic", []byte(relZ), "Authorization", bearer, "Content-Type", "text/csv"); resp.StatusCode != 200 {
		t.Fatalf("first upsert: %d %s", resp.StatusCode, body)
	}
	conn := plainConn(t, ts.url)
	ctx := context.Background()

	t.Run("issue timings", func(t *testing.T) {
		plain := make(chan error, 1)
		go func() {
			// One simple-protocol string: BEGIN ... COMMIT, as psql -c would send it.
			_, err := conn.Exec(ctx, `BEGIN; DELETE FROM daily_prediction_pollution WHERE location='RelZ'; SELECT pg_sleep(1);
				UPDATE daily_historic_pollution SET value=3 WHERE location='RelZ' AND type='pm25' AND date='2020-01-01'; COMMIT;`,
				pgx.QueryExecModeSimpleProtocol)
			plain <- err
		}()
		time.Sleep(300 * time.Millisecond)
		resp, body := ts.post(t, "/api/historic", []byte("date,location,type,value\n2020-01-01,RelZ,pm25,8\n"), "Authorization", bearer, "Content-Type", "text/csv")
		if err := <-plain; err != nil {
			t.Fatalf("the plain-SQL transaction failed: %v", err)
		}
		if resp.StatusCode != 200 || !strings.Contains(body, `"updated":1`) {
			t.Fatalf("the API's upsert beside it: %d %s, want 200 and one row updated", resp.StatusCode, body)
		}
		// Whichever committed last (the API, unless the machine held the plain transaction back for
		// more than 0.3 s; the stepped twin fixes the order), its value stands in the table and the
		// comparison alike.
		if v, a := storedValue(t, conn, "RelZ"); v != a || (v != 8 && v != 3) {
			t.Fatalf("stored %v, comparison %v; want 8 (or 3) in both", v, a)
		}
	})

	t.Run("stepped", func(t *testing.T) {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx) //nolint:errcheck
		if _, err := tx.Exec(ctx, "DELETE FROM daily_prediction_pollution WHERE location='RelZ'"); err != nil {
			t.Fatal(err)
		}
		type answer struct {
			status int
			body   string
		}
		api := make(chan answer, 1)
		go func() {
			req, _ := http.NewRequest(http.MethodPost, "/api/historic", strings.NewReader("date,location,type,value\n2020-01-01,RelZ,pm25,9\n"))
			req.Header.Set("Authorization", bearer)
			req.Header.Set("Content-Type", "text/csv")
			resp, err := ts.app.Test(req, -1)
			if err != nil {
				api <- answer{0, err.Error()}
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			api <- answer{resp.StatusCode, string(b)}
		}()
		// The API's transaction now waits for the comparison's lock, which this transaction holds.
		waitFor(t, "the API's upsert to wait for a lock", func() bool { return dbtest.LockWaiters(t, ts.url) >= 1 })
		if _, err := tx.Exec(ctx, "UPDATE daily_historic_pollution SET value=3 WHERE location='RelZ' AND type='pm25' AND date='2020-01-01'"); err != nil {
			t.Fatalf("the plain transaction's second statement (a deadlock before the fix): %v", err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		a := <-api
		if a.status != 200 || !strings.Contains(a.body, `"updated":1`) {
			t.Fatalf("the API's upsert: %d %s, want 200 and one row updated", a.status, a.body)
		}
		if v, c := storedValue(t, conn, "RelZ"); v != 9 || c != 9 {
			t.Fatalf("stored %v, comparison %v; want 9 and 9", v, c)
		}
	})
}

// forceConflicts makes PostgreSQL itself fail every write of a measurement at location with SQLSTATE
// code (as a deadlock victim is failed), on the first failures attempts, or on every attempt when
// failures is 0. attempts() counts the writes tried: a sequence, which a rollback does not undo.
func forceConflicts(t *testing.T, url, location, code string, failures int) (attempts func() int64) {
	t.Helper()
	conn := plainConn(t, url)
	ctx := context.Background()
	// Values from Go, not user input: the test's own constants.
	sql := `CREATE SEQUENCE forced_conflicts;
		CREATE FUNCTION forced_conflict() RETURNS trigger LANGUAGE plpgsql AS $$
		DECLARE n bigint;
		BEGIN
			IF NEW.location = '` + location + `' THEN
				n := nextval('forced_conflicts');
				IF ` + strconv.Itoa(failures) + ` = 0 OR n <= ` + strconv.Itoa(failures) + ` THEN
					RAISE EXCEPTION 'forced by the test (attempt %)', n USING ERRCODE = '` + code + `';
				END IF;
			END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER forced_conflict BEFORE INSERT ON daily_historic_pollution FOR EACH ROW EXECUTE FUNCTION forced_conflict();`
	if _, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatal(err)
	}
	return func() int64 {
		var n int64
		if err := conn.QueryRow(ctx, "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM forced_conflicts").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// TestIngestConflictRetried: a deadlock on the first two attempts is retried in fresh transactions and
// the third lands (200, every row once); a deadlock on every attempt is a 503 with Retry-After and JSON
// that says why, after ConflictAttempts attempts, with nothing written. Never a 500.
func TestIngestConflictRetried(t *testing.T) {
	ts := ingestServer(t)
	attempts := forceConflicts(t, ts.url, "Flaky", "40P01", 2)
	body := "date,location,type,value\n2020-01-01,Steady,pm25,1\n2020-01-01,Flaky,pm25,2\n"
	resp, got := ts.post(t, "/api/historic", []byte(body), "Authorization", bearer, "Content-Type", "text/csv")
	if resp.StatusCode != 200 || !strings.Contains(got, `"inserted":2`) {
		t.Fatalf("a write that deadlocked twice: %d %s, want 200 with both rows", resp.StatusCode, got)
	}
	if n := attempts(); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}
	if n := rowCount(t, ts, queries.Historic); n != 2 {
		t.Fatalf("%d rows stored, want 2", n)
	}

	for _, code := range []string{"40P01", "40001"} {
		t.Run(code, func(t *testing.T) {
			ts := ingestServer(t)
			attempts := forceConflicts(t, ts.url, "Stuck", code, 0)
			body := `{"rows":[{"location":"Calm","type":"pm25","date":"2020-01-01","value":1},{"location":"Stuck","type":"pm25","date":"2020-01-01","value":2}]}`
			resp, got := ts.post(t, "/api/historic", []byte(body), "Authorization", bearer, "Content-Type", "application/json")
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "2" ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("a write that always conflicts: %d Retry-After %q %s %s", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"), got)
			}
			var e apiError
			if err := json.Unmarshal([]byte(got), &e); err != nil || !strings.Contains(e.Error, code) ||
				!strings.Contains(e.Error, "another writer") || !strings.Contains(e.Error, "nothing was written") || strings.Contains(e.Error, "forced by the test") {
				t.Fatalf("the 503's JSON: %s (%v)", got, err)
			}
			if n := attempts(); n != queries.ConflictAttempts {
				t.Fatalf("%d attempts, want %d", n, queries.ConflictAttempts)
			}
			if n := rowCount(t, ts, queries.Historic); n != 0 {
				t.Fatalf("%d rows stored, want none", n)
			}
		})
	}
}

// TestCLIImportConflict: `app import` retries a deadlocked import from the start of its input (a file,
// and a pipe on stdin, which it replays from its copy) and lands it; a deadlock on every attempt exits 1
// saying so, nothing written.
func TestCLIImportConflict(t *testing.T) {
	url := dbtest.NewDatabase(t)
	attempts := forceConflicts(t, url, "Flaky", "40P01", 2)
	file := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(file, []byte("date,location,type,value\n2020-01-01,Steady,pm25,1\n2020-01-01,Flaky,pm25,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli(t, url, "", "import", "historic", file)
	if code != 0 || !strings.Contains(out, "2 rows into historic: 2 inserted") || strings.Count(errs, "conflicted with another writer") != 2 {
		t.Fatalf("file import that deadlocked twice: %d %q %q", code, out, errs)
	}
	// A pipe: the third attempt reads the copy the first made.
	stdin := "date,location,type,value\n2020-01-01,Steady2,pm25,1\n2020-01-01,Flaky,pm25,3\n"
	conn := plainConn(t, url)
	if _, err := conn.Exec(context.Background(), "SELECT setval('forced_conflicts', 1, false)"); err != nil {
		t.Fatal(err)
	}
	code, out, errs = cli(t, url, stdin, "import", "historic", "-")
	if code != 0 || !strings.Contains(out, "2 rows into historic: 1 inserted, 1 updated") || strings.Count(errs, "conflicted with another writer") != 2 {
		t.Fatalf("stdin import that deadlocked twice: %d %q %q", code, out, errs)
	}
	if n := dbtest.CountRows(t, url, queries.Historic); n != 3 {
		t.Fatalf("%d rows stored, want 3", n)
	}

	url2 := dbtest.NewDatabase(t)
	attempts = forceConflicts(t, url2, "Stuck", "40P01", 0)
	code, out, errs = cli(t, url2, "date,location,type,value\n2020-01-01,Calm,pm25,1\n2020-01-01,Stuck,pm25,2\n", "import", "historic", "-")
	if code != 1 || out != "" || !strings.Contains(errs, "aqdash import historic -: the write met a deadlock with another writer (SQLSTATE 40P01) on each of 4 attempts") ||
		!strings.Contains(errs, "nothing was written") {
		t.Fatalf("an import that always deadlocks: %d %q %q", code, out, errs)
	}
	if n := attempts(); n != queries.ConflictAttempts {
		t.Fatalf("%d attempts, want %d", n, queries.ConflictAttempts)
	}
	if n := dbtest.CountRows(t, url2, queries.Historic); n != 0 {
		t.Fatalf("%d rows stored, want none", n)
	}
}

// TestConcurrentWritersNoError runs API upserts of the same keys beside plain-SQL transactions that take
// the comparison's lock first, as the README tells a plain-SQL writer to: every request is a 200.
func TestConcurrentWritersNoError(t *testing.T) {
	ts := ingestServer(t)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := queries.Connect(context.Background(), ts.url)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer conn.Close(context.Background())
			for i := range 5 {
				_, err := conn.Exec(context.Background(), queries.ComparisonLockSQL+`;
					INSERT INTO daily_prediction_pollution VALUES ('RelZ', 'pm25', '2020-01-01', `+strconv.Itoa(w*10+i)+`)
					    ON CONFLICT (location, type, date, model, lead) DO UPDATE SET prediction = EXCLUDED.prediction;
					INSERT INTO daily_historic_pollution VALUES ('RelZ', 'pm25', '2020-01-01', `+strconv.Itoa(w*10+i)+`)
					    ON CONFLICT (location, type, date) DO UPDATE SET value = EXCLUDED.value;`, pgx.QueryExecModeSimpleProtocol)
				if err != nil {
					errs <- err.Error()
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				body := "date,location,type,value\n2020-01-01,RelZ,pm25," + strconv.Itoa(100+w*10+i) + "\n2020-01-02,RelZ,pm25,1\n"
				req, _ := http.NewRequest(http.MethodPost, "/api/historic", strings.NewReader(body))
				req.Header.Set("Authorization", bearer)
				req.Header.Set("Content-Type", "text/csv")
				resp, err := ts.app.Test(req, -1)
				if err != nil {
					errs <- err.Error()
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- "API: " + resp.Status
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	conn := plainConn(t, ts.url)
	var drift int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM comparison c FULL JOIN daily_historic_pollution h USING (location, type, date)
		WHERE c.actual IS DISTINCT FROM h.value`).Scan(&drift); err != nil || drift != 0 {
		t.Fatalf("comparison rows that disagree with the measurements: %d (%v)", drift, err)
	}
}

// TestCLIDemoConflict: `app demo` whose load deadlocks on every attempt exits 1 saying so, after
// ConflictAttempts attempts each in a fresh transaction, and writes nothing.
func TestCLIDemoConflict(t *testing.T) {
	url := dbtest.NewDatabase(t)
	attempts := forceConflicts(t, url, "Ahmedabad", "40P01", 0)
	code, out, errs := cli(t, url, "", "demo")
	if code != 1 || out != "" || !strings.Contains(errs, "aqdash demo: the write met a deadlock with another writer (SQLSTATE 40P01) on each of 4 attempts") ||
		!strings.Contains(errs, "nothing was written") || strings.Count(errs, "conflicted with another writer") != queries.ConflictAttempts-1 {
		t.Fatalf("a demo load that always deadlocks: %d %q %q", code, out, errs)
	}
	if n := attempts(); n != queries.ConflictAttempts {
		t.Fatalf("%d attempts, want %d", n, queries.ConflictAttempts)
	}
	if n := dbtest.CountRows(t, url, queries.Historic) + dbtest.CountRows(t, url, queries.Predictions); n != 0 {
		t.Fatalf("%d rows stored, want none", n)
	}
}
