package sample

import (
	"math"
	"strings"
	"testing"
)

// TestCheckSeedsRefusesARangePastTheLargestSeed: the n seeds from first fit when
// first+n-1 <= 2^63-1, so the largest first seed for n is 2^63-1-(n-1) (by hand:
// 9223372036854775806 for n 2), and the refusal says so; any range from the
// smallest seed fits.
func TestCheckSeedsRefusesARangePastTheLargestSeed(t *testing.T) {
	for _, tc := range []struct {
		first int64
		n     int
		want  string // "" = accepted
	}{
		{math.MaxInt64, 1, ""},
		{math.MaxInt64 - 1, 2, ""},
		{math.MaxInt64 - 63, 64, ""},
		{math.MinInt64, math.MaxInt32, ""},
		{0, 1, ""},
		{math.MaxInt64, 2, "2 seeds from 9223372036854775807 pass the largest seed, 9223372036854775807: want a first seed of at most 9223372036854775806"},
		{math.MaxInt64 - 1, 3, "want a first seed of at most 9223372036854775805"},
		{math.MaxInt64 - 62, 64, "want a first seed of at most 9223372036854775744"},
		{0, 0, "want at least 1 seed, got 0"},
		{0, -3, "want at least 1 seed, got -3"},
	} {
		err := CheckSeeds(tc.first, tc.n)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckSeeds(%d, %d): %v, want accepted", tc.first, tc.n, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckSeeds(%d, %d): %v, want %q", tc.first, tc.n, err, tc.want)
		}
	}
}
