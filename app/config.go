package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aqdash/aqdash/app/aqi"
)

// Config is every setting aqdash reads, all from the environment, read once at start.
type Config struct {
	// Port is the TCP port to listen on (PORT, default 3000).
	Port string
	// DatabaseURL is the request pool's database (DATABASE_URL; empty means pgx's defaults).
	DatabaseURL string
	// DirectDatabaseURL bypasses a connection pooler for migrations and the LISTEN connection of live
	// updates (DIRECT_DATABASE_URL; default DatabaseURL).
	DirectDatabaseURL string
	// MaxConns caps the request pool (DATABASE_MAX_CONNS; 0 means pgx's default).
	MaxConns int32
	// SimpleProtocol uses pgx's exec mode for transaction-pooling PgBouncer (DATABASE_SIMPLE_PROTOCOL=on).
	SimpleProtocol bool
	// DemoData loads the bundled demo data into empty tables on start (DEMO_DATA, default on).
	DemoData bool
	// DefaultModel is the model a comparison shows when its URL names none and the data holds several
	// (DEFAULT_MODEL, default ses, the demo's own; when the data lacks it, the first model by name).
	DefaultModel string
	// Scale is the AQI scale the views show their bands in when the URL says no scale= (AQI_SCALE,
	// default naqi: India's National AQI; us_epa: the US EPA AQI of 2024).
	Scale *aqi.Scale
	// QueryTimeout bounds the queries of one request (QUERY_TIMEOUT, default 2s).
	QueryTimeout time.Duration
	// LogLevel is debug, info, warn or error (LOG_LEVEL, default info).
	LogLevel slog.Level
	// LogJSON writes JSON log lines (LOG_FORMAT=json; the default on Heroku and Fly.io).
	LogJSON bool
	// TrustedProxy names the platform proxy whose client-IP header is believed (TRUSTED_PROXY=fly, heroku
	// or none; detected from FLY_APP_NAME or DYNO when unset). With none, the socket's address is the client.
	TrustedProxy TrustedProxy
	// IngestToken is the bearer token of the ingest API, POST /api/historic and /api/predictions
	// (INGEST_TOKEN; empty turns the API off).
	IngestToken string
	// PageCache answers repeat views of unchanged data from memory (PAGE_CACHE, default on; off makes
	// every request query the database, as the load benchmark measures it).
	PageCache bool
	// StatementTimeout is PostgreSQL's statement_timeout on the request pool's connections, so the
	// database stops a query the request has given up on (STATEMENT_TIMEOUT; default QueryTimeout; 0 or
	// off sends none, for a pooler that refuses startup parameters).
	StatementTimeout time.Duration
	// IngestRate limits the ingest API's requests per client IP (INGEST_RATE_LIMIT, default 60/min; off
	// turns the limit off). The zero value is no limit.
	IngestRate Rate
	// ExportMaxConns is both the size of the export pool, the connections CSV exports stream on (never
	// the request pool's), and the number of CSV exports served at once; one more answers 503 with
	// Retry-After (EXPORT_MAX_CONNS, default 2).
	ExportMaxConns int32
	// ExportStallTimeout cuts a CSV export whose client has read nothing for this long: its connection
	// closed, its transaction ended, its slot freed (EXPORT_STALL_TIMEOUT, default 30s).
	ExportStallTimeout time.Duration
}

// Defaults of the settings whose zero value is not a setting of its own.
const (
	defaultExportMaxConns     = 2
	defaultExportStallTimeout = 30 * time.Second
)

// minIngestToken is the shortest INGEST_TOKEN accepted: a guessable token would open the database to writes.
const minIngestToken = 16

// TrustedProxy is the platform proxy in front of the dashboard, which decides where a request's client IP
// comes from (see clientIP). Any other header that claims a client address is ignored.
type TrustedProxy string

const (
	// ProxyNone trusts no header: the client is the peer of the TCP connection.
	ProxyNone TrustedProxy = "none"
	// ProxyFly trusts Fly-Client-IP, which Fly's proxy sets and overwrites.
	ProxyFly TrustedProxy = "fly"
	// ProxyHeroku trusts the last X-Forwarded-For hop, the one Heroku's router appends.
	ProxyHeroku TrustedProxy = "heroku"
)

