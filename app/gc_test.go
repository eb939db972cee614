package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: the defaults apply when GOGC and GOMEMLIMIT are unset, and an operator's own values win.
func TestTuneGC(t *testing.T) {
	oldPercent, oldLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(oldPercent); debug.SetMemoryLimit(oldLimit) })

	tuneGC(func(string) string { return "" })
	if p := debug.SetGCPercent(100); p != defaultGCPercent {
		t.Errorf("GOGC unset: GC percent %d, want %d", p, defaultGCPercent)
	}
	if l := debug.SetMemoryLimit(-1); l != defaultMemoryLimit {
		t.Errorf("GOMEMLIMIT unset: memory limit %d, want %d", l, defaultMemoryLimit)
	}

	debug.SetGCPercent(150)
	debug.SetMemoryLimit(1 << 30)
	tuneGC(func(k string) string { return map[string]string{"GOGC": "150", "GOMEMLIMIT": "1GiB"}[k] })
	if p := debug.SetGCPercent(100); p != 150 {
		t.Errorf("GOGC=150: GC percent %d", p)
	}
	if l := debug.SetMemoryLimit(-1); l != 1<<30 {
		t.Errorf("GOMEMLIMIT=1GiB: memory limit %d", l)
	}
}
