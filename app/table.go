package main

import (
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/views"
)

// pageSizes are the page sizes offered in the select.
var pageSizes = []int{10, 15, 25, 50, 100, 250, 500}

// tablePage is the data of pages/table and partials/table.
type tablePage struct {
	pageData
	Table queries.Table
	View  queries.View
	Rows  []queries.Row
	Total int64
	Pages int64
	// Estimated is set when Total is the planner's estimate; CountURL then loads the exact count.
	Estimated bool
	CountURL  string
	Describe  string
	viewControls
	// ModelOpts and LeadOpts are the predictions' model and lead filters (from the data), MultiModel and
	// MultiLead set when several are chosen.
	ModelOpts, LeadOpts   []option
	MultiModel, MultiLead bool
	// Scale is the AQI scale the value cells show their bands in.
	Scale *aqi.Scale
}

// Band is a row's band on the view's scale, nil for a pollutant without bands.
func (p tablePage) Band(typ string, v float64) *bandView { return bandFor(p.Scale, typ, &v) }

// setModelFilters fills the predictions' model and lead selects: every model and every lead there is,
// the chosen ones marked (and kept when the data lacks them).
func (p *tablePage) setModelFilters(v queries.View, models []queries.ModelLeads) {
	var names []string
	var leads []int
	for _, m := range models {
		names = append(names, m.Model)
		for _, l := range m.Leads {
			if !slices.Contains(leads, l) {
				leads = append(leads, l)
			}
		}
	}
	for _, l := range v.Leads {
		if !slices.Contains(leads, l) {
			leads = append(leads, l)
		}
	}
	slices.Sort(leads)
	p.ModelOpts = options(names, v.Models, identity)
	for _, l := range leads {
		p.LeadOpts = append(p.LeadOpts, option{strconv.Itoa(l), leadLabel(l), slices.Contains(v.Leads, l)})
	}
	p.MultiModel, p.MultiLead = len(v.Models) > 1, len(v.Leads) > 1
}

// viewControls is what the table and the comparison views share around their rows: the filter form's
// choices, the column headers, the pager's links and the export links.
type viewControls struct {
	Columns   views.Columns
	Locations []option
	Types     []option
	Sizes     []option
	From, To  string
	PrevURL   string
	NextURL   string
	FirstURL  string
	LastURL   string
	SelfURL   string
	JSONURL   string
	CSVURL    string
	// ResetURL is the view without filters, on the view's scale; FormURL the path the filter form sends to.
	ResetURL string
	FormURL  string
	// ScaleOpts are the choices of the AQI scale select.
	ScaleOpts  []option
	SingleType string
	MultiLoc   bool
	MultiType  bool
	// Min and Max bound the date inputs: the first and last date the location and pollutant filters
	// select (empty when nothing matches).
	Min, Max string
	// Invalid is set when a parameter is bad: the view shows its form, the bad fields marked, and the
	// messages instead of rows (filters.go).
	Invalid *formError
}

// newViewControls fills the filter form of a view at path: its choices with the view's marked (the scale
// select's are set by the caller, who knows the deployment's scale), and
// SingleType when exactly one pollutant is chosen (its unit then goes in the headers).
func newViewControls(path string, v queries.View, locs, types []string) viewControls {
	vc := viewControls{
		Locations: options(locs, v.Locations, identity),
		Types:     options(types, v.Types, pollutantLabel),
		From:      dateInput(v.From), To: dateInput(v.To),
		ResetURL:  withScale(path, v.Scale),
		FormURL:   path,
		MultiLoc:  len(v.Locations) > 1,
		MultiType: len(v.Types) > 1,
	}
	if len(v.Types) == 1 {
		vc.SingleType = v.Types[0]
	}
	for _, n := range pageSizes {
		vc.Sizes = append(vc.Sizes, option{strconv.Itoa(n), strconv.Itoa(n), n == v.Size})
	}
	if !slices.Contains(pageSizes, v.Size) {
		vc.Sizes = append(vc.Sizes, option{strconv.Itoa(v.Size), strconv.Itoa(v.Size), true})
	}
	return vc
}

// column is one sortable column header.
type column = views.Column

// showTable is the measurements or predictions table: one page of rows, sorted and filtered.
func (s *server) showTable(t queries.Table) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v, errs := parseViewAll(c, t)
		if len(errs) > 0 {
			return s.invalidTable(c, t, v, errs)
		}
		p, err := s.tablePage(c, t, v)
		if err != nil {
			return err
		}
		pushCanonical(c, p.SelfURL)
		return s.render(c, fiber.StatusOK, "pages/table", "partials/table", p)
	}
}

