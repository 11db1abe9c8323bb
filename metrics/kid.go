package metrics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// KIDOptions set the subsets KID averages over (Bińkowski et al. 2018 used 100
// subsets of 1000).
type KIDOptions struct {
	Subsets int
	Size    int // samples per subset and side; capped at the smaller set
	Seed    uint64
}

// DefaultKID is KIDOptions as the reference implementations use them (a function,
// so that no caller can change another's defaults).
func DefaultKID() KIDOptions { return KIDOptions{Subsets: 100, Size: 1000} }

// KID is the Kernel Inception Distance (Bińkowski et al. 2018): the unbiased
// estimate of the squared MMD with the cubic polynomial kernel
// k(x, y) = (x·y/d + 1)^3, averaged over random subsets (drawn without replacement
// within a subset). It returns the mean and the standard deviation over subsets,
// with divisor n (np.std's default, as in torch-fidelity's kid_std).
func KID(a, b Features, opt KIDOptions) (mean, std float64, err error) {
	if a.D != b.D {
		return 0, 0, fmt.Errorf("kid: embeddings of dimension %d and %d", a.D, b.D)
	}
	m := min(opt.Size, a.N, b.N)
	if m < 2 || opt.Subsets < 1 {
		return 0, 0, errors.New("kid: need subsets of at least 2 samples")
	}
	r := rand.New(rand.NewPCG(opt.Seed, 0x6b6964))
	vals := make([]float64, opt.Subsets)
	for s := range vals {
		x := a.Subset(r.Perm(a.N)[:m])
		y := b.Subset(r.Perm(b.N)[:m])
		vals[s] = mmd2Unbiased(x, y)
	}
	for _, v := range vals {
		mean += v
	}
	mean /= float64(len(vals))
	for _, v := range vals {
		std += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(std / float64(len(vals))), nil
}

// mmd2Unbiased is sum over i != j of k(x_i, x_j) / (m(m-1)), the same for y, minus
// twice the mean of k(x_i, y_j) over all pairs; the dot products by matrix products.
func mmd2Unbiased(x, y Features) float64 {
	m := float64(x.N)
	xm, ym := mat.NewDense(x.N, x.D, x.X), mat.NewDense(y.N, y.D, y.X)
	kernelSum := func(a, b *mat.Dense, skipDiagonal bool) float64 {
		var dots mat.Dense
		dots.Mul(a, b.T())
		r, c := dots.Dims()
		var s float64
		for i := range r {
			for j, dot := range dots.RawRowView(i)[:c] {
				if skipDiagonal && i == j {
					continue
				}
				t := dot/float64(x.D) + 1
				s += t * t * t
			}
		}
		return s
	}
	kxx, kyy, kxy := kernelSum(xm, xm, true), kernelSum(ym, ym, true), kernelSum(xm, ym, false)
	return kxx/(m*(m-1)) + kyy/(m*(m-1)) - 2*kxy/(m*m)
}
