package views

import (
	"html/template"
	"strconv"
	"strings"
	"time"
)

// The fragments here are the markup a page repeats hundreds of times (a value's AQI band, a row of the
// ranking or of the accuracy table), written in Go rather than by a template: each template action costs
// about a microsecond through reflection, which was most of those pages' server CPU. They write what the
// templates wrote, byte for byte, escaped as html/template escapes (Escape).

// escaper escapes text and attribute values as html/template does, its "+" and NUL included.
var escaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// Escape is s escaped as html/template escapes a text or attribute value.
func Escape(s string) string { return escaper.Replace(s) }

// Band is a value's AQI band as a page shows it: the name on the band's colour (its CSS class), the
// sub-index on hover (title) and for screen readers (visually hidden text).
func Band(class, name string, aqi int) template.HTML {
	n := strconv.Itoa(aqi)
	return template.HTML(`<span class="aqi ` + Escape(class) + `" title="AQI ` + n + `">` +
		Escape(name) + `<span class="visually-hidden">, AQI ` + n + `</span></span>`)
}

// Column is one sortable header of a table (the measurements', the comparison's, the accuracy
// breakdown's): a link to the view sorted by it.
type Column struct {
	Key, Label, Unit string
	URL              string
	// AriaSort is "ascending" or "descending" on the sorted column, empty elsewhere.
	AriaSort string
	Numeric  bool
}

// String makes a column printable in logs and test failures.
func (c Column) String() string { return c.Key + "(" + c.AriaSort + ")" }

// Columns are a table's headers, in order.
type Columns []Column

// HTML is the headers' cells as the table's header row holds them.
func (cs Columns) HTML() template.HTML {
	var b strings.Builder
	b.Grow(400 * len(cs))
	for _, c := range cs {
		b.WriteString(`<th scope="col"`)
		if c.AriaSort != "" {
			b.WriteString(` aria-sort="`)
			b.WriteString(Escape(c.AriaSort))
			b.WriteString(`"`)
		}
		if c.Numeric {
			b.WriteString(` class="num"`)
		}
		b.WriteString(">\n      <a id=\"sort-")
		b.WriteString(Escape(c.Key))
		b.WriteString(`" href="`)
		b.WriteString(Escape(c.URL))
		b.WriteString(`" hx-get="`)
		b.WriteString(Escape(c.URL))
		b.WriteString(`">`)
		b.WriteString(Escape(c.Label))
		if c.Unit != "" {
			b.WriteString(` <span class="unit">(`)
			b.WriteString(Escape(c.Unit))
			b.WriteString(`)</span>`)
		}
		b.WriteString(`<span class="sort-arrow" aria-hidden="true">`)
		switch c.AriaSort {
		case "ascending":
			b.WriteString("▲")
		case "descending":
			b.WriteString("▼")
		}
		b.WriteString("</span></a>\n    </th>")
	}
	return template.HTML(b.String())
}

// RankRow is one location's row of the ranking (partials/ranking).
type RankRow struct {
	Location    string
	CalendarURL string
	Cells       []RankCell
	LatestDate  time.Time
	LatestValue string
	// LatestBandClass and LatestBandName are the latest value's band ("" without bands).
	LatestBandClass, LatestBandName string
	// LatestSorted marks the latest value's column as the sorted one.
	LatestSorted bool
}

// RankCell is one figure of a ranking row; Sorted marks the sorted column, whose cell carries the bar.
type RankCell struct {
	Key, Text, Label string
	Sorted           bool
	Bar              int
	// Optional marks a single band's days (not sorted by): a phone leaves the column out, keeping the
	// days in any of them.
	Optional bool
}

// RankRows are the ranking's rows, in order.
type RankRows []RankRow

// HTML is the rows one after the other, as the ranking's tbody holds them.
func (rs RankRows) HTML() template.HTML { return writeRows(rs, 1024) }

// writeRows is a table's rows written one after the other, about size bytes each: one call for the
// whole table, where a template action per row cost as much again as writing the row (reflection).
func writeRows[R any, P interface {
	*R
	write(*strings.Builder)
}](rows []R, size int) template.HTML {
	var b strings.Builder
	b.Grow(size * len(rows))
	for i := range rows {
		P(&rows[i]).write(&b)
	}
	return template.HTML(b.String())
}

