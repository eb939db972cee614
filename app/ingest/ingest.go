// Package ingest reads CSV files of measurements or predictions (and the ingest API's JSON bodies, see
// ImportJSON), checks every row, and hands them to queries.Upsert. It is the one importer: the CLI's
// import command, the demo loader and the HTTP ingest API all use it, so they accept the same files and
// report the same line-numbered errors.
//
// Two forms are read. The long form has the header date,location,type,value (prediction instead of value
// for predictions), in any column order; predictions may add the optional columns model, and lead or
// issued (see forecastKey: without them a row is lead 1 of the import's model). The CPCB wide form (the header of the CPCB city_day.csv data set:
// City,Date,PM2.5,...,Xylene,AQI,AQI_Bucket) holds measurements only; each non-empty pollutant cell
// becomes a row and AQI columns are ignored.
package ingest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aqdash/aqdash/queries"
)

// MaxLocationLen bounds a location name, in characters.
const MaxLocationLen = 100

// LineError is a problem with one line of the input. Nothing of an input with a LineError is written.
type LineError struct {
	Line int64
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Import reads a whole CSV file from r and upserts it into t in one transaction: every row or none.
// Predictions without a model column are of DefaultModel.
func Import(ctx context.Context, db queries.DB, t queries.Table, r io.Reader) (queries.Counts, error) {
	return ImportWith(ctx, db, t, r, Options{})
}

// ImportWith is Import with the defaults of o (the model of predictions that name none).
func ImportWith(ctx context.Context, db queries.DB, t queries.Table, r io.Reader, o Options) (queries.Counts, error) {
	rd, err := NewReaderWith(r, t, o)
	if err != nil {
		return queries.Counts{}, err
	}
	return queries.Upsert(ctx, db, t, rd)
}

// Reader streams the rows of a CSV file, checking each one. It implements queries.RowSource.
type Reader struct {
	csv    *csv.Reader
	table  queries.Table
	wide   bool
	cols   map[string]int // long form: column name -> index
	wideCl []wideColumn   // wide form: pollutant columns
	city   int            // wide form: City and Date column indexes
	date   int
	header []string
	model  string // the model of predictions without one of their own

	pending []queries.ImportRow
	cur     queries.ImportRow
	err     error
	rows    int64
}

type wideColumn struct {
	index int
	code  string
}

// longColumns are the columns of the long form; the last one is the table's value column.
func longColumns(t queries.Table) []string {
	return []string{"date", "location", "type", t.ValueColumn}
}

// optionalColumns are the long form's columns a file may leave out: a prediction's model and its lead
// or issue date.
func optionalColumns(t queries.Table) []string {
	if t == queries.Predictions {
		return []string{"model", "lead", "issued"}
	}
	return nil
}

// headerHelp says what a long-form header may hold.
func headerHelp(t queries.Table) string {
	if t == queries.Predictions {
		return "the header must be " + strings.Join(longColumns(t), ",") + ", optionally with model, and lead or issued"
	}
	return "the header must be " + strings.Join(longColumns(t), ",") + " (model, lead and issued are columns of predictions)"
}

// NewReader reads and checks the header. Its error, if any, is a *LineError for line 1. Predictions
// without a model column are of DefaultModel.
func NewReader(r io.Reader, t queries.Table) (*Reader, error) { return NewReaderWith(r, t, Options{}) }

// NewReaderWith is NewReader with the defaults of o. A bad o.Model is an error without a line.
func NewReaderWith(r io.Reader, t queries.Table, o Options) (*Reader, error) {
	model, err := o.model(t)
	if err != nil {
		return nil, err
	}
	c := csv.NewReader(r)
	c.ReuseRecord = true
	header, err := c.Read()
	if errors.Is(err, io.EOF) {
		return nil, &LineError{1, "the file is empty: expected a header " + strings.Join(longColumns(t), ",")}
	}
	if err != nil {
		return nil, csvError(err)
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	rd := &Reader{csv: c, table: t, header: header, model: model}
	c.FieldsPerRecord = len(header)
	if err := rd.readHeader(); err != nil {
		return nil, err
	}
	return rd, nil
}

func (rd *Reader) readHeader() error {
	names := make([]string, len(rd.header))
	for i, h := range rd.header {
		names[i] = strings.TrimSpace(h)
	}
	if len(names) > 0 && strings.EqualFold(names[0], "City") {
		return rd.readWideHeader(names)
	}
	want := longColumns(rd.table)
	optional := optionalColumns(rd.table)
	rd.cols = map[string]int{}
	for i, n := range names {
		key := strings.ToLower(n)
		if !slices.Contains(want, key) && !slices.Contains(optional, key) {
			return &LineError{1, fmt.Sprintf("unknown column %q: %s", n, headerHelp(rd.table))}
		}
		if _, dup := rd.cols[key]; dup {
			return &LineError{1, fmt.Sprintf("column %q appears twice", n)}
		}
		rd.cols[key] = i
	}
	for _, w := range want {
		if _, ok := rd.cols[w]; !ok {
			return &LineError{1, fmt.Sprintf("missing column %q: %s", w, headerHelp(rd.table))}
		}
	}
	return nil
}

func (rd *Reader) readWideHeader(names []string) error {
	if rd.table != queries.Historic {
		return &LineError{1, "the CPCB wide form (City,Date,PM2.5,...) holds measurements: import it as historic"}
	}
	rd.wide = true
	rd.city, rd.date = -1, -1
	seen := map[string]bool{}
	for i, n := range names {
		if seen[strings.ToLower(n)] {
			return &LineError{1, fmt.Sprintf("column %q appears twice", n)}
		}
		seen[strings.ToLower(n)] = true
		switch {
		case strings.EqualFold(n, "City"):
			rd.city = i
		case strings.EqualFold(n, "Date"):
			rd.date = i
		case strings.EqualFold(n, "AQI"), strings.EqualFold(n, "AQI_Bucket"):
			// The index is derived from the pollutants; aqdash does not store it.
		default:
			p, ok := LookupPollutant(n)
			if !ok {
				return &LineError{1, fmt.Sprintf("unknown column %q in the CPCB wide form", n)}
			}
			rd.wideCl = append(rd.wideCl, wideColumn{i, p.Code})
		}
	}
	if rd.date < 0 {
		return &LineError{1, `missing column "Date" in the CPCB wide form`}
	}
	return nil
}

// Next reads the next row; it returns false at the end of the input or at the first bad line.
func (rd *Reader) Next() bool {
	for len(rd.pending) == 0 {
		if rd.err != nil {
			return false
		}
		if !rd.readLine() {
			return false
		}
	}
	rd.cur = rd.pending[0]
	rd.pending = rd.pending[1:]
	rd.rows++
	return true
}

// Row returns the row Next read.
func (rd *Reader) Row() queries.ImportRow { return rd.cur }

// Err reports the first bad line or read error; nil after a clean end.
func (rd *Reader) Err() error { return rd.err }

// Rows is the number of rows read so far.
func (rd *Reader) Rows() int64 { return rd.rows }

func (rd *Reader) readLine() bool {
	rec, err := rd.csv.Read()
	if errors.Is(err, io.EOF) {
		return false
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			rd.err = &LineError{int64(pe.StartLine), fmt.Sprintf("has %d fields, the header has %d", len(rec), len(rd.header))}
		} else {
			rd.err = csvError(err)
		}
		return false
	}
	line, _ := rd.csv.FieldPos(0)
	if rd.wide {
		rd.err = rd.wideLine(int64(line), rec)
	} else {
		rd.err = rd.longLine(int64(line), rec)
	}
	return rd.err == nil
}

func (rd *Reader) longLine(line int64, rec []string) error {
	r := queries.ImportRow{Line: line}
	var err error
	if r.Date, err = parseDate(rec[rd.cols["date"]]); err != nil {
		return &LineError{line, err.Error()}
	}
	if r.Location, err = parseLocation(rec[rd.cols["location"]]); err != nil {
		return &LineError{line, err.Error()}
	}
	p, ok := LookupPollutant(strings.TrimSpace(rec[rd.cols["type"]]))
	if !ok {
		return &LineError{line, fmt.Sprintf("unknown pollutant %q (known: %s)", rec[rd.cols["type"]], PollutantCodes())}
	}
	r.Type = p.Code
	if r.Value, err = parseValue(rec[rd.cols[rd.table.ValueColumn]], rd.table.ValueColumn); err != nil {
		return &LineError{line, err.Error()}
	}
	if rd.table == queries.Predictions {
		cell := func(name string) (string, bool) {
			i, ok := rd.cols[name]
			if !ok {
				return "", false
			}
			return rec[i], true
		}
		model, hasModel := cell("model")
		lead, hasLead := cell("lead")
		issued, hasIssued := cell("issued")
		if r.Model, r.Lead, err = forecastKey(r.Date, rd.model, model, hasModel, lead, hasLead, issued, hasIssued); err != nil {
			return &LineError{line, err.Error()}
		}
	}
	rd.pending = append(rd.pending, r)
	return nil
}

func (rd *Reader) wideLine(line int64, rec []string) error {
	date, err := parseDate(rec[rd.date])
	if err != nil {
		return &LineError{line, err.Error()}
	}
	loc := ""
	if rd.city >= 0 {
		if loc, err = parseLocation(rec[rd.city]); err != nil {
			return &LineError{line, err.Error()}
		}
	}
	for _, c := range rd.wideCl {
		cell := strings.TrimSpace(rec[c.index])
		if cell == "" {
			continue
		}
		if rd.city < 0 {
			return &LineError{line, `the CPCB wide form needs a "City" column`}
		}
		v, err := parseValue(cell, rd.header[c.index])
		if err != nil {
			return &LineError{line, err.Error()}
		}
		rd.pending = append(rd.pending, queries.ImportRow{Line: line, Row: queries.Row{Date: date, Location: loc, Type: c.code, Value: v}})
	}
	return nil
}

func parseDate(s string) (time.Time, error) { return parseDay(s, "date") }

// parseDay reads an ISO date; name is the field's name for the messages.
func parseDay(s, name string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New(name + " is empty")
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		var pe *time.ParseError
		if errors.As(err, &pe) && strings.Contains(pe.Message, "out of range") {
			return time.Time{}, fmt.Errorf("%s %q does not exist", name, s)
		}
		return time.Time{}, fmt.Errorf("%s %q is not an ISO date (YYYY-MM-DD)", name, s)
	}
	return d, nil
}

func parseLocation(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", errors.New("location is empty")
	case !utf8.ValidString(s):
		return "", errors.New("location is not valid UTF-8")
	case utf8.RuneCountInString(s) > MaxLocationLen:
		return "", fmt.Errorf("location is longer than %d characters", MaxLocationLen)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "", errors.New("location contains a control character")
	}
	return s, nil
}

func parseValue(s, column string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("%s is empty", column)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%s %q is not a number", column, s)
	}
	switch {
	case err != nil, math.IsInf(v, 0), math.IsNaN(v):
		return 0, fmt.Errorf("%s %q is not a finite number", column, s)
	case v < 0:
		return 0, fmt.Errorf("%s %q is negative", column, s)
	}
	return v, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &LineError{int64(pe.Line), "malformed CSV: " + pe.Err.Error()}
	}
	return fmt.Errorf("reading the file: %w", err)
}
