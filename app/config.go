package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is every setting aqdash reads, all from the environment, read once at start.
type Config struct {
	// Port is the TCP port to listen on (PORT, default 3000).
	Port string
	// DatabaseURL is the request pool's database (DATABASE_URL; empty means pgx's defaults).
	DatabaseURL string
	// DirectDatabaseURL bypasses a connection pooler for migrations (DIRECT_DATABASE_URL; default DatabaseURL).
	DirectDatabaseURL string
	// MaxConns caps the request pool (DATABASE_MAX_CONNS; 0 means pgx's default).
	MaxConns int32
	// SimpleProtocol uses pgx's exec mode for transaction-pooling PgBouncer (DATABASE_SIMPLE_PROTOCOL=on).
	SimpleProtocol bool
	// DemoData loads the bundled demo data into empty tables on start (DEMO_DATA, default on).
	DemoData bool
	// QueryTimeout bounds the queries of one request (QUERY_TIMEOUT, default 2s).
	QueryTimeout time.Duration
	// LogLevel is debug, info, warn or error (LOG_LEVEL, default info).
	LogLevel slog.Level
	// LogJSON writes JSON log lines (LOG_FORMAT=json; the default on Heroku and Fly.io).
	LogJSON bool
}

// LoadConfig reads the environment. It fails on a value it cannot understand rather than guess.
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Port:              "3000",
		DatabaseURL:       getenv("DATABASE_URL"),
		DirectDatabaseURL: getenv("DIRECT_DATABASE_URL"),
		DemoData:          true,
		QueryTimeout:      2 * time.Second,
	}
	if p := getenv("PORT"); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return c, fmt.Errorf("PORT=%q is not a port number", p)
		}
		c.Port = p
	}
	if c.DirectDatabaseURL == "" {
		c.DirectDatabaseURL = c.DatabaseURL
	}
	var err error
	if c.DemoData, err = parseSwitch("DEMO_DATA", getenv("DEMO_DATA"), true); err != nil {
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
	if s := getenv("QUERY_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("QUERY_TIMEOUT=%q is not a positive duration such as 2s", s)
		}
		c.QueryTimeout = d
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
	return c, nil
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
