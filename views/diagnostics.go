package views

import (
	"html/template"

	"github.com/aqdash/aqdash/app/plots"
)

// Diagnostics is the data of partials/diagnostics: the density scatter of predicted against measured
// values and the error histogram of one series, model and lead over a date range, with the words that
// describe them (titles, descriptions, legends and a summary for those who do not see the plots).
// HTML writes it in Go, as Chart is written, for the same reason: paths of kilobytes.
type Diagnostics struct {
	// Heading names what is plotted ("Delhi · PM2.5, model ses at lead 1").
	Heading string
	Scatter *plots.Scatter
	Hist    *plots.Histogram
	// Titles and descriptions of the two SVGs (their <title> and <desc>).
	ScatterTitle, ScatterDesc string
	HistTitle, HistDesc       string
	// Axis titles.
	MeasuredLabel, PredictedLabel, ErrorLabel string
	// Summary is the plots' gist in a sentence or three: the days, the share within a factor of 2, the
	// mean error.
	Summary string
	// N is the number of days plotted; Fac2 the share within a factor of 2 ("78 %", "—" with nothing
	// measured above 0); MeanError the mean error with its sign and unit.
	N, Fac2, MeanError string
	// Shades is the cells' legend; CellSize the cells' width and height in the pollutant's unit.
	Shades   []plots.Shade
	CellSize string
	// Edges lists the AQI band edges drawn ("30, 60, 90, 120 and 250"), with the scale's name; "" for a
	// pollutant without bands.
	Edges, ScaleName string
	// Clipped says how many days lie beyond an axis, counted in its outermost cells or bars ("" for none).
	Clipped string
}

// line writes an SVG <line> of class from l.
func (w *svgWriter) line(class string, l plots.Line) {
	w.raw(`<line class="`)
	w.raw(class)
	w.raw(`" x1="`)
	w.f(l.X1)
	w.raw(`" y1="`)
	w.f(l.Y1)
	w.raw(`" x2="`)
	w.f(l.X2)
	w.raw(`" y2="`)
	w.f(l.Y2)
	w.raw(`"/>`)
}

// rect writes the position and size attributes of r.
func (w *svgWriter) rect(r plots.Rect) {
	w.raw(`x="`)
	w.f(r.X)
	w.raw(`" y="`)
	w.f(r.Y)
	w.raw(`" width="`)
	w.f(r.W)
	w.raw(`" height="`)
	w.f(r.H)
	w.raw(`"`)
}

