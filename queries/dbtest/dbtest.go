// Package dbtest gives tests a real, freshly migrated PostgreSQL database of their own. Each test
// package migrates one template database once; each call to New clones it (CREATE DATABASE ... TEMPLATE),
// so tests never see each other's rows and never touch the data of a running dashboard.
//
// The server is found through TEST_DATABASE_URL, or pgx's defaults when it is unset (PG* variables, the
// local server, the OS user). When PostgreSQL is unreachable the test fails: it never skips.
package dbtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/queries"
)

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
	counter      atomic.Int64
)

// AdminURL is the URL of the server's maintenance database that tests create databases through.
func AdminURL() string { return os.Getenv("TEST_DATABASE_URL") }

// URLFor returns the admin connection settings pointed at another database on the same server, as a
// key/value connection string.
func URLFor(dbname string) (string, error) {
	cfg, err := pgx.ParseConfig(AdminURL())
	if err != nil {
		return "", err
	}
	ssl := "disable"
	if cfg.TLSConfig != nil {
		ssl = "require"
	}
	return fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=%s sslmode=%s",
		quote(cfg.Host), cfg.Port, quote(cfg.User), quote(cfg.Password), quote(dbname), ssl), nil
}

// quote writes a value for a key/value connection string.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func admin(ctx context.Context) (*pgx.Conn, error) {
	conn, err := queries.Connect(ctx, AdminURL())
	if err != nil {
		return nil, fmt.Errorf("dbtest: PostgreSQL is unreachable (set TEST_DATABASE_URL, or start it: make db): %w", err)
	}
	return conn, nil
}

// makeTemplate creates and migrates this process's template database.
func makeTemplate() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := admin(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("aqdash_tmpl_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("dbtest: create template: %w", err)
	}
	url, err := URLFor(name)
	if err != nil {
		return "", err
	}
	tc, err := queries.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	defer tc.Close(ctx)
	if _, _, err := queries.Migrate(ctx, tc); err != nil {
		return "", fmt.Errorf("dbtest: migrate template: %w", err)
	}
	return name, nil
}

// NewDatabase creates an empty, migrated database for t, drops it when t ends, and returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	templateOnce.Do(func() { templateName, templateErr = makeTemplate() })
	if templateErr != nil {
		t.Fatal(templateErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := admin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("aqdash_test_%d_%d", os.Getpid(), counter.Add(1))
	id := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+id+" TEMPLATE "+pgx.Identifier{templateName}.Sanitize()); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := admin(ctx); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	url, err := URLFor(name)
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// NewPool creates a fresh database for t and returns a pool on it, closed when t ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := NewDatabase(t)
	pool, err := queries.NewPool(context.Background(), queries.PoolConfig{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// DropTemplate removes this process's template database; call it from TestMain after m.Run.
func DropTemplate() {
	if templateName == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if c, err := admin(ctx); err == nil {
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{templateName}.Sanitize()+" WITH (FORCE)")
		c.Close(ctx)
	}
}

// ComparisonSnapshot reads the comparison table, its months, weeks and series whole, numbers rounded to 9 places (sums
// over the same days may be added in another order): for comparing two ways of building them.
func ComparisonSnapshot(t testing.TB, db queries.DB) string {
	t.Helper()
	return Dump(t, db,
		`SELECT model, lead, location, type, date::text, round(actual::numeric, 9)::text, round(predicted::numeric, 9)::text, round(prev::numeric, 9)::text,
		        round(error::numeric, 9)::text, round(abs_error::numeric, 9)::text, round(pct_error::numeric, 9)::text
		   FROM comparison ORDER BY model, lead, location, type, date`,
		`SELECT model, lead, location, type, month::text, days, actual_n, predicted_n, n, round(sum_abs::numeric, 9)::text, round(sum_sq::numeric, 6)::text,
		        round(sum_err::numeric, 9)::text, mape_n, round(sum_pct::numeric, 9)::text, skill_n, round(skill_abs::numeric, 9)::text,
		        round(persist_abs::numeric, 9)::text, band_n, band_agree, poor_actual, hits, poor_predicted, false_alarms,
		        round(sum_actual::numeric, 9)::text, round(sum_predicted::numeric, 9)::text
		   FROM compare_months ORDER BY model, lead, location, type, month`,
		`SELECT model, lead, location, type, week::text, actual_n, round(sum_actual::numeric, 9)::text, predicted_n, round(sum_predicted::numeric, 9)::text
		   FROM compare_weeks ORDER BY model, lead, location, type, week`,
		`SELECT model, lead, location, type, days, actual_n, predicted_n, n, round(sum_abs::numeric, 9)::text, round(sum_sq::numeric, 6)::text,
		        round(sum_err::numeric, 9)::text, mape_n, round(sum_pct::numeric, 9)::text, skill_n, round(skill_abs::numeric, 9)::text,
		        round(persist_abs::numeric, 9)::text, band_n, band_agree, poor_actual, hits, poor_predicted, false_alarms
		   FROM compare_series ORDER BY model, lead, location, type`,
		`SELECT model, lead, n FROM model_leads ORDER BY model, lead`)
}

// RebuiltSnapshot is ComparisonSnapshot after aqdash_compare_rebuild() in a transaction that is rolled
// back: what a rebuild from the two tables writes, leaving db as it was.
func RebuiltSnapshot(t testing.TB, db *pgxpool.Pool) string {
	t.Helper()
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // rolled back on purpose
	if _, err := tx.Exec(ctx, "SELECT aqdash_compare_rebuild()"); err != nil {
		t.Fatal(err)
	}
	return ComparisonSnapshot(t, tx)
}

// Dump runs each query and writes its rows, a line each, its values separated by spaces: a snapshot
// of what they select, for comparing two states.
func Dump(t testing.TB, db queries.DB, sqls ...string) string {
	t.Helper()
	var b strings.Builder
	for _, sql := range sqls {
		rows, err := db.Query(context.Background(), sql)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
	}
	return b.String()
}
