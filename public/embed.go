// Package public holds aqdash's static assets (stylesheet, script, icons and vendored htmx, whose version
// and checksum are in vendor/VERSIONS.md), embedded into the binary and served under /static/.
package public

import "embed"

// FS holds every static file.
//
//go:embed *.css *.svg vendor
var FS embed.FS
