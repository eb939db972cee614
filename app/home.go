package main

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/queries"
)

// homePage is the data of pages/home.
type homePage struct {
	pageData
	Locations []locationSummary
	Measured  int64
	Predicted int64
	Series    int
}

// locationSummary is one location's row on the home page.
type locationSummary struct {
	Location string
	Series   []queries.Series
	Measured int64
	Pred     int64
	// First and Last bound the dates of its measurements.
	First, Last time.Time
}

// showHome is the overview: every location and pollutant, with counts, date ranges and links into the tables.
func (s *server) showHome(c *fiber.Ctx) error {
	ctx, cancel := s.queryContext(c)
	defer cancel()
	series, err := queries.ListSeries(ctx, s.db)
	if err != nil {
		return err
	}
	p := homePage{pageData: s.newPage(c, "Air quality in Indian cities"), Series: len(series)}
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
	return s.render(c, fiber.StatusOK, "pages/home", "pages/home", p)
}
