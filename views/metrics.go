package views

import (
	"html/template"
	"strings"
)

// Metrics is the accuracy strip of a comparison (what partials/metrics showed): every figure over all
// the days of the view that have both sides, formatted ("—" where there is nothing to divide by).
type Metrics struct {
	// Empty is true when no row has both a measurement and a prediction.
	Empty bool
	// Missing is true when the view lists only days missing one side (match=missing_*).
	Missing                      bool
	N, MAPEN, SkillN             string
	MAE, RMSE, Bias, MAPE, Skill string
	SkillMAE, PersistenceMAE     string
	Unit                         string
	// Banded is true when some of the rows have AQI bands; BandAgreement is the share of those days
	// whose predicted band (on the view's scale) is the measured one.
	Banded               bool
	BandN, BandAgreement string
	// MixedUnits is true when the rows may mix pollutants (and so units).
	MixedUnits    bool
	BiasDirection string
	SkillVerdict  string
	// Ref is the reference model (ref=), "" without one; the equalized figures against it follow.
	Ref                     string
	SkillRef, RefMAE, RefN  string
	RefModelMAE, RefVerdict string
	// R, NMB and NME are Pearson's r and the normalised mean bias and error (%).
	R, NMB, NME string
	// Threshold is the threshold scores of the banded days; nil without any.
	Threshold *Threshold
}

// Threshold is the threshold scores of a view's banded days at one event threshold, formatted.
type Threshold struct {
	// Name is the threshold band ("Poor"), Key its parameter value ("poor"), Scale the scale's name.
	Name, Key, Scale                            string
	Hits, Misses, FalseAlarms, CorrectNegatives string
	POD, FAR, POFD, CSI, FreqBias, HSS          string
	Events, Forecasts                           string
}

