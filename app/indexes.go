package main

import (
	"context"
	"time"

	"github.com/aqdash/aqdash/queries"
)

// buildPendingIndexes builds, in the background, the indexes a load into empty tables queued instead of
// building them before its commit (the first start's demo load; queries.DeferSecondaryIndexes): once the
// schema is ready and the demo loaded (prepared closes), on a connection of its own, with CREATE INDEX
// CONCURRENTLY, so pages and writes go on meanwhile (queries are right without the indexes, only slower).
// A build cut short by a restart is taken up by the next start; of several servers one builds.
func (s *server) buildPendingIndexes(ctx context.Context, prepared <-chan struct{}) {
	select {
	case <-ctx.Done():
		return
	case <-prepared:
	}
	conn, err := queries.Connect(ctx, s.cfg.DirectDatabaseURL)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("queued indexes: no connection; the next start builds them", "err", err)
		}
		return
	}
	defer conn.Close(context.Background())
	pending, err := queries.PendingIndexes(ctx, conn)
	if err != nil || len(pending) == 0 {
		if err != nil && ctx.Err() == nil {
			s.log.Warn("queued indexes: cannot read the queue", "err", err)
		}
		return
	}
	s.log.Info("building queued indexes in the background", "indexes", len(pending))
	start := time.Now()
	n, err := queries.BuildPendingIndexesConcurrently(ctx, conn, func(name string, took time.Duration) {
		s.log.Info("index built", "index", name, "ms", took.Milliseconds())
	})
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("queued indexes: build failed; the next start tries again", "built", n, "err", err)
		}
		return
	}
	if n > 0 {
		s.log.Info("queued indexes built", "indexes", n, "ms", time.Since(start).Milliseconds())
	}
}
