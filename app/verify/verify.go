// Package verify computes forecast verification scores from sums and counts: the categorical scores of
// a threshold from a band-pair matrix (measured level × predicted level) and the continuous scores
// from the sufficient statistics kept on write (Σ error, Σ |error|, Σ error², Σ actual, Σ predicted,
// their squares and products). It is pure: no SQL, no HTTP. Every score is nil when it would divide
// by zero (or by a non-positive quantity where that is what the formula needs), never NaN or ±Inf.
//
// The names follow the forecast verification literature (NCAR MET Users Guide, Appendix C; the
// WWRP/WGNE JWGFVR guidance): a hits, b false alarms, c misses, d correct negatives; FAR is the false
// alarm *ratio* b/(a+b), POFD the false alarm *rate* b/(b+d).
package verify

import "math"

// Levels is the number of bands of an AQI scale (level 0 best to 5 worst).
const Levels = 6

// Matrix counts days by measured level (first index) and predicted level (second index).
type Matrix [Levels][Levels]int64

// Total is the number of days the matrix counts.
func (m *Matrix) Total() int64 {
	var n int64
	for a := range Levels {
		for p := range Levels {
			n += m[a][p]
		}
	}
	return n
}

// Contingency is the 2 × 2 table of one threshold: an "event" is a day whose band is at the
// threshold's level or worse.
type Contingency struct {
	// Hits: event measured and predicted (a). FalseAlarms: predicted, not measured (b). Misses:
	// measured, not predicted (c). CorrectNegatives: neither (d).
	Hits, FalseAlarms, Misses, CorrectNegatives int64
}

// At is the contingency table of matrix m at threshold level (1..5; an event is level ≥ level).
func At(m *Matrix, level int) Contingency {
	var t Contingency
	for a := range Levels {
		for p := range Levels {
			n := m[a][p]
			switch obs, fc := a >= level, p >= level; {
			case obs && fc:
				t.Hits += n
			case fc:
				t.FalseAlarms += n
			case obs:
				t.Misses += n
			default:
				t.CorrectNegatives += n
			}
		}
	}
	return t
}

// N is the number of days the table counts.
func (t Contingency) N() int64 { return t.Hits + t.FalseAlarms + t.Misses + t.CorrectNegatives }

// ratio is num/den, nil when den is 0.
func ratio(num, den float64) *float64 {
	if den == 0 {
		return nil
	}
	r := num / den
	return &r
}

// POD is the probability of detection (hit rate), a/(a+c).
func (t Contingency) POD() *float64 {
	return ratio(float64(t.Hits), float64(t.Hits+t.Misses))
}

// FAR is the false alarm ratio, b/(a+b): of the events predicted, the share that did not happen.
func (t Contingency) FAR() *float64 {
	return ratio(float64(t.FalseAlarms), float64(t.Hits+t.FalseAlarms))
}

// POFD is the probability of false detection (false alarm rate), b/(b+d).
func (t Contingency) POFD() *float64 {
	return ratio(float64(t.FalseAlarms), float64(t.FalseAlarms+t.CorrectNegatives))
}

// CSI is the critical success index (threat score), a/(a+b+c).
func (t Contingency) CSI() *float64 {
	return ratio(float64(t.Hits), float64(t.Hits+t.FalseAlarms+t.Misses))
}

// FreqBias is the frequency bias, (a+b)/(a+c): above 1 the event is predicted more often than it happens.
func (t Contingency) FreqBias() *float64 {
	return ratio(float64(t.Hits+t.FalseAlarms), float64(t.Hits+t.Misses))
}

// HSS is the Heidke skill score, 2(ad − bc) / ((a+c)(c+d) + (a+b)(b+d)).
func (t Contingency) HSS() *float64 {
	a, b, c, d := float64(t.Hits), float64(t.FalseAlarms), float64(t.Misses), float64(t.CorrectNegatives)
	return ratio(2*(a*d-b*c), (a+c)*(c+d)+(a+b)*(b+d))
}

