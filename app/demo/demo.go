// Package demo carries aqdash's demo data set inside the binary and loads it: real daily measurements of
// 26 Indian cities from the Central Pollution Control Board, CPCB via Kaggle
// (rohanrao/air-quality-data-in-india), file city_day.csv (sha256 fe11269c…0391), gzip-compressed; and
// for every series the forecasts of the three models of package forecast (ses, persistence and
// climatology, each issued on every measured day for leads 1 to 3), each computed from the measurements
// up to its issue day only.
package demo

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aqdash/aqdash/app/forecast"
	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
)

//go:embed city_day.csv.gz
var cityDay []byte

// Credit is the citation the data set asks for wherever it is shown or shipped.
const Credit = "CPCB via Kaggle (rohanrao/air-quality-data-in-india)"

// DefaultModel is the model the dashboard shows first on the demo data (DEFAULT_MODEL for the demo).
const DefaultModel = "ses"

// DefaultModels are the forecasts Load writes (the first start, app demo): the three models of
// forecast.Models at leads 1 to 3 (about 2.2 million predictions).
func DefaultModels() []forecast.Model { return forecast.Models() }

// AllModels are the forecasts LoadAll writes: every model of forecast.Models at its leads, the same as
// DefaultModels (app demo --models all, kept for the scripts that say so).
func AllModels() []forecast.Model { return forecast.Models() }

// Result says what Load did.
type Result struct {
	Historic, Predictions queries.Counts
	// Models counts the predictions Load carried by model (whether they were new or not).
	Models map[string]int64
	// ModelNames are the keys of Models in the order of forecast.Models.
	ModelNames []string
	// Committed is how long the load took until its rows were committed (and shown); Elapsed adds the
	// indexes built after the commit, if any (see LoadModelsDeferred).
	Committed, Elapsed time.Duration
	// Pending counts the indexes queued by the load and not built by it (LoadModelsDeferred).
	Pending int
	// Staged is true when the comparison was built beside the load, on a second connection, and adopted
	// (queries.AdoptComparison) rather than rebuilt after it: a load into empty tables.
	Staged bool
}

// Load upserts the demo measurements and their predictions of DefaultModels in one transaction. Rows
// already there with the same values are left alone, so loading twice changes nothing; other data is
// never touched. The predictions are computed series by series while they stream into the database.
func Load(ctx context.Context, db queries.DB) (Result, error) {
	return LoadModels(ctx, db, DefaultModels())
}

// LoadAll is Load with the predictions of AllModels.
func LoadAll(ctx context.Context, db queries.DB) (Result, error) {
	return LoadModels(ctx, db, AllModels())
}

