package bench

import "slices"

// median of v (not empty), the middle value once sorted, or the mean of the two
// middle ones when len(v) is even: Python's statistics.median, which the PyTorch
// reference script uses, so that both sides' figures are the same statistic.
// It is the one median of the module: of the timed iterations within a round, of
// the rounds, and of the per-round speedups.
func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
