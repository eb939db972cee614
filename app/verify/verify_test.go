package verify

import (
	"math"
	"math/rand/v2"
	"testing"
)

// day is one day of a random series: either side may be missing, and so may either band.
type day struct {
	a, p, prev *float64
	ab, pb     int // -1: no band
}

func randomDays(r *rand.Rand, n int) []day {
	val := func() *float64 {
		switch r.IntN(10) {
		case 0:
			return nil // a gap
		case 1:
			v := 0.0 // a zero
			return &v
		}
		v := r.Float64() * 300
		return &v
	}
	out := make([]day, n)
	for i := range out {
		d := day{a: val(), p: val(), prev: val(), ab: -1, pb: -1}
		if r.IntN(4) > 0 { // a banded pollutant, or not
			if d.a != nil {
				d.ab = r.IntN(Levels)
			}
			if d.p != nil {
				d.pb = r.IntN(Levels)
			}
		}
		out[i] = d
	}
	return out
}

// sumsOf gathers the sufficient statistics as the database does.
func sumsOf(days []day) (Sums, Matrix) {
	var s Sums
	var m Matrix
	for _, d := range days {
		if d.ab >= 0 && d.pb >= 0 {
			m[d.ab][d.pb]++
		}
		if d.a == nil || d.p == nil {
			continue
		}
		a, p := *d.a, *d.p
		e := p - a
		s.N++
		s.SumAbs += math.Abs(e)
		s.SumSq += e * e
		s.SumErr += e
		s.SumA += a
		s.SumP += p
		s.SumAA += a * a
		s.SumPP += p * p
		s.SumAP += a * p
		if a > 0 {
			s.MAPEN++
			s.SumPct += 100 * math.Abs(e) / a
		}
		if d.prev != nil {
			s.SkillN++
			s.SkillAbs += math.Abs(e)
			s.PersistAbs += math.Abs(*d.prev - a)
		}
	}
	return s, m
}

func near(t *testing.T, name string, got, want *float64) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", name, fmtp(got), fmtp(want))
	case math.Abs(*got-*want) > 1e-9*max(1, math.Abs(*want)):
		t.Errorf("%s = %v, want %v", name, *got, *want)
	}
}

func fmtp(v *float64) any {
	if v == nil {
		return "nil"
	}
	return *v
}

func fp(v float64) *float64 { return &v }

// TestContinuousAgainstLoops checks every continuous score from sums against its definition computed
// directly, pair by pair, with two passes (means first) for r.
func TestContinuousAgainstLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := r.IntN(40)
		if trial%50 == 0 {
			n = 0
		}
		days := randomDays(r, n)
		s, _ := sumsOf(days)

		var pairs [][2]float64
		var prevs []float64
		var pct []float64
		for _, d := range days {
			if d.a != nil && d.p != nil {
				pairs = append(pairs, [2]float64{*d.a, *d.p})
				if *d.a > 0 {
					pct = append(pct, 100*math.Abs(*d.p-*d.a) / *d.a)
				}
				if d.prev != nil {
					prevs = append(prevs, float64(len(pairs)-1))
				}
			}
		}
		var wantMAE, wantRMSE, wantBias, wantNMB, wantNME, wantMAPE, wantR, wantSkill *float64
		if len(pairs) > 0 {
			var abs, sq, err, sumA float64
			for _, pr := range pairs {
				e := pr[1] - pr[0]
				abs += math.Abs(e)
				sq += e * e
				err += e
				sumA += pr[0]
			}
			k := float64(len(pairs))
			wantMAE, wantRMSE, wantBias = fp(abs/k), fp(math.Sqrt(sq/k)), fp(err/k)
			if sumA != 0 {
				wantNMB, wantNME = fp(100*err/sumA), fp(100*abs/sumA)
			}
			ma, mp := 0.0, 0.0
			for _, pr := range pairs {
				ma += pr[0] / k
				mp += pr[1] / k
			}
			var cov, va, vp float64
			for _, pr := range pairs {
				cov += (pr[0] - ma) * (pr[1] - mp)
				va += (pr[0] - ma) * (pr[0] - ma)
				vp += (pr[1] - mp) * (pr[1] - mp)
			}
			if len(pairs) >= 2 && va > 0 && vp > 0 {
				wantR = fp(cov / math.Sqrt(va*vp))
			}
		}
		if len(pct) > 0 {
			var sum float64
			for _, v := range pct {
				sum += v
			}
			wantMAPE = fp(sum / float64(len(pct)))
		}
		var model, persist float64
		k := 0
		for _, d := range days {
			if d.a != nil && d.p != nil && d.prev != nil {
				model += math.Abs(*d.p - *d.a)
				persist += math.Abs(*d.prev - *d.a)
				k++
			}
		}
		if k > 0 && persist > 0 {
			wantSkill = fp(1 - (model/float64(k))/(persist/float64(k)))
		}
		near(t, "MAE", s.MAE(), wantMAE)
		near(t, "RMSE", s.RMSE(), wantRMSE)
		near(t, "Bias", s.Bias(), wantBias)
		near(t, "NMB", s.NMB(), wantNMB)
		near(t, "NME", s.NME(), wantNME)
		near(t, "MAPE", s.MAPE(), wantMAPE)
		// r from sums loses digits to cancellation: 1e-7 is far below any figure shown.
		if got := s.R(); (got == nil) != (wantR == nil) || (got != nil && math.Abs(*got-*wantR) > 1e-7) {
			t.Errorf("trial %d: R = %v, want %v", trial, fmtp(got), fmtp(wantR))
		}
		near(t, "SkillPersistence", s.SkillPersistence(), wantSkill)
	}
}

