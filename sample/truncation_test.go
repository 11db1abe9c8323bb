package sample

import (
	"math"
	"testing"

	"github.com/gankit/gankit/internal/testutil"
)

func TestTruncationBoundsAndScales(t *testing.T) {
	plain := Latents(5, 9, 4000, 4)
	for _, tc := range []struct {
		tr    Truncation
		check func(i int, plain, got float32) bool
	}{
		// Resampling never leaves a value outside [-t, t] and keeps those inside.
		{Truncation{TruncResample, 0.5}, func(_ int, p, g float32) bool {
			return math.Abs(float64(g)) <= 0.5 && (math.Abs(float64(p)) > 0.5 || g == p)
		}},
		{Truncation{TruncResample, 2}, func(_ int, p, g float32) bool {
			return math.Abs(float64(g)) <= 2 && (math.Abs(float64(p)) > 2 || g == p)
		}},
		// Clipping clamps.
		{Truncation{TruncClip, 1}, func(_ int, p, g float32) bool { return g == min(max(p, -1), 1) }},
		// psi scales.
		{Truncation{TruncPsi, 0.7}, func(_ int, p, g float32) bool { return g == 0.7*p }},
		{Truncation{TruncNone, 0}, func(_ int, p, g float32) bool { return g == p }},
	} {
		if err := tc.tr.Validate(); err != nil {
			t.Fatal(err)
		}
		got := TruncatedLatents(5, 9, 4000, 4, tc.tr)
		for i := range got {
			if !tc.check(i, plain[i], got[i]) {
				t.Fatalf("%+v: latent %d was %g, became %g", tc.tr, i, plain[i], got[i])
			}
		}
	}
	for _, bad := range []Truncation{{TruncPsi, 1.5}, {TruncClip, 0}, {TruncResample, -1}, {"soft", 1}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// TestTruncModesReturnsCopies: a caller that changes the list cannot change the modes
// help texts and errors name.
func TestTruncModesReturnsCopies(t *testing.T) {
	testutil.ReturnsCopies(t, "TruncModes()", TruncModes)
}
