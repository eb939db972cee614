package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// calendarState is what a person sees of the calendar beyond viewState: the grid's cells by class, the
// WHO marks, the current year and the year links.
const calendarState = `(() => {
	const v = document.querySelector('#view');
	const cls = {};
	v.querySelectorAll('.cal-days rect').forEach(r => { const c = r.getAttribute('class'); cls[c] = (cls[c] || 0) + 1; });
	return JSON.stringify({
		cells: cls,
		who: v.querySelectorAll('.cal-days circle.who').length,
		year: (v.querySelector('.years [aria-current="page"]') || {}).textContent,
		title: document.title,
		url: location.pathname + location.search,
	});
})()`

// TestBrowserCalendarYears: the calendar's previous and next year links and its year list, clicked and
// used with the keyboard, and its scale select, each swap the view and push its URL; the grid always
// has a cell per day, as many coloured as the JSON's measured days and as many marks as its WHO days;
// Back and Forward restore each year exactly, and each pushed URL loads as the same page.
func TestBrowserCalendarYears(t *testing.T) {
	historic, predictions, _ := scaleFixture(7)
	base := serveOnLoopback(t, newTestServer(t, historic, predictions))
	b := newBrowser(t)
	var states []string
	check := func(what string) {
		t.Helper()
		var raw string
		b.run(t, chromedp.Evaluate(calendarState, &raw))
		var st struct {
			Cells map[string]int
			WHO   int
			Year  string
			URL   string
		}
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(base + strings.Replace(st.URL, "/calendar?", "/calendar.json?", 1))
		if err != nil {
			t.Fatal(err)
		}
		var j calendarJSON
		err = json.NewDecoder(resp.Body).Decode(&j)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		total, coloured := 0, 0
		for c, n := range st.Cells {
			total += n
			if c != "day none" {
				coloured += n
			}
		}
		days := 365
		if j.Year%4 == 0 {
			days = 366
		}
		if total != days || int64(coloured) != j.MeasuredDays || j.WHODays == nil || int64(st.WHO) != *j.WHODays || st.Year != fmt.Sprint(j.Year) {
			t.Errorf("%s: %s; JSON year %d, %d measured, WHO %v", what, raw, j.Year, j.MeasuredDays, *j.WHODays)
		}
		states = append(states, b.state(t))
	}
	b.run(t,
		chromedp.Navigate(base+"/calendar?location=Delhi&type=pm25&year=2019"),
		chromedp.WaitVisible(`#view .cal-svg`),
		jsWait(`typeof htmx !== 'undefined'`),
		chromedp.Evaluate(`window.__marker = 'kept'`, nil),
	)
	check("2019")
	steps := []struct {
		what   string
		action chromedp.Action
		done   string
	}{
		{"previous year", chromedp.Click(`#year-prev`), `location.search.includes('year=2018')`},
		{"next year, by keyboard", chromedp.Tasks{chromedp.Focus(`#year-next`), chromedp.KeyEvent(kb.Enter)}, `location.search.includes('year=2019')`},
		{"2020 from the year list", chromedp.Click(`.years li:last-child a`), `location.search.includes('year=2020')`},
		{"US EPA colours", chromedp.SendKeys(`#c-scale`, "U"), `location.search.includes('scale=us_epa') && !!document.querySelector('.cal-days rect.epa-1')`},
		{"another location", chromedp.SendKeys(`#c-location`, "H"), `location.search.includes('location=Hyderabad')`},
	}
	for _, s := range steps {
		b.run(t, s.action, jsWait(s.done))
		check(s.what)
	}
	var marker bool
	var focused string
	b.run(t, chromedp.Evaluate(`window.__marker === 'kept'`, &marker))
	if !marker {
		t.Fatal("a year link reloaded the page instead of swapping the view")
	}
	// Keyboard: from the scale select, Tab reaches the Show button, then the year links in order.
	b.run(t, chromedp.Focus(`#c-scale`), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab),
		chromedp.Evaluate(`document.activeElement.closest('.years') ? document.activeElement.textContent.trim() : document.activeElement.outerHTML.slice(0, 80)`, &focused))
	if !strings.Contains(focused, "2019") {
		t.Errorf("Tab after the form reaches %q, want the year links", focused)
	}
	walkHistory(t, b, base, states)
}

