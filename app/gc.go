package main

import (
	"runtime/debug"
)

// The server's garbage is short-lived: each request builds a page and drops it. With Go's default
// (GOGC=100) the collector runs every few requests on a heap of a few MB, and took about a quarter of
// the server's CPU time on a comparison page (see README, Performance). Collecting at 4× the live heap instead, with a soft
// limit well under a small VM's memory, keeps the heap a few tens of MB and gives that time to requests.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 96 << 20 // bytes; the collector works harder as the heap nears it
)

// tuneGC applies those defaults unless the operator set GOGC or GOMEMLIMIT, which the runtime reads
// itself and which then win.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
