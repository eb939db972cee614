package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// largeImportRows is how many rows TestCLIImportLargeFileMemoryFlat streams through the importer:
// LARGE_IMPORT_ROWS, or 400,000 (about 10 s). The heap it may add does not depend on it: with 2,000,000
// rows (about a minute) the peak was the same few MB.
func largeImportRows(t *testing.T) int {
	if s := os.Getenv("LARGE_IMPORT_ROWS"); s != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
		if err != nil || n < 1 {
			t.Fatalf("LARGE_IMPORT_ROWS=%q is not a number of rows", s)
		}
		return n
	}
	return 400_000
}

// importHeapLimit bounds the heap the import may add, whatever its size (a few MB were seen): 400,000
// rows are about 16 MB of CSV and near 40 MB as Go values, so holding them, or even their text, would
// pass it.
const importHeapLimit = 16 << 20

// writeLargeCSV writes n distinct rows of the long form to w as they are generated: 400 locations, 5
// pollutants, consecutive days; nothing is kept.
func writeLargeCSV(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	types := []string{"pm25", "pm10", "no2", "so2", "o3"}
	d0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := bw.WriteString("date,location,type,value\n"); err != nil {
		return err
	}
	perDay := 400 * len(types)
	for i := range n {
		day, k := i/perDay, i%perDay
		if _, err := fmt.Fprintf(bw, "%s,Station %03d,%s,%d.%d\n", d0.AddDate(0, 0, day).Format(time.DateOnly), k/len(types), types[k%len(types)], i%500, i%10); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// heapSampler records the largest HeapInuse seen while it runs.
type heapSampler struct {
	mu   sync.Mutex
	peak uint64
	stop chan struct{}
	done chan struct{}
}

func sampleHeap(every time.Duration) *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			h.mu.Lock()
			h.peak = max(h.peak, ms.HeapInuse)
			h.mu.Unlock()
			select {
			case <-h.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) finish() uint64 {
	close(h.stop)
	<-h.done
	return h.peak
}

// TestCLIImportLargeFileMemoryFlat: `app import historic -` streams a large file (largeImportRows rows,
// generated on the fly into a pipe, never held in memory) into the database with the heap staying within
// importHeapLimit of where it started; every row lands. LARGE_IMPORT_ROWS=2000000 makes it two million.
func TestCLIImportLargeFileMemoryFlat(t *testing.T) {
	rows := largeImportRows(t)
	url := dbtest.NewDatabase(t)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("DIRECT_DATABASE_URL", "")

	// The bound is about rows being held, not about how lazily the collector runs: pin Go's default
	// pacing, which a test that runs serve in this process (tuneGC) may have changed.
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeLargeCSV(pw, rows)) }()
	sampler := sampleHeap(10 * time.Millisecond)
	start := time.Now()
	var out, errb bytes.Buffer
	code := run([]string{"import", "historic", "-"}, pr, &out, &errb)
	peak := sampler.finish()
	pr.Close()
	if code != 0 || !strings.Contains(out.String(), fmt.Sprintf("%d rows into historic: %d inserted, 0 updated, 0 unchanged", rows, rows)) {
		t.Fatalf("import: exit %d: %s %s", code, out.String(), errb.String())
	}
	grew := int64(peak) - int64(base)
	t.Logf("%d rows through a pipe in %s: heap in use %.1f MB before, peak %.1f MB (+%.1f MB)",
		rows, time.Since(start).Round(time.Millisecond), mb(base), mb(peak), float64(grew)/(1<<20))
	if grew > importHeapLimit {
		t.Errorf("the heap grew by %.1f MB during the import, over the bound of %d MB: rows are being held", float64(grew)/(1<<20), importHeapLimit>>20)
	}
	if n := dbtest.CountRows(t, url, queries.Historic); n != int64(rows) {
		t.Errorf("%d rows in the table, want %d", n, rows)
	}
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }
