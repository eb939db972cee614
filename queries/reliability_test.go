package queries_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// TestDeepFilteredPage: a page deep enough to be found through a subquery (offset over 1000), with
// filters, numbers its placeholders right (found by FuzzParseView: "page=100&location=0" was a 500).
func TestDeepFilteredPage(t *testing.T) {
	db := dbtest.NewPool(t)
	v := queries.View{Sort: "date", Desc: true, Page: 100, Size: 25, Locations: []string{"Delhi", "Pune"}, Types: []string{"pm25"}, From: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	sql, args, err := func() (string, []any, error) {
		q, err := queries.ListRowsQuery(queries.Historic, v)
		if err != nil {
			return "", nil, err
		}
		return q.ToSql()
	}()
	if err != nil || len(args) != 8 || !strings.Contains(sql, "$8") {
		t.Fatalf("%d args for %s (%v)", len(args), sql, err)
	}
	if rows, err := queries.ListRows(context.Background(), db, queries.Historic, v); err != nil || len(rows) != 0 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
}

// TestWithStatementTimeout: inside, statements may run as long as asked; outside, the pool's
// statement_timeout is back. A failing function rolls back.
func TestWithStatementTimeout(t *testing.T) {
	url := dbtest.NewDatabase(t)
	pool, err := queries.NewPool(context.Background(), queries.PoolConfig{URL: url, StatementTimeout: 250 * time.Millisecond, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ctx := context.Background()
	err = queries.WithStatementTimeout(ctx, pool, 10*time.Minute, func(db queries.DB) error {
		got, err := queries.StatementTimeout(ctx, db)
		if err == nil && got != "10min" {
			t.Errorf("inside: %q", got)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := queries.StatementTimeout(ctx, pool); err != nil || got != "250ms" {
		t.Fatalf("after: %q %v (the one connection must be back at the pool's timeout)", got, err)
	}
}