// TestBrowserRankingSort: the ranking's headers sort by each figure (mouse and keyboard), flip on a
// second click, the bar follows the sorted column and the order is the JSON's; the period links set a
// year; Back and Forward restore every order.
func TestBrowserRankingSort(t *testing.T) {
	historic, predictions, _ := scaleFixture(8)
	base := serveOnLoopback(t, newTestServer(t, historic, predictions))
	b := newBrowser(t)
	var states []string
	check := func(what, sortKey, dir string) {
		t.Helper()
		var got struct {
			URL, Sorted, Dir, BarKey string
			Rows                     []string
			Bars                     int
		}
		var raw string
		b.run(t, chromedp.Evaluate(`JSON.stringify({
			url: location.pathname + location.search,
			sorted: (document.querySelector('#view th[aria-sort] a') || {}).id,
			dir: (document.querySelector('#view th[aria-sort]') || {getAttribute: () => ''}).getAttribute('aria-sort'),
			rows: [...document.querySelectorAll('#view tbody th')].map(th => th.textContent.trim()),
			bars: document.querySelectorAll('#view .rank-bar').length,
			barKey: (document.querySelector('#view td.sorted') || {dataset: {}}).dataset.key || '',
		})`, &raw))
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(base + strings.Replace(got.URL, "/locations?", "/locations.json?", 1))
		if err != nil {
			t.Fatal(err)
		}
		var j rankingJSON
		err = json.NewDecoder(resp.Body).Decode(&j)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, r := range j.Rows {
			want = append(want, r.Location)
		}
		wantBars := len(want)
		if sortKey == "location" || sortKey == "latest" {
			wantBars = 0
		}
		if got.Sorted != "sort-"+sortKey || got.Dir != dir || strings.Join(got.Rows, ",") != strings.Join(want, ",") || got.Bars != wantBars ||
			(wantBars > 0 && got.BarKey != sortKey) {
			t.Errorf("%s: %s; want sorted by %s %s, rows %v", what, raw, sortKey, dir, want)
		}
		states = append(states, b.state(t))
	}
	b.run(t,
		chromedp.Navigate(base+"/locations?type=pm25&from=2019-01-01&to=2019-12-31"),
		chromedp.WaitVisible(`#view table`),
		jsWait(`typeof htmx !== 'undefined'`),
	)
	check("default order", "mean", "descending")
	steps := []struct {
		what, key, dir string
		action         chromedp.Action
	}{
		{"Poor or worse", "poor_or_worse", "descending", chromedp.Click(`#sort-poor_or_worse`)},
		{"Poor or worse flipped", "poor_or_worse", "ascending", chromedp.Click(`#sort-poor_or_worse`)},
		{"WHO days, by keyboard", "who_days", "descending", chromedp.Tasks{chromedp.Focus(`#sort-who_days`), chromedp.KeyEvent(kb.Enter)}},
		{"location", "location", "ascending", chromedp.Click(`#sort-location`)},
		{"Severe", "severe", "descending", chromedp.Click(`#sort-severe`)},
	}
	for _, s := range steps {
		b.run(t, s.action, jsWait(fmt.Sprintf(`location.search.includes('sort=%s') && document.querySelector('#view th[aria-sort="%s"] #sort-%s')`, s.key, s.dir, s.key)))
		check(s.what, s.key, s.dir)
	}
	// A period link: the last 365 days, keeping the sort.
	b.run(t, chromedp.Click(`.rank-periods li:first-child a`), jsWait(`!location.search.includes('from=')`))
	check("the last 365 days", "severe", "descending")
	// A date typed into the form and applied with the keyboard.
	b.run(t, chromedp.Focus(`#r-from`), setField(`#r-from`, "2019-06-01"), setField(`#r-to`, "2019-06-30"), chromedp.Focus(`#r-apply`),
		chromedp.KeyEvent(" "), jsWait(`location.search.includes('from=2019-06-01')`))
	check("June 2019", "severe", "descending")
	walkHistory(t, b, base, states)
}

