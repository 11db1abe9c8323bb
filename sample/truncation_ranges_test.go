package sample

import (
	"math"
	"testing"
)

// TestTruncatedLatentsReachTheThresholdAndStayInside: resampling (BigGAN, Brock et
// al. 2019, §3.1) leaves every |z_i| <= t and, over 4000 values, some come within 1%
// of t at both signs, so that a tighter bound (redrawing |z_i| > 0.9t) fails too;
// clipping to [-t, t] puts values exactly at -t and at t.
func TestTruncatedLatentsReachTheThresholdAndStayInside(t *testing.T) {
	for _, tc := range []struct {
		tr    Truncation
		exact bool // the ends are hit exactly (clip) rather than approached
	}{
		{Truncation{TruncResample, 0.5}, false},
		{Truncation{TruncResample, 2}, false},
		{Truncation{TruncClip, 0.5}, true},
		{Truncation{TruncClip, 1.5}, true},
	} {
		z := TruncatedLatents(3, 1, 1000, 4, tc.tr)
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range z {
			lo, hi = min(lo, float64(v)), max(hi, float64(v))
		}
		tv := float64(float32(tc.tr.Value))
		tol := 0.01 * tv
		if tc.exact {
			tol = 0
		}
		if lo < -tv || hi > tv || lo > -tv+tol || hi < tv-tol {
			t.Errorf("%s %g: latents span [%g, %g], want inside [-t, t] and within %g of both ends", tc.tr.Mode, tc.tr.Value, lo, hi, tol)
		}
	}
}

// TestTruncationValuesAcceptTheirBoundsAndRefuseJustPast: psi takes [0, 1]; the
// thresholds of resample and clip take any t > 0.
func TestTruncationValuesAcceptTheirBoundsAndRefuseJustPast(t *testing.T) {
	for _, tc := range []struct {
		tr Truncation
		ok bool
	}{
		{Truncation{TruncPsi, 0}, true}, {Truncation{TruncPsi, -1e-12}, false},
		{Truncation{TruncPsi, 1}, true}, {Truncation{TruncPsi, 1 + 1e-12}, false},
		{Truncation{TruncResample, 1e-300}, true}, {Truncation{TruncResample, 0}, false},
		{Truncation{TruncClip, 1e-300}, true}, {Truncation{TruncClip, 0}, false},
		{Truncation{TruncClip, math.MaxFloat64}, true}, {Truncation{TruncClip, math.Inf(1)}, false},
	} {
		if err := tc.tr.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: error %v, want accepted %v", tc.tr, err, tc.ok)
		}
	}
}
