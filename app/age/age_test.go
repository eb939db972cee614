package age

import (
	"testing"
	"time"
)

func TestAgo(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	now := time.Date(2026, 12, 1, 14, 30, 0, 0, time.UTC)
	cases := []struct{ date, want string }{
		{"2020-07-01", "6 years ago"}, // the demo data's last day, seen on 2026-12-01
		{"2026-12-01", ""},
		{"2026-11-30", ""},
		{"2026-11-29", ""}, // two days: still current
		{"2026-11-28", "3 days ago"},
		{"2026-11-02", "29 days ago"},
		{"2026-11-01", "1 month ago"},
		{"2026-10-02", "1 month ago"},
		{"2026-10-01", "2 months ago"},
		{"2025-12-02", "11 months ago"},
		{"2025-12-01", "1 year ago"},
		{"2024-12-02", "1 year ago"},
		{"2024-12-01", "2 years ago"},
		{"2027-01-01", ""}, // a date after the clock's (a clock behind the data) says nothing
	}
	for _, c := range cases {
		if got := Ago(day(c.date), now); got != c.want {
			t.Errorf("Ago(%s, %s) = %q, want %q", c.date, now.Format(time.DateOnly), got, c.want)
		}
	}
	// Month ends: 31 Jan to 28 Feb is not yet a month; to 1 Mar it is.
	if got := Ago(day("2026-01-31"), day("2026-02-28")); got != "28 days ago" {
		t.Errorf("31 Jan to 28 Feb: %q", got)
	}
	if got := Ago(day("2026-01-31"), day("2026-03-03")); got != "1 month ago" {
		t.Errorf("31 Jan to 3 Mar: %q", got)
	}
	// The clock's own zone decides its day: 00:30 on 2 Dec in India is still 1 Dec in UTC.
	ist := time.FixedZone("IST", 5*3600+1800)
	if got := Ago(day("2026-11-29"), time.Date(2026, 12, 2, 0, 30, 0, 0, ist)); got != "3 days ago" {
		t.Errorf("in India's zone: %q", got)
	}
}