// TestBrowserLiveCalendarAndRanking: a measurement written with plain SQL colours its day in the open
// calendar and moves the open ranking's figures without a reload or a history entry.
func TestBrowserLiveCalendarAndRanking(t *testing.T) {
	historic, predictions, days := scaleFixture(9)
	url, db := liveDatabase(t, historic, predictions)
	_, base := liveServer(t, url)
	b := newBrowser(t)
	// A day of Delhi PM2.5 in 2019 that has no measurement.
	have := map[string]bool{}
	for _, d := range days {
		if d.loc == "Delhi" && d.typ == "pm25" {
			have[d.date.Format("2006-01-02")] = true
		}
	}
	missing := ""
	for d := parseDay("2019-03-01"); d.Year() == 2019; d = d.AddDate(0, 0, 1) {
		if !have[d.Format("2006-01-02")] {
			missing = d.Format("2006-01-02")
			break
		}
	}
	var histLen, histLen2 int
	var marker bool
	b.run(t,
		chromedp.Navigate(base+"/calendar?location=Delhi&type=pm25&year=2019"),
		chromedp.WaitVisible(`#view .cal-svg`),
		jsWait(`document.body.dataset.live === 'open'`),
		chromedp.Evaluate(`window.__marker = 'kept'`, nil),
		chromedp.Evaluate(`history.length`, &histLen),
		jsWait(`document.querySelector('rect[data-date="`+missing+`"]').getAttribute('class') === 'day none'`),
	)
	if _, err := db.Exec(t.Context(), "INSERT INTO daily_historic_pollution VALUES ('Delhi', 'pm25', $1, 300)", parseDay(missing)); err != nil {
		t.Fatal(err)
	}
	b.run(t,
		jsWait(`document.querySelector('rect[data-date="`+missing+`"]').getAttribute('class') === 'day aqi-5'`),
		chromedp.Evaluate(`window.__marker === 'kept'`, &marker),
		chromedp.Evaluate(`history.length`, &histLen2),
	)
	if !marker || histLen2 != histLen {
		t.Fatalf("the live refresh reloaded the page (%v) or added history (%d, %d)", marker, histLen, histLen2)
	}

	var before, after string
	b.run(t,
		chromedp.Navigate(base+"/locations?type=pm25&from=2019-01-01&to=2019-12-31&sort=days"),
		chromedp.WaitVisible(`#view table`),
		jsWait(`document.body.dataset.live === 'open'`),
		chromedp.Evaluate(`[...document.querySelectorAll('#view tbody tr')].find(tr => tr.querySelector('th').textContent.trim() === 'Patna').querySelector('td[data-key="days"]').textContent`, &before),
	)
	if _, err := db.Exec(t.Context(), "INSERT INTO daily_historic_pollution SELECT 'Patna', 'pm25', d, 50 FROM generate_series('2019-01-01'::date, '2019-12-31', '1 day') d ON CONFLICT DO NOTHING"); err != nil {
		t.Fatal(err)
	}
	b.run(t,
		jsWait(`[...document.querySelectorAll('#view tbody tr')].find(tr => tr.querySelector('th').textContent.trim() === 'Patna').querySelector('td[data-key="days"]').textContent.startsWith('365')`),
		chromedp.Evaluate(`[...document.querySelectorAll('#view tbody tr')].find(tr => tr.querySelector('th').textContent.trim() === 'Patna').querySelector('td[data-key="days"]').textContent`, &after),
	)
	if before == after {
		t.Fatalf("Patna's days did not move: %s", before)
	}
}
