package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// exportTransactions counts the sessions of the database, other than the caller's, inside a transaction.
func exportTransactions(t *testing.T, db queries.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND xact_start IS NOT NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// stalledExport sends GET path on a connection with a small receive buffer, reads the status and headers,
// and then reads nothing more.
func stalledExport(t *testing.T, addr, path string) (net.Conn, *http.Response) {
	t.Helper()
	c, err := deployDialSlow(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: aqdash\r\n\r\n", path)
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReaderSize(c, 4096), nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	_ = c.SetReadDeadline(time.Time{})
	return c, resp
}

// TestStalledExportsCannotTakeTheSiteDown runs the built server with its default pools (the request
// pool's 4 connections, the export pool's 2) and EXPORT_STALL_TIMEOUT=10s. Five clients ask for
// /compare.csv or /historic.csv (about 10 MB each, far more than the socket buffers hold) and never read
// the body: two stream, on the export pool, and the other three are refused at once with 503 and
// Retry-After. Meanwhile every view, the JSON and /healthz answer 200. After the stall timeout both
// stalled exports are cut: their connections closed before the end of the body, their transactions
// gone from pg_stat_activity, and a new export streams every row.
func TestStalledExportsCannotTakeTheSiteDown(t *testing.T) {
	const rows = 250_000
	url := dbtest.NewDatabase(t)
	ctx := context.Background()
	conn, err := queries.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := queries.Upsert(ctx, conn, queries.Historic, &deployRows{n: rows}); err != nil {
		t.Fatal(err)
	}

	bin := deployInstall(t)
	port := deployFreePort(t)
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir()
	cmd.Env = deployEnv("PORT="+port, "DATABASE_URL="+url, "DEMO_DATA=off", "LOG_FORMAT=json", "EXPORT_STALL_TIMEOUT=10s")
	app := deployStart(t, cmd)
	addr := "127.0.0.1:" + port
	base := "http://" + addr
	deployWaitFor(t, 30*time.Second, "/healthz to answer 200", func() bool {
		code, _, err := deployGet(base + "/healthz")
		return err == nil && code == http.StatusOK
	})

	// Two exports take both slots and stall: their transactions stay open, blocked on the client.
	var stalled []net.Conn
	for _, path := range []string{"/compare.csv?sort=date&dir=asc&match=all", "/historic.csv?sort=date&dir=asc"} {
		c, resp := stalledExport(t, addr, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d, want 200 while a slot is free", path, resp.StatusCode)
		}
		stalled = append(stalled, c)
	}
	deployWaitFor(t, 30*time.Second, "both exports' transactions to be open", func() bool { return exportTransactions(t, conn) == 2 })

	// One export more than the slots, three times: a 503 with Retry-After, before any 200.
	for i := range 3 {
		_, resp := stalledExport(t, addr, "/compare.csv")
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "CSV exports") {
			t.Fatalf("export %d beyond the slots: %d, Retry-After %q, body %.300q", 3+i, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}

	// Views (each URL new, so the page cache cannot answer it), the JSON and /healthz are served.
	for i := range 3 {
		for _, path := range []string{
			fmt.Sprintf("/?location=Town%03d", i), fmt.Sprintf("/compare?location=Town%03d", i),
			fmt.Sprintf("/historic?size=%d", 20+i), fmt.Sprintf("/historic.json?size=%d", 20+i), "/healthz",
		} {
			code, body, err := deployGet(base + path)
			if err != nil || code != http.StatusOK {
				t.Fatalf("%s with every export slot stalled: %d %v %.300q", path, code, err, body)
			}
		}
	}
	if n := exportTransactions(t, conn); n != 2 {
		t.Fatalf("%d transactions open while the two exports stall, want 2", n)
	}

	// The stall timeout cuts both: the connection closes before the body's end, the transaction ends.
	deployWaitFor(t, 60*time.Second, "the stalled exports' transactions to end", func() bool { return exportTransactions(t, conn) == 0 })
	for i, c := range stalled {
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		b, err := io.ReadAll(c)
		if err != nil && !isReset(err) {
			t.Fatalf("stalled export %d: %v after %d bytes, want the connection closed", i, err, len(b))
		}
		if strings.HasSuffix(string(b), "\r\n0\r\n\r\n") {
			t.Fatalf("stalled export %d was not cut: its body ended normally", i)
		}
	}
	deployWaitFor(t, 30*time.Second, "both cuts to be logged", func() bool {
		return strings.Count(app.stderr.String(), `"msg":"csv export cut: its client read nothing"`) == 2
	})

	// The slots are free again: HEADs (more than the slots, which they never hold) and an export that
	// streams every row.
	for i := range 3 {
		req, _ := http.NewRequest(http.MethodHead, base+"/compare.csv", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("HEAD %d of an export: %v %v", i, resp, err)
		}
		resp.Body.Close()
	}
	code, body, err := deployGet(base + "/compare.csv?sort=date&dir=asc&match=all")
	if err != nil || code != http.StatusOK {
		t.Fatalf("export after the cuts: %d %v", code, err)
	}
	if n := strings.Count(body, "\n"); n != rows+1 {
		t.Fatalf("export after the cuts: %d lines, want %d", n, rows+1)
	}
	if n := exportTransactions(t, conn); n != 0 {
		t.Fatalf("%d transactions left open after the exports", n)
	}
	if strings.Contains(app.stderr.String(), `"level":"ERROR"`) {
		t.Fatalf("the server logged an error:\n%s", app.stderr.String())
	}
}

// isReset reports whether err is the peer resetting the connection (a close with unread data).
func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}
