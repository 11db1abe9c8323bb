package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFIDOfTinyCovariancesIsScaled: FID is quadratic in the embeddings' scale, so
// FID(c·a, c·b) = c²·FID(a, b). From c = 1e-150 to 1e100 (R S2 R holds fourth powers of c, and the covariances of a class whose
// samples are nearly alike fall where gonum's tridiagonal eigensolver rescales, and
// v0.17 panicked there) it must still hold, and at 1 it is the unscaled value.
func TestFIDOfTinyCovariancesIsScaled(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, d = 40, 16
	make2 := func(shift, scale float64) Features {
		x := make([]float64, n*d)
		for i := range x {
			x[i] = (r.NormFloat64() + shift) * scale
		}
		f, err := NewFeatures(x, n, d)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	base1, base2 := make2(0, 1), make2(0.5, 1)
	want, err := FID(base1, base2)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []float64{1e-150, 1e-100, 1e-3, 1e3, 1e100} {
		scale := func(f Features) Features {
			x := make([]float64, len(f.X))
			for i, v := range f.X {
				x[i] = v * c
			}
			out, err := NewFeatures(x, f.N, f.D)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		got, err := FID(scale(base1), scale(base2))
		if err != nil {
			t.Fatalf("c = %g: %v", c, err)
		}
		if rel := math.Abs(got/(c*c)-want) / want; rel > 1e-9 {
			t.Errorf("c = %g: FID/c² = %.15g, want %.15g (relative error %.2g)", c, got/(c*c), want, rel)
		}
	}
}
