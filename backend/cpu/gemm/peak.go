package gemm

import (
	"math/rand/v2"
	"time"

	"github.com/gankit/gankit/backend/cpu/igemm"
	"github.com/gankit/gankit/backend/cpu/simd"
)

// PeakSize is the edge of the square float32 product MeasurePeak times.
const PeakSize = 1024

// Peak is the measured speed of a PeakSize^3 float32 product on gankit's own GEMM.
type Peak struct {
	// Kernels is the set the product ran on: the one asked for, resolved, or simd.Go
	// when that set has no SIMD kernels on this CPU (the portable blocked kernel).
	Kernels simd.Set
	// GFLOPs is its best speed, in GFLOP/s.
	GFLOPs float64
}

// MeasurePeak times C = A B for PeakSize^3 float32 matrices for about d (after one
// untimed product) on kernel set k (simd.Auto: the CPU's best), split over the cores
// as Multiply does, and keeps the best time.
func MeasurePeak(k simd.Set, d time.Duration) Peak {
	const n = PeakSize
	r := rand.New(rand.NewPCG(1, 1))
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = r.Float32(), r.Float32()
	}
	p := Op{M: n, N: n, K: n}
	pk := Peak{Kernels: simd.Go}
	if igemm.Fast(k) {
		pk.Kernels = k.Resolve()
	}
	pk.GFLOPs = bestGFLOPs(func() {
		if !simdMultiply(p, pk.Kernels, a, b, c) {
			goMultiply(p, a, b, c)
		}
	}, 2*n*n*n, d)
	return pk
}

// bestGFLOPs runs f once untimed, then times it until d has passed (at least once)
// and returns flops over the best time, in GFLOP/s.
func bestGFLOPs(f func(), flops float64, d time.Duration) float64 {
	f()
	best := 0.0
	deadline := time.Now().Add(d)
	for first := true; first || time.Now().Before(deadline); first = false {
		t0 := time.Now()
		f()
		best = max(best, flops/time.Since(t0).Seconds()/1e9)
	}
	return best
}
