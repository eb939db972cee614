package main

// Tests of the deployment: fly.toml and the Procfile against the code, the binary installed the way the
// Heroku Go buildpack installs it and run from its Procfile line, and a SIGTERM while a large CSV export
// streams to a slow reader.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// deployRoot is the module root: tests run in app/.
const deployRoot = ".."

// deployFlyConfig is the part of fly.toml's schema aqdash uses. Decoding rejects any key not listed here, so a
// misspelt key (which Fly would ignore) fails the test instead of silently doing nothing.
type deployFlyConfig struct {
	App           string `toml:"app"`
	PrimaryRegion string `toml:"primary_region"`
	KillSignal    string `toml:"kill_signal"`
	KillTimeout   int    `toml:"kill_timeout"`
	Build         struct {
		Dockerfile string `toml:"dockerfile"`
	} `toml:"build"`
	Deploy struct {
		ReleaseCommand string `toml:"release_command"`
	} `toml:"deploy"`
	Env         map[string]string `toml:"env"`
	HTTPService struct {
		InternalPort       int    `toml:"internal_port"`
		ForceHTTPS         bool   `toml:"force_https"`
		AutoStopMachines   string `toml:"auto_stop_machines"`
		AutoStartMachines  bool   `toml:"auto_start_machines"`
		MinMachinesRunning int    `toml:"min_machines_running"`
		Concurrency        struct {
			Type      string `toml:"type"`
			SoftLimit int    `toml:"soft_limit"`
			HardLimit int    `toml:"hard_limit"`
		} `toml:"concurrency"`
		Checks []struct {
			GracePeriod string `toml:"grace_period"`
			Interval    string `toml:"interval"`
			Timeout     string `toml:"timeout"`
			Method      string `toml:"method"`
			Path        string `toml:"path"`
		} `toml:"checks"`
	} `toml:"http_service"`
	VM []struct {
		Size   string `toml:"size"`
		Memory string `toml:"memory"`
	} `toml:"vm"`
}

