package views

import (
	"html/template"
	"strconv"
	"strings"
)

// Chart is a series' chart (partials/chart): the geometry app/chart.go computes, drawn as an SVG by
// HTML. Like the rows in fragments.go it is written in Go: its paths run to kilobytes, which
// html/template's attribute escaper copied rune by rune, and its ticks, bands and dots are template
// actions repeated by the dozen.
type Chart struct {
	Width, Height  int
	X0, Y0, X1, Y1 float64 // the plot area: left, top, right, bottom
	// Derived positions, so the drawing needs no arithmetic.
	PlotW, XMid, YMid      float64
	YTickX, XTickY, XMarkY float64
	BandLabelX, XLabelY    float64
	Title, Desc            string
	// Note says how the points were made (daily values, or weekly or monthly means and why).
	Note           string
	XLabel, YLabel string
	Bands          []ChartBand
	XTicks, YTicks []ChartTick
	Actual         ChartLine
	// Predicted is the chosen model's line, Models[0]; Models holds every model line drawn (the chosen
	// model first, then the vs ones), each with its own dash pattern and legend entry.
	Predicted ChartLine
	Models    []ChartLine
	// Key is the legend: the measured line and each model's, laid out left to right.
	Key []ChartKeyEntry
}

// ChartKeyEntry is one legend entry of the chart: a sample of the line at X and its name.
type ChartKeyEntry struct {
	Class, Name  string
	X, X2, TextX float64
}

// ChartBand is one AQI band's background stripe.
type ChartBand struct {
	Y, H        float64
	Class, Name string
	LabelY      float64
	// ShowLabel is false when the stripe is too thin for its name.
	ShowLabel bool
}

// ChartTick is one labelled tick of an axis, at Pos along it.
type ChartTick struct {
	Pos   float64
	Label string
}

// ChartLine is one series: Path draws its runs of consecutive points; a run of one point (a day with no
// neighbours) is a dot, because a path of one point draws nothing.
type ChartLine struct {
	Path  string
	Dots  []ChartDot
	Count int
	// Name is the line's legend entry (a model's name, or "Measured"); Class picks its colour and dash
	// pattern: line-Class, dot-Class.
	Name, Class string
}

// ChartDot is an isolated point.
type ChartDot struct{ X, Y float64 }

// svgWriter writes markup: text escaped as html/template escapes it, numbers as it prints them.
type svgWriter struct{ strings.Builder }

// s writes text escaped.
func (w *svgWriter) s(text string) { w.WriteString(Escape(text)) }

// f writes a number as html/template prints a float64 (fmt's %v: the shortest 'g' form).
func (w *svgWriter) f(v float64) { w.WriteString(strconv.FormatFloat(v, 'g', -1, 64)) }

// i writes an integer.
func (w *svgWriter) i(v int) { w.WriteString(strconv.Itoa(v)) }

// raw writes markup as it is.
func (w *svgWriter) raw(m string) { w.WriteString(m) }

// span writes a line's coordinates as attributes, in the chart's order: x1, x2, y1, y2.
func (w *svgWriter) span(x1, x2, y1, y2 float64) {
	w.raw(` x1="`)
	w.f(x1)
	w.raw(`" x2="`)
	w.f(x2)
	w.raw(`" y1="`)
	w.f(y1)
	w.raw(`" y2="`)
	w.f(y2)
	w.raw(`"`)
}

// text writes a <text> of class at (x, y) with more attributes (markup, "" for none) and its words.
func (w *svgWriter) text(class string, x, y float64, attrs, words string) {
	w.raw(`<text class="`)
	w.raw(class)
	w.raw(`" x="`)
	w.f(x)
	w.raw(`" y="`)
	w.f(y)
	w.raw(`"`)
	w.raw(attrs)
	w.raw(">")
	w.s(words)
	w.raw("</text>")
}

