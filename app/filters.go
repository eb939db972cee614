package main

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/queries"
)

// The filter form's data that depends on the data itself (the dates' min and max, each location's
// pollutants), and the view a bad filter gets: its form, the person's values kept, the bad fields marked
// and the message beside them, inside the view, for a swap and a whole page alike.

// formError is what a view shows in place of its rows when a parameter is bad: the 400's message and
// the parameters to mark.
type formError struct {
	Status   int
	Title    string
	Messages []string
	params   []string
}

// newFormError gathers the 400s of a view's parameters.
func newFormError(errs []fieldError) *formError {
	fe := &formError{Status: fiber.StatusBadRequest, Title: "Bad request"}
	for _, e := range errs {
		fe.Messages = append(fe.Messages, e.err.Message)
		fe.params = append(fe.params, e.param)
	}
	return fe
}

// Bad reports whether the form's field for parameter name holds a bad value (the template marks it:
// aria-invalid and the message by aria-describedby).
func (vc viewControls) Bad(name string) bool {
	return vc.Invalid != nil && contains(vc.Invalid.params, name)
}

// keepBadChoice keeps a select's bad value on show, selected alone, so the form shows what was asked.
func keepBadChoice(opts []option, raw string) []option {
	if raw == "" {
		return opts
	}
	out := make([]option, 0, len(opts)+1)
	found := false
	for _, o := range opts {
		o.Selected = o.Value == raw
		found = found || o.Selected
		out = append(out, o)
	}
	if found {
		return out
	}
	return append(out, option{raw, raw, true})
}

// rawParam is a query parameter as sent, trimmed and copied, with bytes that are not UTF-8 and control
// characters replaced, so that it can be shown.
func rawParam(c *fiber.Ctx, name string) string {
	s := strings.TrimSpace(string(c.Context().QueryArgs().Peek(name)))
	s = strings.ToValidUTF8(s, "�")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '�'
		}
		return r
	}, s)
}

// setDateBounds gives the date inputs their min and max: the first and last date of the rows of tables
// that the view's location and pollutant filters select (none when nothing matches).
func (s *server) setDateBounds(ctx context.Context, vc *viewControls, tables []queries.Table, v queries.View) error {
	first, last, ok, err := queries.DateBounds(ctx, s.db, tables, v.Locations, v.Types)
	if err != nil || !ok {
		return err
	}
	vc.Min, vc.Max = first.Format(time.DateOnly), last.Format(time.DateOnly)
	return nil
}

// locationTypesCache holds each location's pollutants at one data version, like optionsCache.
type locationTypesCache struct {
	mu      sync.Mutex
	version string
	types   map[string][]string
}

// locationTypes returns the pollutants location has rows of (in either table), from memory when the
// listener vouches that the data has not changed since they were read.
func (s *server) locationTypes(ctx context.Context, location string) ([]string, error) {
	v, known := s.versions.get()
	if known {
		s.locTypes.mu.Lock()
		if s.locTypes.version == v && s.locTypes.types != nil {
			types := s.locTypes.types[location]
			s.locTypes.mu.Unlock()
			return types, nil
		}
		s.locTypes.mu.Unlock()
	}
	all, err := queries.LocationTypes(ctx, s.db)
	if err != nil {
		return nil, err
	}
	if known {
		s.locTypes.mu.Lock()
		s.locTypes.version, s.locTypes.types = v, all
		s.locTypes.mu.Unlock()
	}
	return all[location], nil
}

