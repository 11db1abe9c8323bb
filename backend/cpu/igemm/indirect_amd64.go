//go:build amd64 && !purego

package igemm

import (
	"math"
	"unsafe"

	"github.com/gankit/gankit/backend/cpu/simd"
)

// hasAsm says which sets have assembly here: AVX-512 (6x64 tiles in 24 ZMM
// accumulators) and AVX2 (the same tile as four 6x16 passes in 12 YMM accumulators).
func hasAsm(k simd.Set) bool { return k == simd.AVX512 || k == simd.AVX2 }

// passBytes is the width of one AVX2 pass over the tile's columns: 16 floats.
const passBytes = 64

func rowsAsm(k simd.Set, a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int) {
	if k == simd.AVX512 {
		rows6x64(a, b, ldb, nseg, clen, boff, c, ldc, accumulate)
		return
	}
	for p := range TileCols / 16 {
		rows6x16(a, b, ldb, nseg, clen, boff+p*passBytes, (*float32)(unsafe.Add(unsafe.Pointer(c), p*passBytes)), ldc, accumulate)
	}
}

// rowsNarrowAsm is RowsNarrow's tile: the AVX2 pass alone, or its six-ZMM twin.
func rowsNarrowAsm(k simd.Set, a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int) {
	if k == simd.AVX512 {
		rows6x16z(a, b, ldb, nseg, clen, boff, c, ldc, accumulate)
		return
	}
	rows6x16(a, b, ldb, nseg, clen, boff, c, ldc, accumulate)
}

// rowsGroupedAsm is RowsGrouped's tile: one AVX-512 kernel, or four AVX2 narrow
// passes, each on the row runs moved to its group's channels.
func rowsGroupedAsm(k simd.Set, a []*float32, b **float32, ldb, clen, boff int, c *float32, ldc, accumulate int) {
	nseg := len(a) / TileRows
	if k == simd.AVX512 {
		rows6x64g16(&a[0], b, ldb, nseg, clen, boff, c, ldc, accumulate)
		return
	}
	groupPasses(a, func(g int, shifted **float32) {
		rows6x16(shifted, b, ldb, nseg, clen, boff+g*passBytes, (*float32)(unsafe.Add(unsafe.Pointer(c), g*passBytes)), ldc, accumulate)
	})
}

func colsAsm(k simd.Set, a, b **float32, n, aoff, boff int, c *float32, ldc, accumulate int) {
	if k == simd.AVX512 {
		cols6x64(a, b, n, aoff, boff, c, ldc, accumulate)
		return
	}
	for p := range TileCols / 16 {
		cols6x16(a, b, n, aoff, boff+p*passBytes, (*float32)(unsafe.Add(unsafe.Pointer(c), p*passBytes)), ldc, accumulate)
	}
}

func dotAsm(k simd.Set, a, b **float32, nseg, clen int, out *float32) {
	if k == simd.AVX512 {
		dot6(a, b, nseg, clen, out)
		return
	}
	dot6avx2(a, b, nseg, clen, out)
}

//go:noescape
func rows6x64(a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int)

//go:noescape
func rows6x16z(a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int)

//go:noescape
func rows6x64g16(a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int)

//go:noescape
func cols6x64(a, b **float32, k, aoff, boff int, c *float32, ldc, accumulate int)

//go:noescape
func dot6(a, b **float32, nseg, clen int, out *float32)

//go:noescape
func rows6x16(a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int)

//go:noescape
func cols6x16(a, b **float32, k, aoff, boff int, c *float32, ldc, accumulate int)

//go:noescape
func dot6avx2(a, b **float32, nseg, clen int, out *float32)

// fma32 is x*y+z rounded once, as the assembly computes it.
func fma32(x, y, z float32) float32 { return float32(math.FMA(float64(x), float64(y), float64(z))) }