// Sums are the sufficient statistics of the continuous scores over a set of days.
type Sums struct {
	// N counts the days with both sides; SumAbs, SumSq and SumErr sum |P−O|, (P−O)² and P−O over them.
	N                     int64
	SumAbs, SumSq, SumErr float64
	// SumA and SumP sum the measurements and predictions of those same days; SumAA, SumPP, SumAP
	// their squares and products (for Pearson's r).
	SumA, SumP          float64
	SumAA, SumPP, SumAP float64
	// MAPEN counts the days with both sides and a measurement above 0; SumPct sums 100 × |P−O| / O
	// over them.
	MAPEN  int64
	SumPct float64
	// SkillN counts the days that also have a persistence forecast; SkillAbs sums the model's |P−O|
	// over them, PersistAbs the persistence forecast's.
	SkillN               int64
	SkillAbs, PersistAbs float64
}

// MAE is the mean absolute error, Σ|P−O| / N.
func (s Sums) MAE() *float64 { return ratio(s.SumAbs, float64(s.N)) }

// RMSE is the root mean squared error, √(Σ(P−O)² / N).
func (s Sums) RMSE() *float64 {
	ms := ratio(s.SumSq, float64(s.N))
	if ms == nil {
		return nil
	}
	r := math.Sqrt(max(*ms, 0))
	return &r
}

// Bias is the mean error, Σ(P−O) / N: above 0 the model over-predicts.
func (s Sums) Bias() *float64 { return ratio(s.SumErr, float64(s.N)) }

// NMB is the normalised mean bias in %, 100 × Σ(P−O) / ΣO.
func (s Sums) NMB() *float64 {
	if s.N == 0 {
		return nil
	}
	return ratio(100*s.SumErr, s.SumA)
}

// NME is the normalised mean error in %, 100 × Σ|P−O| / ΣO.
func (s Sums) NME() *float64 {
	if s.N == 0 {
		return nil
	}
	return ratio(100*s.SumAbs, s.SumA)
}

// MAPE is the mean absolute percentage error, in %, over the days measured above 0.
func (s Sums) MAPE() *float64 { return ratio(s.SumPct, float64(s.MAPEN)) }

// R is Pearson's correlation of the predictions with the measurements, from the sums:
// (NΣAP − ΣAΣP) / √((NΣA² − (ΣA)²)(NΣP² − (ΣP)²)); nil with fewer than two days or when either
// side does not vary.
func (s Sums) R() *float64 {
	if s.N < 2 {
		return nil
	}
	n := float64(s.N)
	cov := n*s.SumAP - s.SumA*s.SumP
	va := n*s.SumAA - s.SumA*s.SumA
	vp := n*s.SumPP - s.SumP*s.SumP
	// Rounding can leave a constant side a hair off zero: treat a variance that small relative to its
	// terms as none.
	const eps = 1e-12
	if va <= eps*n*s.SumAA || vp <= eps*n*s.SumPP {
		return nil
	}
	r := cov / math.Sqrt(va*vp)
	r = max(-1, min(1, r))
	return &r
}

// SkillPersistence is 1 − MAE / MAE of persistence over the SkillN days that have a persistence
// forecast; nil without such days or when persistence is perfect.
func (s Sums) SkillPersistence() *float64 {
	return Skill(s.SkillAbs, s.PersistAbs, s.SkillN)
}

// Skill is 1 − (sumModel/n) / (sumRef/n) = 1 − sumModel/sumRef: the skill of a model against a
// reference from their summed absolute errors over the same n days; nil when n is 0 or the
// reference's error sum is 0.
func Skill(sumModel, sumRef float64, n int64) *float64 {
	if n == 0 || sumRef == 0 {
		return nil
	}
	k := 1 - sumModel/sumRef
	return &k
}
