// Package age says how old a date is in words, for a person reading a dashboard: "6 years ago",
// "3 months ago", "5 days ago". It is pure: the caller passes the clock's time.
package age

import (
	"strconv"
	"time"
)

// Fresh is how old a date may be before Ago says anything: a daily series is current when its latest
// day is today, yesterday or the day before.
const Fresh = 2

// Ago says how long before now the day d is, in whole calendar years, months or days (the largest unit
// that is at least one), such as "6 years ago"; it is "" when d is at most Fresh days before now's day
// (or after it). Only the calendar days of d and now count, each in its own location.
func Ago(d, now time.Time) string {
	from := civil(d)
	to := civil(now)
	days := int(to.Sub(from).Hours() / 24)
	if days <= Fresh {
		return ""
	}
	years := to.Year() - from.Year()
	if from.AddDate(years, 0, 0).After(to) {
		years--
	}
	if years >= 1 {
		return plural(years, "year")
	}
	months := (to.Year()-from.Year())*12 + int(to.Month()) - int(from.Month())
	if from.AddDate(0, months, 0).After(to) {
		months--
	}
	if months >= 1 {
		return plural(months, "month")
	}
	return plural(days, "day")
}

// civil is t's calendar day as midnight UTC, so that differences count whole days.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit + " ago"
	}
	return strconv.Itoa(n) + " " + unit + "s ago"
}
