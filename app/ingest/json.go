package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aqdash/aqdash/queries"
)

// RowError is a problem with one row of a JSON body; Row counts the objects of "rows" from 1 (0 for a
// problem with the body around them). Nothing of a body with a RowError is written.
type RowError struct {
	Row int64
	Msg string
}

func (e *RowError) Error() string {
	if e.Row == 0 {
		return e.Msg
	}
	return fmt.Sprintf("row %d: %s", e.Row, e.Msg)
}

// ImportJSON is Import for a JSON body, {"rows":[...]} with the row shape of the JSON views:
// {"date":"2020-07-01","location":"Hyderabad","type":"pm25","value":26.1} ("prediction" instead of
// "value" for predictions). A prediction may also carry "model" (a string), "lead" (a whole number of
// days) and "issued" (an ISO date), with the rules of the CSV columns of the same names; without them
// it is lead 1 of DefaultModel. Rows are checked exactly as CSV lines are and upserted in one
// transaction: every row or none. Its errors name the row: *RowError.
func ImportJSON(ctx context.Context, db queries.DB, t queries.Table, r io.Reader) (queries.Counts, error) {
	return ImportJSONWith(ctx, db, t, r, Options{})
}

// ImportJSONWith is ImportJSON with the defaults of o (the model of predictions that name none).
func ImportJSONWith(ctx context.Context, db queries.DB, t queries.Table, r io.Reader, o Options) (queries.Counts, error) {
	rd, err := NewJSONReaderWith(r, t, o)
	if err != nil {
		return queries.Counts{}, err
	}
	c, err := queries.Upsert(ctx, db, t, rd)
	var dup *queries.DuplicateError
	if errors.As(err, &dup) {
		return c, &RowError{dup.Line, fmt.Sprintf("duplicate of row %d (%s)", dup.FirstLine, dup.Key())}
	}
	return c, err
}

// JSONReader streams the rows of a JSON body, checking each one as Reader checks a CSV line. It
// implements queries.RowSource; ImportRow.Line holds the row number.
type JSONReader struct {
	dec   *json.Decoder
	table queries.Table
	cur   queries.ImportRow
	err   error
	row   int64
	done  bool
	model string // the model of predictions without one of their own
}

// bodyShape is what every message about the body's outline says it must look like.
const bodyShape = `the body must be a JSON object {"rows": [...]}`

// NewJSONReader reads the body up to the start of its rows. Its error, if any, is a *RowError.
// Predictions without a model are of DefaultModel.
func NewJSONReader(r io.Reader, t queries.Table) (*JSONReader, error) {
	return NewJSONReaderWith(r, t, Options{})
}

// NewJSONReaderWith is NewJSONReader with the defaults of o. A bad o.Model is an error without a row.
func NewJSONReaderWith(r io.Reader, t queries.Table, o Options) (*JSONReader, error) {
	model, err := o.model(t)
	if err != nil {
		return nil, err
	}
	rd := &JSONReader{dec: json.NewDecoder(r), table: t, model: model}
	tok, err := rd.dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, &RowError{0, "the body is empty: " + bodyShape}
	}
	if err != nil {
		return nil, rd.syntax(err)
	}
	if tok != json.Delim('{') {
		return nil, &RowError{0, bodyShape}
	}
	tok, err = rd.dec.Token()
	if err != nil {
		return nil, rd.syntax(err)
	}
	if key, ok := tok.(string); !ok || key != "rows" {
		if ok {
			return nil, &RowError{0, fmt.Sprintf("unknown key %q: %s", key, bodyShape)}
		}
		return nil, &RowError{0, bodyShape}
	}
	tok, err = rd.dec.Token()
	if err != nil {
		return nil, rd.syntax(err)
	}
	if tok != json.Delim('[') {
		return nil, &RowError{0, `"rows" must be an array of rows`}
	}
	return rd, nil
}

// Next reads the next row; it returns false at the end of the rows or at the first bad row.
func (rd *JSONReader) Next() bool {
	if rd.done || rd.err != nil {
		return false
	}
	if !rd.dec.More() {
		rd.err = rd.end()
		rd.done = true
		return false
	}
	rd.row++
	var fields map[string]json.RawMessage
	if err := rd.dec.Decode(&fields); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			rd.err = &RowError{rd.row, "a row must be an object"}
		} else {
			rd.err = rd.syntax(err)
		}
		return false
	}
	rd.cur, rd.err = rd.check(fields)
	return rd.err == nil
}

// Row returns the row Next read.
func (rd *JSONReader) Row() queries.ImportRow { return rd.cur }

// Err reports the first bad row or read error; nil after a clean end.
func (rd *JSONReader) Err() error { return rd.err }

// Rows is the number of rows read so far.
func (rd *JSONReader) Rows() int64 { return rd.row }

