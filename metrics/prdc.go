package metrics

import (
	"fmt"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// The neighbourhood sizes the papers use: k = 3 for precision and recall, k = 5 for
// density and coverage.
const (
	PRNeighbours = 3
	DCNeighbours = 5
)

// PrecisionRecall is Kynkäänniemi et al. 2019's improved precision and recall: each
// set's manifold is the union of balls around its samples with radius the distance
// to the k-th nearest other sample of the set; precision is the share of fake
// samples inside the real manifold, recall the share of real samples inside the fake one.
func PrecisionRecall(real, fake Features, k int) (precision, recall float64, err error) {
	if err := checkPair(real, fake, k); err != nil {
		return 0, 0, err
	}
	rr, rf := kthRadii(real, k), kthRadii(fake, k)
	inReal, inFake := make([]bool, fake.N), make([]bool, real.N)
	eachDistance(real, fake, func(i, j int, d2 float64) {
		if d2 <= rr[i] {
			inReal[j] = true
		}
		if d2 <= rf[j] {
			inFake[i] = true
		}
	})
	return share(inReal), share(inFake), nil
}

// DensityCoverage is Naeem et al. 2020's density and coverage with the real samples'
// k-th nearest-neighbour balls: density = (1/(k M)) sum over fakes of how many real
// balls contain them; coverage = share of real balls that contain any fake.
func DensityCoverage(real, fake Features, k int) (density, coverage float64, err error) {
	if err := checkPair(real, fake, k); err != nil {
		return 0, 0, err
	}
	rr := kthRadii(real, k)
	covered := make([]bool, real.N)
	var count float64
	eachDistance(real, fake, func(i, _ int, d2 float64) {
		if d2 <= rr[i] {
			count++
			covered[i] = true
		}
	})
	return count / float64(k*fake.N), share(covered), nil
}

func checkPair(real, fake Features, k int) error {
	switch {
	case real.D != fake.D:
		return fmt.Errorf("embeddings of dimension %d and %d", real.D, fake.D)
	case k < 1 || real.N <= k || fake.N <= k:
		return fmt.Errorf("k = %d nearest neighbours need more than %d samples per set (got %d and %d)", k, k, real.N, fake.N)
	}
	return nil
}

func share(b []bool) float64 {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return float64(n) / float64(len(b))
}

// distBlock is the number of rows whose distances are held at once.
const distBlock = 512

// eachDistance calls fn with the squared distance of every pair (row i of a, row j
// of b), a block of a's rows at a time: ||x||^2 + ||y||^2 - 2 x·y, the products by
// matrix multiplication.
func eachDistance(a, b Features, fn func(i, j int, d2 float64)) {
	na, nb := norms(a), norms(b)
	bm := mat.NewDense(b.N, b.D, b.X)
	for i0 := 0; i0 < a.N; i0 += distBlock {
		i1 := min(a.N, i0+distBlock)
		am := mat.NewDense(i1-i0, a.D, a.X[i0*a.D:i1*a.D])
		var dots mat.Dense
		dots.Mul(am, bm.T())
		for i := i0; i < i1; i++ {
			row := dots.RawRowView(i - i0)
			for j, dot := range row {
				fn(i, j, max(0, na[i]+nb[j]-2*dot))
			}
		}
	}
}

func norms(f Features) []float64 {
	out := make([]float64, f.N)
	for i := range f.N {
		for _, v := range f.Row(i) {
			out[i] += v * v
		}
	}
	return out
}

// kthRadii is, for each row, the squared distance to its k-th nearest other row.
func kthRadii(f Features, k int) []float64 {
	near := make([][]float64, f.N) // the k+1 smallest squared distances, self included
	eachDistance(f, f, func(i, _ int, d2 float64) {
		s := near[i]
		if len(s) <= k {
			s = append(s, d2)
			sort.Float64s(s)
		} else if d2 < s[k] {
			s[k] = d2
			sort.Float64s(s)
		}
		near[i] = s
	})
	out := make([]float64, f.N)
	for i, s := range near {
		out[i] = s[k] // s[0] is the sample itself
	}
	return out
}