// tablePage runs a table view's queries (its count, its page of rows, the filter choices) and builds its
// page data.
func (s *server) tablePage(c *fiber.Ctx, t queries.Table, v queries.View) (tablePage, error) {
	path := "/" + t.Key
	ctx, cancel := s.queryContext(c)
	defer cancel()
	count, err := queries.CountView(ctx, s.db, t, v)
	if err != nil {
		return tablePage{}, err
	}
	total := count.N
	if !count.Estimated {
		v.Total = total // lets a deep page be read from the nearer end
	}
	rows, err := queries.ListRows(ctx, s.db, t, v)
	if err != nil {
		return tablePage{}, err
	}
	locs, types, err := s.listOptions(ctx)
	if err != nil {
		return tablePage{}, err
	}
	p := tablePage{
		Table: t, View: v, Rows: rows, Total: total, Estimated: count.Estimated,
		Pages:        pages(total, v.Size),
		Describe:     describe(v),
		viewControls: newViewControls(path, v, locs, types),
	}
	p.Scale = viewScale(c, v)
	p.ScaleOpts = scaleOptions(p.Scale)
	if err := s.setDateBounds(ctx, &p.viewControls, []queries.Table{t}, v); err != nil {
		return tablePage{}, err
	}
	if t.Key == queries.Predictions.Key {
		models, err := s.listModels(ctx)
		if err != nil {
			return tablePage{}, err
		}
		p.setModelFilters(v, models)
	}
	p.SelfURL = viewURL(path, v)
	title := t.Title
	if p.Describe != "" {
		title += " · " + p.Describe
	}
	p.pageData = s.newPage(c, title)
	p.Columns = tableColumns(path, t, v, p.SingleType)
	at := func(page int64) string {
		w := v
		w.Page, w.After, w.Before = int(page), nil, nil
		return viewURL(path, w)
	}
	if v.Page > 1 {
		p.FirstURL = at(1)
		p.PrevURL = p.FirstURL
		if v.Page > 2 && len(rows) > 0 {
			// Previous and next seek from this page's first or last row: as fast on page 100,000 as on page 2.
			w := v
			w.Page, w.After, w.Before = v.Page-1, nil, queries.CursorOf(rows[0])
			p.PrevURL = viewURL(path, w)
		} else if v.Page > 2 {
			p.PrevURL = at(min(int64(v.Page-1), p.Pages))
		}
	}
	if int64(v.Page) < p.Pages && len(rows) == v.Size {
		w := v
		w.Page, w.After, w.Before = v.Page+1, queries.CursorOf(rows[len(rows)-1]), nil
		p.NextURL = viewURL(path, w)
		p.LastURL = at(p.Pages)
	}
	all := v // the CSV holds every page
	all.Page, all.Size, all.After, all.Before = 1, queries.DefaultSize, nil, nil
	p.CSVURL = viewURL(path+".csv", all)
	p.JSONURL = viewURL(path+".json", v)
	if count.Estimated {
		p.CountURL = viewURL(path+"/count", v)
	}
	return p, nil
}

// pages is the number of pages of total rows, at least 1.
func pages(total int64, size int) int64 { return max(1, (total+int64(size)-1)/int64(size)) }

// countPage is the data of partials/count.
type countPage struct {
	pageData
	Total, Page, Pages int64
}

// showCount is the exact row count of a view, loaded after a page that showed an estimate: the summary's
// count and the pager's "page X of Y", swapped in place.
func (s *server) showCount(t queries.Table) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v, err := parseView(c, t)
		if err != nil {
			return err
		}
		ctx, cancel := s.queryContext(c)
		defer cancel()
		total, err := queries.CountRows(ctx, s.db, t, v)
		if err != nil {
			return err
		}
		p := countPage{pageData: s.newPage(c, t.Title), Total: total, Page: int64(v.Page), Pages: pages(total, v.Size)}
		return s.render(c, fiber.StatusOK, "partials/count", "partials/count", p)
	}
}

// tableColumns builds the headers: each links to the view sorted by it (page 1), and a click on the
// sorted column flips its direction.
func tableColumns(path string, t queries.Table, v queries.View, singleType string) []column {
	labels := map[string]string{"date": "Date", "location": "Location", "type": "Pollutant", "model": "Model", "lead": "Lead (days)", "value": "Value", "prediction": "Prediction"}
	var cols []column
	for _, key := range t.SortKeys() {
		col := column{Key: key, Label: labels[key], Numeric: key == t.ValueColumn || key == "lead"}
		if key == t.ValueColumn && singleType != "" {
			col.Unit = pollutantUnit(singleType)
		}
		w := v
		w.Page, w.After, w.Before = 1, nil, nil
		w.Sort = key
		w.Desc = defaultDesc(key)
		if key == v.Sort {
			w.Desc = !v.Desc
			col.AriaSort = "ascending"
			if v.Desc {
				col.AriaSort = "descending"
			}
		}
		col.URL = viewURL(path, w)
		cols = append(cols, col)
	}
	return cols
}
