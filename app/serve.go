package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/queries"
)

// shutdownTimeout bounds the wait for in-flight requests in a graceful shutdown. With closeTimeout it stays
// under Heroku's 30 s between SIGTERM and SIGKILL and under fly.toml's kill_timeout (a test checks both).
const shutdownTimeout = 20 * time.Second

// closeTimeout bounds what follows the HTTP shutdown: the background migration noticing it should stop,
// and the pool closing (which waits for connections still checked out).
const closeTimeout = 5 * time.Second

// server holds what the handlers share.
type server struct {
	cfg Config
	// renderTag starts every view's ETag (live.go): the build and the settings a rendering depends on.
	renderTag string
	log       *slog.Logger
	db        *pgxpool.Pool
	views     *renderer
	assets    *assets

	// stopping is cancelled the moment a graceful shutdown begins, before the server waits for in-flight
	// requests. A long-lived response (a Server-Sent Events stream, say) must select on stopping.Done()
	// in its body stream writer and return when it closes, so that it ends at once instead of holding
	// the shutdown for shutdownTimeout. Ordinary requests ignore it: they are let finish. It is a plain
	// context, safe to use from a stream writer after the handler has returned (unlike the fiber.Ctx).
	stopping context.Context
	stop     context.CancelFunc

	// events fans the changes this server's listener hears out to the /events streams (events.go).
	events *hub

	// versions is the data version as the change listener reports it; pages caches rendered live views
	// by data version (see cache.go).
	versions versionTracker
	pages    *lru.Cache[string, cachedPage]
	options  optionsCache
	models   modelsCache

	// pooler recognises the errors of a pooler configured the wrong way and adapts the pool (pooler.go);
	// nil in tests that build their own pool.
	pooler *queries.Pooler
	// refDirty wakes the reference sums' refresher (refsums.go) after a change.
	refDirty chan struct{}
	// seeding is true while the first start loads the demo data: empty views say so.
	seeding atomic.Bool
	// locTypes caches each location's pollutants by data version (filters.go); now is the clock (nil:
	// time.Now), set by tests.
	locTypes locationTypesCache
	now      func() time.Time
	// immutable is Fiber's Immutable (every string from a fiber.Ctx copied), set only by
	// BenchmarkImmutable to measure what it would cost against the copies the code makes where a value
	// outlives its request (README, Performance).
	immutable bool
	// exportDB is the export pool, CSV exports' own connections (nil: they use db, as in tests that
	// build a server on one pool); exportSlots holds one token per export streaming (see export.go).
	exportDB    *pgxpool.Pool
	exportSlots chan struct{}
}

// serve runs the dashboard until ctx ends (SIGTERM or SIGINT), then shuts down gracefully and returns the
// exit status: 0 after a clean shutdown. It listens at once, on IPv4 and IPv6, even while the database is
// unreachable; migrations and the first demo load run in the background.
func serve(ctx context.Context, cfg Config) int {
	log := NewLogger(cfg)
	slog.SetDefault(log)
	tuneGC(os.Getenv)
	pooler := &queries.Pooler{SimpleProtocol: cfg.SimpleProtocol, StatementTimeout: cfg.StatementTimeout}
	pool, err := queries.NewPool(ctx, queries.PoolConfig{URL: cfg.DatabaseURL, MaxConns: cfg.MaxConns, SimpleProtocol: cfg.SimpleProtocol, StatementTimeout: cfg.StatementTimeout, Pooler: pooler})
	if err != nil {
		log.Error("database settings", "err", err)
		return 1
	}
	// CSV exports stream on a pool of their own, so that however many clients hold one open, pages and
	// /healthz keep the request pool's connections.
	// The same Pooler watches both: a pooler mistake found on one adapts the other too.
	exports, err := queries.NewPool(ctx, queries.PoolConfig{URL: cfg.DatabaseURL, MaxConns: cfg.ExportMaxConns, SimpleProtocol: cfg.SimpleProtocol, StatementTimeout: cfg.StatementTimeout, Pooler: pooler})
	if err != nil {
		pool.Close()
		log.Error("database settings", "err", err)
		return 1
	}
	s, err := newServer(cfg, log, pool)
	if err != nil {
		pool.Close()
		exports.Close()
		log.Error("start", "err", err)
		return 1
	}
	s.pooler = pooler
	s.exportDB = exports
	// "tcp" with no host is one dual-stack socket: IPv4 and IPv6 (Heroku's newer dynos and Fly's private
	// network, where its health checks come from, reach the app over IPv6).
	ln, err := net.Listen("tcp", net.JoinHostPort("", cfg.Port))
	if err != nil {
		pool.Close()
		exports.Close()
		log.Error("listen", "port", cfg.Port, "err", err)
		return 1
	}
	prepCtx, stopPrep := context.WithCancel(ctx)
	prepared := make(chan struct{})
	go func() {
		defer close(prepared)
		s.prepare(prepCtx)
	}()
	go s.probePooler(prepCtx) // a pooler set up the wrong way names its fix in the log
	go s.keepRefSums(prepCtx, prepared)
	go s.buildPendingIndexes(prepCtx, prepared)
	s.startEvents() // the change listener, until s.stopping

	log.Info("listening", "addr", ln.Addr().String(), "trusted_proxy", string(cfg.TrustedProxy))
	status := 0
	if err := s.run(ctx, s.newApp(), ln); err != nil {
		log.Error("server", "err", err)
		status = 1
	}

	stopPrep()
	deadline := time.NewTimer(closeTimeout)
	defer deadline.Stop()
	select {
	case <-prepared:
	case <-deadline.C:
		log.Warn("background migration did not stop in time")
	}
	closed := make(chan struct{})
	go func() {
		exports.Close()
		pool.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-deadline.C:
		log.Warn("database pool did not close in time; exiting anyway")
		status = 1
	}
	log.Info("stopped", "status", status)
	return status
}

