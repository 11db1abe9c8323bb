package main

import (
	"math"
	"strings"
	"testing"
)

// TestAblateSeedsDoNotWrap: --first-seed S --seeds N trains the seeds S .. S+N-1; a
// range that would pass the largest int64 is refused (it wrapped to negative seeds,
// and the cells' directories and the report named seed -9223372036854775808), and
// the range that ends exactly at the largest seed is accepted.
func TestAblateSeedsDoNotWrap(t *testing.T) {
	for _, tc := range []struct {
		first int64
		n     int
		ok    bool
	}{
		{math.MaxInt64 - 1, 2, true},
		{math.MaxInt64, 1, true},
		{math.MaxInt64 - 1, 3, false},
		{math.MaxInt64, 2, false},
	} {
		p, err := newPlan("ring8", nil, []string{"model.pack=1,2"}, nil, tc.first, tc.n, 0, 0, t.TempDir())
		if (err == nil) != tc.ok {
			t.Errorf("--first-seed %d --seeds %d: error %v, want accepted %v", tc.first, tc.n, err, tc.ok)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), "--first-seed") || !strings.Contains(err.Error(), "--seeds") {
				t.Errorf("--first-seed %d --seeds %d: the error names neither flag: %v", tc.first, tc.n, err)
			}
			continue
		}
		if last := p.Seeds[len(p.Seeds)-1]; len(p.Seeds) != tc.n || p.Seeds[0] != tc.first || last < tc.first {
			t.Errorf("--first-seed %d --seeds %d: seeds %v", tc.first, tc.n, p.Seeds)
		}
	}
}