// write writes the row as the ranking's table shows it, <tr> and all.
func (r *RankRow) write(b *strings.Builder) {
	b.WriteString("\n  <tr>\n    <th scope=\"row\"><a href=\"")
	b.WriteString(Escape(r.CalendarURL))
	b.WriteString("\" title=\"Calendar of ")
	b.WriteString(Escape(r.Location))
	b.WriteString("\">")
	b.WriteString(Escape(r.Location))
	b.WriteString("</a></th>\n    ")
	for _, c := range r.Cells {
		b.WriteString("<td class=\"num")
		if c.Sorted {
			b.WriteString(" sorted")
		}
		if c.Optional {
			b.WriteString(" rank-opt")
		}
		b.WriteString("\" data-label=\"")
		b.WriteString(Escape(c.Label))
		b.WriteString("\" data-key=\"")
		b.WriteString(Escape(c.Key))
		b.WriteString("\">")
		b.WriteString(Escape(c.Text))
		if c.Sorted {
			b.WriteString(`<svg class="rank-bar" viewBox="0 0 100 10" width="60" height="10" aria-hidden="true" focusable="false"><rect x="0" y="1" width="`)
			b.WriteString(strconv.Itoa(c.Bar))
			b.WriteString(`" height="8"/></svg>`)
		}
		b.WriteString("</td>")
	}
	b.WriteString("\n    <td class=\"num")
	if r.LatestSorted {
		b.WriteString(" sorted")
	}
	b.WriteString("\" data-label=\"Latest\" data-key=\"latest\">")
	b.WriteString(Escape(r.LatestValue))
	if r.LatestBandClass != "" {
		b.WriteString(" <span class=\"aqi ")
		b.WriteString(Escape(r.LatestBandClass))
		b.WriteString("\">")
		b.WriteString(Escape(r.LatestBandName))
		b.WriteString("</span>")
	}
	b.WriteString(" <small class=\"rank-date\"><time datetime=\"")
	b.WriteString(r.LatestDate.Format(time.DateOnly))
	b.WriteString("\">")
	b.WriteString(r.LatestDate.Format("2 Jan 2006"))
	b.WriteString("</time></small></td>\n  </tr>\n  ")
}

// AccuracyRow is one group of the accuracy table (partials/accuracy).
type AccuracyRow struct {
	Keys  []string
	Cells []AccuracyCell
	// URL is the comparison of the group's days.
	URL string
}

// AccuracyCell is one figure; Bar is the width (0–60) of the bar drawn beside the sorted metric.
type AccuracyCell struct {
	Text   string
	Sorted bool
	Bar    float64
	Neg    bool
}

// AccuracyRows are the accuracy table's rows, in order.
type AccuracyRows []AccuracyRow

// HTML is the rows one after the other, each in its <tr>, as the accuracy table's tbody holds them.
func (rs AccuracyRows) HTML() template.HTML { return writeRows(rs, 1600) }

// write writes the row as the accuracy table shows it, <tr> and all.
func (r *AccuracyRow) write(b *strings.Builder) {
	b.WriteString("\n    <tr>\n      ")
	for i, k := range r.Keys {
		if i == 0 {
			b.WriteString(`<th scope="row"><a class="group-link" href="`)
			b.WriteString(Escape(r.URL))
			b.WriteString(`" title="The days of this group on Compare">`)
			b.WriteString(Escape(k))
			b.WriteString("</a></th>")
		} else {
			b.WriteString("<td>")
			b.WriteString(Escape(k))
			b.WriteString("</td>")
		}
	}
	b.WriteString("\n      ")
	for _, c := range r.Cells {
		b.WriteString(`<td class="num`)
		if c.Sorted {
			b.WriteString(" sorted")
		}
		b.WriteString(`">`)
		b.WriteString(Escape(c.Text))
		if c.Sorted {
			b.WriteString(` <svg class="acc-bar" viewBox="0 0 60 10" width="60" height="10" aria-hidden="true"><rect x="0" y="1" width="`)
			b.WriteString(strconv.FormatFloat(c.Bar, 'g', -1, 64))
			b.WriteString(`" height="8"`)
			if c.Neg {
				b.WriteString(` class="neg"`)
			}
			b.WriteString("/></svg>")
		}
		b.WriteString("</td>")
	}
	b.WriteString("\n    </tr>\n  ")
}

// CompareRow is one day of the comparison table (partials/compare), its numbers formatted ("" when
// missing) and its bands written (Band, "" without one).
type CompareRow struct {
	Date time.Time
	// ISODate, HumanDate and TypeLabel are Date and Type as shown.
	ISODate, HumanDate, TypeLabel   string
	Location, Type, Unit            string
	Actual, Predicted               string
	Error, AbsError, PctError       string
	ActualBand, PredBand            template.HTML
	MissingActual, MissingPredicted bool
}

// CompareRows are the comparison table's rows, in order.
type CompareRows []CompareRow

// HTML is the rows one after the other, as the comparison's tbody holds them.
func (rs CompareRows) HTML() template.HTML { return writeRows(rs, 768) }

