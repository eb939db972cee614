package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aqdash/aqdash/queries"
)

// pageError is an error a person should read: its status and message are shown as they are.
type pageError struct {
	Status  int
	Title   string
	Message string
	// Param names the query parameter at fault, on a 400 made by badParam.
	Param string
}

func (e *pageError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Title, e.Message) }

// badParam is the 400 for one bad query parameter; the message names the parameter.
func badParam(name, format string, args ...any) *pageError {
	return &pageError{Status: fiber.StatusBadRequest, Title: "Bad request", Message: name + ": " + fmt.Sprintf(format, args...), Param: name}
}

// dataError is the body of every error of a view's JSON or CSV twin.
type dataError struct {
	Error string `json:"error"`
	// Parameter names the query parameter at fault, on a 400.
	Parameter string `json:"parameter,omitempty"`
}

// dataRoute reports whether path is a view's JSON or CSV twin (/historic.json, /compare.csv, ...), whose
// errors are JSON.
func dataRoute(path string) bool {
	return strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".csv")
}

// errorPage is the data of the error page and fragment.
type errorPage struct {
	pageData
	Status  int
	Message string
}

// handleError is Fiber's error handler: it turns every error into a page (or an htmx fragment) with the
// right status, and keeps internals (SQL, driver and dial errors) in the log, never in the response.
func (s *server) handleError(c *fiber.Ctx, err error) error {
	s.notePooler(err)
	pe := s.classify(c, err)
	if strings.HasPrefix(c.Path(), "/api/") {
		// The API's clients are programs: JSON, as its own errors (ingest.go).
		msg := pe.Message
		if pe.Status == fiber.StatusRequestEntityTooLarge {
			msg = fmt.Sprintf("the body is larger than the limit of %d MB: split the import", c.App().Config().BodyLimit>>20)
		}
		c.Set("Cache-Control", "no-store")
		return c.Status(pe.Status).JSON(apiError{Error: msg})
	}
	if dataRoute(c.Path()) {
		// The JSON and CSV twins of the views are read by programs: the same status and message as the
		// page, as JSON, with the parameter at fault on a 400.
		c.Set("Cache-Control", "no-store")
		c.Response().Header.Del(fiber.HeaderContentDisposition) // an error is no download
		return c.Status(pe.Status).JSON(dataError{Error: pe.Message, Parameter: pe.Param})
	}
	data := errorPage{pageData: s.newPage(c, pe.Title), Status: pe.Status, Message: pe.Message}
	c.Set("Cache-Control", "no-store")
	if rerr := s.render(c, pe.Status, "pages/error", "partials/error", data); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(pe.Status).SendString(pe.Title + ": " + pe.Message)
	}
	return nil
}

// classify maps an error to what the person sees, logging the ones that are not their doing.
func (s *server) classify(c *fiber.Ctx, err error) *pageError {
	var pe *pageError
	var fe *fiber.Error
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.As(err, &fe):
		switch fe.Code {
		case fiber.StatusNotFound:
			return &pageError{Status: fe.Code, Title: "Not found", Message: "There is no page at " + c.Path() + "."}
		case fiber.StatusMethodNotAllowed:
			return &pageError{Status: fe.Code, Title: "Method not allowed", Message: "This address only answers GET."}
		case fiber.StatusRequestEntityTooLarge:
			return &pageError{Status: fe.Code, Title: "Too large", Message: "The request body is too large."}
		}
		if fe.Code < 500 {
			return &pageError{Status: fe.Code, Title: "Bad request", Message: "The request could not be understood."}
		}
	case timedOut(err):
		s.log.Warn("database timed out", "path", c.Path(), "err", err)
		limit := s.cfg.QueryTimeout
		if st := s.cfg.StatementTimeout; st > 0 && st < limit {
			limit = st
		}
		return &pageError{Status: fiber.StatusServiceUnavailable, Title: "Timed out",
			Message: fmt.Sprintf("The database did not answer within %s, so this view was stopped. It may be busy: please try again in a moment, or narrow the view (fewer dates, locations or pollutants).", limit)}
	case unavailable(err):
		s.log.Warn("database unavailable", "path", c.Path(), "err", err)
		return &pageError{Status: fiber.StatusServiceUnavailable, Title: "Temporarily unavailable",
			Message: "The database is not answering right now. Please try again in a moment."}
	}
	s.log.Error("request failed", "path", c.Path(), "err", err)
	return &pageError{Status: fiber.StatusInternalServerError, Title: "Something went wrong",
		Message: "Something went wrong on our side. It has been logged; please try again later."}
}

// timedOut reports whether err is a query that ran out of time: the request's deadline (QUERY_TIMEOUT) or
// PostgreSQL's statement_timeout (query_canceled, 57014).
func timedOut(err error) bool {
	var pg *pgconn.PgError
	return errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) || (errors.As(err, &pg) && pg.Code == "57014")
}

// unavailable reports whether err means the database cannot answer now (down, unreachable, restarting,
// out of time or connections, or its schema not yet migrated) rather than a bug.
func unavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	// io.EOF and io.ErrUnexpectedEOF: the connection died mid-conversation (the database or the network
	// between went away).
	if errors.As(err, &ne) || errors.As(err, &ce) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	// A pooler set up the wrong way: a setting to change (logged by notePooler), and the pool adapts.
	if m, _ := queries.ClassifyPoolerError(err); m != queries.NoPoolerMistake {
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		class := pg.Code[:2]
		return class == "08" || class == "53" || class == "57" || pg.Code == "42P01"
	}
	return strings.Contains(err.Error(), "closed pool") || strings.Contains(err.Error(), "conn closed")
}
