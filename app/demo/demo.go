// Package demo carries aqdash's demo data set inside the binary and loads it: real daily measurements of
// 26 Indian cities from the Central Pollution Control Board, CPCB via Kaggle
// (rohanrao/air-quality-data-in-india), file city_day.csv (sha256 fe11269c…0391), gzip-compressed; and
// predictions for every series made by the baseline forecaster in package forecast.
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

// Result says what Load did.
type Result struct {
	Historic, Predictions queries.Counts
	Elapsed               time.Duration
}

// Load upserts the demo measurements and their predictions in one transaction. Rows already there with
// the same values are left alone, so loading twice changes nothing; other data is never touched.
func Load(ctx context.Context, db queries.DB) (Result, error) {
	start := time.Now()
	var res Result
	measured, err := readMeasurements()
	if err != nil {
		return res, err
	}
	predicted := Predict(measured)

	// One bulk load: the comparison is rebuilt once, and only when the load changed something.
	err = queries.BulkLoad(ctx, db, func(tx pgx.Tx) (bool, error) {
		if res.Historic, err = queries.Upsert(ctx, tx, queries.Historic, queries.SliceSource(measured)); err != nil {
			return false, fmt.Errorf("demo measurements: %w", err)
		}
		if res.Predictions, err = queries.Upsert(ctx, tx, queries.Predictions, queries.SliceSource(predicted)); err != nil {
			return false, fmt.Errorf("demo predictions: %w", err)
		}
		changed := res.Historic.Inserted + res.Historic.Updated + res.Predictions.Inserted + res.Predictions.Updated
		return changed > 0, nil
	})
	if err != nil {
		return res, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
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

// Predict runs the baseline forecaster over every series (location and pollutant) of measured and
// returns its predictions, numbered from 1 as if they were lines of a file.
func Predict(measured []queries.ImportRow) []queries.ImportRow {
	type key struct{ loc, typ string }
	series := map[key][]forecast.Point{}
	var keys []key
	for _, r := range measured {
		k := key{r.Location, r.Type}
		if _, ok := series[k]; !ok {
			keys = append(keys, k)
		}
		series[k] = append(series[k], forecast.Point{Date: r.Date, Value: r.Value})
	}
	var out []queries.ImportRow
	for _, k := range keys {
		pts := series[k]
		sort.Slice(pts, func(i, j int) bool { return pts[i].Date.Before(pts[j].Date) })
		for _, p := range forecast.Smooth(pts, forecast.Alpha) {
			out = append(out, queries.ImportRow{
				Line: int64(len(out) + 1),
				Row:  queries.Row{Date: p.Date, Location: k.loc, Type: k.typ, Value: p.Value},
			})
		}
	}
	return out
}
