// Package forecast holds the forecasters behind the demo data's predictions: Smooth (simple exponential
// smoothing, one day ahead) and the models of Models (ses, persistence and climatology, each issued day
// by day for several lead times). They are deliberately modest and honest: a forecast issued on a day is
// computed from measurements dated on or before that day only (and Smooth's prediction for a day from
// earlier days), so the demo's accuracy figures mean what they say.
package forecast

import "time"

// Point is one day of a series.
type Point struct {
	Date  time.Time
	Value float64
}

// Alpha is the smoothing weight of the newest observation. Daily PM levels persist strongly from one day
// to the next, so recent days weigh a lot; 0.5 halves the weight of each older day.
const Alpha = 0.5

// MaxGap is how many days without a measurement the forecaster keeps predicting through. After a longer
// gap it stays silent until the next measurement, rather than repeat a stale level for months.
const MaxGap = 3

// day is one calendar day.
const day = 24 * time.Hour

// Smooth predicts each day of a series from the days before it: the level is the first observation, and
// each later observation v moves it to alpha*v + (1-alpha)*level. The prediction for day d is the level
// after every observation before d. Days are predicted from the day after the first observation to the
// day after the last one, skipping days more than MaxGap days after the latest observation.
// obs must be sorted by date with at most one point a day; the result is sorted by date.
func Smooth(obs []Point, alpha float64) []Point {
	if len(obs) == 0 {
		return nil
	}
	var out []Point
	level := obs[0].Value
	last := obs[0].Date
	for i := 1; i <= len(obs); i++ {
		// Days strictly after the previous observation up to this one (or one day past the end).
		end := last.Add(day)
		if i < len(obs) {
			end = obs[i].Date
		}
		for d := last.Add(day); !d.After(end); d = d.Add(day) {
			if d.Sub(last) > MaxGap*day {
				break
			}
			out = append(out, Point{d, level})
		}
		if i < len(obs) {
			level = alpha*obs[i].Value + (1-alpha)*level
			last = obs[i].Date
		}
	}
	return out
}
