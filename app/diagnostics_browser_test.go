package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// diagAudit measures the diagnostic plots on the open page, for a viewport CSS width: the page must not
// scroll sideways; each SVG lies inside the viewport; the smallest text of the plots in CSS pixels
// (its font size times the SVG's scale); whether the two figures sit side by side; the shades' and the
// lines' colours, for the scheme checks.
const diagAudit = `((width) => {
	const svgs = [...document.querySelectorAll('#view .diag-svg')];
	const lum = c => { const m = (c.match(/[\d.]+/g) || []).slice(0, 3).map(Number).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
		return 0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2]; };
	const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
	const probe = cls => { const e = document.createElement('span'); e.className = cls; document.body.append(e); const c = getComputedStyle(e).backgroundColor; e.remove(); return c; };
	const card = getComputedStyle(document.querySelector('#view .diag')).backgroundColor;
	let minFont = 1e9;
	for (const svg of svgs) {
		const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
		for (const t of svg.querySelectorAll('text')) minFont = Math.min(minFont, parseFloat(getComputedStyle(t).fontSize) * scale);
	}
	const figs = [...document.querySelectorAll('#view .diag')].map(f => f.getBoundingClientRect());
	const line = document.querySelector('#view .diag-svg .one-to-one'), f2 = document.querySelector('#view .diag-svg .factor-2');
	return {
		SVGs: svgs.length,
		Titles: svgs.map(s => s.querySelector('title').textContent + ' / ' + s.querySelector('desc').textContent.slice(0, 40)),
		Overflow: document.documentElement.scrollWidth > width,
		Outside: svgs.filter(s => { const r = s.getBoundingClientRect(); return r.left < 0 || r.right > width || r.width < 200 || r.height < 150; }).length,
		MinFont: minFont,
		SideBySide: figs.length === 2 && Math.abs(figs[0].top - figs[1].top) < 2 && figs[1].left >= figs[0].right,
		Stacked: figs.length === 2 && figs[1].top >= figs[0].bottom,
		Inline: document.querySelectorAll('#view .diagnostics [style]').length,
		LightToDark: lum(probe('shade-1')) - lum(probe('shade-5')),
		CardLum: lum(card),
		LineContrast: Math.min(contrast(getComputedStyle(line).stroke, card), contrast(getComputedStyle(f2).stroke, card)),
		Summary: document.querySelector('#view .diag-summary').textContent,
	};
})`

// diagState is what diagAudit returns.
type diagState struct {
	SVGs                 int
	Titles               []string
	Overflow             bool
	Outside              int
	MinFont              float64
	SideBySide, Stacked  bool
	Inline               int
	LightToDark, CardLum float64
	LineContrast         float64
	Summary              string
}

