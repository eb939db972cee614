// Package views holds aqdash's HTML templates, embedded into the binary. Templates are named by their
// path without the extension: layouts/top, pages/table, partials/table.
package views

import "embed"

// FS holds every template file.
//
//go:embed layouts pages partials
var FS embed.FS
