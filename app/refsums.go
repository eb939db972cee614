package main

import (
	"context"
	"time"

	"github.com/aqdash/aqdash/queries"
)

// refSumsSettle is how long the reference sums' refresher waits after a change before it runs, so that a
// burst of changes (an import of several files, a busy ingest) costs one refresh.
const refSumsSettle = time.Second

// keepRefSums keeps the cached reference sums (queries.RefreshRefSums) up to date in the background:
// once the schema is ready (prepared closes), then after every change this server hears of (refDirty),
// until ctx ends. Views are exact without it (a stale series is computed on read); with it, ref= over
// every series reads one row per series. It runs on a connection of its own, outside the request
// pool's statement timeout: after a bulk load it computes every pair of every series. Several servers
// may run it at once: the refresh takes a lock, and the second finds nothing stale.
func (s *server) keepRefSums(ctx context.Context, prepared <-chan struct{}) {
	select {
	case <-ctx.Done():
		return
	case <-prepared:
	}
	for {
		if err := s.refreshRefSums(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("reference sums: refresh failed; trying again after the next change", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.refDirty:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(refSumsSettle):
		}
	}
}

// refreshRefSums runs one refresh.
func (s *server) refreshRefSums(ctx context.Context) error {
	conn, err := queries.Connect(ctx, s.cfg.DirectDatabaseURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	start := time.Now()
	n, err := queries.RefreshRefSums(ctx, conn)
	if err == nil && n > 0 {
		s.log.Info("reference sums refreshed", "pairs", n, "ms", time.Since(start).Milliseconds())
	}
	return err
}

// refSumsChanged tells the refresher that the data changed; it never blocks.
func (s *server) refSumsChanged() {
	select {
	case s.refDirty <- struct{}{}:
	default:
	}
}
