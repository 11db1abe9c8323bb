package gemm

import (
	"runtime"

	"github.com/gankit/gankit/backend/cpu/igemm"
	"github.com/gankit/gankit/backend/cpu/internal/parallel"
	"github.com/gankit/gankit/backend/cpu/simd"
)

// The float32 product on the SIMD micro-kernels of package igemm (AVX-512, AVX2 or
// NEON): Goto & van de Geijn's blocking (2008, "Anatomy of High-Performance Matrix
// Multiplication"). C is cut into units of mcS rows x ncS columns, each computed whole
// by one worker (units go to whichever core is free; the result does not depend on
// which). A unit packs its B panel once per kcS-deep block into rows of whole
// 64-column tiles (zeros past N), reads A's rows in place through igemm's pointer
// tables (a packed copy only when A is transposed), and writes C's 6x64 tiles in
// place where they fit and through a small buffer at the edges. Each C value is the
// sum of its kcS-long blocks in order of k, each summed by one fused multiply-add per
// term: deterministic, and the same on every SIMD set.
const (
	kcS = 128 // a tile's B panel, kcS x 64 floats (32 KiB), stays in L1 across a row block
	ncS = 512 // columns per unit
	mcS = 96  // rows per unit: A's block (mcS x kcS, 48 KiB) stays in L2
)

// minUnitFlops keeps products smaller than this on the calling goroutine.
const minUnitFlops = 2e5

// simdMultiply computes C (+)= op(A) op(B) in float32 on kernel set k; false when k
// has no SIMD kernels on this CPU.
func simdMultiply(p Op, k simd.Set, a, b, c []float32) bool {
	if !igemm.Fast(k) {
		return false
	}
	if p.N == 1 && gemv(p, k, a, b, c) {
		return true
	}
	simdGeneral(p, k, a, b, c)
	return true
}

// simdGeneral is simdMultiply on the tiles, whatever the shape.
func simdGeneral(p Op, k simd.Set, a, b, c []float32) {
	rowUnits, colUnits := (p.M+mcS-1)/mcS, (p.N+ncS-1)/ncS
	units := rowUnits * colUnits
	workers := min(runtime.GOMAXPROCS(0), units)
	if p.Serial || 2*float64(p.M)*float64(p.N)*float64(p.K) < minUnitFlops {
		workers = 1
	}
	scratch := make([]*unitScratch, workers)
	_ = parallel.Dynamic(units, 1, workers, func(w, lo, hi int) error {
		if scratch[w] == nil {
			scratch[w] = newUnitScratch(p)
		}
		for u := lo; u < hi; u++ {
			i0, j0 := (u/colUnits)*mcS, (u%colUnits)*ncS
			simdUnit(p, k, a, b, c, scratch[w], i0, min(i0+mcS, p.M), j0, min(j0+ncS, p.N))
		}
		return nil
	})
}

// unitScratch is one worker's packing space.
type unitScratch struct {
	bp, ap, zero []float32
	edge         [igemm.TileRows * igemm.TileCols]float32
	rows, bPtr   []*float32
}

func newUnitScratch(p Op) *unitScratch {
	const tc = igemm.TileCols
	s := &unitScratch{
		bp:   make([]float32, min(kcS, p.K)*(min(ncS, p.N)+tc-1)/tc*tc),
		zero: make([]float32, min(kcS, p.K)),
		rows: make([]*float32, igemm.TileRows),
		bPtr: make([]*float32, 1),
	}
	if p.TransA {
		s.ap = make([]float32, min(mcS, p.M)*min(kcS, p.K))
	}
	return s
}

// simdUnit computes C[i0:i1, j0:j1].
func simdUnit(p Op, k simd.Set, a, b, c []float32, s *unitScratch, i0, i1, j0, j1 int) {
	const tr, tc = igemm.TileRows, igemm.TileCols
	lda, ldb, ldc := p.lds()
	mb, nb := i1-i0, j1-j0
	nbp := (nb + tc - 1) / tc * tc
	for k0 := 0; k0 < p.K; k0 += kcS {
		kb := min(kcS, p.K-k0)
		packB(p.TransB, b, ldb, s.bp[:kb*nbp], k0, kb, j0, nb, nbp)
		s.bPtr[0] = &s.bp[0]
		if p.TransA {
			for i := range mb {
				row := s.ap[i*kb : (i+1)*kb]
				for kk := range kb {
					row[kk] = a[(k0+kk)*lda+i0+i]
				}
			}
		}
		acc := k0 > 0 || p.Accumulate
		for jt := 0; jt < nb; jt += tc {
			cols := min(tc, nb-jt)
			for it := 0; it < mb; it += tr {
				rows := min(tr, mb-it)
				for r := range tr {
					switch {
					case r >= rows:
						s.rows[r] = &s.zero[0]
					case p.TransA:
						s.rows[r] = &s.ap[(it+r)*kb]
					default:
						s.rows[r] = &a[(i0+it+r)*lda+k0]
					}
				}
				ci := (i0+it)*ldc + j0 + jt
				if rows == tr && cols == tc {
					igemm.Rows(k, s.rows, s.bPtr, nbp, kb, jt, c[ci:], ldc, acc)
					continue
				}
				igemm.Rows(k, s.rows, s.bPtr, nbp, kb, jt, s.edge[:], tc, false)
				for r := range rows {
					dst, src := c[ci+r*ldc:ci+r*ldc+cols], s.edge[r*tc:r*tc+cols]
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

// gemv handles one output column (a dense layer with one output, and its weight
// gradient), where a 64-column tile would be 63/64 padding; false when the layout
// does not suit it. With A as stored, C[i] is the dot product of A's row i with B's
// column (igemm.Dot, six rows at a time, DotLanes partial sums). With A transposed
// it is C^T = B^T A^T: one row times a matrix whose rows are A's, on the tiles.
func gemv(p Op, k simd.Set, a, b, c []float32) bool {
	lda, ldb, ldc := p.lds()
	bStep := ldb // stride of B's column
	if p.TransB {
		bStep = 1
	}
	if bStep != 1 {
		return false
	}
	if p.TransA {
		q := Op{M: 1, N: p.M, K: p.K, TransA: true, LDA: 1, LDB: lda, LDC: p.M, Accumulate: p.Accumulate, Serial: p.Serial}
		if ldc != 1 {
			return false
		}
		simdGeneral(q, k, b, a, c)
		return true
	}
	const tr, lanes = igemm.TileRows, igemm.DotLanes
	body := p.K &^ (lanes - 1)
	var zero []float32
	rowsFor := func(i0 int, rows []*float32) {
		for r := range tr {
			if i0+r < p.M {
				rows[r] = &a[(i0+r)*lda]
				continue
			}
			if zero == nil {
				zero = make([]float32, p.K)
			}
			rows[r] = &zero[0]
		}
	}
	rows, bPtr := make([]*float32, tr), []*float32{&b[0]}
	var out [tr]float32
	for i0 := 0; i0 < p.M; i0 += tr {
		if body > 0 {
			rowsFor(i0, rows)
			igemm.Dot(k, rows, bPtr, body, out[:])
		}
		for r := range min(tr, p.M-i0) {
			sum := out[r]
			if body == 0 {
				sum = 0
			}
			row := a[(i0+r)*lda:]
			for kk := body; kk < p.K; kk++ {
				sum += row[kk] * b[kk]
			}
			if p.Accumulate {
				c[(i0+r)*ldc] += sum
			} else {
				c[(i0+r)*ldc] = sum
			}
		}
	}
	return true
}
