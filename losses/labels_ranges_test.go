package losses

import (
	"math"
	"math/rand/v2"
	"testing"
)

// span is the smallest and largest of v.
func span(v []float32) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = min(lo, float64(x)), max(hi, float64(x))
	}
	return lo, hi
}

// TestNoisyLabelsSpanBothEndsOfGanhacksRanges: noisy targets lie in U[0.7, 1.2]
// (real) and U[0, 0.3] (fake), ganhacks #6, and 4000 draws come within 1% of the
// width of each end, so that a narrowed range (U[0.7, 1.1], U[0, 0.25]) or a shifted
// one fails as well as one that overflows. (The chance that 4000 uniform draws miss
// a 1% band at one end is 0.99^4000 ~ 4e-18; the seed is fixed anyway.)
func TestNoisyLabelsSpanBothEndsOfGanhacksRanges(t *testing.T) {
	real, fake := Labels{Noisy: true}.Draw(rand.New(rand.NewPCG(3, 4)), 4000)
	for _, tc := range []struct {
		name   string
		v      []float32
		lo, hi float64
	}{{"real", real, 0.7, 1.2}, {"fake", fake, 0, 0.3}} {
		got, gotHi := span(tc.v)
		tol := 0.01 * (tc.hi - tc.lo)
		// float32 rounding may put a draw a hair past an end: allow 1 ulp there.
		eps := 1e-7
		if got < tc.lo-eps || gotHi > tc.hi+eps {
			t.Errorf("noisy %s targets span [%g, %g], outside [%g, %g]", tc.name, got, gotHi, tc.lo, tc.hi)
		}
		if got > tc.lo+tol || gotHi < tc.hi-tol {
			t.Errorf("noisy %s targets span [%g, %g]: 4000 draws of U[%g, %g] should come within %g of both ends", tc.name, got, gotHi, tc.lo, tc.hi, tol)
		}
	}
}

// TestLabelFlipAtItsLargestProbabilityFlipsHalf: label_flip = 0.5, the largest
// accepted, flips about half of 4000 pairs (2000, sd ~32), and a flipped pair swaps
// the noisy draws themselves (a flipped real target lies in the fake range).
func TestLabelFlipAtItsLargestProbabilityFlipsHalf(t *testing.T) {
	real, fake := Labels{Noisy: true, Flip: 0.5}.Draw(rand.New(rand.NewPCG(5, 6)), 4000)
	flips := 0
	for i := range real {
		switch r, f := float64(real[i]), float64(fake[i]); {
		case r <= 0.3+1e-7 && f >= 0.7-1e-7:
			flips++
		case r < 0.7-1e-7 || f > 0.3+1e-7:
			t.Fatalf("pair %d: targets %g / %g are neither the noisy draws nor their swap", i, r, f)
		}
	}
	if flips < 1870 || flips > 2130 { // 2000 +- 4 sd
		t.Errorf("label_flip 0.5: %d of 4000 pairs flipped, want about 2000", flips)
	}
}

// TestLabelSettingsAcceptTheirBoundsAndRefuseJustPast: label_smoothing takes [0, 1)
// and label_flip [0, 0.5], each accepted at its closed ends and refused just past.
func TestLabelSettingsAcceptTheirBoundsAndRefuseJustPast(t *testing.T) {
	const d = 1e-9
	for _, tc := range []struct {
		name string
		l    Labels
		ok   bool
	}{
		{"smoothing 0", Labels{Smoothing: 0}, true},
		{"smoothing just under 0", Labels{Smoothing: -d}, false},
		{"smoothing just under 1", Labels{Smoothing: 1 - d}, true},
		{"smoothing 1 (a real target of 0)", Labels{Smoothing: 1}, false},
		{"flip 0", Labels{Flip: 0}, true},
		{"flip just under 0", Labels{Flip: -d}, false},
		{"flip 0.5", Labels{Flip: 0.5}, true},
		{"flip just past 0.5", Labels{Flip: 0.5 + d}, false},
	} {
		if err := tc.l.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: error %v, want accepted %v", tc.name, err, tc.ok)
		}
	}
}
