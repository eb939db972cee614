package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
)

// SyntheticPrefix starts the name of every generated location, so generated data never mixes with real
// data and can be replaced as a whole.
const SyntheticPrefix = "Synthetic "

// syntheticDays is how many days each generated series spans (ten years from 2010-01-01).
const syntheticDays = 3650

// syntheticMissing is the share of days missing from each table, drawn independently for each.
const syntheticMissing = 0.03

// base is each pollutant's typical daily level, in its unit.
var base = map[string]float64{
	"pm25": 55, "pm10": 110, "no": 15, "no2": 30, "nox": 35, "nh3": 25,
	"co": 1.2, "so2": 14, "o3": 35, "benzene": 3, "toluene": 8, "xylene": 3,
}

// SyntheticModels are the models of the generated predictions, and SyntheticLeads their leads: every
// generated day of a series has a prediction of each model at each lead (4 rows).
var (
	SyntheticModels = [2]string{"synthetic-a", "synthetic-b"}
	SyntheticLeads  = [2]int{1, 2}
)

// SyntheticResult says what Synthetic wrote.
type SyntheticResult struct {
	Locations             int
	Historic, Predictions int64
	Elapsed               time.Duration
}

// Synthetic replaces every generated series with n rows in each table: "Synthetic NNNN" locations ×
// all 12 pollutants × up to ten years of days, a seasonal pattern (winter peaks) with day-to-day
// persistence and noise, about 3% of days missing from each table independently, and predictions that
// are the actual plus an error. The n predictions are spread over SyntheticModels × SyntheticLeads: each
// predicted day of a series has all four (so they cover the first quarter of the measured days and
// locations); the error grows with the lead, and the second model's is larger. It streams both tables
// through COPY, so memory stays flat for any n. The output is the same for the same n.
func Synthetic(ctx context.Context, db queries.DB, n int64) (SyntheticResult, error) {
	start := time.Now()
	perLocation := int64(float64(len(ingest.Pollutants)*syntheticDays) * (1 - syntheticMissing) * 0.99)
	res := SyntheticResult{Locations: int(max(1, (n+perLocation-1)/perLocation))}
	if n <= 0 {
		return res, fmt.Errorf("the number of rows must be positive, not %d", n)
	}
	// One bulk load: the comparison is rebuilt once at the end, not kept row by row; so are the tables'
	// secondary indexes (the tables are locked meanwhile: this fills a benchmark's database).
	err := queries.BulkLoad(ctx, db, func(tx pgx.Tx) (bool, error) {
		for _, t := range []queries.Table{queries.Historic, queries.Predictions} {
			if _, err := queries.DeleteLocationPrefix(ctx, tx, t, SyntheticPrefix); err != nil {
				return false, err
			}
		}
		buildIndexes, err := queries.DropSecondaryIndexes(ctx, tx, queries.Historic, queries.Predictions)
		if err != nil {
			return false, err
		}
		if res.Historic, err = queries.CopyRows(ctx, tx, queries.Historic, newSeries(res.Locations, n, false)); err != nil {
			return false, fmt.Errorf("synthetic measurements: %w", err)
		}
		if res.Predictions, err = queries.CopyRows(ctx, tx, queries.Predictions, newSeries(res.Locations, n, true)); err != nil {
			return false, fmt.Errorf("synthetic predictions: %w", err)
		}
		return true, buildIndexes()
	})
	if err != nil {
		return res, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// series generates rows location by location, pollutant by pollutant, day by day, up to a row limit.
// Measurements and predictions use the same underlying levels, so predictions track the actuals with an
// error; each table drops its own random days.
type series struct {
	locations, loc, typ, day int
	sub                      int     // predictions: the model × lead of the current day emitted last (0..3)
	value, err               float64 // predictions: the current day's actual and its error draw
	limit, made              int64
	predictions              bool
	level                    float64 // yesterday's deviation from the seasonal mean, for persistence
	levels, gaps, errs       *rand.Rand
	row                      queries.Row
	start                    time.Time
}

func newSeries(locations int, limit int64, predictions bool) *series {
	s := &series{locations: locations, limit: limit, predictions: predictions, day: -1,
		start: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.reseed()
	return s
}

// reseed starts the random streams of the current series; they depend only on location and pollutant,
// so measurements and predictions of one series share their levels.
func (s *series) reseed() {
	k := uint64(s.loc)*100 + uint64(s.typ)
	s.levels = rand.New(rand.NewPCG(k, 1))
	gapSeed := uint64(2)
	if s.predictions {
		gapSeed = 3
	}
	s.gaps = rand.New(rand.NewPCG(k, gapSeed))
	s.errs = rand.New(rand.NewPCG(k, 4))
	s.level = 0
}

// Next advances to the next row; it implements queries.RowSource.
func (s *series) Next() bool {
	if s.predictions && s.sub < len(SyntheticModels)*len(SyntheticLeads)-1 && s.made > 0 && s.made < s.limit {
		// The same day's next model and lead.
		s.sub++
		s.setPrediction()
		s.made++
		return true
	}
	for s.made < s.limit {
		s.day++
		if s.day == syntheticDays {
			s.day = 0
			s.typ++
			if s.typ == len(ingest.Pollutants) {
				s.typ = 0
				s.loc++
				if s.loc == s.locations {
					return false
				}
			}
			s.reseed()
		}
		p := ingest.Pollutants[s.typ]
		date := s.start.AddDate(0, 0, s.day)
		// Winter peaks: the seasonal factor is highest in mid-January.
		season := 1 + 0.55*math.Cos(2*math.Pi*float64(date.YearDay()-15)/365.25)
		s.level = 0.7*s.level + 0.3*s.levels.NormFloat64()
		v := base[p.Code] * season * math.Exp(0.35*s.level) * (1 + 0.1*float64(s.loc%7))
		errv := s.errs.NormFloat64()
		if s.gaps.Float64() < syntheticMissing {
			continue
		}
		s.row = queries.Row{Date: date, Location: fmt.Sprintf("%s%04d", SyntheticPrefix, s.loc+1), Type: p.Code, Value: math.Round(v*100) / 100}
		if s.predictions {
			s.value, s.err, s.sub = v, errv, 0
			s.setPrediction()
		}
		s.made++
		return true
	}
	return false
}

// setPrediction makes the current row the prediction of model × lead s.sub for the current day: the
// actual with an error of 18% (one standard deviation) for the first model at lead 1, a third more per
// lead beyond 1, and a quarter more for the second model. The error draws of the models and leads are
// related (one draw, scaled, plus a share of the model's own), so the models agree more than chance.
func (s *series) setPrediction() {
	m, l := s.sub/len(SyntheticLeads), s.sub%len(SyntheticLeads)
	lead := SyntheticLeads[l]
	sd := 0.18 * (1 + float64(lead-1)/3)
	e := s.err
	if m == 1 {
		sd *= 1.25
		e = 0.8*s.err + 0.6*s.errs.NormFloat64()
	}
	v := math.Max(0, s.value*(1+sd*e))
	s.row.Model, s.row.Lead, s.row.Value = SyntheticModels[m], lead, math.Round(v*100)/100
}

// Row returns the current row.
func (s *series) Row() queries.ImportRow { return queries.ImportRow{Line: s.made, Row: s.row} }

// Err is always nil: generation cannot fail.
func (s *series) Err() error { return nil }
