package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// bandState is what a person sees of the scale on the open page: the URL, the scale select, the band
// names of the cells and the headline, the legend's title and the navigation's links.
const bandState = `(() => {
	const text = e => e ? e.textContent.replace(/\s+/g, ' ').trim() : '';
	const sel = document.querySelector('#f-scale');
	return JSON.stringify({
		url: location.pathname + location.search,
		scale: sel ? sel.value : '',
		bands: [...new Set([...document.querySelectorAll('#view .aqi[title], .latest .aqi')].map(e => e.className + ' ' + e.title + ' ' + text(e)))].sort(),
		legend: text(document.querySelector('.aqi-legend-title')),
		nav: [...document.querySelectorAll('#site-nav a, #site-brand')].map(a => a.getAttribute('href')),
	});
})()`

// TestBrowserScaleSwitch chooses the US EPA scale with the keyboard on every view with bands (page
// cache on): the cells, the headline, the legend, the chart's bands and the navigation change in the
// swap, the focus stays on the select, the pushed URL has scale=us_epa; Back and Forward restore each
// scale exactly, a reload keeps it, and a link followed from the page keeps it.
func TestBrowserScaleSwitch(t *testing.T) {
	base := placeServer(t)
	var b *browser
	for _, view := range []string{"/?location=Hyderabad&type=pm25", "/compare?location=Hyderabad&type=pm25", "/historic?location=Hyderabad&type=pm25", "/predictions?location=Hyderabad&type=pm25"} {
		var naqi, epa string
		b = newBrowser(t) // a browser per view: each has its own time limit
		b.run(t, chromedp.Navigate(base+view), chromedp.WaitVisible(`#view tbody`), jsWait(`typeof htmx !== 'undefined'`),
			chromedp.Evaluate(bandState, &naqi))
		if !strings.Contains(naqi, `"scale":"naqi"`) || !strings.Contains(naqi, "aqi aqi-") || strings.Contains(naqi, "epa-") || strings.Contains(naqi, "scale=") {
			t.Fatalf("%s opens on NAQI: %s", view, naqi)
		}
		b.tabTo(t, `#f-scale`, false)
		b.run(t, press(kb.ArrowDown), jsWait(`location.search.includes('scale=us_epa') && document.querySelector('#view .aqi.epa-1, #view .aqi.epa-2, #view .aqi.epa-3') !== null`),
			chromedp.Evaluate(bandState, &epa))
		b.checkFocus(t, `#f-scale`)
		if !strings.Contains(epa, `"scale":"us_epa"`) || strings.Contains(epa, "aqi aqi-") || !strings.Contains(epa, `AQI 1`) {
			t.Fatalf("%s on US EPA: %s", view, epa)
		}
		for _, want := range []string{`"/compare?scale=us_epa"`, `"/?scale=us_epa"`, `"/locations?scale=us_epa"`} {
			if !strings.Contains(epa, want) {
				t.Errorf("%s: the navigation lacks %s after the swap: %s", view, want, epa)
			}
		}
		if strings.HasPrefix(view, "/?") || strings.HasPrefix(view, "/compare") {
			var chart string
			b.run(t, chromedp.Evaluate(`[...document.querySelectorAll('.chart-svg .band-bg')].map(r => r.getAttribute('class')).join(' ')`, &chart))
			if !strings.Contains(chart, "epa-0") || strings.Contains(chart, "aqi-") {
				t.Errorf("%s: the chart's bands on US EPA: %q", view, chart)
			}
			if !strings.Contains(epa, "US EPA AQI bands") {
				t.Errorf("%s: the legend on US EPA: %s", view, epa)
			}
		}
		b.run(t, chromedp.NavigateBack())
		b.waitBands(t, view+" back", naqi)
		b.run(t, chromedp.NavigateForward())
		b.waitBands(t, view+" forward", epa)
		b.run(t, chromedp.Reload())
		b.waitBands(t, view+" reloaded", epa)
	}
	// A link followed from a US EPA page keeps the scale: the navigation to the ranking, its link to
	// the overview of every series, and the overview's links into the dashboard.
	var href string
	b.run(t, chromedp.Click(`#site-nav a[href^="/locations"]`, chromedp.ByQuery), chromedp.WaitVisible(`a[href^="/locations/all"]`),
		chromedp.Click(`a[href^="/locations/all?scale=us_epa"]`, chromedp.ByQuery), chromedp.WaitVisible(`table.overview`),
		chromedp.Evaluate(`document.querySelector('table.overview a.chip').getAttribute('href')`, &href))
	if !strings.Contains(href, "scale=us_epa") {
		t.Fatalf("the overview's link %q drops the scale", href)
	}
	b.run(t, chromedp.Click(`table.overview a.chip[href*="type=pm10"]`, chromedp.ByQuery), chromedp.WaitVisible(`#view tbody`))
	var st string
	b.run(t, chromedp.Evaluate(bandState, &st))
	if !strings.Contains(st, `"scale":"us_epa"`) || !strings.Contains(st, "epa-") {
		t.Fatalf("the dashboard from the overview: %s", st)
	}
}

// waitBands waits until the page's bandState is want, failing with both after five seconds.
func (b *browser) waitBands(t *testing.T, what, want string) {
	t.Helper()
	var got string
	lit, _ := json.Marshal(want) // a JSON string is a JavaScript string literal
	err := chromedp.Run(b.ctx, chromedp.Poll(bandState+` === `+string(lit), nil, chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		b.run(t, chromedp.Evaluate(bandState, &got))
		t.Fatalf("%s:\n  want %s\n  got  %s", what, want, got)
	}
}
