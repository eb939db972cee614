// Package calgrid lays a calendar year out as a grid of weeks (columns, Monday to Sunday) and weekdays
// (rows, Monday at the top), as a year calendar of daily values shows it.
package calgrid

import "time"

// Cell is one day of the year in the grid.
type Cell struct {
	Date time.Time
	// Week is the column, 0 for the week holding 1 January; Weekday the row, 0 for Monday.
	Week, Weekday int
}

// Month is where a month's first column starts.
type Month struct {
	Month time.Month
	Week  int
}

// Year lays out every day of year (UTC dates): the cells in date order, the first week of each month,
// and the number of week columns (53 or 54).
func Year(year int) (cells []Cell, months []Month, weeks int) {
	d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	offset := weekday(d)
	for ; d.Year() == year; d = d.AddDate(0, 0, 1) {
		i := d.YearDay() - 1 + offset
		c := Cell{Date: d, Week: i / 7, Weekday: i % 7}
		if d.Day() == 1 {
			months = append(months, Month{Month: d.Month(), Week: c.Week})
		}
		cells = append(cells, c)
	}
	return cells, months, cells[len(cells)-1].Week + 1
}

// weekday counts from Monday (0) to Sunday (6).
func weekday(d time.Time) int { return (int(d.Weekday()) + 6) % 7 }
