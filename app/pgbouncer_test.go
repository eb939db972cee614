package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
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

// pgBouncer is a real PgBouncer (Debian's, which `make test` installs: .ci/ensure-pgbouncer) in
// transaction mode in front of the test PostgreSQL, on a free port of 127.0.0.1, run as an unprivileged
// user (it refuses to run as root), with its configuration and auth file in a directory of its own.
type pgBouncer struct {
	port int
	log  *deployBuffer
}

// startPgBouncer starts PgBouncer for the databases of dbtest's server. extra is more of its
// [pgbouncer] settings, one per line. The test fails (never skips) when PgBouncer cannot be started.
func startPgBouncer(t *testing.T, extra string) *pgBouncer {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		bin = "/usr/sbin/pgbouncer" // Debian's, outside a non-root PATH
		if _, err := os.Stat(bin); err != nil {
			t.Fatal("pgbouncer is not installed: `make test` installs it (bash .ci/ensure-pgbouncer)")
		}
	}
	backend, err := pgx.ParseConfig(dbtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "aqdash-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	port, _ := strconv.Atoi(deployFreePort(t))
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%d

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
pidfile =
logfile =
auth_type = trust
auth_file = %s
pool_mode = transaction
max_client_conn = 200
default_pool_size = 4
%s
`, backend.Host, backend.Port, port, filepath.Join(dir, "users.txt"), extra)
	// With trust, PgBouncer still wants the user listed; PostgreSQL itself authenticates the server side.
	users := fmt.Sprintf("%q %q\n", backend.User, backend.Password)
	if err := os.WriteFile(filepath.Join(dir, "pgbouncer.ini"), []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.txt"), []byte(users), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	if os.Geteuid() == 0 {
		// util-linux's setpriv (Debian's essential set) drops to nobody before PgBouncer starts.
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("pgbouncer refuses to run as root and there is no user nobody to run it as: %v", err)
		}
		cmd = exec.Command("setpriv", "--reuid="+u.Uid, "--regid="+u.Gid, "--clear-groups", bin, filepath.Join(dir, "pgbouncer.ini"))
	}
	p := deployStart(t, cmd)
	deployWaitFor(t, 15*time.Second, "pgbouncer to listen", func() bool {
		if !p.running() {
			t.Fatalf("pgbouncer exited: %s", p.stderr.String())
		}
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	return &pgBouncer{port: port, log: p.stderr}
}

// url is the pooler's URL for the database of direct (a dbtest URL).
func (b *pgBouncer) url(t *testing.T, direct string) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(direct)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=%s sslmode=disable", b.port, quote(cfg.User), quote(cfg.Database))
}

// quote writes a value for a key/value connection string.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// pooledServer runs the built binary, as a deployment does, with DATABASE_URL through the pooler and
// DIRECT_DATABASE_URL straight to PostgreSQL, plus env.
func pooledServer(t *testing.T, bin, pooled, direct string, env ...string) (base string, p *deployProcess) {
	t.Helper()
	port := deployFreePort(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = deployEnv(append([]string{"PORT=" + port, "DATABASE_URL=" + pooled, "DIRECT_DATABASE_URL=" + direct,
		"DEMO_DATA=off", "INGEST_TOKEN=" + testIngestToken, "LOG_LEVEL=info"}, env...)...)
	p = deployStart(t, cmd)
	base = "http://127.0.0.1:" + port
	deployWaitFor(t, 30*time.Second, "the server to answer /healthz 200", func() bool {
		if !p.running() {
			t.Fatalf("the server exited:\n%s", p.stderr.String())
		}
		code, _, _ := deployGet(base + "/healthz")
		return code == 200
	})
	return base, p
}

// pooledRound runs the main views, an export and an ingest through a server behind the pooler; it
// returns the answers that were not 200, as "status target".
func pooledRound(base string, day int) []string {
	var bad []string
	row := fmt.Sprintf("date,location,type,value\n%s,Pooled,pm25,%d\n", time.Date(2021, 1, 1+day, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), 10+day)
	if a := postCSV(base, "historic", row); a.status != 200 {
		bad = append(bad, fmt.Sprintf("%d POST /api/historic %s", a.status, a.body))
	}
	pred := fmt.Sprintf("date,location,type,prediction\n%s,Pooled,pm25,%d\n", time.Date(2021, 1, 1+day, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), 12+day)
	if a := postCSV(base, "predictions", pred); a.status != 200 {
		bad = append(bad, fmt.Sprintf("%d POST /api/predictions %s", a.status, a.body))
	}
	for _, target := range []string{"/", "/historic", "/historic?location=Pooled&type=pm25&sort=value&dir=desc",
		"/predictions", "/compare?location=Pooled&type=pm25", "/compare", "/locations", "/historic.json?location=Pooled",
		"/historic.csv", "/compare.csv?location=Pooled&type=pm25", "/healthz"} {
		a := httpAnswer(http.MethodGet, base+target, "")
		if a.status != 200 {
			bad = append(bad, fmt.Sprintf("%d %s %v %.200s", a.status, target, a.err, a.body))
		}
		if strings.HasSuffix(strings.Split(target, "?")[0], ".csv") && !strings.Contains(a.body, "Pooled") {
			bad = append(bad, "the export "+target+" lacks the ingested rows")
		}
	}
	return bad
}

// TestPgBouncer runs the dashboard's binary behind a real PgBouncer in transaction mode: configured as
// the README says (DATABASE_SIMPLE_PROTOCOL=on, STATEMENT_TIMEOUT=off, DIRECT_DATABASE_URL), the views,
// an export, ingests and a live update (LISTEN on the direct URL, the writes through the pooler) all
// work and nothing is logged as wrong; and the two ways of getting it wrong each log one line that names
// the fix, after which the server adapts and serves.
func TestPgBouncer(t *testing.T) {
	bin := deployInstall(t)

	t.Run("as the README says", func(t *testing.T) {
		bouncer := startPgBouncer(t, "")
		direct := dbtest.NewDatabase(t)
		base, p := pooledServer(t, bin, bouncer.url(t, direct), direct, "DATABASE_SIMPLE_PROTOCOL=on", "STATEMENT_TIMEOUT=off")
		events := subscribe(t, base)
		events.next(t, "version")
		for day := range 3 {
			if bad := pooledRound(base, day); len(bad) > 0 {
				t.Fatalf("through PgBouncer:\n%s", strings.Join(bad, "\n"))
			}
		}
		// The live update: each ingest above was announced on the stream.
		ch, _ := events.nextChange(t)
		if !contains(ch.Locations, "Pooled") {
			t.Fatalf("the change announced names %v, want Pooled", ch.Locations)
		}
		events.close()
		logs := p.stderr.String()
		if strings.Contains(logs, "database settings:") || strings.Contains(logs, "level=ERROR") {
			t.Fatalf("the server logged a problem:\n%s", logs)
		}
		// The rows went through the pooler into the database.
		if n := dbtest.CountRows(t, direct, queries.Historic); n != 3 {
			t.Fatalf("%d measurements stored, want 3", n)
		}
	})

	t.Run("without DATABASE_SIMPLE_PROTOCOL", func(t *testing.T) {
		bouncer := startPgBouncer(t, "")
		direct := dbtest.NewDatabase(t)
		base, p := pooledServer(t, bin, bouncer.url(t, direct), direct)
		logs := p.stderr.String()
		want := `unsupported startup parameter): set DATABASE_SIMPLE_PROTOCOL=on and STATEMENT_TIMEOUT=off`
		// PgBouncer names the first parameter it does not know; pgx sends jit and statement_timeout in
		// either order.
		refused := strings.Contains(logs, `refuses the startup parameter \"jit\"`) || strings.Contains(logs, `refuses the startup parameter \"statement_timeout\"`)
		if strings.Count(logs, want) != 1 || !refused {
			t.Fatalf("the log should name the fix once:\n%s", logs)
		}
		t.Logf("the server's log: %s", logs)
		// Adapted: it serves meanwhile, and says nothing more about it.
		for day := range 2 {
			if bad := pooledRound(base, day); len(bad) > 0 {
				t.Fatalf("after adapting:\n%s", strings.Join(bad, "\n"))
			}
		}
		if strings.Count(p.stderr.String(), "database settings:") != 1 || strings.Contains(p.stderr.String(), "level=ERROR") {
			t.Fatalf("more than the one line:\n%s", p.stderr.String())
		}
		if !strings.Contains(bouncer.log.String(), "unsupported startup parameter: ") {
			t.Fatalf("PgBouncer did not refuse a startup parameter:\n%s", bouncer.log.String())
		}
	})

	t.Run("ignoring startup parameters", func(t *testing.T) {
		bouncer := startPgBouncer(t, "ignore_startup_parameters = jit, statement_timeout")
		direct := dbtest.NewDatabase(t)
		// Six clients below each ask for the two CSV exports: room for all six at once, so that the export
		// limit's 503 (EXPORT_MAX_CONNS, default 2; TestStalledExportsCannotTakeTheSiteDown) is not mistaken
		// for a pooler failure.
		base, p := pooledServer(t, bin, bouncer.url(t, direct), direct, "EXPORT_MAX_CONNS=6")
		deployWaitFor(t, 10*time.Second, "the start-up probe's lines", func() bool {
			return strings.Count(p.stderr.String(), "database settings:") >= 2
		})
		logs := p.stderr.String()
		// The probe finds the pooler by its backend pid, or, when two of its statements meet first on one
		// server connection, by their collision (26000/42P05): either line names the fix.
		if !(strings.Contains(logs, "connection pooler (the connection's backend pid is not the server's") ||
			strings.Contains(logs, "prepared statements collide behind a transaction pooler")) ||
			!strings.Contains(logs, "set DATABASE_SIMPLE_PROTOCOL=on") ||
			!strings.Contains(logs, `STATEMENT_TIMEOUT=2s is not in force: the database says statement_timeout = \"0\"`) ||
			!strings.Contains(logs, "set STATEMENT_TIMEOUT=off") {
			t.Fatalf("the log should name both fixes:\n%s", logs)
		}
		t.Logf("the server's log: %s", logs)
		// Concurrent requests, which would share server connections and collide on prepared statements:
		// none fails.
		var wg sync.WaitGroup
		var mu sync.Mutex
		var bad []string
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 2 {
					b := pooledRound(base, w*2+i)
					mu.Lock()
					bad = append(bad, b...)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(bad) > 0 {
			t.Fatalf("through a PgBouncer that ignores startup parameters:\n%s", strings.Join(bad, "\n"))
		}
		if strings.Contains(p.stderr.String(), "level=ERROR") {
			t.Fatalf("errors logged:\n%s", p.stderr.String())
		}
	})
}

