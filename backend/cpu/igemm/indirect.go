// Package igemm holds indirect matrix-product micro-kernels: a TileRows x TileCols
// tile of C accumulated from operands named by tables of pointers instead of packed
// matrices. A convolution points them at the image's pixels and the kernel's taps
// directly (the indirect convolution of
// Dukhan 2019, "The Indirect Convolution Algorithm"): no patch matrix is built, and a
// tap that falls on padding points at a run of zeros.
package igemm

import (
	"unsafe"

	"github.com/gankit/gankit/backend/cpu/simd"
)

const (
	TileRows = 6
	TileCols = 64
	// NarrowCols is RowsNarrow's tile width: a convolution with 16 output channels
	// or fewer (a group of R3GAN's grouped 3x3, an image's 1 or 3 channels) fills a
	// quarter of a 64-wide tile or less.
	NarrowCols = 16
)

// Fast says whether set k runs the kernels as SIMD assembly on this CPU (AVX-512 or
// AVX2 with FMA on amd64, NEON on arm64). Without it they run as plain Go: correct,
// and bitwise the same, but slow.
func Fast(k simd.Set) bool { return runnable(k) != simd.Go }

// runnable resolves k, and turns a set this CPU cannot run into Go rather than
// executing instructions it lacks.
func runnable(k simd.Set) simd.Set {
	k = k.Resolve()
	if !k.Runs() || !hasAsm(k) {
		return simd.Go
	}
	return k
}

// Rows computes, for s < len(b) segments and i < clen,
//
//	C[r][j] (+)= A[s][r][i] * B[s][i*ldb + boff + j],  r < TileRows, j < TileCols,
//
// where A[s][r] = a[s*TileRows+r] and B[s] = b[s] point into float32 data, and C is c
// with rows ldc apart. Each C value is summed in the order s, i: deterministic.
// Every kernel set gives bitwise the same C.
func Rows(k simd.Set, a, b []*float32, ldb, clen, boff int, c []float32, ldc int, accumulate bool) {
	if len(b) == 0 || clen == 0 || len(a) < len(b)*TileRows || len(c) < (TileRows-1)*ldc+TileCols {
		panic("igemm.Rows: tables or tile too short")
	}
	if k = runnable(k); k != simd.Go {
		rowsAsm(k, &a[0], &b[0], 4*ldb, len(b), clen, 4*boff, &c[0], 4*ldc, b2int(accumulate))
		return
	}
	rowsGo(a, b, ldb, clen, boff, c, ldc, accumulate)
}

// RowsNarrow is Rows on a TileRows x NarrowCols tile (j < NarrowCols). Each C value
// is summed in the same order as Rows sums it, so a narrow tile holds bitwise what
// the same columns of a wide one would.
func RowsNarrow(k simd.Set, a, b []*float32, ldb, clen, boff int, c []float32, ldc int, accumulate bool) {
	if len(b) == 0 || clen == 0 || len(a) < len(b)*TileRows || len(c) < (TileRows-1)*ldc+NarrowCols {
		panic("igemm.RowsNarrow: tables or tile too short")
	}
	if k = runnable(k); k != simd.Go {
		rowsNarrowAsm(k, &a[0], &b[0], 4*ldb, len(b), clen, 4*boff, &c[0], 4*ldc, b2int(accumulate))
		return
	}
	rowsGoWidth(NarrowCols, a, b, ldb, clen, boff, c, ldc, accumulate)
}

// GroupWidth is the channels of a group, in and out, that RowsGrouped takes, and
// Groups how many groups fill its tile (R3GAN's grouped 3x3: 8 groups of 16).
const (
	GroupWidth = 16
	Groups     = TileCols / GroupWidth
	// MaxGroupedSegments is the most segments one RowsGrouped call takes.
	MaxGroupedSegments = 16
)

// RowsGrouped computes four groups side by side in the 6x64 tile: for g < Groups,
// s < len(b) segments and i < clen (at most GroupWidth),
//
//	C[r][g*16 + j] (+)= A[s][r][g*16 + i] * B[s][i*ldb + boff + g*16 + j],  j < 16,
//
// A[s][r] = a[s*TileRows+r] pointing at a run of the four groups' input channels,
// B[s] = b[s] at rows of their output channels. It is the block-diagonal product of
// a grouped convolution without the zeros: each group reads only its own channels.
// Each C value is summed in the order s, i, as RowsNarrow sums it for one group:
// bitwise the same, and the same for every kernel set.
func RowsGrouped(k simd.Set, a, b []*float32, ldb, clen, boff int, c []float32, ldc int, accumulate bool) {
	if len(b) == 0 || len(b) > MaxGroupedSegments || clen == 0 || clen > GroupWidth || len(a) < len(b)*TileRows || len(c) < (TileRows-1)*ldc+TileCols {
		panic("igemm.RowsGrouped: tables, segments or tile wrong")
	}
	if k = runnable(k); k != simd.Go {
		rowsGroupedAsm(k, a[:len(b)*TileRows], &b[0], 4*ldb, clen, 4*boff, &c[0], 4*ldc, b2int(accumulate))
		return
	}
	rowsGroupedGo(a, b, ldb, clen, boff, c, ldc, accumulate)
}

// groupPasses runs pass once per group with a's row runs moved to group g's
// channels (g*GroupWidth floats on), for the sets that run RowsGrouped as narrow
// passes.
func groupPasses(a []*float32, pass func(g int, shifted **float32)) {
	var shifted [MaxGroupedSegments * TileRows]*float32
	for g := range Groups {
		for i, p := range a {
			shifted[i] = (*float32)(unsafe.Add(unsafe.Pointer(p), 4*g*GroupWidth))
		}
		pass(g, &shifted[0])
	}
}

