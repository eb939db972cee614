package main

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/aqi"
)

// scaleParam reads the scale= parameter: empty means the deployment's default scale, anything but a
// scale's key is a 400 naming scale. (Issue 16 gives every view scale=; the coordinator keeps one parser
// at merge.)
func (s *server) scaleParam(c *fiber.Ctx) (*aqi.Scale, error) {
	key := strings.TrimSpace(c.Query("scale"))
	if key == "" {
		return aqi.Default(), nil
	}
	sc, ok := aqi.Get(key)
	if !ok {
		return aqi.Default(), badParam("scale", "%q is not a scale; use one of %s", key, strings.Join(aqi.Keys(), ", "))
	}
	return sc, nil
}

// isDefaultScale reports whether a view's scale is the one its URL may leave out.
func isDefaultScale(sc *aqi.Scale) bool { return sc == aqi.Default() }

// scaleOptions are the choices of a scale select.
func scaleOptions(sc *aqi.Scale) []option {
	var out []option
	for _, s := range aqi.Scales() {
		out = append(out, option{s.Key, s.Short, s == sc})
	}
	return out
}
