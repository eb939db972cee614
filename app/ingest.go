package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
)

// ingestTimeout bounds one ingest request's import (10 MB of CSV takes a few seconds).
const ingestTimeout = 2 * time.Minute

// apiError is the body of every error of the API: {"error": "..."}, with the line (CSV) or row (JSON)
// when one is at fault.
type apiError struct {
	Error string `json:"error"`
	Line  int64  `json:"line,omitempty"`
	Row   int64  `json:"row,omitempty"`
}

// ingestAPI is POST /api/historic and POST /api/predictions: a pipeline pushes rows through the same
// importer as `app import` (app/ingest), as CSV (Content-Type: text/csv, the import file formats) or JSON
// (application/json, {"rows":[...]} in the row shape of the JSON views). It needs Authorization: Bearer
// INGEST_TOKEN; without INGEST_TOKEN the API is off (404). All or nothing: a bad row is a 400 naming its
// line (or row) and nothing is written; success is 200 with the counts. The body limit (BodyLimit, 10 MB)
// answers 413 before this handler runs. Predictions may carry model, lead and issued (columns or fields);
// ?model=NAME is the model of those without one (default "default"), as `app import --model`.
func (s *server) ingestAPI(t queries.Table) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "no-store")
		if s.cfg.IngestToken == "" {
			return c.Status(fiber.StatusNotFound).JSON(apiError{Error: "the ingest API is off: set INGEST_TOKEN on the server to turn it on"})
		}
		if given, ok := s.bearerOK(c); !ok {
			challenge := `Bearer realm="aqdash ingest"`
			msg := "this API needs the header Authorization: Bearer <INGEST_TOKEN>"
			if given {
				challenge += `, error="invalid_token"`
				msg = "the bearer token is not the ingest token"
			}
			c.Set(fiber.HeaderWWWAuthenticate, challenge)
			return c.Status(fiber.StatusUnauthorized).JSON(apiError{Error: msg})
		}
		mediaType, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
		csv := err == nil && mediaType == "text/csv"
		if !csv && (err != nil || mediaType != fiber.MIMEApplicationJSON) {
			return c.Status(fiber.StatusUnsupportedMediaType).JSON(apiError{Error: "send Content-Type: text/csv (the import CSV) or application/json ({\"rows\":[...]})"})
		}
		if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
			return c.Status(fiber.StatusUnsupportedMediaType).JSON(apiError{Error: "the body must be UTF-8, not " + cs})
		}
		if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
			// Decompressing would let a small body grow past the limit.
			return c.Status(fiber.StatusUnsupportedMediaType).JSON(apiError{Error: "send the body uncompressed (Content-Encoding " + enc + " is not accepted)"})
		}

		var opts ingest.Options
		if m := c.Query("model"); m != "" {
			opts.Model = strings.Clone(m) // the query's bytes are Fiber's, reused after the handler
			if t != queries.Predictions {
				return c.Status(fiber.StatusBadRequest).JSON(apiError{Error: "model= applies to predictions only; nothing was written"})
			}
			if err := ingest.CheckModel(opts.Model); err != nil {
				return c.Status(fiber.StatusBadRequest).JSON(apiError{Error: "model=: " + err.Error() + "; nothing was written"})
			}
		}

		// A database that is down or not answering is a 503 within QUERY_TIMEOUT, not a wait as long as
		// the import's own deadline.
		pctx, pcancel := s.queryContext(c)
		err = queries.Ping(pctx, s.db)
		pcancel()
		if err != nil {
			return err
		}

		start := time.Now()
		// The raw body: c.Body() would decompress it.
		raw := c.Request().Body()
		ctx, cancel := context.WithTimeout(context.Background(), ingestTimeout)
		defer cancel()
		var counts queries.Counts
		// A deadlock or serialization failure with another writer rolls the whole transaction back: the
		// import runs again from the body, in a fresh transaction, a few times before it gives up.
		err = queries.RetryConflicts(ctx, func(int) error {
			body := bytes.NewReader(raw)
			// An import may take longer than the pool's statement timeout allows a page's query.
			return queries.WithStatementTimeout(ctx, s.db, ingestTimeout, func(tx queries.DB) (err error) {
				if csv {
					counts, err = ingest.ImportWith(ctx, tx, t, body, opts)
				} else {
					counts, err = ingest.ImportJSONWith(ctx, tx, t, body, opts)
				}
				return err
			})
		}, func(attempt int, err error) {
			s.log.Warn("ingest conflicted with another writer; retrying", "table", t.Key, "attempt", attempt, "err", err)
		})
		if err != nil {
			if bad := rowProblem(err); bad != nil {
				return c.Status(fiber.StatusBadRequest).JSON(bad)
			}
			var ce *queries.ConflictError
			if errors.As(err, &ce) {
				s.log.Warn("ingest gave up after conflicts with another writer", "table", t.Key, "attempts", ce.Attempts, "err", ce.Err)
				c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(ce.RetryAfter.Seconds())))
				return c.Status(fiber.StatusServiceUnavailable).JSON(apiError{Error: ce.Error() + "; nothing was written"})
			}
			return err
		}
		s.log.Info("ingest", "table", t.Key, "format", mediaType, "bytes", len(c.Request().Body()),
			"inserted", counts.Inserted, "updated", counts.Updated, "unchanged", counts.Unchanged,
			"ms", time.Since(start).Milliseconds())
		return c.JSON(counts)
	}
}

// bearerOK checks the Authorization header against INGEST_TOKEN in constant time (both are hashed first,
// so not even the token's length leaks). given reports whether a bearer token was sent at all.
func (s *server) bearerOK(c *fiber.Ctx) (given, ok bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(c.Get(fiber.HeaderAuthorization)), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return false, false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	want := sha256.Sum256([]byte(s.cfg.IngestToken))
	return true, subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// rowProblem turns an importer error that is the sender's doing into the 400's body; nil for any other.
func rowProblem(err error) *apiError {
	var le *ingest.LineError
	var re *ingest.RowError
	var de *queries.DuplicateError
	const nothing = "; nothing was written"
	switch {
	case errors.As(err, &le):
		return &apiError{Error: le.Error() + nothing, Line: le.Line}
	case errors.As(err, &de):
		return &apiError{Error: de.Error() + nothing, Line: de.Line}
	case errors.As(err, &re):
		return &apiError{Error: re.Error() + nothing, Row: re.Row}
	}
	return nil
}
