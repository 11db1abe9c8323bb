package gemm

import (
	"math/rand/v2"
	"time"

	"github.com/gankit/gankit/backend/cpu/igemm"
	"github.com/gankit/gankit/backend/cpu/simd"
)

// PeakSize is the edge of the square float32 product MeasurePeak times.
const PeakSize = 1024

// Peak is the measured speed of a PeakSize^3 float32 product on each GEMM this
// process has: gankit's own (on a kernel set) and the BLAS library, when one is loaded.
type Peak struct {
	// Kernels is the set the own GEMM ran on: the one asked for, resolved, or simd.Go
	// when that set has no SIMD kernels on this CPU (the portable blocked kernel).
	Kernels simd.Set
	// Own is the own GEMM's speed in GFLOP/s.
	Own float64
	// BLAS names the loaded BLAS library ("" when none is loaded); BLASGF is its
	// speed in GFLOP/s (0 when none).
	BLAS   string
	BLASGF float64
}

// Best is the faster of the two GEMMs' speeds, and whether it is the BLAS one.
func (p Peak) Best() (gflops float64, blas bool) {
	if p.BLAS != "" && p.BLASGF > p.Own {
		return p.BLASGF, true
	}
	return p.Own, false
}

// MeasurePeak times C = A B for PeakSize^3 float32 matrices for about d on each GEMM
// (after one untimed product) and keeps each one's best time: the BLAS library when
// one is loaded (what Multiply runs first), and the package's own GEMM on kernel set
// k (simd.Auto: the CPU's best) — the SIMD micro-kernels, or the portable kernel when
// k has none here. Both split the rows over the cores as Multiply does.
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
	own := func() {
		if !simdMultiply(p, pk.Kernels, a, b, c) {
			goMultiply(p, a, b, c)
		}
	}
	pk.Own = bestGFLOPs(own, 2*n*n*n, d)
	if name := blasName(); name != "" {
		pk.BLAS = name
		pk.BLASGF = bestGFLOPs(func() { blasMultiply(p, a, b, c) }, 2*n*n*n, d)
	}
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
