package main

import (
	"strings"
	"testing"
	"time"
)

// envOf is a getenv over a fixed set of variables.
func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// TestConfigPlatformDefaults: on Heroku and Fly.io the logs are JSON and the platform's proxy header is
// trusted without any setting; elsewhere neither; explicit settings win.
func TestConfigPlatformDefaults(t *testing.T) {
	cases := []struct {
		env   []string
		json  bool
		proxy TrustedProxy
	}{
		{nil, false, ProxyNone},
		{[]string{"DYNO", "web.1"}, true, ProxyHeroku},
		{[]string{"FLY_APP_NAME", "aqdash"}, true, ProxyFly},
		{[]string{"DYNO", "web.1", "TRUSTED_PROXY", "none", "LOG_FORMAT", "text"}, false, ProxyNone},
		{[]string{"TRUSTED_PROXY", "Heroku", "LOG_FORMAT", "JSON"}, true, ProxyHeroku},
		{[]string{"FLY_APP_NAME", "aqdash", "TRUSTED_PROXY", "fly"}, true, ProxyFly},
	}
	for _, tc := range cases {
		c, err := LoadConfig(envOf(tc.env...))
		if err != nil {
			t.Errorf("%v: %v", tc.env, err)
			continue
		}
		if c.LogJSON != tc.json || c.TrustedProxy != tc.proxy {
			t.Errorf("%v: json=%v proxy=%q, want json=%v proxy=%q", tc.env, c.LogJSON, c.TrustedProxy, tc.json, tc.proxy)
		}
	}
}

// TestConfigProductionSettings reads the settings a production deploy uses.
func TestConfigProductionSettings(t *testing.T) {
	c, err := LoadConfig(envOf(
		"PORT", "8080",
		"DATABASE_URL", "postgres://u:p@pgbouncer.example:5432/db?sslmode=require",
		"DIRECT_DATABASE_URL", "postgres://u:p@direct.example:5432/db?sslmode=require",
		"DATABASE_MAX_CONNS", "8",
		"DATABASE_SIMPLE_PROTOCOL", "on",
		"DEMO_DATA", "off",
		"EXPORT_MAX_CONNS", "3",
		"EXPORT_STALL_TIMEOUT", "45s",
	))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != "8080" || c.MaxConns != 8 || !c.SimpleProtocol || c.DemoData ||
		c.ExportMaxConns != 3 || c.ExportStallTimeout != 45*time.Second ||
		!strings.Contains(c.DirectDatabaseURL, "direct.example") || !strings.Contains(c.DatabaseURL, "pgbouncer.example") {
		t.Errorf("production settings read as %+v", c)
	}
	if c, _ := LoadConfig(envOf()); c.ExportMaxConns != 2 || c.ExportStallTimeout != 30*time.Second {
		t.Errorf("export defaults: %d connections, stall timeout %s; want 2 and 30s", c.ExportMaxConns, c.ExportStallTimeout)
	}
	if c, _ := LoadConfig(envOf("DATABASE_URL", "postgres://h/db")); c.DirectDatabaseURL != "postgres://h/db" {
		t.Errorf("DIRECT_DATABASE_URL defaults to %q, want DATABASE_URL", c.DirectDatabaseURL)
	}
}

// TestConfigRejects: a value that cannot be understood stops the start with a message naming it.
func TestConfigRejects(t *testing.T) {
	for _, kv := range [][2]string{
		{"TRUSTED_PROXY", "cloudflare"},
		{"PORT", "http"},
		{"PORT", "70000"},
		{"DATABASE_MAX_CONNS", "0"},
		{"DATABASE_SIMPLE_PROTOCOL", "maybe"},
		{"LOG_FORMAT", "xml"},
		{"EXPORT_MAX_CONNS", "0"},
		{"EXPORT_STALL_TIMEOUT", "soon"},
		{"EXPORT_STALL_TIMEOUT", "-1s"},
	} {
		if _, err := LoadConfig(envOf(kv[0], kv[1])); err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("%s=%q: error %v, want one naming %s", kv[0], kv[1], err, kv[0])
		}
	}
}
