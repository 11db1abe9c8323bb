package gemm

import (
	"github.com/gankit/gankit/backend/cpu/igemm"
	"github.com/gankit/gankit/backend/cpu/simd"
)

// The float32 product on the SIMD micro-kernels of package igemm (AVX-512, AVX2 or
// NEON): Goto & van de Geijn's blocking (2008, "Anatomy of High-Performance Matrix
// Multiplication"). B is packed once per kcS x ncS panel into rows of whole 64-column
// tiles (zeros past N); A's rows are read in place through igemm's pointer tables (a
// packed copy only when A is transposed), and C's 6x64 tiles are written in place
// where they fit and through a small buffer at the edges. Each C value is the sum of
// its kcS-long blocks, in order of k, each summed by one fused multiply-add per
// term: deterministic, whatever the partition.
const (
	kcS = 128 // a tile's B panel, kcS x 64 floats (32 KiB), stays in L1 across a row block
	ncS = 512 // columns per packed panel
	mcS = 96  // rows per block: A's block (mcS x kcS, 48 KiB) stays in L2
)

// simdMultiply computes C (+)= op(A) op(B) in float32 on kernel set k; false when k
// has no SIMD kernels on this CPU.
func simdMultiply(p Op, k simd.Set, a, b, c []float32) bool {
	if !igemm.Fast(k) {
		return false
	}
	parallelRows(p, func(lo, hi int) { simdRows(p, k, a, b, c, lo, hi) })
	return true
}

// simdRows computes rows [lo, hi) of C.
func simdRows(p Op, k simd.Set, a, b, c []float32, lo, hi int) {
	const tr, tc = igemm.TileRows, igemm.TileCols
	lda, ldb, ldc := p.lds()
	bp := make([]float32, kcS*ncS)
	var ap []float32 // A's block, [row][k], when A is transposed
	if p.TransA {
		ap = make([]float32, mcS*kcS)
	}
	zero := make([]float32, kcS)
	var edge [tr * tc]float32
	rowPtr := make([]*float32, tr)
	bPtr := make([]*float32, 1)
	for j0 := 0; j0 < p.N; j0 += ncS {
		nb := min(ncS, p.N-j0)
		nbp := (nb + tc - 1) / tc * tc
		for k0 := 0; k0 < p.K; k0 += kcS {
			kb := min(kcS, p.K-k0)
			packB(p.TransB, b, ldb, bp[:kb*nbp], k0, kb, j0, nb, nbp)
			bPtr[0] = &bp[0]
			acc := k0 > 0 || p.Accumulate
			for i0 := lo; i0 < hi; i0 += mcS {
				mb := min(mcS, hi-i0)
				if p.TransA {
					for i := range mb {
						row := ap[i*kb : (i+1)*kb]
						for kk := range kb {
							row[kk] = a[(k0+kk)*lda+i0+i]
						}
					}
				}
				for jt := 0; jt < nb; jt += tc {
					cols := min(tc, nb-jt)
					for it := 0; it < mb; it += tr {
						rows := min(tr, mb-it)
						for r := range tr {
							switch {
							case r >= rows:
								rowPtr[r] = &zero[0]
							case p.TransA:
								rowPtr[r] = &ap[(it+r)*kb]
							default:
								rowPtr[r] = &a[(i0+it+r)*lda+k0]
							}
						}
						ci := (i0+it)*ldc + j0 + jt
						if rows == tr && cols == tc {
							igemm.Rows(k, rowPtr, bPtr, nbp, kb, jt, c[ci:], ldc, acc)
							continue
						}
						igemm.Rows(k, rowPtr, bPtr, nbp, kb, jt, edge[:], tc, false)
						for r := range rows {
							dst, src := c[ci+r*ldc:ci+r*ldc+cols], edge[r*tc:r*tc+cols]
							if !acc {
								copy(dst, src)
								continue
							}
							for j, v := range src {
								dst[j] += v
							}
						}
					}
				}
			}
		}
	}
}

// packB copies rows [k0, k0+kb) and columns [j0, j0+nb) of op(B) into bp as kb rows
// of nbp values, zeros past nb.
func packB(trans bool, b []float32, ldb int, bp []float32, k0, kb, j0, nb, nbp int) {
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
