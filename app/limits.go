package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

// Rate is a number of requests per period: INGEST_RATE_LIMIT=60/min. The zero Rate is no limit.
type Rate struct {
	// Max requests are allowed in each Per.
	Max int
	// Per is the window the requests are counted in.
	Per time.Duration
}

// defaultIngestRate is INGEST_RATE_LIMIT's default: one import a second on average per client, which no
// pipeline should need to pass, with the body limit bounding each.
var defaultIngestRate = Rate{Max: 60, Per: time.Minute}

// maxRate bounds Rate.Max: a larger number is a typo, not a limit.
const maxRate = 1_000_000

// Off reports whether the rate sets no limit.
func (r Rate) Off() bool { return r.Max <= 0 || r.Per <= 0 }

// String writes the rate as INGEST_RATE_LIMIT takes it.
func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	switch r.Per {
	case time.Second:
		return strconv.Itoa(r.Max) + "/s"
	case time.Minute:
		return strconv.Itoa(r.Max) + "/min"
	case time.Hour:
		return strconv.Itoa(r.Max) + "/h"
	}
	return strconv.Itoa(r.Max) + "/" + r.Per.String()
}

// ParseRate reads a rate: N/s, N/min, N/h (or second, minute, hour), N/<duration> such as 30/10s, or off.
func ParseRate(s string) (Rate, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "off" {
		return Rate{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, errors.New("use a number of requests per period, such as 60/min, or off")
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count < 1 || count > maxRate {
		return Rate{}, fmt.Errorf("%q is not a number of requests from 1 to %d", n, maxRate)
	}
	var d time.Duration
	switch strings.TrimSpace(per) {
	case "s", "sec", "second":
		d = time.Second
	case "m", "min", "minute":
		d = time.Minute
	case "h", "hour":
		d = time.Hour
	default:
		d, err = time.ParseDuration(strings.TrimSpace(per))
		if err != nil || d < time.Second || d%time.Second != 0 {
			return Rate{}, fmt.Errorf("%q is not a period: use s, min, h or whole seconds such as 10s", per)
		}
	}
	return Rate{Max: count, Per: d}, nil
}

// parseTimeoutOrOff reads a positive duration, or 0 and off for none.
func parseTimeoutOrOff(s string) (time.Duration, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "0":
		return 0, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return 0, errors.New("not a positive duration")
	}
	return d, nil
}

// ingestLimiter limits the ingest API's requests per client, the client being the address the server
// believes (clientIP: the trusted proxy's header, never one a client may forge). Every request counts,
// refused ones too, so a client guessing tokens is slowed as much as one flooding imports. Over the limit
// the answer is 429 with Retry-After (seconds until the window resets) and a JSON error, as the API's
// other errors. Counts live in this process's memory: each instance limits on its own.
func (s *server) ingestLimiter() fiber.Handler {
	r := s.cfg.IngestRate
	if r.Off() {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return limiter.New(limiter.Config{
		Max:          r.Max,
		Expiration:   r.Per,
		KeyGenerator: s.clientIP,
		LimitReached: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderCacheControl, "no-store")
			s.log.Warn("ingest: rate limit reached", "ip", s.clientIP(c), "limit", r.String())
			return c.Status(fiber.StatusTooManyRequests).JSON(apiError{
				Error: fmt.Sprintf("too many requests: the ingest API takes %s from one client; retry after %s s", r, c.GetRespHeader(fiber.HeaderRetryAfter)),
			})
		},
		LimiterMiddleware: limiter.FixedWindow{},
	})
}
