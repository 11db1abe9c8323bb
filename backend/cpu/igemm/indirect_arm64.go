//go:build arm64 && !purego

package igemm

import (
	"math"
	"unsafe"

	"github.com/gankit/gankit/backend/cpu/simd"
)

// hasAsm says which sets have assembly here: NEON, which runs the 6x64 tile as four
// 6x16 passes in 24 accumulators (V8-V31), as AVX2 does on amd64.
func hasAsm(k simd.Set) bool { return k == simd.NEON }

// passBytes is the width of one NEON pass over the tile's columns: 16 floats.
const passBytes = 64

func rowsAsm(_ simd.Set, a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int) {
	for p := range TileCols / 16 {
		rows6x16(a, b, ldb, nseg, clen, boff+p*passBytes, (*float32)(unsafe.Add(unsafe.Pointer(c), p*passBytes)), ldc, accumulate)
	}
}

// rowsNarrowAsm is RowsNarrow's tile: one NEON pass.
func rowsNarrowAsm(_ simd.Set, a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int) {
	rows6x16(a, b, ldb, nseg, clen, boff, c, ldc, accumulate)
}

// rowsGroupedAsm is RowsGrouped's tile: four NEON narrow passes, each on the row
// runs moved to its group's channels.
func rowsGroupedAsm(_ simd.Set, a []*float32, b **float32, ldb, clen, boff int, c *float32, ldc, accumulate int) {
	nseg := len(a) / TileRows
	groupPasses(a, func(g int, shifted **float32) {
		rows6x16(shifted, b, ldb, nseg, clen, boff+g*passBytes, (*float32)(unsafe.Add(unsafe.Pointer(c), g*passBytes)), ldc, accumulate)
	})
}

func colsAsm(_ simd.Set, a, b **float32, n, aoff, boff int, c *float32, ldc, accumulate int) {
	for p := range TileCols / 16 {
		cols6x16(a, b, n, aoff, boff+p*passBytes, (*float32)(unsafe.Add(unsafe.Pointer(c), p*passBytes)), ldc, accumulate)
	}
}

func dotAsm(_ simd.Set, a, b **float32, nseg, clen int, out *float32) {
	dot6neon(a, b, nseg, clen, out)
}

//go:noescape
func rows6x16(a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int)

//go:noescape
func cols6x16(a, b **float32, k, aoff, boff int, c *float32, ldc, accumulate int)

//go:noescape
func dot6neon(a, b **float32, nseg, clen int, out *float32)

// fma32 is x*y+z rounded once, as FMLA computes it.
func fma32(x, y, z float32) float32 { return float32(math.FMA(float64(x), float64(y), float64(z))) }
