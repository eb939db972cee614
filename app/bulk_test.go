package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
)

// bulkCSV writes n prediction rows, 100 towns a day from 2010-01-01, as `app import predictions` reads them.
func bulkCSV(w *io.PipeWriter, n int) {
	bw := &strings.Builder{}
	bw.WriteString("date,location,type,prediction\n")
	for i := range n {
		day := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/100).Format(time.DateOnly)
		fmt.Fprintf(bw, "%s,Town%03d,pm25,%d.%d\n", day, i%100, i%400, i%10)
		if bw.Len() > 64<<10 {
			if _, err := io.WriteString(w, bw.String()); err != nil {
				w.CloseWithError(err)
				return
			}
			bw.Reset()
		}
	}
	_, err := io.WriteString(w, bw.String())
	w.CloseWithError(err)
}

// TestCompareServedThroughoutBulkImport imports 300,000 predictions (a bulk load: the comparison is
// rebuilt) through the importer, as `app import` does, while two clients read /compare and the
// dashboard on a real listener, each request a new URL so the page cache cannot answer it. Every answer
// is a 200, some of them while the rebuild ran (pg_stat_activity showed it running before and after the
// request), and the imported rows are in the comparison once the import has committed.
func TestCompareServedThroughoutBulkImport(t *testing.T) {
	const rows = 300_000
	ts := newTestServer(t, "date,location,type,value\n2010-01-01,Town000,pm25,40\n2010-01-02,Town000,pm25,45\n",
		"date,location,type,prediction\n2010-01-01,Town000,pm25,41\n")
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ts.app.Listener(ln) }()
	t.Cleanup(func() { _ = ts.app.ShutdownWithTimeout(5 * time.Second) })
	base := "http://" + ln.Addr().String()

	watch, err := queries.Connect(ctx, ts.url)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(ctx)
	var watchMu sync.Mutex
	rebuilding := func() bool {
		watchMu.Lock()
		defer watchMu.Unlock()
		var n int
		if err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE 'SELECT aqdash_compare_rebuild()%'`).Scan(&n); err != nil {
			t.Error(err)
		}
		return n > 0
	}

	importer, err := queries.Connect(ctx, ts.url)
	if err != nil {
		t.Fatal(err)
	}
	defer importer.Close(ctx)
	imported := make(chan error, 1)
	go func() {
		r, w := io.Pipe()
		go bulkCSV(w, rows)
		counts, err := ingest.Import(ctx, importer, queries.Predictions, r)
		if err == nil && counts.Inserted != rows-1 {
			err = fmt.Errorf("imported %+v, want %d inserted", counts, rows-1)
		}
		imported <- err
	}()

	client := &http.Client{Timeout: 30 * time.Second}
	var mu sync.Mutex
	var total, during int
	var failures []string
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, page := range []string{"/compare?location=Town%03d&size=%d&page=%d", "/?location=Town%03d&size=%d&page=%d"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				path := fmt.Sprintf(page, i%100, 10+(i/100)%90, 1+i/9000) // never the same URL twice
				before := rebuilding()
				resp, err := client.Get(base + path)
				code := 0
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					code = resp.StatusCode
				}
				after := rebuilding()
				mu.Lock()
				total++
				if code != http.StatusOK {
					failures = append(failures, fmt.Sprintf("%s: %d %v", path, code, err))
				} else if before && after {
					during++
				}
				mu.Unlock()
			}
		}()
	}
	err = <-imported
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(failures) > 0 {
		t.Fatalf("%d of %d reads during the bulk import failed, first: %s", len(failures), total, failures[0])
	}
	if during == 0 {
		t.Fatalf("none of the %d reads ran while the comparison was rebuilt", total)
	}
	t.Logf("%d reads of /compare and the dashboard during the import, all 200, %d of them while the comparison was rebuilt", total, during)

	var n int
	if err := ts.db.QueryRow(ctx, "SELECT count(*) FROM comparison WHERE predicted IS NOT NULL").Scan(&n); err != nil || n != rows {
		t.Fatalf("%d predictions in the comparison after the import, want %d (%v)", n, rows, err)
	}
	resp, body := ts.get(t, "/compare?location=Town007&match=all")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Town007") {
		t.Fatalf("/compare after the import: %d", resp.StatusCode)
	}
}
