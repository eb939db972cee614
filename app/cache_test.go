package main

import (
	"context"
	"strings"
	"testing"
)

func TestVersionTracker(t *testing.T) {
	var v versionTracker
	if _, ok := v.get(); ok {
		t.Fatal("a new tracker should not claim to know the version")
	}
	v.changed("3.1") // heard before the first read: still not trusted
	if _, ok := v.get(); ok {
		t.Fatal("a change alone should not make the version known")
	}
	v.read("4.2")
	if got, ok := v.get(); !ok || got != "4.2" {
		t.Fatalf("after read: %q %v", got, ok)
	}
	// A predictions change whose transaction saw the historic counter before a concurrent commit.
	v.changed("5.2")
	v.changed("4.3")
	if got, _ := v.get(); got != "5.3" {
		t.Fatalf("counters should merge by maximum: %q, want 5.3", got)
	}
	v.reset()
	if _, ok := v.get(); ok {
		t.Fatal("after the listener is lost the version must be asked of the database")
	}
	v.read("6.3")
	v.changed("garbage")
	if _, ok := v.get(); ok {
		t.Fatal("an unreadable version should make the tracker ask the database")
	}
}

// TestPageCacheFollowsTheData: a live view is answered from the page cache the second time, and a write
// to the table (any writer: here plain SQL) makes the next request render anew with the new row.
func TestPageCacheFollowsTheData(t *testing.T) {
	h, p := fixture()
	ts := newTestServer(t, h, p)
	_, first := ts.get(t, "/historic?location=Hyderabad&size=5")
	if ts.pages.Len() != 1 {
		t.Fatalf("%d pages cached after one view, want 1", ts.pages.Len())
	}
	_, again := ts.get(t, "/historic?location=Hyderabad&size=5")
	if again != first {
		t.Fatal("a cached page differs from the page rendered")
	}
	_, frag := ts.get(t, "/historic?location=Hyderabad&size=5", "HX-Request", "true")
	if frag == first || ts.pages.Len() != 2 {
		t.Fatalf("the fragment must be cached apart from the page (%d entries)", ts.pages.Len())
	}
	if _, err := ts.db.Exec(context.Background(), "INSERT INTO daily_historic_pollution (location, type, date, value) VALUES ('Hyderabad', 'pm25', '2021-01-01', 77)"); err != nil {
		t.Fatal(err)
	}
	_, after := ts.get(t, "/historic?location=Hyderabad&size=5")
	if !strings.Contains(after, `datetime="2021-01-01"`) {
		t.Fatal("after a write the page still shows the old rows")
	}
	// With the listener keeping the version in memory, the same holds: a change moves the version.
	ts.versions.read("0.0")
	_, v1 := ts.get(t, "/historic?location=Hyderabad&size=5")
	ts.versions.changed("9.9")
	if _, err := ts.db.Exec(context.Background(), "INSERT INTO daily_historic_pollution (location, type, date, value) VALUES ('Hyderabad', 'pm25', '2021-01-02', 78)"); err != nil {
		t.Fatal(err)
	}
	_, v2 := ts.get(t, "/historic?location=Hyderabad&size=5")
	if v1 == v2 || !strings.Contains(v2, `datetime="2021-01-02"`) {
		t.Fatal("a change heard by the listener should give a freshly rendered page")
	}
}
