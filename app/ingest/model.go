package ingest

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aqdash/aqdash/queries"
)

// DefaultModel is the model of prediction rows that name none, when the import names no other
// (`app import predictions --model NAME`, the ingest API's ?model=).
const DefaultModel = "default"

// MaxLead is the longest lead a prediction may have, in days: a forecast for day D is issued on D − lead,
// 0 to MaxLead days before.
const MaxLead = 30

// DefaultLead is the lead of prediction rows that carry neither lead nor issued.
const DefaultLead = 1

// modelName is what a model name may be (the database checks the same, migration 007).
var modelName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Options are an import's defaults for what its rows leave out.
type Options struct {
	// Model is the model of prediction rows without a model of their own; "" means DefaultModel.
	// Measurements have no model: a non-empty Model for the historic table is an error.
	Model string
}

// model returns the default model the options give for table t.
func (o Options) model(t queries.Table) (string, error) {
	if t != queries.Predictions {
		if o.Model != "" {
			return "", fmt.Errorf("a model (%q) applies to predictions only, not to %s", o.Model, t.Key)
		}
		return "", nil
	}
	if o.Model == "" {
		return DefaultModel, nil
	}
	if err := CheckModel(o.Model); err != nil {
		return "", err
	}
	return o.Model, nil
}

// CheckModel reports whether s is a valid model name: 1 to 64 letters, digits, '.', '_' or '-'. Its
// error says what is wrong.
func CheckModel(s string) error {
	switch {
	case s == "":
		return errors.New("model is empty")
	case len(s) > 64:
		return fmt.Errorf("model %q is longer than 64 characters", truncate(s, 70))
	case !modelName.MatchString(s):
		return fmt.Errorf("model %q may hold only letters, digits, '.', '_' and '-'", truncate(s, 70))
	}
	return nil
}

// truncate shortens s for a message, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for i := range s {
		if i >= n {
			return s[:i] + "…"
		}
	}
	return s
}

// forecastKey decides a prediction's model and lead from its optional fields: model, lead (a whole
// number of days) and issued (an ISO date; lead = date − issued). Each is given when its has* flag is
// set and its text is not blank; a row with none of them is lead DefaultLead of defModel. A row may carry
// both lead and issued when they agree.
func forecastKey(date time.Time, defModel string, model string, hasModel bool, lead string, hasLead bool, issued string, hasIssued bool) (string, int, error) {
	m := defModel
	if model = strings.TrimSpace(model); hasModel && model != "" {
		if err := CheckModel(model); err != nil {
			return "", 0, err
		}
		m = model
	}
	l := DefaultLead
	lead, issued = strings.TrimSpace(lead), strings.TrimSpace(issued)
	hasLead, hasIssued = hasLead && lead != "", hasIssued && issued != ""
	if hasLead {
		n, err := strconv.Atoi(lead)
		if err != nil {
			return "", 0, fmt.Errorf("lead %q is not a whole number of days", lead)
		}
		if n < 0 || n > MaxLead {
			return "", 0, fmt.Errorf("lead %d is out of range: 0 to %d days", n, MaxLead)
		}
		l = n
	}
	if hasIssued {
		iss, err := parseDay(issued, "issued")
		if err != nil {
			return "", 0, err
		}
		days := int(date.Sub(iss).Hours() / 24)
		switch {
		case days < 0:
			return "", 0, fmt.Errorf("issued %s is after date %s: a forecast is issued on or before its day", iss.Format(time.DateOnly), date.Format(time.DateOnly))
		case days > MaxLead:
			return "", 0, fmt.Errorf("issued %s is %d days before date %s: the lead must be 0 to %d days", iss.Format(time.DateOnly), days, date.Format(time.DateOnly), MaxLead)
		case hasLead && days != l:
			return "", 0, fmt.Errorf("lead %d and issued %s disagree: issued %s means lead %d for date %s", l, iss.Format(time.DateOnly), iss.Format(time.DateOnly), days, date.Format(time.DateOnly))
		}
		l = days
	}
	return m, l, nil
}