// clock is the server's time now: time.Now unless a test set s.now.
func (s *server) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// invalidTable answers a table view with bad parameters: a 400 with the view's form (good values kept,
// bad fields marked) and the messages where the rows would be.
func (s *server) invalidTable(c *fiber.Ctx, t queries.Table, v queries.View, errs []fieldError) error {
	path := "/" + t.Key
	ctx, cancel := s.queryContext(c)
	defer cancel()
	locs, types, err := s.listOptions(ctx)
	if err != nil {
		// Without the database the form cannot be built: the 400 is said all the same, as a bare error.
		return errs[0].err
	}
	p := tablePage{Table: t, View: v, viewControls: newViewControls(path, v, locs, types)}
	p.ScaleOpts = scaleOptions(viewScale(c, v))
	if t.Key == queries.Predictions.Key {
		if models, err := s.listModels(ctx); err == nil {
			p.setModelFilters(v, models)
		}
	}
	p.Invalid = newFormError(errs)
	s.keepBadChoices(c, &p.viewControls)
	p.SelfURL = path
	p.pageData = s.newPage(c, p.Invalid.Title+" · "+t.Title)
	c.Set("Cache-Control", "no-store")
	return s.render(c, fiber.StatusBadRequest, "pages/table", "partials/table", p)
}

// invalidCompare answers the comparison or the dashboard with bad parameters, as invalidTable does.
func (s *server) invalidCompare(c *fiber.Ctx, base, page string, cv queries.CompareView, errs []fieldError, dashboard bool) error {
	ctx, cancel := s.queryContext(c)
	defer cancel()
	locs, types, err := s.listOptions(ctx)
	if err != nil {
		return errs[0].err // as invalidTable
	}
	p := comparePage{Base: base, Dashboard: dashboard, View: cv}
	if dashboard {
		if err := s.dashboardDefaults(ctx, &p.View, locs, types); err != nil {
			return errs[0].err
		}
	}
	if types, err = s.typesFor(ctx, p.View.Locations, types); err != nil {
		return errs[0].err
	}
	p.viewControls = newViewControls(base, p.View.View, locs, types)
	p.Scale = viewScale(c, p.View.View)
	p.ScaleOpts = scaleOptions(p.Scale)
	p.Invalid = newFormError(errs)
	for _, m := range queries.Matches {
		p.Matches = append(p.Matches, option{string(m), matchLabels[m], m == p.View.Match})
	}
	if models, err := s.listModels(ctx); err == nil {
		p.setModelControls(p.View, models)
	}
	s.keepBadChoices(c, &p.viewControls)
	if p.Bad("match") {
		p.Matches = keepBadChoice(p.Matches, rawParam(c, "match"))
	}
	if p.Bad("model") {
		p.ModelOpts = keepBadChoice(p.ModelOpts, rawParam(c, "model"))
	}
	if p.Bad("lead") {
		p.LeadOpts = keepBadChoice(p.LeadOpts, rawParam(c, "lead"))
	}
	if p.Bad("ref") {
		p.RefOpts = keepBadChoice(p.RefOpts, rawParam(c, "ref"))
	}
	p.SelfURL = base
	title := "Compare"
	if dashboard {
		title = "Dashboard"
	}
	p.pageData = s.newPage(c, p.Invalid.Title+" · "+title)
	c.Set("Cache-Control", "no-store")
	return s.render(c, fiber.StatusBadRequest, page, "partials/compare", p)
}

// keepBadChoices shows a bad page size or scale as it was asked.
func (s *server) keepBadChoices(c *fiber.Ctx, vc *viewControls) {
	if vc.Bad("size") {
		vc.Sizes = keepBadChoice(vc.Sizes, rawParam(c, "size"))
	}
	if vc.Bad("scale") {
		vc.ScaleOpts = keepBadChoice(vc.ScaleOpts, rawParam(c, "scale"))
	}
}

// typesFor is the pollutant select's choices: on the dashboard, and on the comparison when one location
// is chosen, only that location's pollutants; elsewhere every pollutant. The chosen ones are added back
// by options, so a pollutant the location lacks still shows as what is filtered.
func (s *server) typesFor(ctx context.Context, locations, all []string) ([]string, error) {
	if len(locations) != 1 {
		return all, nil
	}
	return s.locationTypes(ctx, locations[0])
}
