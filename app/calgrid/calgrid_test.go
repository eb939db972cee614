package calgrid

import (
	"testing"
	"time"
)

// TestYear: every day once, in order, one row per weekday, a new column after each Sunday, months
// starting in the column of their first day.
func TestYear(t *testing.T) {
	for _, y := range []int{2018, 2019, 2020, 2021, 2024, 2028} {
		cells, months, weeks := Year(y)
		days := 365
		if y%4 == 0 {
			days = 366
		}
		if len(cells) != days || len(months) != 12 {
			t.Fatalf("%d: %d cells, %d months", y, len(cells), len(months))
		}
		for i, c := range cells {
			if c.Date.YearDay() != i+1 || c.Date.Year() != y {
				t.Fatalf("%d: cell %d is %v", y, i, c.Date)
			}
			if got, want := c.Weekday, (int(c.Date.Weekday())+6)%7; got != want {
				t.Fatalf("%v: row %d, want %d", c.Date, got, want)
			}
			if i > 0 {
				p := cells[i-1]
				if (p.Weekday == 6) != (c.Week == p.Week+1) || c.Week < p.Week {
					t.Fatalf("%v: week %d after %v week %d", c.Date, c.Week, p.Date, p.Week)
				}
			}
			if c.Date.Day() == 1 && months[c.Date.Month()-1].Week != c.Week {
				t.Fatalf("%v: month starts in week %d, cell in %d", c.Date, months[c.Date.Month()-1].Week, c.Week)
			}
		}
		if weeks != cells[len(cells)-1].Week+1 || weeks < 53 || weeks > 54 {
			t.Fatalf("%d: %d weeks", y, weeks)
		}
	}
	// 1 January 2019 was a Tuesday: row 1 of column 0.
	cells, _, _ := Year(2019)
	if cells[0].Weekday != 1 || cells[0].Week != 0 || !cells[6].Date.Equal(time.Date(2019, 1, 7, 0, 0, 0, 0, time.UTC)) || cells[6].Week != 1 {
		t.Fatalf("2019 starts %+v, 7 Jan %+v", cells[0], cells[6])
	}
}
