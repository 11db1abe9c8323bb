//go:build !(amd64 || arm64) || purego

package igemm

import (
	"math"

	"github.com/gankit/gankit/backend/cpu/simd"
)

// No assembly on this platform: every set runs the Go kernels.
func hasAsm(simd.Set) bool { return false }

func rowsAsm(simd.Set, **float32, **float32, int, int, int, int, *float32, int, int) {
	panic("igemm: no assembly on this platform")
}

func rowsNarrowAsm(simd.Set, **float32, **float32, int, int, int, int, *float32, int, int) {
	panic("igemm: no assembly on this platform")
}

func rowsGroupedAsm(simd.Set, []*float32, **float32, int, int, int, *float32, int, int) {
	panic("igemm: no assembly on this platform")
}

func colsAsm(simd.Set, **float32, **float32, int, int, int, *float32, int, int) {
	panic("igemm: no assembly on this platform")
}

func dotAsm(simd.Set, **float32, **float32, int, int, *float32) {
	panic("igemm: no assembly on this platform")
}

// fma32 is x*y+z rounded once.
func fma32(x, y, z float32) float32 { return float32(math.FMA(float64(x), float64(y), float64(z))) }
