// Command soak drives a mixed workload against a running aqdash on this machine for a fixed time and
// reports what it saw: requests, unexpected answers, latency percentiles, the events its SSE subscribers
// received, and the server's resident memory sampled over time (from /proc/PID/status), to show that it
// levels off. .ci/soak (make soak) starts a server on the demo data and runs it.
//
//	go run ./app/soak -url http://127.0.0.1:3999 -pid 1234 -seconds 180 -token $INGEST_TOKEN
//
// The workload, from -workers concurrent clients: table pages and htmx fragments (filters, sorts, deep
// pages), the comparison and the dashboard with their metrics and chart, the JSON views, CSV exports of
// whole series, the overview and lazy counts; meanwhile -sse subscribers hold /events open and one client
// posts predictions to the ingest API every -ingest-every (under the default rate limit of 60/min), each
// of which every subscriber must hear about. Any answer other than 2xx, any transport error and any
// stream that ends early counts as an error. It talks to loopback addresses only.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	os.Exit(run())
}

// stats collects what the workload saw.
type stats struct {
	mu        sync.Mutex
	latencies map[string][]time.Duration // by kind of request
	errors    []string
	nErrors   atomic.Int64
	bytes     atomic.Int64
	// busy counts CSV exports refused with 503 and Retry-After because every export slot was taken
	// (EXPORT_MAX_CONNS): the server's limit at work, reported, not an error.
	busy atomic.Int64
}

func (s *stats) record(kind string, d time.Duration) {
	s.mu.Lock()
	s.latencies[kind] = append(s.latencies[kind], d)
	s.mu.Unlock()
}

func (s *stats) fail(format string, args ...any) {
	n := s.nErrors.Add(1)
	if n <= 20 {
		s.mu.Lock()
		s.errors = append(s.errors, fmt.Sprintf(format, args...))
		s.mu.Unlock()
	}
}

// rssSample is the server's resident set size at a moment.
type rssSample struct {
	at  time.Duration
	rss int64 // bytes
}

func run() int {
	base := flag.String("url", "http://127.0.0.1:3000", "the server (a loopback address)")
	pid := flag.Int("pid", 0, "the server's process id, for its memory (0: not sampled)")
	seconds := flag.Int("seconds", envInt("SOAK_SECONDS", 180), "how long to run (SOAK_SECONDS)")
	workers := flag.Int("workers", 8, "concurrent clients")
	subscribers := flag.Int("sse", 8, "SSE subscribers held open")
	token := flag.String("token", os.Getenv("INGEST_TOKEN"), "the ingest token (INGEST_TOKEN); empty: no ingest posts")
	ingestEvery := flag.Duration("ingest-every", 1500*time.Millisecond, "time between ingest posts")
	flag.Parse()

	u, err := url.Parse(*base)
	if err != nil || !loopback(u.Hostname()) {
		fmt.Fprintf(os.Stderr, "soak: %q is not a loopback URL: this only loads a server on this machine\n", *base)
		return 2
	}
	client := &http.Client{
		Timeout:   60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: *workers + 4, DisableCompression: true},
	}
	locations, err := discover(client, *base)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	duration := time.Duration(*seconds) * time.Second
	fmt.Printf("soak: %s for %s: %d workers, %d SSE subscribers, an ingest post every %s; %d locations\n",
		*base, duration, *workers, *subscribers, *ingestEvery, len(locations))

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	st := &stats{latencies: map[string][]time.Duration{}}
	start := time.Now()

	// The server's memory, every second.
	var rss []rssSample
	var rssMu sync.Mutex
	var wg sync.WaitGroup
	if *pid > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				if v, err := readRSS(*pid); err == nil {
					rssMu.Lock()
					rss = append(rss, rssSample{time.Since(start), v})
					rssMu.Unlock()
				} else {
					st.fail("reading the server's memory: %v", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		}()
	}

	// SSE subscribers: each counts the change events it hears.
	heard := make([]atomic.Int64, *subscribers)
	subCtx, subCancel := context.WithCancel(context.Background())
	var subs sync.WaitGroup
	for i := range *subscribers {
		subs.Add(1)
		go func() {
			defer subs.Done()
			subscribe(subCtx, *base, &heard[i], st)
		}()
	}

	// Ingest posts: predictions for real series, so that live views and caches are invalidated.
	var posts atomic.Int64
	if *token != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(*ingestEvery)
			defer tick.Stop()
			for n := 0; ; n++ {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				loc := locations[n%len(locations)]
				// A value never posted before (the fraction is the clock's nanoseconds), so every post changes
				// a row and is announced, even on a database an earlier soak wrote to.
				body := fmt.Sprintf("date,location,type,prediction\n2020-07-0%d,%s,pm25,%d.%09d\n", 1+n%9, csvField(loc), 20+n%80, time.Now().UnixNano()%1e9)
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, *base+"/api/predictions", strings.NewReader(body))
				req.Header.Set("Content-Type", "text/csv")
				req.Header.Set("Authorization", "Bearer "+*token)
				if do(client, req, "ingest", st) {
					posts.Add(1)
				}
			}
		}()
	}

	// The readers.
	var requests atomic.Int64
	for w := range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			for ctx.Err() == nil {
				kind, target, fragment := pick(rng, locations)
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, *base+target, nil)
				if fragment {
					req.Header.Set("HX-Request", "true")
				}
				do(client, req, kind, st)
				requests.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	// Every subscriber must have heard every post: give the last ones a moment to arrive.
	deadline := time.Now().Add(10 * time.Second)
	behind := func() bool {
		for i := range heard {
			if heard[i].Load() < posts.Load() {
				return true
			}
		}
		return false
	}
	for time.Now().Before(deadline) && behind() {
		time.Sleep(50 * time.Millisecond)
	}
	subCancel()
	subs.Wait()
	return report(st, elapsed, requests.Load(), posts.Load(), heard, rss)
}

