package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dbtest.DropTemplate()
	os.Exit(code)
}

// testServer is a server on a fresh database, with its Fiber app.
type testServer struct {
	*server
	app *fiber.App
	url string
}

// newTestServer builds the real server (templates, routes, middleware) over a fresh database holding
// the given CSV files (historic, then predictions; either may be empty).
func newTestServer(t *testing.T, historic, predictions string) *testServer {
	t.Helper()
	url := dbtest.NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	ctx := context.Background()
	if historic != "" {
		if _, err := ingest.Import(ctx, pool, queries.Historic, strings.NewReader(historic)); err != nil {
			t.Fatal(err)
		}
	}
	if predictions != "" {
		if _, err := ingest.Import(ctx, pool, queries.Predictions, strings.NewReader(predictions)); err != nil {
			t.Fatal(err)
		}
	}
	cfg := Config{Port: "0", DatabaseURL: url, DirectDatabaseURL: url, QueryTimeout: 2 * time.Second, PageCache: true}
	logTo := io.Discard
	if os.Getenv("TEST_LOG") != "" { // TEST_LOG=1 shows the server's log, for debugging a test
		logTo = os.Stderr
	}
	s, err := newServer(cfg, slog.New(slog.NewTextHandler(logTo, nil)), pool)
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{server: s, app: s.newApp(), url: url}
}

// get sends a GET with the given headers (name, value, ...) and returns the response and its body.
func (ts *testServer) get(t *testing.T, target string, headers ...string) (*http.Response, string) {
	t.Helper()
	return ts.do(t, httptest.NewRequest(http.MethodGet, target, nil), headers...)
}

// do sends req through the app with the given headers (name, value, ...) and returns the response and
// its body.
func (ts *testServer) do(t *testing.T, req *http.Request, headers ...string) (*http.Response, string) {
	t.Helper()
	return send(t, ts.app, req, headers...)
}

// send sends req through app with the given headers (name, value, ...) and returns the response (its
// body read and closed) and the body.
func send(t *testing.T, app *fiber.App, req *http.Request, headers ...string) (*http.Response, string) {
	t.Helper()
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}