// run serves app on ln until ctx ends or the server fails. Then it shuts down gracefully: it stops
// accepting connections, cancels s.stopping so that streams end, and waits up to shutdownTimeout for
// in-flight requests to finish (closing idle keep-alive connections). It returns nil after a clean
// shutdown.
func (s *server) run(ctx context.Context, app *fiber.App, ln net.Listener) error {
	ln = &closeOnce{Listener: ln}
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	select {
	case err := <-errc:
		s.stop()
		if err == nil {
			err = errors.New("listener closed")
		}
		return fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down: waiting for requests in flight", "timeout", shutdownTimeout.String())
	start := time.Now()
	// In this order: no new connections (even should the signal come before Serve took the listener),
	// then streams told to end, then the wait for requests in flight (Fiber's close of the listener
	// is then a no-op).
	_ = ln.Close()
	s.stop()
	err := app.ShutdownWithTimeout(shutdownTimeout)
	if err != nil {
		return fmt.Errorf("graceful shutdown: requests still running after %s: %w", shutdownTimeout, err)
	}
	s.log.Info("requests finished", "ms", time.Since(start).Milliseconds())
	return nil
}

// closeOnce is a listener whose Close may be called again, harmlessly: run closes it before Fiber's
// shutdown does, and fasthttp's shutdown gives up at once if closing its listener fails.
type closeOnce struct {
	net.Listener
	once sync.Once
	err  error
}

// Close closes the listener the first time and returns that result every time.
func (l *closeOnce) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}

// newServer builds the shared state: templates and assets are parsed once here.
func newServer(cfg Config, log *slog.Logger, pool *pgxpool.Pool) (*server, error) {
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	r, err := newRenderer(a)
	if err != nil {
		return nil, err
	}
	stopping, stop := context.WithCancel(context.Background())
	if cfg.Scale == nil {
		cfg.Scale = aqi.Default()
	}
	if cfg.ExportMaxConns <= 0 {
		cfg.ExportMaxConns = defaultExportMaxConns
	}
	if cfg.ExportStallTimeout <= 0 {
		cfg.ExportStallTimeout = defaultExportStallTimeout
	}
	return &server{cfg: cfg, renderTag: renderTag(cfg), log: log, db: pool, views: r, assets: a, stopping: stopping, stop: stop, events: newHub(log), pages: newPageCache(cfg.PageCache),
		exportSlots: make(chan struct{}, cfg.ExportMaxConns), refDirty: make(chan struct{}, 1)}, nil
}

// prepare migrates the schema and, when both tables are empty and DEMO_DATA is on, loads the demo data.
// While the database is unreachable it retries with backoff; pages answer 503 meanwhile.
func (s *server) prepare(ctx context.Context) {
	wait := time.Second
	for {
		err := s.migrateAndSeed(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		s.log.Warn("database not ready; retrying", "err", err, "in", wait.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, 30*time.Second)
	}
}

func (s *server) migrateAndSeed(ctx context.Context) error {
	conn, err := queries.Connect(ctx, s.cfg.DirectDatabaseURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	from, to, err := queries.MigrateReporting(ctx, conn, func(st queries.MigrationStep) {
		s.log.Info("applied migration", "name", st.Name, "took", st.Took.Round(10*time.Millisecond))
	})
	if err != nil {
		return err
	}
	if from != to {
		s.log.Info("migrated schema", "from", from, "to", to)
	}
	if !s.cfg.DemoData {
		return nil
	}
	empty, err := queries.TablesEmpty(ctx, conn)
	if err != nil || !empty {
		return err
	}
	s.log.Info("both tables are empty: loading the demo data (DEMO_DATA=off turns this off)")
	s.seeding.Store(true)
	res, err := loadDemo(ctx, conn, func(attempt int, err error) {
		s.log.Warn("demo load conflicted with another writer; retrying", "attempt", attempt, "err", err)
	})
	s.seeding.Store(false)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	s.log.Info(demoSummary(res), "committed_ms", res.Committed.Milliseconds())
	return nil
}
