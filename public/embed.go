// Package public holds aqdash's static assets (stylesheet, app.js, icons, and vendored htmx and its SSE
// extension, whose versions and checksums are in vendor/VERSIONS.md), embedded into the binary and served
// under /static/.
package public

import "embed"

// FS holds every static file.
//
//go:embed *.css *.js *.svg vendor
var FS embed.FS