// LoadModels is Load with the predictions of models (copies of forecast.Models, with their leads). A
// load into empty tables commits its rows first and builds the tables' secondary indexes after (see
// LoadModelsDeferred), before it returns.
func LoadModels(ctx context.Context, db queries.DB, models []forecast.Model) (Result, error) {
	start := time.Now()
	res, err := LoadModelsDeferred(ctx, db, models)
	if err != nil {
		return res, err
	}
	if res.Pending > 0 {
		if _, err := queries.BuildPendingIndexes(ctx, db); err != nil {
			return res, fmt.Errorf("demo indexes: %w", err)
		}
		pending, err := queries.PendingIndexes(ctx, db)
		if err != nil {
			return res, err
		}
		res.Pending = len(pending)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// LoadModelsDeferred is LoadModels but for the secondary indexes of a load into empty tables: it
// queues them (queries.DeferSecondaryIndexes, with the comparison's) and returns once the rows are
// committed, leaving them to queries.BuildPendingIndexesConcurrently (the server, in the background). On
// the demo the rows are then committed in a third of the time.
func LoadModelsDeferred(ctx context.Context, db queries.DB, models []forecast.Model) (Result, error) {
	start := time.Now()
	measured, err := readMeasurements()
	if err != nil {
		return Result{}, err
	}
	res, err := load(ctx, db, measured, models)
	res.Committed = time.Since(start)
	res.Elapsed = res.Committed
	if err != nil {
		return res, err
	}
	pending, err := queries.PendingIndexes(ctx, db)
	res.Pending = len(pending)
	return res, err
}

// load is LoadModels of the measurements measured and their predictions.
func load(ctx context.Context, db queries.DB, measured []queries.ImportRow, models []forecast.Model) (Result, error) {
	res := Result{Models: map[string]int64{}}
	for _, m := range models {
		res.ModelNames = append(res.ModelNames, m.Name)
	}
	var err error

	// One bulk load: the comparison and the sums are rebuilt once, and only when the load changed something.
	err = queries.BulkLoad(ctx, db, func(tx pgx.Tx) (bool, error) {
		// Into empty tables (the first start) the rows go straight in with COPY, the tables' secondary
		// indexes built once at the end: no staging, no duplicate check, no upsert, no index kept up row
		// by row. The tables are locked until the commit (readers wait, for a few seconds at most, or time
		// out with the busy page); their rows were none anyway.
		empty, err := queries.TablesEmpty(ctx, tx)
		if err != nil {
			return false, err
		}
		if empty {
			return loadFresh(ctx, tx, measured, models, &res)
		}
		if res.Historic, err = queries.Upsert(ctx, tx, queries.Historic, queries.SliceSource(measured)); err != nil {
			return false, fmt.Errorf("demo measurements: %w", err)
		}
		src := Predictions(measured, models)
		if res.Predictions, err = queries.Upsert(ctx, tx, queries.Predictions, src); err != nil {
			return false, fmt.Errorf("demo predictions: %w", err)
		}
		for m, n := range src.models {
			res.Models[m] = n
		}
		changed := res.Historic.Inserted + res.Historic.Updated + res.Predictions.Inserted + res.Predictions.Updated
		return changed > 0, nil
	})
	return res, err
}

// loadFresh is load into empty tables, inside its bulk load tx: their rows are copied in with no index
// at all, their primary keys built once after, their secondary indexes (and the comparison's) queued to
// be built after the commit.
func loadFresh(ctx context.Context, tx pgx.Tx, measured []queries.ImportRow, models []forecast.Model, res *Result) (changed bool, err error) {
	// The comparison, computed here from the same rows, is staged on a second connection meanwhile
	// (queries.StageComparison) and swapped in at the end instead of rebuilt: two backends at work.
	sctx, cancel := context.WithCancel(ctx)
	staged := make(chan error, 1)
	go func() {
		_, err := queries.StageComparison(sctx, tx.Conn().Config(), Comparison(measured, models))
		staged <- err
	}()
	waited := false
	defer func() {
		if !waited {
			cancel()
			<-staged
		}
		cancel()
	}()

	if err := queries.DeferSecondaryIndexes(ctx, tx, queries.Historic, queries.Predictions); err != nil {
		return false, err
	}
	// The primary keys too, added again (one sorted build each) before the comparison is built.
	addKeys, err := queries.DropPrimaryKeys(ctx, tx, queries.Historic, queries.Predictions)
	if err != nil {
		return false, err
	}
	if res.Historic.Inserted, err = queries.CopyRows(ctx, tx, queries.Historic, queries.SliceSource(measured)); err != nil {
		return false, fmt.Errorf("demo measurements: %w", err)
	}
	src := Predictions(measured, models)
	if res.Predictions.Inserted, err = queries.CopyRows(ctx, tx, queries.Predictions, src); err != nil {
		return false, fmt.Errorf("demo predictions: %w", err)
	}
	for m, n := range src.models {
		res.Models[m] = n
	}
	if err := addKeys(); err != nil {
		return false, err
	}
	waited = true
	if err := <-staged; err != nil {
		return false, fmt.Errorf("demo comparison: %w", err)
	}
	// Not adopted (a stage that disagrees with the tables): the bulk load's finish rebuilds it.
	if res.Staged, err = queries.AdoptComparison(ctx, tx); err != nil {
		return false, err
	}
	return res.Historic.Inserted+res.Predictions.Inserted > 0, nil
}

// readMeasurements parses the embedded CPCB file with the same reader the import command uses.
func readMeasurements() ([]queries.ImportRow, error) {
	zr, err := gzip.NewReader(bytes.NewReader(cityDay))
	if err != nil {
		return nil, fmt.Errorf("demo data: %w", err)
	}
	rd, err := ingest.NewReader(zr, queries.Historic)
	if err != nil {
		return nil, fmt.Errorf("demo data: %w", err)
	}
	var rows []queries.ImportRow
	for rd.Next() {
		rows = append(rows, rd.Row())
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("demo data: %w", err)
	}
	return rows, nil
}

// PredictionSource streams the demo's predictions: a queries.RowSource over the forecasts of some models
// for every series, computed one series at a time (so memory holds one series'
// forecasts, not millions). Rows are numbered from 1 as if they were lines of a file.
type PredictionSource struct {
	series []seriesKey
	points map[seriesKey][]forecast.Point
	next   int // the next series to forecast
	buf    []forecast.Forecast
	i      int
	cur    queries.ImportRow
	line   int64
	models map[string]int64
	use    []forecast.Model
}

type seriesKey struct{ loc, typ string }

// Predictions returns the source of the predictions of every series (location and pollutant) of
// measured by models, series in the order they first appear, each series' forecasts model by model in
// the order of models, each model's as Model.Forecasts yields them.
func Predictions(measured []queries.ImportRow, models []forecast.Model) *PredictionSource {
	s := &PredictionSource{points: map[seriesKey][]forecast.Point{}, models: map[string]int64{}, use: models}
	for _, r := range measured {
		k := seriesKey{r.Location, r.Type}
		if _, ok := s.points[k]; !ok {
			s.series = append(s.series, k)
		}
		s.points[k] = append(s.points[k], forecast.Point{Date: r.Date, Value: r.Value})
	}
	for _, pts := range s.points {
		sort.Slice(pts, func(i, j int) bool { return pts[i].Date.Before(pts[j].Date) })
	}
	return s
}

// Next advances to the next prediction; it implements queries.RowSource.
func (s *PredictionSource) Next() bool {
	for s.i >= len(s.buf) {
		if s.next == len(s.series) {
			return false
		}
		k := s.series[s.next]
		s.next++
		s.buf, s.i = s.buf[:0], 0
		for _, m := range s.use {
			for f := range m.Forecasts(s.points[k]) {
				s.buf = append(s.buf, f)
			}
		}
		s.cur.Location, s.cur.Type = k.loc, k.typ
	}
	f := s.buf[s.i]
	s.i++
	s.line++
	s.models[f.Model]++
	s.cur.Line = s.line
	s.cur.Date, s.cur.Value, s.cur.Model, s.cur.Lead = f.Date, f.Value, f.Model, f.Lead
	return true
}

// Row returns the prediction Next read.
func (s *PredictionSource) Row() queries.ImportRow { return s.cur }

// Err is always nil: the forecasts cannot fail.
func (s *PredictionSource) Err() error { return nil }
