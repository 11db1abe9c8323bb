package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPenaltyDrawsSpanTheUnitInterval: the penalties' host draws (WGAN-GP's
// interpolation e ~ U[0, 1] per sample, Gulrajani et al. 2017, Algorithm 1; DRAGAN's
// perturbation u elementwise and alpha per sample, Kodali et al. 2017) lie in [0, 1)
// and, over 4000 values, come within 1% of both ends, so that a narrowed range
// (interpolating only part of the way from fake to real) fails. Per element, the draw
// is shaped as the batch.
func TestPenaltyDrawsSpanTheUnitInterval(t *testing.T) {
	for _, tc := range []struct {
		name       input
		perElement bool
		n          int
		dims       []int
		size       int
	}{
		{"wgan-gp/e", false, 4000, []int{4000, 2, 2, 1}, 4000},
		{"dragan/u", true, 250, []int{250, 4, 4, 1}, 4000},
	} {
		f := &feeding{n: tc.n, dims: tc.dims, r: rand.New(rand.NewPCG(8, 9)), stats: map[string]float64{}}
		f.uniform(tc.name, tc.perElement)
		if len(f.vals) != 1 || len(f.names) != 1 || f.names[0] != tc.name {
			t.Fatalf("%s: fed %v", tc.name, f.names)
		}
		v := f.vals[0].Value()
		var flat []float32
		switch x := v.(type) {
		case []float32:
			flat = x
		case [][][][]float32:
			for _, a := range x {
				for _, b := range a {
					for _, c := range b {
						flat = append(flat, c...)
					}
				}
			}
		default:
			t.Fatalf("%s: fed a %T, want [n] or the batch's shape", tc.name, v)
		}
		if len(flat) != tc.size {
			t.Fatalf("%s: %d values, want %d", tc.name, len(flat), tc.size)
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range flat {
			lo, hi = min(lo, float64(x)), max(hi, float64(x))
		}
		if lo < 0 || hi >= 1 || lo > 0.01 || hi < 0.99 {
			t.Errorf("%s: draws span [%g, %g], want inside [0, 1) and within 0.01 of both ends", tc.name, lo, hi)
		}
	}
}
