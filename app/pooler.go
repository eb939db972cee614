package main

import (
	"context"
	"time"
)

// notePooler logs, once, the fix for an error that a transaction pooler configured the wrong way gives
// (see queries.Pooler), and lets the pool adapt.
func (s *server) notePooler(err error) {
	if line := s.pooler.Observe(err); line != "" {
		s.log.Warn("database settings: " + line)
	}
}

// probePooler checks the request pool once the server has started, as queries.Pooler.Probe does, and
// logs what it finds: a pooler configured the wrong way names its fix before the first request fails.
// While no connection can be made it tries again, 1 s apart and doubling up to 30 s, until one is made
// or ctx ends.
func (s *server) probePooler(ctx context.Context) {
	if s.pooler == nil {
		return
	}
	wait := time.Second
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		pooled, lines, err := s.pooler.Probe(pctx, s.db)
		cancel()
		for _, l := range lines {
			s.log.Warn("database settings: " + l)
		}
		if err == nil {
			if pooled && s.cfg.DirectDatabaseURL == s.cfg.DatabaseURL {
				s.log.Warn("database settings: DATABASE_URL leads to a connection pooler and DIRECT_DATABASE_URL is not set: " +
					"migrations (an advisory lock) and live updates (LISTEN) need a session of their own; set DIRECT_DATABASE_URL " +
					"to the database's direct URL")
			}
			return
		}
		if len(lines) > 0 {
			wait = 0 // adapted: try the new settings at once
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(max(wait*2, time.Second), 30*time.Second)
	}
}
