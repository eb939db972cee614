package forecast

import (
	"iter"
	"slices"
	"time"
)

// Forecast is one prediction as it was made: model Model, issued on day Issued, for day Date, which is
// Lead days after Issued. Issued and Date are midnight UTC of their calendar days.
type Forecast struct {
	Model        string
	Issued, Date time.Time
	Lead         int
	Value        float64
}

// MaxLead is the longest lead a model computes; leads outside 1..MaxLead are ignored. Every window
// climatology reads ends at least 358 days before its target, so up to MaxLead it only ever reads days
// well before the issue day.
const MaxLead = 30

// Model is one forecaster of a daily series. Use the models of Models; a copy with other Leads computes
// those leads instead.
type Model struct {
	// Name is the model's name as stored, e.g. "ses".
	Name string
	// Leads are the leads in days the model forecasts, in the order its forecasts come out.
	Leads []int
	// value is the model's forecast issued on day d (a day number) for day d+lead; i is the index of
	// d's measurement, the latest one it knows.
	value func(s *prepared, i int, d int64, lead int) (float64, bool)
}

// Models returns the demo's three models in this fixed order, each for leads 1, 2 and 3:
//
//   - ses: simple exponential smoothing with Alpha, as Smooth. The forecast issued on D is the level
//     after every measurement on or before D, the same for every lead (a flat forecast).
//   - persistence: the latest measurement on or before D, for every lead.
//   - climatology: for the target day T = D+lead, the mean of the measurements in the windows of the
//     earlier years: for k = 1, 2, ... the 15 days C_k−7 … C_k+7, where C_k is T's month and day in year
//     year(T)−k (29 February maps to 28 February in a year without it). A window may cross a year end
//     (for T = 30 December 2021 the k=1 window runs 23 December 2020 – 6 January 2021); every window day
//     is at least 358 days before T, so before D; so a late-December target may use early January of its
//     own calendar year, and a series speaks from about 358 days after its first measurement. Silent (no forecast) when no window holds a
//     measurement. It issues on the issue days below like the others, so it needs recent data too.
//
// Every model issues on the same days, so that all of them cover comparable days: a series' issue days
// are the days it has a measurement, as a forecaster runs the models when the day's measurement comes in
// (each run knows that day's measurement and every earlier one, never a later one). The last run is
// issued on the last measured day and predicts the days after it; no run is issued after the last
// measurement. A gap of a few days is still covered by the longer leads of the run issued before it;
// ses's forecast of the shortest lead for each day is Smooth's prediction of that day. Whether D is an
// issue day depends only on the measurements dated on or before D.
func Models() []Model {
	return []Model{
		{Name: "ses", Leads: []int{1, 2, 3}, value: sesValue},
		{Name: "persistence", Leads: []int{1, 2, 3}, value: persistenceValue},
		{Name: "climatology", Leads: []int{1, 2, 3}, value: climatologyValue},
	}
}

// All returns every forecast of every model of Models for one series, in the order of Each. obs must be
// sorted by date with at most one point a day, as for Smooth.
func All(obs []Point) []Forecast {
	s := prepare(obs)
	out := make([]Forecast, 0, len(s.days)*3*3)
	for f := range s.each(Models()) {
		out = append(out, f)
	}
	return out
}

// Each yields every forecast of every model of Models for one series without collecting them (a loader
// can stream them): model by model in the order of Models, each model's forecasts by issue date, and the
// forecasts of one issue date in the order of the model's Leads. obs is as for All.
func Each(obs []Point) iter.Seq[Forecast] {
	return prepare(obs).each(Models())
}

// Forecasts yields the forecasts of model m for one series, by issue date and then in the order of
// m.Leads. obs is as for All.
func (m Model) Forecasts(obs []Point) iter.Seq[Forecast] {
	return prepare(obs).each([]Model{m})
}

// prepared is one series ready for the models: day numbers (days since 1970-01-01) and values.
type prepared struct {
	days []int64
	vals []float64
	// levels[i] is the smoothed level after measurement i.
	levels []float64
	// cache holds climatology values by target day (the slot is day mod len, a power of two above
	// MaxLead, so that the targets of neighbouring issue days stay cached).
	cache [64]climSlot
}

// climSlot is one cached climatology value.
type climSlot struct {
	day   int64
	value float64
	ok    bool
	set   bool
}

func prepare(obs []Point) *prepared {
	s := &prepared{days: make([]int64, len(obs)), vals: make([]float64, len(obs)), levels: make([]float64, len(obs))}
	for i, p := range obs {
		s.days[i] = DayNumber(p.Date)
		s.vals[i] = p.Value
		if i == 0 {
			s.levels[i] = p.Value
		} else {
			s.levels[i] = Alpha*p.Value + (1-Alpha)*s.levels[i-1]
		}
	}
	return s
}

func (p *prepared) each(models []Model) iter.Seq[Forecast] {
	return func(yield func(Forecast) bool) {
		s := *p // each run has its own climatology cache
		for _, m := range models {
			for i, d := range s.days {
				issued := DayTime(d)
				for _, lead := range m.Leads {
					if lead < 1 || lead > MaxLead {
						continue
					}
					v, ok := m.value(&s, i, d, lead)
					if !ok {
						continue
					}
					if !yield(Forecast{Model: m.Name, Issued: issued, Date: DayTime(d + int64(lead)), Lead: lead, Value: v}) {
						return
					}
				}
			}
		}
	}
}

func sesValue(s *prepared, i int, _ int64, _ int) (float64, bool) { return s.levels[i], true }

func persistenceValue(s *prepared, i int, _ int64, _ int) (float64, bool) { return s.vals[i], true }

func climatologyValue(s *prepared, _ int, d int64, lead int) (float64, bool) {
	t := d + int64(lead)
	slot := &s.cache[t&(int64(len(s.cache))-1)]
	if !slot.set || slot.day != t {
		v, ok := s.climatology(t)
		*slot = climSlot{day: t, value: v, ok: ok, set: true}
	}
	return slot.value, slot.ok
}

// climatology is the mean of the measurements in the windows of the years before target day t (see
// Models), summed oldest first.
func (s *prepared) climatology(t int64) (float64, bool) {
	if len(s.days) == 0 {
		return 0, false
	}
	y, m, dd := DayTime(t).Date()
	first := s.days[0]
	k := 1
	for windowCenter(y-k, m, dd)+7 >= first {
		k++
	}
	var sum float64
	n := 0
	for k--; k >= 1; k-- {
		c := windowCenter(y-k, m, dd)
		j, _ := slices.BinarySearch(s.days, c-7)
		for ; j < len(s.days) && s.days[j] <= c+7; j++ {
			sum += s.vals[j]
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// windowCenter is the day number of month m, day d in year y, with 29 February as 28 February in a year
// without it.
func windowCenter(y int, m time.Month, d int) int64 {
	if m == time.February && d == 29 && !leap(y) {
		d = 28
	}
	return civilDay(y, m, d)
}

func leap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func civilDay(y int, m time.Month, d int) int64 {
	return floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400)
}

// DayNumber is the number of t's calendar day (in t's location) since 1970-01-01.
func DayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return civilDay(y, m, d)
}

// DayTime is midnight UTC of day number n.
func DayTime(n int64) time.Time { return time.Unix(n*86400, 0).UTC() }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
