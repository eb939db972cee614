package queries

import (
	"fmt"
	"slices"
	"time"

	sq "github.com/Masterminds/squirrel"
)

// Table describes one of the two row tables. Historic and Predictions share every query through it, so the
// two tables always behave the same.
type Table struct {
	// Key names the table in URLs, JSON and CSV: "historic" or "predictions".
	Key string
	// Title is the human name of the table.
	Title string
	// ValueColumn is the name of the number column: "value" or "prediction".
	ValueColumn string
	name        string
	// forecast marks the table keyed by model and lead too (the predictions, migration 007).
	forecast bool
}

// Historic is daily_historic_pollution: measured daily means.
var Historic = Table{Key: "historic", Title: "Measurements", ValueColumn: "value", name: "daily_historic_pollution"}

// Predictions is daily_prediction_pollution: a forecast model's output.
var Predictions = Table{Key: "predictions", Title: "Predictions", ValueColumn: "prediction", name: "daily_prediction_pollution", forecast: true}

// DefaultModel is the model of a prediction written without one, and of every prediction stored before
// models existed (migration 007); DefaultLead is its lead.
const (
	DefaultModel = "default"
	DefaultLead  = 1
)

// Forecast reports whether the table's rows carry a model and a lead (the predictions).
func (t Table) Forecast() bool { return t.forecast }

// SortKeys lists the columns a view of this table may be sorted by, in display order. Sorting by
// anything else is refused before any SQL is built.
func (t Table) SortKeys() []string {
	if t.forecast {
		return []string{"date", "location", "type", "model", "lead", t.ValueColumn}
	}
	return []string{"date", "location", "type", t.ValueColumn}
}

// ValidSort reports whether key is one of SortKeys.
func (t Table) ValidSort(key string) bool { return slices.Contains(t.SortKeys(), key) }

// sortColumns maps a whitelisted sort key to the ORDER BY columns: the key first, then the rest of the
// primary key, so every order is total and paging visits each row exactly once.
func (t Table) sortColumns(key string) ([]string, error) {
	if t.forecast {
		// The primary key is (location, type, date, model, lead); every order ends with what it lacks of it.
		switch key {
		case "date":
			return []string{"date", "location", "type", "model", "lead"}, nil
		case "location":
			return []string{"location", "type", "date", "model", "lead"}, nil
		case "type":
			return []string{"type", "location", "date", "model", "lead"}, nil
		case "model":
			return []string{"model", "lead", "location", "type", "date"}, nil
		case "lead":
			return []string{"lead", "model", "location", "type", "date"}, nil
		case t.ValueColumn:
			return []string{t.ValueColumn, "location", "type", "date", "model", "lead"}, nil
		}
		return nil, fmt.Errorf("queries: %q is not a sort column of %s", key, t.Key)
	}
	switch key {
	case "date":
		return []string{"date", "location", "type"}, nil
	case "location":
		return []string{"location", "type", "date"}, nil
	case "type":
		return []string{"type", "location", "date"}, nil
	case t.ValueColumn:
		return []string{t.ValueColumn, "location", "type", "date"}, nil
	}
	return nil, fmt.Errorf("queries: %q is not a sort column of %s", key, t.Key)
}

// DefaultSize is the page size when none is asked for; MaxSize is the largest allowed.
const (
	DefaultSize = 25
	MaxSize     = 500
)

