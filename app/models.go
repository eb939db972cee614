package main

import "regexp"

// modelName is the rule for a model's name (migration 007 checks the same): 1 to 64 letters, digits,
// '.', '_' or '-'.
var modelName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// validModelName reports whether s may name a model.
func validModelName(s string) bool { return modelName.MatchString(s) }

// maxLead is the largest lead time, in days, a prediction may have (migration 007's CHECK).
const maxLead = 30

// maxChartModels is how many model lines the chart draws at most (the chosen model and the vs ones).
const maxChartModels = 4
