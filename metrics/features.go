package metrics

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Features are n embeddings of dimension d, row after row.
type Features struct {
	N, D int
	X    []float64
}

// NewFeatures wraps x (n*d values, row-major).
func NewFeatures(x []float64, n, d int) (Features, error) {
	if n < 1 || d < 1 || len(x) != n*d {
		return Features{}, fmt.Errorf("features: %d values is not %d rows of %d", len(x), n, d)
	}
	return Features{N: n, D: d, X: x}, nil
}

// Row is sample i's embedding.
func (f Features) Row(i int) []float64 { return f.X[i*f.D : (i+1)*f.D] }

// Subset is the rows idx, in that order.
func (f Features) Subset(idx []int) Features {
	out := Features{N: len(idx), D: f.D, X: make([]float64, 0, len(idx)*f.D)}
	for _, i := range idx {
		out.X = append(out.X, f.Row(i)...)
	}
	return out
}

// meanCov is the mean and the unbiased covariance (ddof 1, as numpy's np.cov and
// pytorch-fid) of the rows.
func (f Features) meanCov() ([]float64, *mat.SymDense) {
	mu := make([]float64, f.D)
	for i := range f.N {
		for j, v := range f.Row(i) {
			mu[j] += v
		}
	}
	for j := range mu {
		mu[j] /= float64(f.N)
	}
	c := make([]float64, f.N*f.D)
	for i := range f.N {
		for j, v := range f.Row(i) {
			c[i*f.D+j] = v - mu[j]
		}
	}
	centred := mat.NewDense(f.N, f.D, c)
	cov := mat.NewSymDense(f.D, nil)
	cov.SymOuterK(1/float64(max(f.N-1, 1)), centred.T())
	return mu, cov
}
