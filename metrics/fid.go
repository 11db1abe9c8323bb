package metrics

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// FID is the Fréchet distance between Gaussians fitted to two sets of embeddings
// (Heusel et al. 2017): ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)).
//
// The trace of the matrix square root is computed without forming a non-symmetric
// product: with R = S1^(1/2) (symmetric, from S1's eigendecomposition), S1 S2 is
// similar to R S2 R, which is symmetric positive semi-definite, so
// tr((S1 S2)^(1/2)) = sum of the square roots of R S2 R's eigenvalues. Eigenvalues
// that rounding makes slightly negative are taken as 0. This is the value
// scipy.linalg.sqrtm gives in pytorch-fid, without its complex round-off.
func FID(a, b Features) (float64, error) {
	if a.D != b.D {
		return 0, fmt.Errorf("fid: embeddings of dimension %d and %d", a.D, b.D)
	}
	if a.N < 2 || b.N < 2 {
		return 0, errors.New("fid: need at least 2 samples on each side")
	}
	for _, f := range []struct {
		name string
		x    Features
	}{{"first", a}, {"second", b}} {
		for i, v := range f.x.X[:f.x.N*f.x.D] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("fid: the %s set's embedding %d holds %v (the images were not finite?)", f.name, i/f.x.D, v)
			}
		}
	}
	mu1, s1 := a.meanCov()
	mu2, s2 := b.meanCov()
	var d2 float64
	for i := range mu1 {
		d := mu1[i] - mu2[i]
		d2 += d * d
	}
	if mat.EqualApprox(s1, s2, 0) {
		// (S S)^(1/2) = S exactly: skip the eigendecompositions and their round-off.
		return d2, nil
	}
	// The trace terms scale with the covariances: compute them on S1/c and S2/c,
	// c the largest entry of either, so that R S2 R (fourth powers of the
	// embeddings' scale) neither underflows nor overflows.
	c := max(maxAbs(s1), maxAbs(s2))
	s1.ScaleSym(1/c, s1)
	s2.ScaleSym(1/c, s2)
	r, err := symSqrt(s1)
	if err != nil {
		return 0, err
	}
	var rs, m mat.Dense
	rs.Mul(r, s2)
	m.Mul(&rs, r)
	sym := mat.NewSymDense(a.D, nil)
	for i := range a.D {
		for j := i; j < a.D; j++ {
			sym.SetSym(i, j, 0.5*(m.At(i, j)+m.At(j, i)))
		}
	}
	vals, _, err := eigenSym(sym, false)
	if err != nil {
		return 0, err
	}
	var trSqrt float64
	for _, v := range vals {
		trSqrt += math.Sqrt(max(v, 0))
	}
	return d2 + c*(mat.Trace(s1)+mat.Trace(s2)-2*trSqrt), nil
}

// maxAbs is the largest absolute entry of s.
func maxAbs(s *mat.SymDense) float64 {
	n := s.SymmetricDim()
	var top float64
	for i := range n {
		for j := i; j < n; j++ {
			top = max(top, math.Abs(s.At(i, j)))
		}
	}
	return top
}

// symSqrt is the symmetric square root of a positive semi-definite matrix.
func symSqrt(s *mat.SymDense) (*mat.Dense, error) {
	vals, v, err := eigenSym(s, true)
	if err != nil {
		return nil, err
	}
	n := len(vals)
	scaled := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			scaled.Set(i, j, v.At(i, j)*math.Sqrt(max(vals[j], 0)))
		}
	}
	var out mat.Dense
	out.Mul(scaled, v.T())
	return &out, nil
}

// eigenSym is s's eigenvalues (and with vectors its eigenvectors as columns). The
// matrix is scaled to a largest entry of 1 first and the eigenvalues scaled back.
// The eigenvectors are always computed: without them gonum v0.17's Dsyev goes
// through Dsterf, which panics ("insufficient length of a": it passes Dlascl a
// column with the matrix's stride) whenever a split block of the tridiagonal matrix
// needs rescaling, as blocks of tiny eigenvalues of a nearly singular covariance do.
// A panic left is returned as an error.
func eigenSym(s *mat.SymDense, vectors bool) (vals []float64, v *mat.Dense, err error) {
	n := s.SymmetricDim()
	top := maxAbs(s)
	if top == 0 {
		v = mat.NewDense(n, n, nil)
		for i := range n {
			v.Set(i, i, 1)
		}
		return make([]float64, n), v, nil
	}
	scaled := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			scaled.SetSym(i, j, s.At(i, j)/top)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			vals, v, err = nil, nil, fmt.Errorf("fid: eigendecomposition failed: %v", r)
		}
	}()
	var eig mat.EigenSym
	if !eig.Factorize(scaled, true) { // with vectors: gonum then never calls Dsterf (see above)
		return nil, nil, errors.New("fid: eigendecomposition did not converge")
	}
	vals = eig.Values(nil)
	for i := range vals {
		vals[i] *= top
	}
	if vectors {
		v = &mat.Dense{}
		eig.VectorsTo(v)
	}
	return vals, v, nil
}
