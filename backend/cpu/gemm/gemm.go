package gemm

import (
	"fmt"
	"runtime"

	"github.com/gankit/gankit/backend/cpu/internal/parallel"
	"github.com/gankit/gankit/backend/cpu/simd"
)

// Float is the element types gemm multiplies.
type Float interface{ float32 | float64 }

// Op describes one product: C[m,n] (+)= sum_k A'[m,k] B'[k,n], where A' is A (row-major
// [m,k], or [k,m] when TransA) and B' likewise; C is row-major [m,n].
type Op struct {
	M, N, K        int
	TransA, TransB bool
	// Leading dimensions (row strides) of A, B and C as stored; 0 means packed.
	LDA, LDB, LDC int
	// Accumulate adds the product to C instead of overwriting it.
	Accumulate bool
	// Serial keeps the product on the calling goroutine (the caller parallelises).
	Serial bool
	// Kernels is the kernel set float32 products run on (simd.Auto: the CPU's best;
	// simd.Go: the portable kernel).
	Kernels simd.Set
}

// lds returns the leading dimensions with the packed defaults filled in.
func (p Op) lds() (lda, ldb, ldc int) {
	lda, ldb, ldc = p.K, p.N, p.N
	if p.TransA {
		lda = p.M
	}
	if p.TransB {
		ldb = p.K
	}
	if p.LDA > 0 {
		lda = p.LDA
	}
	if p.LDB > 0 {
		ldb = p.LDB
	}
	if p.LDC > 0 {
		ldc = p.LDC
	}
	return
}

// need is the number of values a matrix of rows x cols with leading dimension ld spans.
func need(rows, cols, ld int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*ld + cols
}

// Multiply computes C (+)= op(A) op(B).
func Multiply[T Float](p Op, a, b, c []T) error {
	lda, ldb, ldc := p.lds()
	ar, ac := p.M, p.K
	if p.TransA {
		ar, ac = p.K, p.M
	}
	br, bc := p.K, p.N
	if p.TransB {
		br, bc = p.N, p.K
	}
	if len(a) < need(ar, ac, lda) || len(b) < need(br, bc, ldb) || len(c) < need(p.M, p.N, ldc) || lda < ac || ldb < bc || ldc < p.N {
		return fmt.Errorf("gemm: %dx%dx%d product (lds %d %d %d) with buffers of %d, %d, %d values", p.M, p.N, p.K, lda, ldb, ldc, len(a), len(b), len(c))
	}
	if p.M == 0 || p.N == 0 {
		return nil
	}
	if p.K == 0 {
		if !p.Accumulate {
			for i := range p.M {
				clear(c[i*ldc : i*ldc+p.N])
			}
		}
		return nil
	}
	if a32, ok := any(a).([]float32); ok && simdMultiply(p, p.Kernels, a32, any(b).([]float32), any(c).([]float32)) {
		return nil
	}
	goMultiply(p, a, b, c)
	return nil
}

// Block sizes of the pure-Go kernel: a kc x nc panel of B is packed once and reused
// by every mc-row block of A.
const (
	mc = 64
	kc = 256
	nc = 512
)

// minRowsPerWorker keeps small products on one goroutine.
const minRowsPerWorker = 32

// parallelRows splits rows [0, M) of C into fixed chunks, one per core, and runs f on
// each concurrently. The partition depends only on M and the core count, so each C
// value is always summed in the same order by the same code.
func parallelRows(p Op, f func(lo, hi int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), p.M/minRowsPerWorker))
	if p.Serial || 2*float64(p.M)*float64(p.N)*float64(p.K) < 2e5 {
		workers = 1
	}
	_ = parallel.Workers(p.M, workers, func(_, lo, hi int) error {
		f(lo, hi)
		return nil
	})
}

// goMultiply is the portable kernel.
func goMultiply[T Float](p Op, a, b, c []T) {
	parallelRows(p, func(lo, hi int) { goRows(p, a, b, c, lo, hi) })
}

// goRows computes rows [lo, hi) of C.
func goRows[T Float](p Op, a, b, c []T, lo, hi int) {
	lda, ldb, ldc := p.lds()
	// Packed B panel, row-major [k][n], and A block, row-major [m][k], no larger than
	// the product needs: tiny products (gradient checks in float64) call this often.
	bp := make([]T, min(kc, p.K)*min(nc, p.N))
	ap := make([]T, min(mc, hi-lo)*min(kc, p.K))
	if !p.Accumulate {
		for i := lo; i < hi; i++ {
			clear(c[i*ldc : i*ldc+p.N])
		}
	}
	for j0 := 0; j0 < p.N; j0 += nc {
		nb := min(nc, p.N-j0)
		for k0 := 0; k0 < p.K; k0 += kc {
			kb := min(kc, p.K-k0)
			packB(p.TransB, b, ldb, bp[:kb*nb], k0, kb, j0, nb, nb)
			for i0 := lo; i0 < hi; i0 += mc {
				mb := min(mc, hi-i0)
				for i := range mb {
					row := ap[i*kb : (i+1)*kb]
					if p.TransA { // A is [k,m]
						for k := range kb {
							row[k] = a[(k0+k)*lda+i0+i]
						}
					} else {
						copy(row, a[(i0+i)*lda+k0:(i0+i)*lda+k0+kb])
					}
				}
				micro(ap, bp, c, mb, nb, kb, i0, j0, ldc)
			}
		}
	}
}

// micro accumulates the packed block product into C, four rows at a time so each
// loaded B value is used four times.
func micro[T Float](ap, bp, c []T, mb, nb, kb, i0, j0, ldc int) {
	i := 0
	for ; i+4 <= mb; i += 4 {
		c0 := c[(i0+i)*ldc+j0 : (i0+i)*ldc+j0+nb]
		c1 := c[(i0+i+1)*ldc+j0 : (i0+i+1)*ldc+j0+nb]
		c2 := c[(i0+i+2)*ldc+j0 : (i0+i+2)*ldc+j0+nb]
		c3 := c[(i0+i+3)*ldc+j0 : (i0+i+3)*ldc+j0+nb]
		for k := range kb {
			a0, a1, a2, a3 := ap[i*kb+k], ap[(i+1)*kb+k], ap[(i+2)*kb+k], ap[(i+3)*kb+k]
			brow := bp[k*nb : (k+1)*nb]
			for j, bv := range brow {
				c0[j] += a0 * bv
				c1[j] += a1 * bv
				c2[j] += a2 * bv
				c3[j] += a3 * bv
			}
		}
	}
	for ; i < mb; i++ {
		ci := c[(i0+i)*ldc+j0 : (i0+i)*ldc+j0+nb]
		for k := range kb {
			av := ap[i*kb+k]
			for j, bv := range bp[k*nb : (k+1)*nb] {
				ci[j] += av * bv
			}
		}
	}
}

// packB copies rows [k0, k0+kb) and columns [j0, j0+nb) of op(B) into bp as kb rows
// of nbp values, zeros past nb.
func packB[T Float](trans bool, b []T, ldb int, bp []T, k0, kb, j0, nb, nbp int) {
	for kk := range kb {
		row := bp[kk*nbp : (kk+1)*nbp]
		if trans { // B is [n][k]
			for j := range nb {
				row[j] = b[(j0+j)*ldb+k0+kk]
			}
		} else {
			copy(row[:nb], b[(k0+kk)*ldb+j0:])
		}
		clear(row[nb:])
	}
}
