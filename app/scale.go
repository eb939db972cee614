package main

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/queries"
)

// The AQI scale of a view: scale= in its URL (naqi, us_epa), else the deployment's AQI_SCALE. A view
// carries a scale other than the deployment's in every link, form and pushed URL (queries.View.Scale,
// written by viewQuery); the deployment's own is left out of URLs like every other default, so a
// bookmark without scale= shows the deployment's scale.

// scaleDefaultLocal is the request local that holds the deployment's scale (setScaleDefault).
const scaleDefaultLocal = "aqdash.scale.default"

// setScaleDefault hands the deployment's scale to the request, for the parameter parsers, which are
// not the server's methods.
func (s *server) setScaleDefault(c *fiber.Ctx) error {
	c.Locals(scaleDefaultLocal, s.cfg.Scale)
	return c.Next()
}

// defaultScale is the deployment's scale (AQI_SCALE), aqi.Default outside a server's routes.
func defaultScale(c *fiber.Ctx) *aqi.Scale {
	if sc, ok := c.Locals(scaleDefaultLocal).(*aqi.Scale); ok && sc != nil {
		return sc
	}
	return aqi.Default()
}

// parseScale reads scale=: the key a view carries ("" for the deployment's scale, also when scale=
// names it) and the scale it shows. An unknown scale is a 400 naming scale; the scale is then the
// deployment's.
func parseScale(c *fiber.Ctx) (string, *aqi.Scale, *pageError) {
	def := defaultScale(c)
	raw := strings.TrimSpace(string(c.Context().QueryArgs().Peek("scale")))
	if raw == "" {
		return "", def, nil
	}
	sc, ok := aqi.Get(raw)
	if !ok {
		return "", def, badParam("scale", "%q is not an AQI scale; use %s", raw, strings.Join(aqi.Keys(), " or "))
	}
	if sc == def {
		return "", sc, nil
	}
	return sc.Key, sc, nil
}

// viewScale is the scale a parsed view shows its bands in.
func viewScale(c *fiber.Ctx, v queries.View) *aqi.Scale {
	if sc, ok := aqi.Get(v.Scale); ok {
		return sc
	}
	return defaultScale(c)
}

// requestScale is the scale of a request's scale= (the deployment's when it names none or an unknown
// one), for the parts of a page that are not its view: the navigation's links.
func requestScale(c *fiber.Ctx) (key string, sc *aqi.Scale) {
	key, sc, _ = parseScale(c)
	return key, sc
}

// scaleChanged reports whether an htmx request asks for another scale than the page it comes from
// (HX-Current-URL) carries in its links; true when that is unknown.
func scaleChanged(c *fiber.Ctx) bool {
	cur := c.Get("HX-Current-URL")
	if cur == "" {
		return true
	}
	u, err := url.Parse(cur)
	if err != nil {
		return true
	}
	def := defaultScale(c)
	from := ""
	if sc, ok := aqi.Get(strings.TrimSpace(u.Query().Get("scale"))); ok && sc != def {
		from = sc.Key
	}
	to, _ := requestScale(c)
	return from != to
}

// withScale adds scale=key to a URL that has no query yet or has one; key "" leaves it as it is.
func withScale(u, key string) string {
	if key == "" {
		return u
	}
	if strings.Contains(u, "?") {
		return u + "&scale=" + key
	}
	return u + "?scale=" + key
}

// scaleOptions are the choices of the scale select, the view's selected.
func scaleOptions(sc *aqi.Scale) []option {
	var out []option
	for _, s := range aqi.Scales() {
		out = append(out, option{s.Key, s.Short, s == sc})
	}
	return out
}
