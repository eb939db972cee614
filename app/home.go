package main

import (
	"context"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/queries"
)

// The dashboard's series when the URL names none (the seed app's Hyderabad PM2.5).
const (
	homeLocation = "Hyderabad"
	homeType     = "pm25"
)

// showHome is the dashboard: one location and pollutant (Hyderabad PM2.5 unless the URL says otherwise;
// see dashboardDefaults) with its latest measurement and band, the chart, the metrics strip and the
// comparison table. It takes every parameter /compare takes, so /?location=Delhi&type=pm10 is a bookmark
// like any view.
func (s *server) showHome(c *fiber.Ctx) error {
	cv, errs, err := s.parseCompareResolved(c)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return s.invalidCompare(c, "/", "pages/home", cv, errs, true)
	}
	p, err := s.comparePage(c, "/", cv, true)
	if err != nil {
		return err
	}
	title := "Dashboard"
	if p.Describe != "" {
		title += " · " + p.Describe
	}
	p.pageData = s.newPage(c, title)
	return s.renderCompare(c, "pages/home", p)
}

// dashboardDefaults fills in the dashboard's location and pollutant when the URL names none: Hyderabad
// and PM2.5 when the data has them, else the first location there is and the first pollutant that
// location has (of every pollutant when it has none).
func (s *server) dashboardDefaults(ctx context.Context, cv *queries.CompareView, locs, types []string) error {
	if len(cv.Locations) == 0 {
		cv.Locations = fallback(locs, homeLocation)
	}
	if len(cv.Types) == 0 {
		have, err := s.typesFor(ctx, cv.Locations, types)
		if err != nil {
			return err
		}
		if len(have) == 0 {
			have = types
		}
		cv.Types = fallback(have, homeType)
	}
	return nil
}

// fallback is the default choice of a select: want when the data has it, else the first there is, else
// nothing (an empty database).
func fallback(have []string, want string) []string {
	switch {
	case slices.Contains(have, want):
		return []string{want}
	case len(have) > 0:
		// A copy, not have[:1]: have is the options cache's slice, shared by every request.
		return []string{have[0]}
	}
	return nil
}

// locationsPage is the data of pages/locations.
type locationsPage struct {
	pageData
	Locations []locationSummary
	Measured  int64
	Predicted int64
	Series    int
}

// locationSummary is one location's row in the overview.
type locationSummary struct {
	Location string
	Series   []queries.Series
	Measured int64
	Pred     int64
	// First and Last bound the dates of its measurements.
	First, Last time.Time
}

// showLocations is the overview: every location and pollutant, with counts, date ranges and links into
// the dashboard and the tables.
func (s *server) showLocations(c *fiber.Ctx) error {
	if _, _, perr := parseScale(c); perr != nil {
		return perr
	}
	ctx, cancel := s.queryContext(c)
	defer cancel()
	series, err := queries.ListSeries(ctx, s.db)
	if err != nil {
		return err
	}
	p := locationsPage{pageData: s.newPage(c, "Locations and pollutants"), Series: len(series)}
	for _, sr := range series {
		if n := len(p.Locations); n == 0 || p.Locations[n-1].Location != sr.Location {
			p.Locations = append(p.Locations, locationSummary{Location: sr.Location})
		}
		l := &p.Locations[len(p.Locations)-1]
		l.Series = append(l.Series, sr)
		l.Measured += sr.Measured
		l.Pred += sr.Predicted
		p.Measured += sr.Measured
		p.Predicted += sr.Predicted
		if !sr.First.IsZero() && (l.First.IsZero() || sr.First.Before(l.First)) {
			l.First = sr.First
		}
		if sr.Last.After(l.Last) {
			l.Last = sr.Last
		}
	}
	return s.render(c, fiber.StatusOK, "pages/locations", "pages/locations", p)
}
