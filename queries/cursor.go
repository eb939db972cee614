package queries

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"time"

	sq "github.com/Masterminds/squirrel"
)

// Cursor is a row's position in a view's order: its sort value and primary key. A page that starts
// after (or ends before) a cursor is found through the index in the same time at any depth, where an
// OFFSET would read and discard every earlier row.
type Cursor struct {
	Date     time.Time
	Location string
	Type     string
	Value    float64
	// Model and Lead complete a prediction's key (empty and 0 for a measurement).
	Model string
	Lead  int
}

// CursorOf is the cursor of a row.
func CursorOf(r Row) *Cursor {
	return &Cursor{Date: r.Date, Location: r.Location, Type: r.Type, Value: r.Value, Model: r.Model, Lead: r.Lead}
}

// Encode writes the cursor as an opaque, URL-safe token.
func (c *Cursor) Encode() string {
	parts := []any{c.Date.Format(time.DateOnly), c.Location, c.Type, c.Value}
	if c.Model != "" {
		parts = append(parts, c.Model, c.Lead)
	}
	b, _ := json.Marshal(parts)
	return base64.RawURLEncoding.EncodeToString(b)
}

// errCursor is the one error a bad token gives: tokens come only from our own links.
var errCursor = errors.New("not a cursor from a next or previous link")

// DecodeCursor reads a token written by Encode.
func DecodeCursor(s string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return nil, errCursor
	}
	var parts []any
	// Four parts for a measurement (and for a link made before models existed), six for a prediction.
	if err := json.Unmarshal(b, &parts); err != nil || (len(parts) != 4 && len(parts) != 6) {
		return nil, errCursor
	}
	var model string
	var lead float64
	if len(parts) == 6 {
		m, ok5 := parts[4].(string)
		l, ok6 := parts[5].(float64)
		if !ok5 || !ok6 || l != math.Trunc(l) || l < 0 || l > 30 {
			return nil, errCursor
		}
		model, lead = m, l
	}
	date, ok1 := parts[0].(string)
	loc, ok2 := parts[1].(string)
	typ, ok3 := parts[2].(string)
	val, ok4 := parts[3].(float64)
	if !ok1 || !ok2 || !ok3 || !ok4 || math.IsNaN(val) || math.IsInf(val, 0) {
		return nil, errCursor
	}
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return nil, errCursor
	}
	return &Cursor{Date: d, Location: loc, Type: typ, Value: val, Model: model, Lead: int(lead)}, nil
}

// values returns the cursor's values for the given ORDER BY columns.
func (c *Cursor) values(t Table, cols []string) []any {
	out := make([]any, len(cols))
	for i, col := range cols {
		switch col {
		case "date":
			out[i] = c.Date
		case "location":
			out[i] = c.Location
		case "type":
			out[i] = c.Type
		case "model":
			out[i] = c.Model
		case "lead":
			out[i] = c.Lead
		default: // the value column
			out[i] = c.Value
		}
	}
	return out
}

// keyset is the row comparison "strictly after c in the view's order" (or before, when backwards):
// (a, b, c) > ($1, $2, $3) for an ascending order, < for a descending one.
func keyset(t Table, cols []string, c *Cursor, desc, backwards bool) sq.Sqlizer {
	op := ">"
	if desc != backwards {
		op = "<"
	}
	ph := "?"
	for range cols[1:] {
		ph += ",?"
	}
	list := cols[0]
	for _, col := range cols[1:] {
		list += ", " + col
	}
	return sq.Expr("("+list+") "+op+" ("+ph+")", c.values(t, cols)...)
}
