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
	var eig mat.EigenSym
	if !eig.Factorize(sym, false) {
		return 0, errors.New("fid: eigendecomposition did not converge")
	}
	var trSqrt float64
	for _, v := range eig.Values(nil) {
		trSqrt += math.Sqrt(max(v, 0))
	}
	return d2 + mat.Trace(s1) + mat.Trace(s2) - 2*trSqrt, nil
}

// symSqrt is the symmetric square root of a positive semi-definite matrix.
func symSqrt(s *mat.SymDense) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, errors.New("fid: eigendecomposition did not converge")
	}
	vals := eig.Values(nil)
	var v mat.Dense
	eig.VectorsTo(&v)
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