// pick chooses the next request: its kind (for the latency table), its target, and whether it is an
// htmx fragment request.
func pick(rng *rand.Rand, locations []string) (kind, target string, fragment bool) {
	loc := url.QueryEscape(locations[rng.IntN(len(locations))])
	types := []string{"pm25", "pm10", "no2", "so2", "o3", "co"}
	typ := types[rng.IntN(len(types))]
	year := 2015 + rng.IntN(6)
	span := fmt.Sprintf("from=%d-01-01&to=%d-12-31", year, year)
	fragment = rng.IntN(2) == 0
	table := []string{"historic", "predictions"}[rng.IntN(2)]
	sorts := map[string][]string{"historic": {"date", "location", "type", "value"}, "predictions": {"date", "location", "type", "prediction"}}
	switch r := rng.IntN(100); {
	case r < 30:
		sort := sorts[table][rng.IntN(4)]
		return "table", fmt.Sprintf("/%s?location=%s&sort=%s&dir=%s&page=%d", table, loc, sort, []string{"asc", "desc"}[rng.IntN(2)], 1+rng.IntN(60)), fragment
	case r < 38:
		return "table", fmt.Sprintf("/%s?type=%s&page=%d&size=100", table, typ, 1+rng.IntN(400)), fragment
	case r < 58:
		return "compare", fmt.Sprintf("/compare?location=%s&type=%s&%s&sort=%s", loc, []string{"pm25", "pm10"}[rng.IntN(2)], span,
			[]string{"date", "abs_error", "pct_error", "actual"}[rng.IntN(4)]), fragment
	case r < 68:
		return "dashboard", fmt.Sprintf("/?location=%s&type=%s", loc, []string{"pm25", "pm10", "no2"}[rng.IntN(3)]), fragment
	case r < 80:
		if rng.IntN(2) == 0 {
			return "json", fmt.Sprintf("/%s.json?location=%s&type=%s&size=%d", table, loc, typ, []int{25, 100, 500}[rng.IntN(3)]), false
		}
		return "json", fmt.Sprintf("/compare.json?location=%s&%s&match=all", loc, span), false
	case r < 88:
		if rng.IntN(3) == 0 {
			return "csv", fmt.Sprintf("/compare.csv?location=%s&type=pm25", loc), false
		}
		return "csv", fmt.Sprintf("/%s.csv?location=%s&type=%s", table, loc, typ), false
	case r < 94:
		return "locations", "/locations", false
	default:
		return "count", fmt.Sprintf("/%s/count?type=%s", table, typ), true
	}
}

// do sends one request, reads its whole body, and records its latency (to the last byte) or its error.
func do(client *http.Client, req *http.Request, kind string, st *stats) bool {
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		st.fail("%s %s: %v", req.Method, req.URL.RequestURI(), err)
		return false
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	st.bytes.Add(n)
	if err != nil {
		st.fail("%s %s: reading the body: %v", req.Method, req.URL.RequestURI(), err)
		return false
	}
	if kind == "csv" && resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "" {
		st.busy.Add(1)
		return true
	}
	if resp.StatusCode/100 != 2 {
		st.fail("%s %s: %s", req.Method, req.URL.RequestURI(), resp.Status)
		return false
	}
	st.record(kind, time.Since(start))
	return true
}

// subscribe holds an /events stream open until ctx ends, counting `event: change`. A stream that ends
// before is an error (and is opened again).
func subscribe(ctx context.Context, base string, heard *atomic.Int64, st *stats) {
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/events", nil)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				st.fail("GET /events: %v", err)
				time.Sleep(time.Second)
			}
			continue
		}
		if resp.StatusCode != http.StatusOK {
			st.fail("GET /events: %s", resp.Status)
			resp.Body.Close()
			time.Sleep(time.Second)
			continue
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if sc.Text() == "event: change" {
				heard.Add(1)
			}
		}
		resp.Body.Close()
		if ctx.Err() == nil {
			st.fail("GET /events: the stream ended early (%v)", sc.Err())
		}
	}
}