// HTML is the strip's section and its help, as the comparison shows them below the chart; written in
// Go, not by a template, for the same reason as the fragments (fragments.go), byte for byte as
// partials/metrics wrote it.
func (m Metrics) HTML() template.HTML {
	var b strings.Builder
	b.Grow(8192)
	b.WriteString(`
<section class="metrics" aria-label="Accuracy of the predictions">
`)
	if m.Empty {
		b.WriteString(`
<p class="metrics-empty">Accuracy: no rows with both an actual and a prediction`)
		if m.Missing {
			b.WriteString(` (this view lists only days missing one side)`)
		}
		b.WriteString(`, so there is nothing to measure.</p>
`)
	} else {
		b.WriteString(`
<dl class="metrics-strip">
  <div><dt><details class="term"><summary><span class="term-name">Days</span></summary><p class="term-def">Rows with both a measurement and a prediction: every metric here is over all of them, not just this page</p></details></dt><dd>`)
		b.WriteString(Escape(m.N))
		b.WriteString(`</dd></div>
  <div><dt><details class="term"><summary><span class="term-name">MAE</span>`)
		if m.Unit != "" {
			b.WriteString(` <span class="unit">`)
			b.WriteString(Escape(m.Unit))
			b.WriteString(`</span>`)
		}
		b.WriteString(`</summary><p class="term-def">Mean absolute error: the mean of |prediction − measurement|</p></details></dt><dd>`)
		b.WriteString(Escape(m.MAE))
		b.WriteString(`</dd></div>
  <div><dt><details class="term"><summary><span class="term-name">RMSE</span>`)
		if m.Unit != "" {
			b.WriteString(` <span class="unit">`)
			b.WriteString(Escape(m.Unit))
			b.WriteString(`</span>`)
		}
		b.WriteString(`</summary><p class="term-def">Root mean squared error: the square root of the mean of (prediction − measurement)²; it weighs big misses more</p></details></dt><dd>`)
		b.WriteString(Escape(m.RMSE))
		b.WriteString(`</dd></div>
  <div><dt><details class="term"><summary><span class="term-name">Bias</span>`)
		if m.Unit != "" {
			b.WriteString(` <span class="unit">`)
			b.WriteString(Escape(m.Unit))
			b.WriteString(`</span>`)
		}
		b.WriteString(`</summary><p class="term-def">Mean error, prediction − measurement: above 0 the model over-predicts on average, below 0 it under-predicts</p></details></dt><dd>`)
		b.WriteString(Escape(m.Bias))
		if m.BiasDirection != "" {
			b.WriteString(` <small>`)
			b.WriteString(Escape(m.BiasDirection))
			b.WriteString(`</small>`)
		}
		b.WriteString(`</dd></div>
  <div><dt><details class="term"><summary><span class="term-name">r</span></summary><p class="term-def">Pearson correlation of the predictions with the measurements: 1 when they rise and fall together</p></details></dt><dd id="m-r">`)
		b.WriteString(Escape(m.R))
		b.WriteString(`</dd></div>
  <div><dt><details class="term"><summary><span class="term-name">NMB</span></summary><p class="term-def">Normalised mean bias: 100 × Σ(prediction − measurement) / Σ measurement</p></details></dt><dd id="m-nmb">`)
		b.WriteString(Escape(m.NMB))
		b.WriteString(`</dd></div>
  <div><dt><details class="term"><summary><span class="term-name">NME</span></summary><p class="term-def">Normalised mean error: 100 × Σ|prediction − measurement| / Σ measurement</p></details></dt><dd id="m-nme">`)
		b.WriteString(Escape(m.NME))
		b.WriteString(`</dd></div>
  <div><dt><details class="term"><summary><span class="term-name">MAPE</span></summary><p class="term-def">Mean absolute percentage error: the mean of 100 × |error| / measurement, over the days whose measurement is above 0</p></details></dt><dd>`)
		b.WriteString(Escape(m.MAPE))
		b.WriteString(` <small>n = `)
		b.WriteString(Escape(m.MAPEN))
		b.WriteString(`</small></dd></div>
  <div><dt><details class="term"><summary><span class="term-name">Skill vs persistence</span></summary><p class="term-def">Skill against persistence: 1 − MAE of the model / MAE of persistence (predicting each day with the previous calendar day's measurement), both over the days that have a measurement, a prediction and a measurement the day before. Above 0 beats persistence; 1 is perfect.</p></details></dt><dd>`)
		b.WriteString(Escape(m.Skill))
		b.WriteString(` <small>n = `)
		b.WriteString(Escape(m.SkillN))
		if m.SkillVerdict != "" {
			b.WriteString(`, `)
			b.WriteString(Escape(m.SkillVerdict))
		}
		b.WriteString(`</small></dd></div>
  `)
		if m.Ref != "" {
			b.WriteString(`
  <div><dt><details class="term"><summary><span class="term-name">Skill vs reference `)
			b.WriteString(Escape(m.Ref))
			b.WriteString(`</span></summary><p class="term-def">Skill against the reference model `)
			b.WriteString(Escape(m.Ref))
			b.WriteString(`: 1 − MAE of the model / MAE of `)
			b.WriteString(Escape(m.Ref))
			b.WriteString(`, both over the days (same lead) where both models and a measurement exist. Above 0 beats the reference.</p></details></dt><dd>`)
			b.WriteString(Escape(m.SkillRef))
			b.WriteString(` <small>n = `)
			b.WriteString(Escape(m.RefN))
			if m.RefVerdict != "" {
				b.WriteString(`, `)
				b.WriteString(Escape(m.RefVerdict))
			}
			b.WriteString(`</small></dd></div>
  `)
		}
		b.WriteString(`
  `)
		if m.Banded {
			b.WriteString(`
  <div><dt><details class="term"><summary><span class="term-name">Band agreement</span></summary><p class="term-def">Share of days (of PM2.5 and PM10) whose predicted AQI band equals the measured band</p></details></dt><dd>`)
			b.WriteString(Escape(m.BandAgreement))
			b.WriteString(` <small>n = `)
			b.WriteString(Escape(m.BandN))
			b.WriteString(`</small></dd></div>
  `)
			if tx := m.Threshold; tx != nil {
				b.WriteString(`
  <div><dt><details class="term"><summary><span class="term-name">POD</span> <small>`)
				b.WriteString(Escape(tx.Name))
				b.WriteString(`+</small></summary><p class="term-def">Probability of detection (hit rate): of the days measured `)
				b.WriteString(Escape(tx.Name))
				b.WriteString(` or worse, the share also predicted `)
				b.WriteString(Escape(tx.Name))
				b.WriteString(` or worse, a/(a+c)</p></details></dt><dd id="m-pod">`)
				b.WriteString(Escape(tx.POD))
				b.WriteString(` <small>`)
				b.WriteString(Escape(tx.Hits))
				b.WriteString(` of `)
				b.WriteString(Escape(tx.Events))
				b.WriteString(` days `)
				b.WriteString(Escape(tx.Name))
				b.WriteString(` or worse</small></dd></div>
  <div><dt><details class="term"><summary><span class="term-name">False alarm ratio</span> <small>`)
				b.WriteString(Escape(tx.Name))
				b.WriteString(`+</small></summary><p class="term-def">False alarm ratio (FAR): of the days predicted `)
				b.WriteString(Escape(tx.Name))
				b.WriteString(` or worse, the share measured better, b/(a+b)</p></details></dt><dd id="m-far">`)
				b.WriteString(Escape(tx.FAR))
				b.WriteString(` <small>`)
				b.WriteString(Escape(tx.FalseAlarms))
				b.WriteString(` of `)
				b.WriteString(Escape(tx.Forecasts))
				b.WriteString(` forecasts `)
				b.WriteString(Escape(tx.Name))
				b.WriteString(` or worse</small></dd></div>
  <div><dt><details class="term"><summary><span class="term-name">POFD</span></summary><p class="term-def">Probability of false detection (false alarm rate): of the days measured better than `)
				b.WriteString(Escape(tx.Name))
				b.WriteString(`, the share predicted `)
				b.WriteString(Escape(tx.Name))
				b.WriteString(` or worse, b/(b+d)</p></details></dt><dd id="m-pofd">`)
				b.WriteString(Escape(tx.POFD))
				b.WriteString(`</dd></div>
  <div><dt><details class="term"><summary><span class="term-name">CSI</span></summary><p class="term-def">Critical success index: hits over hits, misses and false alarms, a/(a+b+c)</p></details></dt><dd id="m-csi">`)
				b.WriteString(Escape(tx.CSI))
				b.WriteString(`</dd></div>
  <div><dt><details class="term"><summary><span class="term-name">Frequency bias</span></summary><p class="term-def">Events predicted over events measured, (a+b)/(a+c): above 1 the model warns too often</p></details></dt><dd id="m-freq-bias">`)
				b.WriteString(Escape(tx.FreqBias))
				b.WriteString(`</dd></div>
  <div><dt><details class="term"><summary><span class="term-name">HSS</span></summary><p class="term-def">Heidke skill score: 2(ad−bc) / ((a+c)(c+d) + (a+b)(b+d)); 0 is no better than chance, 1 perfect</p></details></dt><dd id="m-hss">`)
				b.WriteString(Escape(tx.HSS))
				b.WriteString(` <small>a `)
				b.WriteString(Escape(tx.Hits))
				b.WriteString(`, b `)
				b.WriteString(Escape(tx.FalseAlarms))
				b.WriteString(`, c `)
				b.WriteString(Escape(tx.Misses))
				b.WriteString(`, d `)
				b.WriteString(Escape(tx.CorrectNegatives))
				b.WriteString(`</small></dd></div>
  `)
			}
			b.WriteString(`
  `)
		}
		b.WriteString(`
</dl>
<details class="help">
  <summary>How these are computed</summary>
  <p>Every figure is over <strong>all</strong> the days of this view that have both a measurement and a prediction (`)
		b.WriteString(Escape(m.N))
		b.WriteString(`), not just this page. Error = prediction − measurement.
  MAE is the mean of |error|, RMSE the square root of the mean of error², bias the mean of error (above 0: over-prediction).
  r is Pearson's correlation of the predictions with the measurements; NMB = 100 × Σ error / Σ measurement and NME = 100 × Σ |error| / Σ measurement.
  MAPE is the mean of 100 × |error| / measurement over the `)
		b.WriteString(Escape(m.MAPEN))
		b.WriteString(` days whose measurement is above 0.
  Skill vs persistence is 1 − MAE of the model / MAE of persistence, where persistence predicts each day with the previous calendar day's measurement of the same series; both MAEs are over the `)
		b.WriteString(Escape(m.SkillN))
		b.WriteString(` days that have a measurement, a prediction and a measurement the day before (model `)
		b.WriteString(Escape(m.SkillMAE))
		b.WriteString(`, persistence `)
		b.WriteString(Escape(m.PersistenceMAE))
		b.WriteString(`). Above 0 the model beats persistence.</p>
  `)
		if m.Ref != "" {
			b.WriteString(`<p>Skill vs `)
			b.WriteString(Escape(m.Ref))
			b.WriteString(` is 1 − MAE of the model / MAE of `)
			b.WriteString(Escape(m.Ref))
			b.WriteString(`, both over the `)
			b.WriteString(Escape(m.RefN))
			b.WriteString(` days (same lead) that have a measurement and a prediction of both models (model `)
			b.WriteString(Escape(m.RefModelMAE))
			b.WriteString(`, `)
			b.WriteString(Escape(m.Ref))
			b.WriteString(` `)
			b.WriteString(Escape(m.RefMAE))
			b.WriteString(`): the two models are measured on the same days only.</p>`)
		}
		b.WriteString(`
  `)
		if m.Banded {
			b.WriteString(`<p>AQI bands apply to PM2.5 and PM10 only (`)
			b.WriteString(Escape(m.BandN))
			b.WriteString(` days here). Band agreement is the share of those days whose predicted band equals the measured band.
  `)
			if tx := m.Threshold; tx != nil {
				b.WriteString(`An <em>event</em> is a day in band `)
				b.WriteString(Escape(tx.Name))
				b.WriteString(` or worse (`)
				b.WriteString(Escape(tx.Scale))
				b.WriteString(`); over the banded days, a = hits, b = false alarms, c = misses, d = correct negatives.
  <strong>POD</strong> = a/(a+c); <strong>false alarm ratio</strong> (FAR) = b/(a+b); <strong>POFD</strong> (false alarm rate) = b/(b+d); <strong>CSI</strong> = a/(a+b+c); <strong>frequency bias</strong> = (a+b)/(a+c); <strong>HSS</strong> = 2(ad−bc) / ((a+c)(c+d) + (a+b)(b+d)).`)
			}
			b.WriteString(`
  A figure is “—” when nothing is there to divide by.</p>`)
		}
		b.WriteString(`
  `)
		if m.MixedUnits {
			b.WriteString(`<p>The view may mix pollutants, so the errors pool different units; choose one pollutant for figures in its unit.</p>`)
		}
		b.WriteString(`
</details>
`)
	}
	b.WriteString(`
</section>

`)
	return template.HTML(b.String())
}