func deployLoadFly(t *testing.T) deployFlyConfig {
	t.Helper()
	var fc deployFlyConfig
	md, err := toml.DecodeFile(filepath.Join(deployRoot, "fly.toml"), &fc)
	if err != nil {
		t.Fatalf("fly.toml: %v", err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Fatalf("fly.toml has keys this test does not know (misspelt, or add them to deployFlyConfig): %v", und)
	}
	return fc
}

// TestFlyTOML checks fly.toml against the code: the port the app listens on, the health route it serves,
// the release command, and a kill timeout longer than the whole graceful shutdown.
func TestFlyTOML(t *testing.T) {
	fc := deployLoadFly(t)
	if fc.App == "" || fc.PrimaryRegion == "" {
		t.Errorf("app %q and primary_region %q must be set", fc.App, fc.PrimaryRegion)
	}

	port, err := strconv.Atoi(fc.Env["PORT"])
	if err != nil {
		t.Fatalf(`[env] PORT = %q: not a port`, fc.Env["PORT"])
	}
	if fc.HTTPService.InternalPort != port {
		t.Errorf("[http_service] internal_port %d, but the app listens on [env] PORT %d", fc.HTTPService.InternalPort, port)
	}
	// The app reads [env] PORT the way it reads it on a Fly machine.
	cfg, err := LoadConfig(func(k string) string { return map[string]string{"PORT": fc.Env["PORT"], "FLY_APP_NAME": fc.App}[k] })
	if err != nil || cfg.Port != strconv.Itoa(fc.HTTPService.InternalPort) {
		t.Errorf("LoadConfig with fly.toml's env: port %q, err %v", cfg.Port, err)
	}
	if !cfg.LogJSON || cfg.TrustedProxy != ProxyFly {
		t.Errorf("on Fly (FLY_APP_NAME set) want JSON logs and TRUSTED_PROXY=fly, got json=%v proxy=%q", cfg.LogJSON, cfg.TrustedProxy)
	}
	for k := range fc.Env {
		if strings.HasPrefix(k, "FLY_") {
			t.Errorf("[env] %s: Fly reserves the FLY_ prefix", k)
		}
	}

	if !fc.HTTPService.ForceHTTPS {
		t.Error("[http_service] force_https must be true")
	}
	if fc.HTTPService.AutoStopMachines != "stop" || !fc.HTTPService.AutoStartMachines {
		t.Errorf("auto stop/start: %q / %v, want \"stop\" / true", fc.HTTPService.AutoStopMachines, fc.HTTPService.AutoStartMachines)
	}

	// The health check asks the route the app serves for health, and the app answers it with a 2xx.
	if len(fc.HTTPService.Checks) != 1 {
		t.Fatalf("want one [[http_service.checks]], got %d", len(fc.HTTPService.Checks))
	}
	check := fc.HTTPService.Checks[0]
	if check.Method != http.MethodGet || check.Path != "/healthz" {
		t.Errorf("check %s %s, want GET /healthz", check.Method, check.Path)
	}
	for name, d := range map[string]string{"grace_period": check.GracePeriod, "interval": check.Interval, "timeout": check.Timeout} {
		if _, err := time.ParseDuration(d); err != nil {
			t.Errorf("check %s = %q: %v", name, d, err)
		}
	}
	if timeout, _ := time.ParseDuration(check.Timeout); timeout <= healthTimeout {
		t.Errorf("check timeout %s must exceed the app's own database wait (%s), so a slow database reads as 503, not as a hung app", check.Timeout, healthTimeout)
	}
	s := newDeployTestServer(t, dbtest.NewPool(t))
	resp, err := s.newApp().Test(httptest.NewRequest(check.Method, check.Path, nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		t.Errorf("%s %s answered %d; Fly's check needs a 2xx and follows no redirect", check.Method, check.Path, resp.StatusCode)
	}

	// Graceful shutdown: SIGTERM, then the whole shutdown fits inside kill_timeout.
	if fc.KillSignal != "SIGTERM" {
		t.Errorf("kill_signal %q, want SIGTERM", fc.KillSignal)
	}
	if kill := time.Duration(fc.KillTimeout) * time.Second; kill <= shutdownTimeout+closeTimeout || kill > 300*time.Second {
		t.Errorf("kill_timeout %s must be longer than shutdownTimeout+closeTimeout (%s) and at most Fly's 300 s", kill, shutdownTimeout+closeTimeout)
	}

	// The release command runs migrate, with the binary the image actually has.
	rel := strings.Fields(fc.Deploy.ReleaseCommand)
	if len(rel) != 2 || rel[1] != "migrate" {
		t.Fatalf("release_command %q, want <binary> migrate", fc.Deploy.ReleaseCommand)
	}
	if fc.Build.Dockerfile == "" {
		t.Fatal("[build] dockerfile is not set")
	}
	df, err := os.ReadFile(filepath.Join(deployRoot, fc.Build.Dockerfile))
	if err != nil {
		t.Fatalf("[build] dockerfile: %v", err)
	}
	if !deployDockerfileRuns(string(df), rel[0]) {
		t.Errorf("%s does not put the binary at %s (release_command) or does not run it as CMD", fc.Build.Dockerfile, rel[0])
	}
}

// deployDockerfileRuns reports whether the final stage of a Dockerfile copies a file to bin and runs it.
func deployDockerfileRuns(df, bin string) bool {
	stages := strings.Split(df, "\nFROM ")
	last := stages[len(stages)-1]
	var copied, cmd bool
	for _, line := range strings.Split(last, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "COPY" && f[len(f)-1] == bin:
			copied = true
		case len(f) >= 2 && f[0] == "CMD" && strings.HasPrefix(strings.Join(f[1:], " "), `["`+bin+`"`):
			cmd = true
		}
	}
	return copied && cmd
}

// deployProcfile reads the Procfile into process type -> command.
func deployProcfile(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployRoot, "Procfile"))
	if err != nil {
		t.Fatal(err)
	}
	procs := map[string]string{}
	for i, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		name, cmd, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(cmd) == "" {
			t.Fatalf("Procfile line %d %q is not \"type: command\"", i+1, line)
		}
		procs[strings.TrimSpace(name)] = strings.TrimSpace(cmd)
	}
	return procs
}

// TestProcfile checks the Procfile against go.mod's buildpack directives: the buildpack installs ./app,
// so the binary is bin/app; web runs it, release migrates.
func TestProcfile(t *testing.T) {
	procs := deployProcfile(t)
	if len(procs) != 2 || procs["web"] != "bin/app" || procs["release"] != "bin/app migrate" {
		t.Errorf("Procfile %v, want web: bin/app and release: bin/app migrate", procs)
	}
	gomod, err := os.ReadFile(filepath.Join(deployRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(gomod), "\n")
	if !contains(lines, "// +heroku install ./app") {
		t.Error(`go.mod lacks "// +heroku install ./app" (spacing exact): the buildpack would install every main package`)
	}
	var goVersion string
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "// +heroku goVersion "); ok {
			goVersion = v
		}
	}
	// A major.minor moves to the newest patch the buildpack knows; a patch it does not know fails the build.
	if strings.Count(goVersion, ".") != 1 || !strings.HasPrefix(goVersion, "go1.") {
		t.Errorf("// +heroku goVersion %q: give go1.N without a patch", goVersion)
	}
}