// HTML is the plots' section as a page shows it.
func (d *Diagnostics) HTML() template.HTML {
	var w svgWriter
	w.Grow(16384)
	w.raw("<section class=\"diagnostics\" aria-labelledby=\"diag-heading\">\n<h2 id=\"diag-heading\" class=\"diag-heading\">Diagnostic plots: ")
	w.s(d.Heading)
	w.raw("</h2>\n<p class=\"diag-summary\">")
	w.s(d.Summary)
	w.raw("</p>\n<div class=\"diag-plots\">\n")
	if s := d.Scatter; s != nil {
		w.raw("\n<figure class=\"diag diag-scatter\">\n<svg class=\"diag-svg\" viewBox=\"0 0 ")
		w.f(s.Width)
		w.raw(" ")
		w.f(s.Height)
		w.raw("\" role=\"img\" aria-labelledby=\"diag-scatter-title diag-scatter-desc\" xmlns=\"http://www.w3.org/2000/svg\">\n  <title id=\"diag-scatter-title\">")
		w.s(d.ScatterTitle)
		w.raw("</title>\n  <desc id=\"diag-scatter-desc\">")
		w.s(d.ScatterDesc)
		w.raw("</desc>\n  <g aria-hidden=\"true\">\n    <rect class=\"diag-plot-bg\" ")
		frame := plots.Rect{X: s.X0, Y: s.Y0, W: s.PlotW, H: s.PlotH}
		w.rect(frame)
		w.raw("/>\n    <path class=\"grid\" d=\"")
		w.s(s.GridPath)
		w.raw("\"/>\n    ")
		for _, p := range s.Paths {
			w.raw(`<path class="cell shade-`)
			w.i(p.Class)
			w.raw(`" d="`)
			w.s(p.D)
			w.raw(`"/>`)
		}
		w.raw("\n    ")
		if s.EdgePath != "" {
			w.raw(`<path class="band-edge" d="`)
			w.s(s.EdgePath)
			w.raw(`"/>`)
		}
		w.raw("\n    ")
		for _, b := range s.Bands {
			w.raw(`<rect class="band-strip `)
			w.s(b.Class)
			w.raw(`" `)
			w.rect(b.X)
			w.raw(`/><rect class="band-strip `)
			w.s(b.Class)
			w.raw(`" `)
			w.rect(b.Y)
			w.raw(`/>`)
		}
		w.raw("\n    ")
		w.line("one-to-one", s.OneToOne)
		w.raw("\n    ")
		w.line("factor-2", s.Over2)
		w.raw("\n    ")
		w.line("factor-2", s.Under2)
		w.raw("\n    <rect class=\"diag-frame\" ")
		w.rect(frame)
		w.raw("/>\n    ")
		for _, t := range s.XTicks {
			w.text("tick", t.Pos, s.XTickY, ` text-anchor="middle"`, t.Label)
		}
		w.raw("\n    ")
		for _, t := range s.YTicks {
			w.text("tick", s.YTickX, t.Pos, ` dy="4" text-anchor="end"`, t.Label)
		}
		w.raw("\n    ")
		w.text("axis-label", s.XMid, s.XLabelY, ` text-anchor="middle"`, d.MeasuredLabel)
		w.raw("\n    <text class=\"axis-label\" transform=\"translate(")
		w.f(s.YLabelX)
		w.raw(" ")
		w.f(s.YMid)
		w.raw(`) rotate(-90)" text-anchor="middle">`)
		w.s(d.PredictedLabel)
		w.raw("</text>\n  </g>\n</svg>\n<figcaption>\n  <p class=\"diag-key\"><span class=\"diag-key-title\">Days per cell (")
		w.s(d.CellSize)
		w.raw(" square):</span>\n  ")
		for _, sh := range d.Shades {
			w.raw(`<span class="diag-shade"><span class="swatch shade-`)
			w.i(sh.Class)
			w.raw(`" aria-hidden="true"></span>`)
			w.s(sh.Label)
			w.raw("</span> ")
		}
		w.raw("</p>\n  <p class=\"diag-key\"><span class=\"diag-entry\"><span class=\"key-line one-to-one\" aria-hidden=\"true\"></span>1:1 (perfect)</span>\n  <span class=\"diag-entry\"><span class=\"key-line factor-2\" aria-hidden=\"true\"></span>factor of 2</span>")
		if d.Edges != "" {
			w.raw("\n  <span class=\"diag-entry\"><span class=\"key-line band-edge\" aria-hidden=\"true\"></span>")
			w.s(d.ScaleName)
			w.raw(" band edges (")
			w.s(d.Edges)
			w.raw(")</span>")
		}
		w.raw("</p>\n</figcaption>\n</figure>\n")
	}
	w.raw("\n")
	if h := d.Hist; h != nil {
		w.raw("\n<figure class=\"diag diag-hist\">\n<svg class=\"diag-svg\" viewBox=\"0 0 ")
		w.f(h.Width)
		w.raw(" ")
		w.f(h.Height)
		w.raw("\" role=\"img\" aria-labelledby=\"diag-hist-title diag-hist-desc\" xmlns=\"http://www.w3.org/2000/svg\">\n  <title id=\"diag-hist-title\">")
		w.s(d.HistTitle)
		w.raw("</title>\n  <desc id=\"diag-hist-desc\">")
		w.s(d.HistDesc)
		w.raw("</desc>\n  <g aria-hidden=\"true\">\n    <path class=\"grid\" d=\"")
		w.s(h.GridPath)
		w.raw("\"/>\n    ")
		for _, t := range h.YTicks {
			w.text("tick", h.YTickX, t.Pos, ` dy="4" text-anchor="end"`, t.Label)
		}
		w.raw("\n    ")
		if h.BarsPath != "" {
			w.raw(`<path class="bars" d="`)
			w.s(h.BarsPath)
			w.raw(`"/>`)
		}
		w.raw("\n    <path class=\"tick-mark\" d=\"")
		w.s(h.MarksPath)
		w.raw("\"/>\n    ")
		for _, t := range h.XTicks {
			w.text("tick", t.Pos, h.XTickY, ` text-anchor="middle"`, t.Label)
		}
		w.raw("\n    <line class=\"axis\"")
		w.span(h.X0, h.X1, h.Y1, h.Y1)
		w.raw("/>\n    ")
		w.line("zero", h.Zero)
		w.raw("\n    ")
		w.line("mean", h.MeanLine)
		w.raw("\n    <text class=\"mean-label\" x=\"")
		w.f(h.MeanLabelX)
		w.raw(`" y="`)
		w.f(h.Y0)
		w.raw(`" dy="-10" text-anchor="`)
		w.s(h.MeanAnchor)
		w.raw(`">`)
		w.s(h.MeanLabel)
		w.raw("</text>\n    ")
		w.text("axis-label", h.XMid, h.XLabelY, ` text-anchor="middle"`, d.ErrorLabel)
		w.raw("\n    <text class=\"axis-label\" transform=\"translate(")
		w.f(h.YLabelX)
		w.raw(" ")
		w.f(h.YMid)
		w.raw(") rotate(-90)\" text-anchor=\"middle\">Days</text>\n  </g>\n</svg>\n<figcaption>\n  <p class=\"diag-key\"><span class=\"diag-entry\"><span class=\"key-line zero\" aria-hidden=\"true\"></span>0 (no error)</span>\n  <span class=\"diag-entry\"><span class=\"key-line mean\" aria-hidden=\"true\"></span>mean error (")
		w.s(d.MeanError)
		w.raw(")</span></p>\n</figcaption>\n</figure>\n")
	}
	w.raw("\n</div>\n")
	if d.Clipped != "" {
		w.raw(`<p class="help">`)
		w.s(d.Clipped)
		w.raw("</p>")
	}
	w.raw("\n</section>\n")
	return template.HTML(w.String())
}