// end reads what follows the rows: the end of the array and of the object, then nothing.
func (rd *JSONReader) end() error {
	if tok, err := rd.dec.Token(); err != nil {
		return rd.syntax(err)
	} else if tok != json.Delim(']') {
		return &RowError{0, `"rows" must be an array of rows`}
	}
	tok, err := rd.dec.Token()
	if err != nil {
		return rd.syntax(err)
	}
	if key, ok := tok.(string); ok {
		return &RowError{0, fmt.Sprintf("unknown key %q: %s", key, bodyShape)}
	}
	if tok != json.Delim('}') {
		return &RowError{0, bodyShape}
	}
	if _, err := rd.dec.Token(); !errors.Is(err, io.EOF) {
		return &RowError{0, "unexpected data after the JSON object"}
	}
	return nil
}

// check turns one row object into a row, with the CSV reader's checks and messages.
func (rd *JSONReader) check(fields map[string]json.RawMessage) (queries.ImportRow, error) {
	r := queries.ImportRow{Line: rd.row}
	want := longColumns(rd.table)
	optional := optionalColumns(rd.table)
	for k := range fields {
		if !slices.Contains(want, k) && !slices.Contains(optional, k) {
			msg := fmt.Sprintf("unknown field %q: a row has %s", k, strings.Join(want, ", "))
			if len(optional) > 0 {
				msg += ", optionally " + strings.Join(optional, ", ")
			} else if slices.Contains(optionalColumns(queries.Predictions), k) {
				msg += " (model, lead and issued are fields of predictions)"
			}
			return r, &RowError{rd.row, msg}
		}
	}
	str := func(name string) (string, error) {
		raw, ok := fields[name]
		if !ok || bytes.Equal(raw, []byte("null")) {
			return "", &RowError{rd.row, name + " is missing"}
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", &RowError{rd.row, name + " must be a string"}
		}
		return s, nil
	}
	s, err := str("date")
	if err != nil {
		return r, err
	}
	if r.Date, err = parseDate(s); err != nil {
		return r, &RowError{rd.row, err.Error()}
	}
	if s, err = str("location"); err != nil {
		return r, err
	}
	if r.Location, err = parseLocation(s); err != nil {
		return r, &RowError{rd.row, err.Error()}
	}
	if s, err = str("type"); err != nil {
		return r, err
	}
	p, ok := LookupPollutant(strings.TrimSpace(s))
	if !ok {
		return r, &RowError{rd.row, fmt.Sprintf("unknown pollutant %q (known: %s)", s, PollutantCodes())}
	}
	r.Type = p.Code
	col := rd.table.ValueColumn
	raw, ok := fields[col]
	if !ok || bytes.Equal(raw, []byte("null")) {
		return r, &RowError{rd.row, col + " is missing"}
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil || (len(raw) > 0 && raw[0] == '"') {
		return r, &RowError{rd.row, col + " must be a number"}
	}
	if r.Value, err = parseValue(n.String(), col); err != nil {
		return r, &RowError{rd.row, err.Error()}
	}
	if rd.table == queries.Predictions {
		if r.Model, r.Lead, err = rd.forecastKey(fields, r.Date); err != nil {
			return r, err
		}
	}
	return r, nil
}

// forecastKey reads a prediction's optional model, lead and issued (absent or null: not given).
func (rd *JSONReader) forecastKey(fields map[string]json.RawMessage, date time.Time) (string, int, error) {
	given := func(name string) (json.RawMessage, bool) {
		raw, ok := fields[name]
		return raw, ok && !bytes.Equal(raw, []byte("null"))
	}
	var model, lead, issued string
	rawModel, hasModel := given("model")
	if hasModel {
		if err := json.Unmarshal(rawModel, &model); err != nil {
			return "", 0, &RowError{rd.row, "model must be a string"}
		}
		if strings.TrimSpace(model) == "" {
			return "", 0, &RowError{rd.row, "model is empty: leave it out for the default model"}
		}
	}
	rawLead, hasLead := given("lead")
	if hasLead {
		var n json.Number
		if err := json.Unmarshal(rawLead, &n); err != nil || rawLead[0] == '"' {
			return "", 0, &RowError{rd.row, "lead must be a whole number of days"}
		}
		lead = n.String()
	}
	rawIssued, hasIssued := given("issued")
	if hasIssued {
		if err := json.Unmarshal(rawIssued, &issued); err != nil {
			return "", 0, &RowError{rd.row, "issued must be a string (an ISO date)"}
		}
		if strings.TrimSpace(issued) == "" {
			return "", 0, &RowError{rd.row, "issued is empty"}
		}
	}
	m, l, err := forecastKey(date, rd.model, model, hasModel, lead, hasLead, issued, hasIssued)
	if err != nil {
		return "", 0, &RowError{rd.row, err.Error()}
	}
	return m, l, nil
}

// syntax reports malformed JSON at the row being read.
func (rd *JSONReader) syntax(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return &RowError{rd.row, fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &RowError{rd.row, "the JSON ends too early"}
	}
	return fmt.Errorf("reading the body: %w", err)
}