// TestShutdownFitsPlatforms: the graceful shutdown ends before either platform kills the process.
func TestShutdownFitsPlatforms(t *testing.T) {
	const herokuKill = 30 * time.Second // SIGTERM to SIGKILL on Heroku
	if total := shutdownTimeout + closeTimeout; total >= herokuKill {
		t.Errorf("shutdownTimeout+closeTimeout = %s, not under Heroku's %s", total, herokuKill)
	}
}

// TestHealthzUnavailable: with the database unreachable /healthz is a bare 503 that names nothing.
func TestHealthzUnavailable(t *testing.T) {
	pool, err := queries.NewPool(context.Background(), queries.PoolConfig{URL: "host=127.0.0.1 port=1 user=nobody dbname=nothing sslmode=disable connect_timeout=5"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s := newDeployTestServer(t, pool)
	resp, err := s.newApp().Test(httptest.NewRequest(http.MethodGet, "/healthz", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || string(body) != "unavailable\n" {
		t.Errorf("healthz with no database: %d %q, want 503 \"unavailable\\n\"", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}

// newDeployTestServer is the real server (templates, routes, middleware) over pool, logging nowhere.
func newDeployTestServer(t *testing.T, pool *pgxpool.Pool) *server {
	t.Helper()
	s, err := newServer(Config{Port: "0", QueryTimeout: 2 * time.Second}, slog.New(slog.NewTextHandler(io.Discard, nil)), pool)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// deployInstall does what the Heroku Go buildpack does: GOBIN=<dir>/bin go install ./app (the go.mod
// directive names ./app). It returns the binary, <dir>/bin/app.
func deployInstall(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "install", "./app")
	cmd.Dir = deployRoot
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Join(dir, "bin"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install ./app: %v\n%s", err, out)
	}
	bin := filepath.Join(dir, "bin", "app")
	if _, err := os.Stat(bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// deployEnv is the environment for a child process: this one's, less every variable aqdash reads, plus env.
func deployEnv(env ...string) []string {
	drop := []string{"PORT", "DATABASE_URL", "DIRECT_DATABASE_URL", "DATABASE_MAX_CONNS", "DATABASE_SIMPLE_PROTOCOL",
		"DEMO_DATA", "QUERY_TIMEOUT", "LOG_LEVEL", "LOG_FORMAT", "TRUSTED_PROXY", "DYNO", "FLY_APP_NAME"}
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !contains(drop, k) {
			out = append(out, kv)
		}
	}
	return append(out, env...)
}

// deployFreePort finds a TCP port nothing listens on.
func deployFreePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// deployHasIPv6 reports whether this machine can listen on [::1].
func deployHasIPv6() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// deployBuffer collects a child's output while the test reads it.
type deployBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *deployBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *deployBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// deployProcess is a running child whose exit the test waits for.
type deployProcess struct {
	cmd    *exec.Cmd
	stderr *deployBuffer
	exited chan struct{}
	err    error     // Wait's result, once exited is closed
	at     time.Time // when Wait returned
}

// deployStart runs cmd with its output captured; the child is killed if the test ends before it does.
func deployStart(t *testing.T, cmd *exec.Cmd) *deployProcess {
	t.Helper()
	p := &deployProcess{cmd: cmd, stderr: &deployBuffer{}, exited: make(chan struct{})}
	cmd.Stdout = p.stderr
	cmd.Stderr = p.stderr
	// Its own process group, so that signals reach the shell of a Procfile line and what it started,
	// as on a dyno, where SIGTERM goes to every process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		p.at = time.Now()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
		if t.Failed() {
			t.Logf("child output:\n%s", p.stderr.String())
		}
	})
	return p
}

// wait waits (at most limit) for the child to exit and returns its exit code.
func (p *deployProcess) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(limit):
		t.Fatalf("the process did not exit within %s", limit)
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
	return 0
}

// signal sends sig to the child's process group.
func (p *deployProcess) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil {
		t.Fatal(err)
	}
}

func (p *deployProcess) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// deployWaitFor polls cond until it holds, for at most limit.
func deployWaitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// deployGet GETs url with optional headers (name, value, ...) on a fresh connection.
func deployGet(url string, headers ...string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// deployRequestLines decodes the JSON "request" lines of a log.
func deployRequestLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(log, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", line, err)
		}
		if m["msg"] == "request" {
			out = append(out, m)
		}
	}
	return out
}

// TestHerokuLikeInstallAndRun installs the binary as the Heroku buildpack does, runs the Procfile's
// release line and then its web line from an unrelated working directory with the environment a dyno
// has (PORT, DATABASE_URL, DYNO), and gets 200 from /healthz and /historic over IPv4 and IPv6. The
// request log is JSON with a request id and the client IP from the router's X-Forwarded-For hop.
func TestHerokuLikeInstallAndRun(t *testing.T) {
	bin := deployInstall(t)
	procs := deployProcfile(t)
	url := dbtest.NewDatabase(t)
	port := deployFreePort(t)
	elsewhere := t.TempDir() // no views/, public/ or migrations/ here: all embedded
	env := deployEnv("PORT="+port, "DATABASE_URL="+url, "DEMO_DATA=off", "DYNO=web.1")

	procCmd := func(line string) *exec.Cmd {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "bin/app" {
			t.Fatalf("Procfile command %q does not start with bin/app", line)
		}
		// As on a dyno, bash runs the line; the buildpack's bin/app is our installed binary.
		cmd := exec.Command("bash", "-c", strings.Replace(line, "bin/app", "'"+bin+"'", 1))
		cmd.Dir = elsewhere
		cmd.Env = env
		return cmd
	}

	// The release phase: migrate on an up-to-date schema succeeds and changes nothing.
	rel := deployStart(t, procCmd(procs["release"]))
	if code := rel.wait(t, 60*time.Second); code != 0 || !strings.Contains(rel.stderr.String(), "up to date") {
		t.Fatalf("release %q: exit %d: %s", procs["release"], code, rel.stderr.String())
	}

	web := deployStart(t, procCmd(procs["web"]))
	base := "http://127.0.0.1:" + port
	deployWaitFor(t, 30*time.Second, "/healthz to answer 200", func() bool {
		if !web.running() {
			t.Fatalf("web exited early: %s", web.stderr.String())
		}
		code, _, err := deployGet(base + "/healthz")
		return err == nil && code == http.StatusOK
	})

	bases := []string{base}
	if deployHasIPv6() {
		bases = append(bases, "http://[::1]:"+port)
	} else {
		t.Log("no IPv6 loopback on this machine: IPv6 not checked")
	}
	for _, b := range bases {
		for _, path := range []string{"/healthz", "/historic"} {
			code, body, err := deployGet(b + path)
			if err != nil || code != http.StatusOK {
				t.Errorf("GET %s%s: %d %v %.200s", b, path, code, err, body)
			}
		}
	}
	// Heroku's router appends the address it accepted the connection from: only that hop is believed.
	if code, _, err := deployGet(base+"/healthz", "X-Forwarded-For", "198.51.100.1, 203.0.113.7"); err != nil || code != http.StatusOK {
		t.Fatalf("healthz with X-Forwarded-For: %d %v", code, err)
	}

	// Stop the dyno as Heroku does.
	sigterm := time.Now()
	web.signal(t, syscall.SIGTERM)
	if code := web.wait(t, 60*time.Second); code != 0 {
		t.Fatalf("web exited %d after SIGTERM, want 0", code)
	}
	t.Logf("idle web process: SIGTERM to exit %s", web.at.Sub(sigterm).Round(time.Millisecond))

	lines := deployRequestLines(t, web.stderr.String())
	if want := 2*len(bases) + 1; len(lines) < want {
		t.Fatalf("%d JSON request log lines, want at least %d:\n%s", len(lines), want, web.stderr.String())
	}
	ips := map[string]bool{}
	for _, l := range lines {
		if id, _ := l["id"].(string); id == "" {
			t.Errorf("request log line without a request id: %v", l)
		}
		ip, _ := l["ip"].(string)
		ips[ip] = true
	}
	want := []string{"127.0.0.1", "203.0.113.7"}
	if len(bases) > 1 {
		want = append(want, "::1")
	}
	for _, ip := range want {
		if !ips[ip] {
			t.Errorf("no request logged from %s; logged IPs %v", ip, ips)
		}
	}
	if ips["198.51.100.1"] {
		t.Error("a client-supplied X-Forwarded-For hop was logged as the client IP")
	}
}

// deployRows feeds Upsert n distinct measurements, generated.
type deployRows struct {
	n, i int
	row  queries.ImportRow
}

func (h *deployRows) Next() bool {
	if h.i >= h.n {
		return false
	}
	day := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, h.i/100)
	h.row = queries.ImportRow{Line: int64(h.i + 2), Row: queries.Row{
		Date: day, Location: fmt.Sprintf("Town%03d", h.i%100), Type: "pm25", Value: float64(h.i%5000) / 10,
	}}
	h.i++
	return true
}
func (h *deployRows) Row() queries.ImportRow { return h.row }
func (h *deployRows) Err() error             { return nil }

// deployDialSlow connects with a small receive buffer, so the server cannot push a large response into the
// kernel ahead of the reader: a reader that has not read it all keeps the response in flight.
func deployDialSlow(addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10)
		}); err != nil {
			return err
		}
		return serr
	}}
	return d.Dial("tcp", addr)
}

