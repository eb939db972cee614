package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/app/demo"
	"github.com/aqdash/aqdash/queries"
)

// shutdownTimeout bounds a graceful shutdown; it is shorter than Heroku's 30 s and fly.toml's kill_timeout.
const shutdownTimeout = 20 * time.Second

// server holds what the handlers share.
type server struct {
	cfg    Config
	log    *slog.Logger
	db     *pgxpool.Pool
	views  *renderer
	assets *assets
}

// serve runs the dashboard until ctx ends, then shuts down gracefully. It listens at once, even while the
// database is unreachable; migrations and the first demo load run in the background.
func serve(ctx context.Context, cfg Config) int {
	log := NewLogger(cfg)
	slog.SetDefault(log)
	pool, err := queries.NewPool(ctx, queries.PoolConfig{URL: cfg.DatabaseURL, MaxConns: cfg.MaxConns, SimpleProtocol: cfg.SimpleProtocol})
	if err != nil {
		log.Error("database settings", "err", err)
		return 1
	}
	defer pool.Close()
	s, err := newServer(cfg, log, pool)
	if err != nil {
		log.Error("start", "err", err)
		return 1
	}
	app := s.newApp()

	ln, err := net.Listen("tcp", net.JoinHostPort("", cfg.Port))
	if err != nil {
		log.Error("listen", "port", cfg.Port, "err", err)
		return 1
	}
	go s.prepare(ctx)

	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		log.Error("server stopped", "err", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", shutdownTimeout.String())
	if err := app.ShutdownWithTimeout(shutdownTimeout); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
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
	return &server{cfg: cfg, log: log, db: pool, views: r, assets: a}, nil
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
	from, to, err := queries.Migrate(ctx, conn)
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
	res, err := demo.Load(ctx, conn)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	s.log.Info(demoSummary(res))
	return nil
}
