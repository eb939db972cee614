package main

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"github.com/aqdash/aqdash/queries"
)

// newApp builds the Fiber app. Every route is listed here.
func (s *server) newApp() *fiber.App {
	app := fiber.New(fiber.Config{
		AppName:               "aqdash",
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		ReadTimeout:           15 * time.Second,
		IdleTimeout:           75 * time.Second,
		BodyLimit:             10 << 20,
		Immutable:             s.immutable,
	})
	app.Use(requestid.New())
	// Outside logRequests, which answers errors: error pages are compressed too. Streams never are
	// (compress.go).
	app.Use(compressBodies)
	app.Use(s.logRequests)
	// Inside logRequests, so a panic becomes a logged 500 page like any other error.
	app.Use(recover.New())
	app.Use(securityHeaders)
	// The deployment's AQI scale, for the views' scale= (scale.go).
	app.Use(s.setScaleDefault)
	// The embedded files, from memory, precompressed (static.go).
	app.Use("/static", serveStatic)

	// Live views (liveView: data version, ETag and 304, see live.go) refresh themselves through /events.
	app.Get("/", s.liveView, s.showHome)
	app.Get("/historic", s.liveView, s.showTable(queries.Historic))
	app.Get("/predictions", s.liveView, s.showTable(queries.Predictions))
	app.Get("/historic.json", s.exportJSON(queries.Historic))
	app.Get("/predictions.json", s.exportJSON(queries.Predictions))
	app.Get("/historic.csv", s.exportCSV(queries.Historic))
	app.Get("/predictions.csv", s.exportCSV(queries.Predictions))
	app.Get("/historic/count", s.showCount(queries.Historic))
	app.Get("/predictions/count", s.showCount(queries.Predictions))
	app.Get("/compare", s.liveView, s.showCompare)
	app.Get("/compare.json", s.exportCompareJSON)
	app.Get("/compare.csv", s.exportCompareCSV)
	app.Get("/accuracy", s.liveView, s.showAccuracy)
	app.Get("/accuracy.json", s.exportAccuracyJSON)
	app.Get("/accuracy.csv", s.exportAccuracyCSV)
	app.Get("/locations", s.liveView, s.showRanking)
	app.Get("/locations.json", s.exportRankingJSON)
	app.Get("/locations.csv", s.exportRankingCSV)
	app.Get("/locations/all", s.showLocations)
	app.Get("/calendar", s.liveView, s.showCalendar)
	app.Get("/calendar.json", s.exportCalendarJSON)
	app.Get("/healthz", s.healthz)
	// A stream: no middleware that buffers bodies (compression, ETag) may ever run on /events
	// (compressBodies leaves every streamed body alone).
	app.Get("/events", s.streamEvents)
	// The ingest API: token-authenticated, JSON errors (ingest.go), rate-limited per client (limits.go;
	// one count for both tables).
	ingestLimit := s.ingestLimiter()
	app.Post("/api/historic", ingestLimit, s.ingestAPI(queries.Historic))
	app.Post("/api/predictions", ingestLimit, s.ingestAPI(queries.Predictions))

	// The seed app's URLs keep working.
	app.Get("/index", s.liveView, s.showHome)
	app.Get("/raw_historic_data", seedTable("/historic"))
	app.Get("/raw_prediction_data", seedTable("/predictions"))

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return app
}

// seedTable redirects a seed URL to the matching table, newest first, 15 rows, as the seed showed it.
func seedTable(path string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		return c.Redirect(path+"?size=15", fiber.StatusFound)
	}
}

// logRequests writes one log line per request, with its request id.
func (s *server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		// Answer the error here, so the line below logs the status the client gets.
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	status := c.Response().StatusCode()
	s.log.Info("request",
		"id", c.GetRespHeader(fiber.HeaderXRequestID),
		"ip", s.clientIP(c),
		"method", c.Method(),
		"path", c.Path(),
		"query", string(c.Request().URI().QueryString()),
		"status", status,
		"ms", float64(time.Since(start).Microseconds())/1000,
		"htmx", c.Get("HX-Request") == "true",
	)
	return nil
}

// securityHeaders sets the headers every response carries.
func securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
	return c.Next()
}