// TestSIGTERMWithSlowCSVExport sends SIGTERM while /historic.csv streams 300,000 rows (about 9 MB,
// more than the socket buffers hold) to a reader that has taken only its first line, and while an idle
// keep-alive connection is open. The server stops accepting, the export runs to its last row, and the
// process exits 0 once it is done, without waiting for the shutdown timeout.
func TestSIGTERMWithSlowCSVExport(t *testing.T) {
	const rows = 300_000
	url := dbtest.NewDatabase(t)
	ctx := context.Background()
	conn, err := queries.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := queries.Upsert(ctx, conn, queries.Historic, &deployRows{n: rows}); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	bin := deployInstall(t)
	port := deployFreePort(t)
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir()
	cmd.Env = deployEnv("PORT="+port, "DATABASE_URL="+url, "DEMO_DATA=off", "LOG_FORMAT=json")
	app := deployStart(t, cmd)
	addr := "127.0.0.1:" + port
	deployWaitFor(t, 30*time.Second, "/healthz to answer 200", func() bool {
		code, _, err := deployGet("http://" + addr + "/healthz")
		return err == nil && code == http.StatusOK
	})

	// An idle keep-alive connection: it must not hold up the shutdown.
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	fmt.Fprint(idle, "GET /healthz HTTP/1.1\r\nHost: aqdash\r\n\r\n")
	if resp, err := http.ReadResponse(bufio.NewReader(idle), nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("keep-alive request: %v %v", resp, err)
	}

	// The export: read the status and the CSV header, then stop reading.
	sc, err := deployDialSlow(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	fmt.Fprint(sc, "GET /historic.csv?sort=date&dir=asc HTTP/1.1\r\nHost: aqdash\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReaderSize(sc, 4096), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %v %v", resp, err)
	}
	body := bufio.NewReaderSize(resp.Body, 4096)
	header, err := body.ReadString('\n')
	if err != nil || header != "date,location,type,value\n" {
		t.Fatalf("CSV header %q %v", header, err)
	}

	sigterm := time.Now()
	app.signal(t, syscall.SIGTERM)
	deployWaitFor(t, 10*time.Second, "the shutdown to begin", func() bool {
		return strings.Contains(app.stderr.String(), `"msg":"shutting down`)
	})
	// New connections are refused once the listener is closed.
	deployWaitFor(t, 10*time.Second, "new connections to be refused", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	if !app.running() {
		t.Fatalf("the process exited with the export still unread: %s", app.stderr.String())
	}

	// Now read the rest, slowly, and check every row arrived.
	n, last := 0, ""
	chunk := make([]byte, 64<<10)
	var tail []byte
	for {
		k, err := body.Read(chunk)
		buf := append(tail, chunk[:k]...)
		i := bytes.LastIndexByte(buf, '\n')
		if i >= 0 {
			lines := bytes.Split(buf[:i], []byte("\n"))
			n += len(lines)
			last = string(lines[len(lines)-1])
			tail = append([]byte(nil), buf[i+1:]...)
		} else {
			tail = buf
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("export cut after %d rows: %v", n, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	bodyDone := time.Now()
	lastDay := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (rows-1)/100).Format(time.DateOnly)
	if n != rows || len(tail) != 0 || last != lastDay+",Town099,pm25,499.9" {
		t.Errorf("export after SIGTERM: %d rows (want %d), last %q, trailing %q", n, rows, last, tail)
	}

	if code := app.wait(t, 60*time.Second); code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}
	exited := app.at
	log := app.stderr.String()
	if !strings.Contains(log, `"msg":"requests finished"`) || strings.Contains(log, "graceful shutdown") {
		t.Errorf("the shutdown did not end cleanly:\n%s", log)
	}
	t.Logf("SIGTERM to exit %s; export fully read by the client %s after SIGTERM (%d rows)",
		exited.Sub(sigterm).Round(time.Millisecond), bodyDone.Sub(sigterm).Round(time.Millisecond), n)
}
