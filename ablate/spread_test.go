package ablate

import (
	"math"
	"testing"
)

// TestStatIsTheMeanAndTheStandardErrorWithDivisorNMinus1: a setting's spread over its
// seeds is the standard error s/sqrt(n), s the sample standard deviation (divisor
// n-1), computed here by hand. One seed has no spread: SE 0, not NaN.
func TestStatIsTheMeanAndTheStandardErrorWithDivisorNMinus1(t *testing.T) {
	for _, tc := range []struct {
		v        []float64
		mean, se float64
	}{
		// mean 2.5; squares 2.25+0.25+0.25+2.25 = 5; s = sqrt(5/3); SE = s/2
		// (divisor n would give sqrt(5/4)/2).
		{[]float64{1, 2, 3, 4}, 2.5, math.Sqrt(5.0/3) / 2},
		// mean 4; squares 4+4 = 8; s = sqrt(8/1); SE = sqrt(8)/sqrt(2) = 2.
		{[]float64{2, 6}, 4, 2},
		{[]float64{7}, 7, 0},
		{[]float64{3, 3, 3}, 3, 0},
	} {
		got := stat(tc.v)
		if got.N != len(tc.v) || !(math.Abs(got.Mean-tc.mean) <= 1e-12) || !(math.Abs(got.SE-tc.se) <= 1e-12) { // a NaN fails
			t.Errorf("stat(%v) = %+v, want mean %g, SE %g, N %d", tc.v, got, tc.mean, tc.se, len(tc.v))
		}
	}
}