// View is one validated view of a table: filters, order and page. Every field comes from a parser that
// has already refused anything unknown; builders still check the sort key against the whitelist.
type View struct {
	// Locations and Types filter by exact match; empty means all.
	Locations []string
	Types     []string
	// Models and Leads filter the predictions by model and lead (empty means all); a view of the
	// measurements leaves them empty.
	Models []string
	Leads  []int
	// From and To bound the date, inclusive; the zero time means unbounded.
	From, To time.Time
	// Sort is a sort key of the table (see Table.SortKeys); Desc flips the direction.
	Sort string
	Desc bool
	// Page counts from 1; Size is the number of rows on a page.
	Page int
	Size int
	// After, when set, starts the page just after that row instead of at an offset (a "next" link);
	// Before ends it just before that row (a "previous" link). Page is then only for display.
	After, Before *Cursor
	// Total, when known exactly, lets a page in the second half be read from the far end of the order.
	Total int64
	// Scale is the key of the AQI scale the view shows its bands in, "" for the deployment's default
	// (AQI_SCALE). No query reads it: it is carried with the view so that every link keeps it.
	Scale string
}

// Offset is the number of rows before the view's page.
func (v View) Offset() uint64 {
	if v.Page < 1 {
		return 0
	}
	return uint64(v.Page-1) * uint64(v.Size)
}

// where is the filter part shared by every query over a view; nil when nothing is filtered. A single
// location or pollutant is an equality, several an IN list.
func (v View) where() sq.Sqlizer {
	w := v.whereOn("")
	if len(w) == 0 {
		return nil
	}
	return w
}

// whereOn is where's filter on the columns of the table aliased alias ("a" filters a.location, …; ""
// the unqualified columns), empty when nothing is filtered.
func (v View) whereOn(alias string) sq.And {
	col := func(name string) string {
		if alias == "" {
			return name
		}
		return alias + "." + name
	}
	w := sq.And{}
	if len(v.Locations) > 0 {
		w = append(w, sq.Eq{col("location"): oneOrMany(v.Locations)})
	}
	if len(v.Types) > 0 {
		w = append(w, sq.Eq{col("type"): oneOrMany(v.Types)})
	}
	if len(v.Models) > 0 {
		w = append(w, sq.Eq{col("model"): oneOrMany(v.Models)})
	}
	if len(v.Leads) > 0 {
		w = append(w, sq.Eq{col("lead"): oneOrManyInt(v.Leads)})
	}
	if !v.From.IsZero() {
		w = append(w, sq.GtOrEq{col("date"): v.From})
	}
	if !v.To.IsZero() {
		w = append(w, sq.LtOrEq{col("date"): v.To})
	}
	return w
}

// columns is the view's order: the sort key and the rest of the primary key, less a location or pollutant
// the filters pin to one value. Those columns are constant over the view, so the order is the same
// without them, and then one series' index (location, type, value, date) serves both the ORDER BY and a
// cursor's row comparison, which it could not with the pinned columns in between.
func (v View) columns(t Table) ([]string, error) {
	cols, err := t.sortColumns(v.Sort)
	if err != nil {
		return nil, err
	}
	out := cols[:0:0]
	for _, c := range cols {
		if (c == "location" && len(v.Locations) == 1) || (c == "type" && len(v.Types) == 1) ||
			(c == "model" && len(v.Models) == 1) || (c == "lead" && len(v.Leads) == 1) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// oneOrMany makes squirrel write "= $1" for one value and "IN ($1,$2)" for several.
func oneOrMany(vals []string) any {
	if len(vals) == 1 {
		return vals[0]
	}
	return vals
}

// oneOrManyInt is oneOrMany for numbers.
func oneOrManyInt(vals []int) any {
	if len(vals) == 1 {
		return vals[0]
	}
	return vals
}

// orderBy renders the view's sort as ORDER BY terms, every column in the same direction so that one
// index scan (forwards or backwards) serves it; reversed for a page read backwards from a cursor.
func (v View) orderBy(t Table, reversed bool) ([]string, error) {
	cols, err := v.columns(t)
	if err != nil {
		return nil, err
	}
	dir := " ASC"
	if v.Desc != reversed {
		dir = " DESC"
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c + dir
	}
	return out, nil
}

// conflictKey is the table's primary key, as an ON CONFLICT target.
func (t Table) conflictKey() string {
	if t.forecast {
		return "location, type, date, model, lead"
	}
	return "location, type, date"
}
