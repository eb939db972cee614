package main

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/queries"
)

// healthTimeout is how long /healthz waits for the database.
const healthTimeout = time.Second

// healthz answers 200 when the database answers within a second, else 503, and says nothing more.
func (s *server) healthz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), healthTimeout)
	defer cancel()
	c.Set("Cache-Control", "no-store")
	if err := queries.Ping(ctx, s.db); err != nil {
		s.notePooler(err) // the status stays a bare 503; the log says why
		return c.Status(fiber.StatusServiceUnavailable).SendString("unavailable\n")
	}
	return c.SendString("ok\n")
}

// queryContext bounds the queries of one request by QUERY_TIMEOUT.
func (s *server) queryContext(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), s.cfg.QueryTimeout)
}