// TestRConstantSide: a side that does not vary has no correlation.
func TestRConstantSide(t *testing.T) {
	var s Sums
	for i := range 10 {
		a, p := 0.1*3, float64(i)
		s.N++
		s.SumA += a
		s.SumP += p
		s.SumAA += a * a
		s.SumPP += p * p
		s.SumAP += a * p
	}
	if r := s.R(); r != nil {
		t.Errorf("R of a constant measurement = %v, want nil", *r)
	}
	if r := (Sums{N: 1, SumA: 2, SumP: 3, SumAA: 4, SumPP: 9, SumAP: 6}).R(); r != nil {
		t.Errorf("R of one day = %v, want nil", *r)
	}
}

// TestThresholdAgainstLoops checks the contingency table and its scores at every threshold against
// counts taken day by day.
func TestThresholdAgainstLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		days := randomDays(r, r.IntN(60))
		_, m := sumsOf(days)
		var banded int64
		for _, d := range days {
			if d.ab >= 0 && d.pb >= 0 {
				banded++
			}
		}
		if m.Total() != banded {
			t.Fatalf("matrix total %d, want %d", m.Total(), banded)
		}
		for level := 1; level < Levels; level++ {
			var a, b, c, d int64
			for _, x := range days {
				if x.ab < 0 || x.pb < 0 {
					continue
				}
				obs, fc := x.ab >= level, x.pb >= level
				switch {
				case obs && fc:
					a++
				case !obs && fc:
					b++
				case obs && !fc:
					c++
				default:
					d++
				}
			}
			got := At(&m, level)
			if got != (Contingency{a, b, c, d}) {
				t.Fatalf("trial %d level %d: %+v, want a=%d b=%d c=%d d=%d", trial, level, got, a, b, c, d)
			}
			if got.N() != banded {
				t.Errorf("N = %d, want %d", got.N(), banded)
			}
			div := func(num, den float64) *float64 {
				if den == 0 {
					return nil
				}
				return fp(num / den)
			}
			fa, fb, fc, fd := float64(a), float64(b), float64(c), float64(d)
			near(t, "POD", got.POD(), div(fa, fa+fc))
			near(t, "FAR", got.FAR(), div(fb, fa+fb))
			near(t, "POFD", got.POFD(), div(fb, fb+fd))
			near(t, "CSI", got.CSI(), div(fa, fa+fb+fc))
			near(t, "FreqBias", got.FreqBias(), div(fa+fb, fa+fc))
			// HSS as (correct − expected correct) / (N − expected correct), the textbook's other form.
			n := fa + fb + fc + fd
			var hss *float64
			if n > 0 {
				exp := ((fa+fc)*(fa+fb) + (fc+fd)*(fb+fd)) / n
				hss = div(fa+fd-exp, n-exp)
			}
			near(t, "HSS", got.HSS(), hss)
		}
	}
}

// TestNilWithNothing: an empty table and empty sums give no score at all.
func TestNilWithNothing(t *testing.T) {
	var m Matrix
	c := At(&m, 3)
	for name, v := range map[string]*float64{"pod": c.POD(), "far": c.FAR(), "pofd": c.POFD(), "csi": c.CSI(), "freq_bias": c.FreqBias(), "hss": c.HSS()} {
		if v != nil {
			t.Errorf("%s of an empty table = %v, want nil", name, *v)
		}
	}
	var s Sums
	for name, v := range map[string]*float64{"mae": s.MAE(), "rmse": s.RMSE(), "bias": s.Bias(), "nmb": s.NMB(), "nme": s.NME(), "mape": s.MAPE(), "r": s.R(), "skill": s.SkillPersistence()} {
		if v != nil {
			t.Errorf("%s of no days = %v, want nil", name, *v)
		}
	}
	if k := Skill(1, 0, 5); k != nil {
		t.Errorf("Skill against a perfect reference = %v, want nil", *k)
	}
}