// TestPgBouncerPreparedStatementsCollide: a server whose pool was made for a direct connection (pgx's
// statement cache on), behind a PgBouncer that ignores startup parameters, before any start-up probe:
// concurrent requests meet each other's prepared statements on PgBouncer's one server connection (42P05
// or 26000 on "stmtcache_" names). None is a 500; the first such error logs one line naming
// DATABASE_SIMPLE_PROTOCOL=on, the pool reconnects without prepared statements, and then every request
// is a 200.
func TestPgBouncerPreparedStatementsCollide(t *testing.T) {
	bouncer := startPgBouncer(t, "ignore_startup_parameters = jit, statement_timeout\ndefault_pool_size = 1")
	direct := dbtest.NewDatabase(t)
	pooler := &queries.Pooler{StatementTimeout: 2 * time.Second}
	pool, err := queries.NewPool(context.Background(), queries.PoolConfig{URL: bouncer.url(t, direct), MaxConns: 6, StatementTimeout: 2 * time.Second, Pooler: pooler})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	logs := &logBuffer{}
	cfg := Config{Port: "0", DatabaseURL: bouncer.url(t, direct), DirectDatabaseURL: direct, QueryTimeout: 2 * time.Second, PageCache: true, IngestToken: testIngestToken}
	s, err := newServer(cfg, slog.New(slog.NewTextHandler(logs, nil)), pool)
	if err != nil {
		t.Fatal(err)
	}
	s.pooler = pooler
	ts := &testServer{server: s, app: s.newApp(), url: direct}

	targets := []string{"/historic?location=A", "/predictions?location=B", "/historic.json?location=C", "/compare?location=D&type=pm25", "/locations"}
	round := func() map[int]int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[int]int{}
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 4 {
					req, _ := http.NewRequest(http.MethodGet, targets[(w+i)%len(targets)], nil)
					resp, err := ts.app.Test(req, -1)
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					mu.Lock()
					statuses[resp.StatusCode]++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return statuses
	}
	first := round()
	if first[500] > 0 || first[200]+first[503] != 24 {
		t.Fatalf("the first round's statuses: %v, want only 200 and 503", first)
	}
	t.Logf("first round, before the pool adapted: %v", first)
	line := "prepared statements collide behind a transaction pooler (SQLSTATE "
	if n := strings.Count(logs.String(), line); n != 1 || !strings.Contains(logs.String(), "stmtcache_") ||
		!strings.Contains(logs.String(), "set DATABASE_SIMPLE_PROTOCOL=on") {
		t.Fatalf("%d lines naming the fix, want 1 (first round %v):\n%s", n, first, logs.String())
	}
	for i := range 2 {
		if r := round(); r[200] != 24 {
			t.Fatalf("round %d after adapting: %v\n%s", i+2, r, logs.String())
		}
	}
}