// HTML is the chart as a page shows it: the legend in HTML, the SVG and its caption.
func (c *Chart) HTML() template.HTML {
	var w svgWriter
	w.Grow(4096 + len(c.Actual.Path) + len(c.Models)*len(c.Actual.Path))
	w.raw("<figure class=\"chart\">\n<p class=\"chart-key-html\" aria-hidden=\"true\">")
	for _, k := range c.Key {
		w.raw(`<span class="key-`)
		w.s(k.Class)
		w.raw(`">`)
		w.s(k.Name)
		w.raw("</span>")
	}
	w.raw("</p>\n<div class=\"chart-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Chart: ")
	w.s(c.Title)
	w.raw("\">\n<svg class=\"chart-svg\" viewBox=\"0 0 ")
	w.i(c.Width)
	w.raw(" ")
	w.i(c.Height)
	w.raw("\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" xmlns=\"http://www.w3.org/2000/svg\">\n  <title id=\"chart-title\">")
	w.s(c.Title)
	w.raw("</title>\n  <desc id=\"chart-desc\">")
	w.s(c.Desc)
	w.raw("</desc>\n  <g class=\"chart-bands\" aria-hidden=\"true\">\n    ")
	for _, b := range c.Bands {
		w.raw(`<rect class="band-bg `)
		w.s(b.Class)
		w.raw(`" x="`)
		w.f(c.X0)
		w.raw(`" y="`)
		w.f(b.Y)
		w.raw(`" width="`)
		w.f(c.PlotW)
		w.raw(`" height="`)
		w.f(b.H)
		w.raw(`"/>`)
		if b.ShowLabel {
			w.raw(`<text class="band-label" x="`)
			w.f(c.BandLabelX)
			w.raw(`" y="`)
			w.f(b.LabelY)
			w.raw(`" dy="4">`)
			w.s(b.Name)
			w.raw("</text>")
		}
		w.raw("\n    ")
	}
	w.raw("\n  </g>\n  <g class=\"chart-axes\" aria-hidden=\"true\">\n    ")
	for _, t := range c.YTicks {
		w.raw(`<line class="grid"`)
		w.span(c.X0, c.X1, t.Pos, t.Pos)
		w.raw("/>")
		w.text("tick", c.YTickX, t.Pos, ` dy="4" text-anchor="end"`, t.Label)
		w.raw("\n    ")
	}
	w.raw("\n    ")
	for _, t := range c.XTicks {
		w.raw(`<line class="tick-mark"`)
		w.span(t.Pos, t.Pos, c.Y1, c.XMarkY)
		w.raw("/>")
		w.text("tick", t.Pos, c.XTickY, ` text-anchor="middle"`, t.Label)
		w.raw("\n    ")
	}
	w.raw("\n    <line class=\"axis\"")
	w.span(c.X0, c.X0, c.Y0, c.Y1)
	w.raw("/>\n    <line class=\"axis\"")
	w.span(c.X0, c.X1, c.Y1, c.Y1)
	w.raw("/>\n    ")
	w.text("axis-label", c.XMid, c.XLabelY, ` text-anchor="middle"`, c.XLabel)
	w.raw("\n    <text class=\"axis-label\" transform=\"translate(14 ")
	w.f(c.YMid)
	w.raw(`) rotate(-90)" text-anchor="middle">`)
	w.s(c.YLabel)
	w.raw("</text>\n  </g>\n  <g class=\"chart-lines\" aria-hidden=\"true\">\n    ")
	if c.Actual.Path != "" {
		w.raw(`<path class="line-actual" d="`)
		w.s(c.Actual.Path)
		w.raw(`"/>`)
	}
	w.raw("\n    ")
	dots := func(class string, ds []ChartDot) {
		for _, d := range ds {
			w.raw(`<circle class="dot-`)
			w.s(class)
			w.raw(`" cx="`)
			w.f(d.X)
			w.raw(`" cy="`)
			w.f(d.Y)
			w.raw(`" r="2.5"/>`)
		}
	}
	dots("actual", c.Actual.Dots)
	w.raw("\n    ")
	for _, m := range c.Models {
		if m.Path != "" {
			w.raw(`<path class="line-`)
			w.s(m.Class)
			w.raw(`" data-model="`)
			w.s(m.Name)
			w.raw(`" d="`)
			w.s(m.Path)
			w.raw(`"/>`)
		}
		w.raw("\n    ")
		dots(m.Class, m.Dots)
	}
	w.raw("\n  </g>\n  <g class=\"chart-key\" aria-hidden=\"true\" transform=\"translate(")
	w.f(c.X0)
	w.raw(" 0)\">\n    ")
	for _, k := range c.Key {
		w.raw(`<line class="line-`)
		w.s(k.Class)
		w.raw(`" x1="`)
		w.f(k.X)
		w.raw(`" x2="`)
		w.f(k.X2)
		w.raw(`" y1="16" y2="16"/><text class="key" x="`)
		w.f(k.TextX)
		w.raw(`" y="20">`)
		w.s(k.Name)
		w.raw("</text>\n    ")
	}
	w.raw("\n  </g>\n</svg>\n</div>\n<figcaption>")
	w.s(c.Note)
	w.raw("</figcaption>\n</figure>\n")
	return template.HTML(w.String())
}