// rowsGroupedGo is RowsGrouped in Go, in the assembly's order of operations.
func rowsGroupedGo(a, b []*float32, ldb, clen, boff int, c []float32, ldc int, accumulate bool) {
	var acc [TileRows][TileCols]float32
	for s := range b {
		for i := range clen {
			for r := range TileRows {
				for g := range Groups {
					av := at(a[s*TileRows+r], g*GroupWidth+i)
					for j := range GroupWidth {
						col := g*GroupWidth + j
						acc[r][col] = fma32(av, at(b[s], i*ldb+boff+col), acc[r][col])
					}
				}
			}
		}
	}
	storeTile(&acc, c, ldc, accumulate)
}

// Cols computes, for q < len(a),
//
//	C[r][j] (+)= A[q][aoff + r] * B[q][boff + j],  r < TileRows, j < TileCols,
//
// where A[q] = a[q] and B[q] = b[q] point into float32 data. Each C value is summed in
// the order q: deterministic, and bitwise the same for every kernel set.
func Cols(k simd.Set, a, b []*float32, aoff, boff int, c []float32, ldc int, accumulate bool) {
	if len(a) == 0 || len(b) < len(a) || len(c) < (TileRows-1)*ldc+TileCols {
		panic("igemm.Cols: tables or tile too short")
	}
	if k = runnable(k); k != simd.Go {
		colsAsm(k, &a[0], &b[0], len(a), 4*aoff, 4*boff, &c[0], 4*ldc, b2int(accumulate))
		return
	}
	colsGo(a, b, aoff, boff, c, ldc, accumulate)
}

// DotLanes is the multiple of channels Dot takes.
const DotLanes = 16

// Dot computes, for s < len(b) segments and i < clen (a multiple of DotLanes),
//
//	out[r] = sum A[s][r][i] * B[s][i],  r < TileRows,
//
// where A[s][r] = a[s*TileRows+r] and B[s] = b[s]: a convolution with one output
// channel. Each sum runs in DotLanes interleaved partial sums, added in a fixed order
// (the same for every kernel set).
func Dot(k simd.Set, a, b []*float32, clen int, out []float32) {
	if len(b) == 0 || clen == 0 || clen%DotLanes != 0 || len(a) < len(b)*TileRows || len(out) < TileRows {
		panic("igemm.Dot: tables, length or output wrong")
	}
	if k = runnable(k); k != simd.Go {
		dotAsm(k, &a[0], &b[0], len(b), clen, &out[0])
		return
	}
	dotGo(a, b, clen, out)
}

// dotGo is Dot in Go, in the assembly's order of operations.
func dotGo(a, b []*float32, clen int, out []float32) {
	for r := range TileRows {
		var lane [DotLanes]float32
		for s := range b {
			for i := 0; i < clen; i += DotLanes {
				for l := range lane {
					lane[l] = fma32(at(a[s*TileRows+r], i+l), at(b[s], i+l), lane[l])
				}
			}
		}
		// 16 -> 8 -> 4 lanes by halves, then pairs (1,0),(3,2) swapped: as the
		// assembly's extract/permute steps.
		for w := 8; w >= 4; w /= 2 {
			for l := range w {
				lane[l] += lane[l+w]
			}
		}
		lane[0], lane[1] = lane[0]+lane[2], lane[1]+lane[3]
		out[r] = lane[0] + lane[1]
	}
}

func b2int(b bool) int {
	if b {
		return 1
	}
	return 0
}

// at reads p[i].
func at(p *float32, i int) float32 { return *(*float32)(unsafe.Add(unsafe.Pointer(p), 4*i)) }

// rowsGo is Rows in Go, with the assembly's order of operations (one fused
// multiply-add per term, as VFMADD231PS rounds once).
func rowsGo(a, b []*float32, ldb, clen, boff int, c []float32, ldc int, accumulate bool) {
	rowsGoWidth(TileCols, a, b, ldb, clen, boff, c, ldc, accumulate)
}

// rowsGoWidth is rowsGo on the tile's first width columns.
func rowsGoWidth(width int, a, b []*float32, ldb, clen, boff int, c []float32, ldc int, accumulate bool) {
	var acc [TileRows][TileCols]float32
	for s := range b {
		for i := range clen {
			for r := range TileRows {
				av := at(a[s*TileRows+r], i)
				for j := range width {
					acc[r][j] = fma32(av, at(b[s], i*ldb+boff+j), acc[r][j])
				}
			}
		}
	}
	storeTileWidth(&acc, width, c, ldc, accumulate)
}

// colsGo is Cols in Go, in the assembly's order of operations.
func colsGo(a, b []*float32, aoff, boff int, c []float32, ldc int, accumulate bool) {
	var acc [TileRows][TileCols]float32
	for q := range a {
		for r := range TileRows {
			av := at(a[q], aoff+r)
			for j := range TileCols {
				acc[r][j] = fma32(av, at(b[q], boff+j), acc[r][j])
			}
		}
	}
	storeTile(&acc, c, ldc, accumulate)
}

func storeTile(acc *[TileRows][TileCols]float32, c []float32, ldc int, accumulate bool) {
	storeTileWidth(acc, TileCols, c, ldc, accumulate)
}

// storeTileWidth writes the first width columns of acc.
func storeTileWidth(acc *[TileRows][TileCols]float32, width int, c []float32, ldc int, accumulate bool) {
	for r := range TileRows {
		row := c[r*ldc : r*ldc+width]
		for j := range row {
			if accumulate {
				row[j] += acc[r][j]
			} else {
				row[j] = acc[r][j]
			}
		}
	}
}