// TestBrowserDiagnosticsPlots: in Chromium, the dashboard of one series shows both diagnostic plots at
// 1280 and 375 px, light and dark: side by side on the desktop and one above the other on the phone,
// inside the viewport (the page never scrolls sideways), their smallest text 11 px or more, no inline
// style and no CSP violation (newBrowser fails the test on one), the shades running light to dark on a
// light page and dark to light on a dark one, the lines at 3:1 or more against the card. Then they
// follow an htmx swap to another series, and a new prediction posted to the ingest API redraws them
// live. DIAG_SCREENSHOTS=dir saves the plots at each size and scheme.
func TestBrowserDiagnosticsPlots(t *testing.T) {
	h, p := compareFixture()
	url, _ := liveDatabase(t, h, p)
	_, base := liveServer(t, url)
	b := newBrowser(t)
	dir := os.Getenv("DIAG_SCREENSHOTS")
	for _, m := range []uiMode{
		{"desktop-light", 1280, 1000, false},
		{"phone-light", 375, 900, false},
		{"phone-dark", 375, 900, true},
		{"desktop-dark", 1280, 1000, true},
	} {
		var got diagState
		b.run(t, m.apply(),
			chromedp.Navigate(base+"/?location=Hyderabad&type=pm25"),
			chromedp.WaitVisible(`#view .diag-hist .diag-svg`),
			jsWait(`typeof htmx !== 'undefined'`),
			chromedp.Evaluate(fmt.Sprintf(`%s(%d)`, diagAudit, m.width), &got),
		)
		if got.SVGs != 2 || !strings.HasPrefix(got.Titles[0], "Hyderabad · PM2.5: predicted against measured, density of days / Density scatter of") ||
			!strings.HasPrefix(got.Titles[1], "Hyderabad · PM2.5: histogram of the errors") {
			t.Fatalf("%s: the plots: %+v", m.name, got)
		}
		if got.Overflow || got.Outside != 0 || got.Inline != 0 {
			t.Errorf("%s: overflow %v, SVGs outside the viewport %d, inline styles %d", m.name, got.Overflow, got.Outside, got.Inline)
		}
		if got.MinFont < 11 {
			t.Errorf("%s: the smallest text of the plots is %.1f px", m.name, got.MinFont)
		}
		if m.width < 600 && !got.Stacked || m.width > 600 && !got.SideBySide {
			t.Errorf("%s: side by side %v, stacked %v", m.name, got.SideBySide, got.Stacked)
		}
		if m.dark != (got.LightToDark < 0) || m.dark != (got.CardLum < 0.1) {
			t.Errorf("%s: the shades do not follow the scheme (lightest minus darkest %.2f, card %.2f)", m.name, got.LightToDark, got.CardLum)
		}
		if got.LineContrast < 3 {
			t.Errorf("%s: a line has %.2f:1 against the card", m.name, got.LineContrast)
		}
		if !strings.HasPrefix(got.Summary, "55 days with both") {
			t.Errorf("%s: summary %q", m.name, got.Summary)
		}
		if dir != "" {
			var shot []byte
			b.run(t, chromedp.ScrollIntoView(`#view .diagnostics`), chromedp.Screenshot(`#view .diagnostics`, &shot))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "diagnostics-"+m.name+".png"), shot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	// An htmx swap to another series redraws the plots with the rest of the view, without a reload.
	var heading string
	var marker bool
	b.run(t, uiMode{"desktop-light", 1280, 1000, false}.apply(),
		chromedp.Navigate(base+"/?location=Hyderabad&type=pm25"),
		chromedp.WaitVisible(`#view .diag-svg`),
		jsWait(`typeof htmx !== 'undefined' && document.body.dataset.live === 'open'`),
		chromedp.Evaluate(`window.__marker = 'kept'`, nil),
		setField(`#f-location`, "Delhi"),
		jsWait(`location.search.includes('location=Delhi')`),
		setField(`#f-type`, "pm10"),
		jsWait(`location.search.includes('type=pm10') && (document.querySelector('#view .diag-heading') || {textContent: ''}).textContent.includes('Delhi · PM10')`),
		chromedp.Evaluate(`document.querySelector('#view .diag-summary').textContent`, &heading),
		chromedp.Evaluate(`window.__marker === 'kept'`, &marker),
	)
	if !strings.HasPrefix(heading, "20 days with both") || !marker {
		t.Errorf("after the swap to Delhi PM10: %q (marker %v)", heading, marker)
	}

	// Live: Hyderabad's 31 March has a measurement and no prediction; a prediction for it makes 56 days.
	b.run(t,
		chromedp.Navigate(base+"/?location=Hyderabad&type=pm25"),
		chromedp.WaitVisible(`#view .diag-svg`),
		jsWait(`document.body.dataset.live === 'open'`),
		chromedp.Evaluate(`window.__marker = 'kept'`, nil),
	)
	body := `{"rows":[{"date":"2020-03-31","location":"Hyderabad","type":"pm25","prediction":61}]}`
	req, err := http.NewRequest(http.MethodPost, base+"/api/predictions", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST /api/predictions: %d", resp.StatusCode)
	}
	var summary string
	b.run(t,
		chromedp.Poll(`document.querySelector('#view .diag-summary').textContent.startsWith('56 days with both')`, nil,
			chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)),
		chromedp.Evaluate(`document.querySelector('#view .diag-summary').textContent`, &summary),
		chromedp.Evaluate(`window.__marker === 'kept'`, &marker),
	)
	if !marker || strings.Count(summary, "56") < 1 {
		t.Errorf("live update: %q (marker %v)", summary, marker)
	}
}