// LoadConfig reads the environment. It fails on a value it cannot understand rather than guess.
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Port:              "3000",
		DatabaseURL:       getenv("DATABASE_URL"),
		DirectDatabaseURL: getenv("DIRECT_DATABASE_URL"),
		IngestToken:       getenv("INGEST_TOKEN"),
		DemoData:          true,
		DefaultModel:      "ses",
		Scale:             aqi.Default(),
		QueryTimeout:      2 * time.Second,

		ExportMaxConns:     defaultExportMaxConns,
		ExportStallTimeout: defaultExportStallTimeout,
	}
	if m := strings.TrimSpace(getenv("DEFAULT_MODEL")); m != "" {
		if !validModelName(m) {
			return c, fmt.Errorf("DEFAULT_MODEL: %q is not a model name: use 1 to 64 letters, digits, '.', '_' or '-'", m)
		}
		c.DefaultModel = m
	}
	if k := strings.TrimSpace(getenv("AQI_SCALE")); k != "" {
		sc, ok := aqi.Get(k)
		if !ok {
			return c, fmt.Errorf("AQI_SCALE=%q is not an AQI scale: use %s", k, strings.Join(aqi.Keys(), " or "))
		}
		c.Scale = sc
	}
	if p := getenv("PORT"); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return c, fmt.Errorf("PORT=%q is not a port number", p)
		}
		c.Port = p
	}
	if n := len(c.IngestToken); n > 0 && n < minIngestToken {
		return c, fmt.Errorf("INGEST_TOKEN is %d characters: use at least %d (openssl rand -hex 32 makes one)", n, minIngestToken)
	}
	if c.DirectDatabaseURL == "" {
		c.DirectDatabaseURL = c.DatabaseURL
	}
	var err error
	if c.DemoData, err = parseSwitch("DEMO_DATA", getenv("DEMO_DATA"), true); err != nil {
		return c, err
	}
	if c.PageCache, err = parseSwitch("PAGE_CACHE", getenv("PAGE_CACHE"), true); err != nil {
		return c, err
	}
	if c.SimpleProtocol, err = parseSwitch("DATABASE_SIMPLE_PROTOCOL", getenv("DATABASE_SIMPLE_PROTOCOL"), false); err != nil {
		return c, err
	}
	if s := getenv("DATABASE_MAX_CONNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return c, fmt.Errorf("DATABASE_MAX_CONNS=%q is not a number from 1 to 1000", s)
		}
		c.MaxConns = int32(n)
	}
	if s := getenv("EXPORT_MAX_CONNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return c, fmt.Errorf("EXPORT_MAX_CONNS=%q is not a number from 1 to 100", s)
		}
		c.ExportMaxConns = int32(n)
	}
	if s := getenv("EXPORT_STALL_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("EXPORT_STALL_TIMEOUT=%q is not a positive duration such as 30s", s)
		}
		c.ExportStallTimeout = d
	}
	if s := getenv("QUERY_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("QUERY_TIMEOUT=%q is not a positive duration such as 2s", s)
		}
		c.QueryTimeout = d
	}
	c.StatementTimeout = c.QueryTimeout
	if s := getenv("STATEMENT_TIMEOUT"); s != "" {
		d, err := parseTimeoutOrOff(s)
		if err != nil {
			return c, fmt.Errorf("STATEMENT_TIMEOUT=%q is not a duration such as 2s, or off", s)
		}
		c.StatementTimeout = d
	}
	c.IngestRate = defaultIngestRate
	if s := getenv("INGEST_RATE_LIMIT"); s != "" {
		r, err := ParseRate(s)
		if err != nil {
			return c, fmt.Errorf("INGEST_RATE_LIMIT=%q: %v", s, err)
		}
		c.IngestRate = r
	}
	if s := getenv("LOG_LEVEL"); s != "" {
		if err := c.LogLevel.UnmarshalText([]byte(s)); err != nil {
			return c, fmt.Errorf("LOG_LEVEL=%q: use debug, info, warn or error", s)
		}
	}
	switch f := strings.ToLower(getenv("LOG_FORMAT")); f {
	case "json":
		c.LogJSON = true
	case "text":
	case "":
		c.LogJSON = getenv("DYNO") != "" || getenv("FLY_APP_NAME") != ""
	default:
		return c, fmt.Errorf("LOG_FORMAT=%q: use text or json", f)
	}
	switch p := TrustedProxy(strings.ToLower(getenv("TRUSTED_PROXY"))); p {
	case ProxyNone, ProxyFly, ProxyHeroku:
		c.TrustedProxy = p
	case "":
		c.TrustedProxy = detectProxy(getenv)
	default:
		return c, fmt.Errorf("TRUSTED_PROXY=%q: use fly, heroku or none", p)
	}
	return c, nil
}

// detectProxy recognises the platform from the variables it sets in every process: FLY_APP_NAME on Fly.io
// machines, DYNO on Heroku dynos.
func detectProxy(getenv func(string) string) TrustedProxy {
	switch {
	case getenv("FLY_APP_NAME") != "":
		return ProxyFly
	case getenv("DYNO") != "":
		return ProxyHeroku
	}
	return ProxyNone
}

func parseSwitch(name, s string, def bool) (bool, error) {
	switch strings.ToLower(s) {
	case "":
		return def, nil
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return def, fmt.Errorf("%s=%q: use on or off", name, s)
}

// NewLogger builds the process's logger from the config.
func NewLogger(c Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogJSON {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