// discover reads the locations of the overview page.
func discover(client *http.Client, base string) ([]string, error) {
	resp, err := client.Get(base + "/locations")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /locations: %s %v", resp.Status, err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`href="/historic\?location=([^"&]+)"`).FindAllStringSubmatch(string(b), -1) {
		if loc, err := url.QueryUnescape(m[1]); err == nil && !slices.Contains(out, loc) {
			out = append(out, loc)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no locations on /locations: load the demo data first")
	}
	return out, nil
}

// report prints the figures and returns the exit status: 1 when anything failed or memory kept growing.
func report(st *stats, elapsed time.Duration, requests, posts int64, heard []atomic.Int64, rss []rssSample) int {
	status := 0
	var all []time.Duration
	kinds := make([]string, 0, len(st.latencies))
	for k, l := range st.latencies {
		kinds = append(kinds, k)
		all = append(all, l...)
	}
	slices.Sort(kinds)
	fmt.Printf("\nsoak: %s, %d requests (%.0f/s), %d ingest posts, %.1f MB read\n", elapsed.Round(time.Second), requests+posts,
		float64(requests+posts)/elapsed.Seconds(), posts, float64(st.bytes.Load())/(1<<20))
	fmt.Printf("%-10s %8s %9s %9s %9s %9s\n", "kind", "count", "p50", "p90", "p99", "max")
	for _, k := range append(kinds, "all") {
		l := all
		if k != "all" {
			l = st.latencies[k]
		}
		slices.Sort(l)
		fmt.Printf("%-10s %8d %9s %9s %9s %9s\n", k, len(l), pct(l, 50), pct(l, 90), pct(l, 99), pct(l, 100))
	}
	minHeard := posts
	for i := range heard {
		minHeard = min(minHeard, heard[i].Load())
	}
	fmt.Printf("CSV exports refused while every export slot was taken (503 with Retry-After): %d\n", st.busy.Load())
	fmt.Printf("SSE: %d subscribers held open; each heard at least %d of the %d changes posted\n", len(heard), minHeard, posts)
	if minHeard < posts {
		st.fail("an SSE subscriber missed changes: heard %d of %d", minHeard, posts)
	}

	if len(rss) > 0 {
		peak := slices.MaxFunc(rss, func(a, b rssSample) int { return int(a.rss - b.rss) })
		fmt.Printf("server RSS: start %.1f MB, peak %.1f MB at %s, end %.1f MB\n", mbs(rss[0].rss), mbs(peak.rss), peak.at.Round(time.Second), mbs(rss[len(rss)-1].rss))
		// Levelled off: the last third of the run never goes meaningfully above the middle third.
		third := len(rss) / 3
		if third > 0 {
			mid := slices.MaxFunc(rss[third:2*third], func(a, b rssSample) int { return int(a.rss - b.rss) }).rss
			last := slices.MaxFunc(rss[2*third:], func(a, b rssSample) int { return int(a.rss - b.rss) }).rss
			var line []string
			for i := 0; i < len(rss); i += max(1, len(rss)/12) {
				line = append(line, fmt.Sprintf("%.0f", mbs(rss[i].rss)))
			}
			fmt.Printf("server RSS over time (MB): %s\n", strings.Join(line, " "))
			growth := float64(last-mid) / float64(mid)
			if last > mid+8<<20 && growth > 0.10 {
				fmt.Printf("server RSS did NOT level off: peak %.1f MB in the last third, %.1f MB in the middle third\n", mbs(last), mbs(mid))
				status = 1
			} else {
				fmt.Printf("server RSS levelled off: peak %.1f MB in the middle third, %.1f MB in the last third\n", mbs(mid), mbs(last))
			}
		}
	}
	n := st.nErrors.Load()
	fmt.Printf("errors (non-2xx, transport, streams ended early): %d\n", n)
	for _, e := range st.errors {
		fmt.Println("  " + e)
	}
	if n > 0 {
		status = 1
	}
	return status
}

// pct is the p-th percentile of sorted latencies, rounded for reading.
func pct(sorted []time.Duration, p int) string {
	if len(sorted) == 0 {
		return "-"
	}
	i := min(len(sorted)-1, (len(sorted)*p+99)/100-1)
	return sorted[max(0, i)].Round(10 * time.Microsecond).String()
}

func mbs(b int64) float64 { return float64(b) / (1 << 20) }

// readRSS reads VmRSS of a process from /proc/PID/status.
func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest) // "123456 kB"
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// csvField quotes a CSV field when it needs it.
func csvField(s string) string {
	if strings.ContainsAny(s, "\",\n\r") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
