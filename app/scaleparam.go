package main

import (
	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/aqi"
)

// scaleParam reads scale= for the views that keep their own parameters (the calendar, the ranking):
// parseScale's key ("" for the deployment's scale, which URLs leave out) and scale, or a 400 naming
// scale.
func (s *server) scaleParam(c *fiber.Ctx) (string, *aqi.Scale, error) {
	key, sc, perr := parseScale(c)
	if perr != nil {
		return key, sc, perr
	}
	return key, sc, nil
}
