package demo

import (
	"cmp"
	"slices"

	"github.com/aqdash/aqdash/app/forecast"
	"github.com/aqdash/aqdash/queries"
	"github.com/jackc/pgx/v5/pgtype"
)

// ComparisonSource streams the comparison of a load of measured and the predictions of models, as the
// comparison's rebuild writes it (aqdash_compare_rebuild, migrations 007 and 014) and in its order, for
// queries.StageComparison: for every (model, lead) pair with at least one prediction, every day of every
// series that has a measurement or that pair's prediction, with the measurement, the prediction and the
// persistence forecast (the measurement lead days earlier, one day at lead 0); pairs by model name
// (bytewise) and lead, then series by location and pollutant (bytewise), then date. It holds one
// model's forecasts at a time (the demo's biggest: 825,738), computed again from the measurements, as
// Predictions computes them.
type ComparisonSource struct {
	series []compSeries
	models []forecast.Model
	mi     int          // the next model to forecast
	byLead [][]compPred // the current model's predictions by lead, each by series and date
	lead   int          // the current lead of the current model, -1 before the first
	pos    int          // how far byLead[lead] is consumed
	si     int          // the next series of the current lead
	buf    []queries.StagedRow
	i      int
	cur    *queries.StagedRow
}

// compSeries is one series' measurements, by day number from first.
type compSeries struct {
	loc, typ string
	obs      []forecast.Point
	days     []int64 // the measured days, ascending
	first    int64
	value    []float64 // value[d-first] is day d's measurement where has[d-first]
	has      []bool
}

// compPred is one prediction of the current model: its series, day and value.
type compPred struct {
	series int32
	day    int64
	value  float64
}

// Comparison returns the source of the comparison of measured and the predictions of models (see
// ComparisonSource); measured has at most one measurement a series and day, as a load requires.
func Comparison(measured []queries.ImportRow, models []forecast.Model) *ComparisonSource {
	idx := map[seriesKey]int{}
	var series []compSeries
	for _, r := range measured {
		k := seriesKey{r.Location, r.Type}
		i, ok := idx[k]
		if !ok {
			i = len(series)
			idx[k] = i
			series = append(series, compSeries{loc: r.Location, typ: r.Type})
		}
		series[i].obs = append(series[i].obs, forecast.Point{Date: r.Date, Value: r.Value})
	}
	slices.SortFunc(series, func(a, b compSeries) int { return cmp.Or(cmp.Compare(a.loc, b.loc), cmp.Compare(a.typ, b.typ)) })
	for i := range series {
		s := &series[i]
		slices.SortFunc(s.obs, func(a, b forecast.Point) int { return a.Date.Compare(b.Date) })
		s.days = make([]int64, len(s.obs))
		for j, p := range s.obs {
			s.days[j] = forecast.DayNumber(p.Date)
		}
		s.first = s.days[0]
		n := s.days[len(s.days)-1] - s.first + 1
		s.value, s.has = make([]float64, n), make([]bool, n)
		for j, d := range s.days {
			s.value[d-s.first], s.has[d-s.first] = s.obs[j].Value, true
		}
	}
	ms := slices.Clone(models)
	slices.SortStableFunc(ms, func(a, b forecast.Model) int { return cmp.Compare(a.Name, b.Name) })
	return &ComparisonSource{series: series, models: ms, lead: -1}
}

// measured returns series s's measurement of day d, if any.
func (s *compSeries) measured(d int64) (float64, bool) {
	if d < s.first || d-s.first >= int64(len(s.has)) || !s.has[d-s.first] {
		return 0, false
	}
	return s.value[d-s.first], true
}

// Next advances to the next row; it implements queries.StagedSource.
func (c *ComparisonSource) Next() bool {
	for c.i >= len(c.buf) {
		if !c.fill() {
			return false
		}
	}
	c.cur = &c.buf[c.i]
	c.i++
	return true
}

// Row returns the row Next read.
func (c *ComparisonSource) Row() *queries.StagedRow { return c.cur }

// fill puts the rows of the next series (of the current pair, or of the next pair) in buf; false at
// the end.
func (c *ComparisonSource) fill() bool {
	c.buf, c.i = c.buf[:0], 0
	for c.lead < 0 || c.si == len(c.series) {
		if !c.nextLead() {
			return false
		}
	}
	s := &c.series[c.si]
	preds := c.byLead[c.lead][c.pos:]
	np := 0
	for np < len(preds) && preds[np].series == int32(c.si) {
		np++
	}
	preds = preds[:np]
	c.pos += np
	m := c.models[c.mi-1].Name
	back := int64(max(c.lead, 1))
	row := func(d int64) *queries.StagedRow {
		c.buf = append(c.buf, queries.StagedRow{Model: m, Lead: c.lead, Location: s.loc, Type: s.typ, Date: forecast.DayTime(d)})
		r := &c.buf[len(c.buf)-1]
		if v, ok := s.measured(d); ok {
			r.Actual = pgtype.Float8{Float64: v, Valid: true}
		}
		if v, ok := s.measured(d - back); ok {
			r.Prev = pgtype.Float8{Float64: v, Valid: true}
		}
		return r
	}
	// The measured days and the predicted days, merged by date.
	i, j := 0, 0
	for i < len(s.days) || j < len(preds) {
		switch {
		case j == len(preds) || (i < len(s.days) && s.days[i] < preds[j].day):
			row(s.days[i])
			i++
		case i == len(s.days) || preds[j].day < s.days[i]:
			row(preds[j].day).Predicted = pgtype.Float8{Float64: preds[j].value, Valid: true}
			j++
		default: // the same day
			row(s.days[i]).Predicted = pgtype.Float8{Float64: preds[j].value, Valid: true}
			i++
			j++
		}
	}
	c.si++
	return true
}

// nextLead moves to the next lead of the current model that has a prediction, or to the next model's
// first; false when no model is left.
func (c *ComparisonSource) nextLead() bool {
	for {
		if c.lead >= 0 {
			for l := c.lead + 1; l < len(c.byLead); l++ {
				if len(c.byLead[l]) > 0 {
					c.lead, c.pos, c.si = l, 0, 0
					return true
				}
			}
		}
		if c.mi == len(c.models) {
			return false
		}
		c.forecastModel(c.models[c.mi])
		c.mi++
		c.lead = -1
		for l := range c.byLead {
			if len(c.byLead[l]) > 0 {
				c.lead, c.pos, c.si = l, 0, 0
				return true
			}
		}
	}
}

// forecastModel computes every series' forecasts of m into byLead, each lead's by series and date.
func (c *ComparisonSource) forecastModel(m forecast.Model) {
	if c.byLead == nil {
		c.byLead = make([][]compPred, forecast.MaxLead+1)
	}
	for l := range c.byLead {
		c.byLead[l] = c.byLead[l][:0]
	}
	for si := range c.series {
		for f := range m.Forecasts(c.series[si].obs) {
			c.byLead[f.Lead] = append(c.byLead[f.Lead], compPred{series: int32(si), day: forecast.DayNumber(f.Date), value: f.Value})
		}
	}
	for l := range c.byLead {
		// Each series' forecasts come by issue date, so by date within a lead: sorted already, unless a
		// model yields otherwise.
		byKey := func(a, b compPred) int { return cmp.Or(cmp.Compare(a.series, b.series), cmp.Compare(a.day, b.day)) }
		if !slices.IsSortedFunc(c.byLead[l], byKey) {
			slices.SortStableFunc(c.byLead[l], byKey)
		}
	}
}