// TestPgBouncerWithoutDirectURL: the start-up probe of a server whose DATABASE_URL is PgBouncer (set up
// right otherwise) and no DIRECT_DATABASE_URL names the missing setting in one line.
func TestPgBouncerWithoutDirectURL(t *testing.T) {
	bouncer := startPgBouncer(t, "")
	direct := dbtest.NewDatabase(t)
	pooled := bouncer.url(t, direct)
	pooler := &queries.Pooler{SimpleProtocol: true}
	pool, err := queries.NewPool(context.Background(), queries.PoolConfig{URL: pooled, SimpleProtocol: true, Pooler: pooler})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	logs := &logBuffer{}
	s, err := newServer(Config{Port: "0", DatabaseURL: pooled, DirectDatabaseURL: pooled, QueryTimeout: 2 * time.Second},
		slog.New(slog.NewTextHandler(logs, nil)), pool)
	if err != nil {
		t.Fatal(err)
	}
	s.pooler = pooler
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s.probePooler(ctx)
	if n := strings.Count(logs.String(), "database settings:"); n != 1 ||
		!strings.Contains(logs.String(), "DATABASE_URL leads to a connection pooler and DIRECT_DATABASE_URL is not set") {
		t.Fatalf("%d lines, want the one naming DIRECT_DATABASE_URL:\n%s", n, logs.String())
	}
}