// write writes the row as the comparison's table shows it, <tr> and all.
func (r *CompareRow) write(b *strings.Builder) {
	b.WriteString("\n    <tr>\n      <td><time datetime=\"")
	b.WriteString(Escape(r.ISODate))
	b.WriteString("\">")
	b.WriteString(Escape(r.HumanDate))
	b.WriteString("</time></td>\n      <td>")
	b.WriteString(Escape(r.Location))
	b.WriteString("</td>\n      <td>")
	b.WriteString(Escape(r.TypeLabel))
	b.WriteString("</td>\n      <td class=\"num\">")
	r.value(b, r.MissingActual, r.Actual, r.ActualBand)
	b.WriteString("</td>\n      <td class=\"num\">")
	r.value(b, r.MissingPredicted, r.Predicted, r.PredBand)
	b.WriteString("</td>\n      <td class=\"num\">")
	b.WriteString(Escape(r.Error))
	b.WriteString("</td>\n      <td class=\"num\">")
	b.WriteString(Escape(r.AbsError))
	b.WriteString("</td>\n      <td class=\"num\">")
	b.WriteString(Escape(r.PctError))
	b.WriteString("</td>\n    </tr>\n  ")
}

// value writes one side's cell content: "none" when it is missing, else the value, its unit and band.
func (r CompareRow) value(b *strings.Builder, missing bool, v string, band template.HTML) {
	if missing {
		b.WriteString(`<span class="missing">none</span>`)
		return
	}
	b.WriteString(Escape(v))
	if r.Unit != "" {
		b.WriteString(` <span class="unit">`)
		b.WriteString(Escape(r.Unit))
		b.WriteString("</span>")
	}
	if band != "" {
		b.WriteString(" ")
		b.WriteString(string(band))
	}
}

// Confusion is the band confusion matrix (partials/confusion): days by measured band (rows) and
// predicted band (columns), the diagonal (predicted band = measured band) marked.
type Confusion struct {
	Title, Scale string
	Bands        []string
	Classes      []string
	Rows         []ConfusionRow
	ColTotals    []string
	Total        string
}

// ConfusionRow is one measured band of the matrix.
type ConfusionRow struct {
	Band, Class string
	Cells       []ConfusionCell
	Total       string
}

// ConfusionCell is one count; Diagonal marks measured band = predicted band.
type ConfusionCell struct {
	Count    string
	Diagonal bool
	Zero     bool
}

// HTML is the matrix's section as a page shows it.
func (m *Confusion) HTML() template.HTML {
	var b strings.Builder
	b.Grow(4096)
	b.WriteString("\n<section class=\"confusion\" aria-labelledby=\"confusion-title\">\n  <h2 id=\"confusion-title\" class=\"confusion-title\">Bands, measured against predicted: ")
	b.WriteString(Escape(m.Title))
	b.WriteString(" (")
	b.WriteString(Escape(m.Scale))
	b.WriteString(")</h2>\n  <div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"confusion-title\">\n  <table class=\"data confusion-matrix\" aria-describedby=\"confusion-help\">\n    <thead>\n      <tr><th scope=\"col\">Measured ↓ / predicted →</th>")
	for i, band := range m.Bands {
		b.WriteString(`<th scope="col" class="band-col"><span class="aqi `)
		b.WriteString(Escape(m.Classes[i]))
		b.WriteString(`">`)
		b.WriteString(Escape(band))
		b.WriteString("</span></th>")
	}
	b.WriteString("<th scope=\"col\" class=\"band-col\">All</th></tr>\n    </thead>\n    <tbody>\n    ")
	for _, r := range m.Rows {
		b.WriteString(`<tr><th scope="row"><span class="aqi `)
		b.WriteString(Escape(r.Class))
		b.WriteString(`">`)
		b.WriteString(Escape(r.Band))
		b.WriteString("</span></th>")
		for _, c := range r.Cells {
			b.WriteString(`<td class="num`)
			if c.Diagonal {
				b.WriteString(" diagonal")
			}
			if c.Zero {
				b.WriteString(" zero")
			}
			b.WriteString(`">`)
			if c.Diagonal {
				b.WriteString("<strong>")
				b.WriteString(Escape(c.Count))
				b.WriteString(`</strong><span class="visually-hidden"> (same band)</span>`)
			} else {
				b.WriteString(Escape(c.Count))
			}
			b.WriteString("</td>")
		}
		b.WriteString(`<td class="num total">`)
		b.WriteString(Escape(r.Total))
		b.WriteString("</td></tr>\n    ")
	}
	b.WriteString("\n    </tbody>\n    <tfoot>\n      <tr><th scope=\"row\">All</th>")
	for _, t := range m.ColTotals {
		b.WriteString(`<td class="num total">`)
		b.WriteString(Escape(t))
		b.WriteString("</td>")
	}
	b.WriteString(`<td class="num total" id="confusion-total">`)
	b.WriteString(Escape(m.Total))
	b.WriteString("</td></tr>\n    </tfoot>\n  </table>\n  </div>\n  <p class=\"help\" id=\"confusion-help\">Rows: the measured band; columns: the predicted band. Bold cells, on the diagonal, are the days predicted in the band measured. Days with both a measurement and a prediction of ")
	b.WriteString(Escape(m.Title))
	b.WriteString(": ")
	b.WriteString(Escape(m.Total))
	b.WriteString(".</p>\n</section>\n")
	return template.HTML(b.String())
}
