//go:build !amd64 || purego

package igemm

import "math"

const hasIndirect = false

func rows6x64(a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int) {
	panic("unreachable")
}

func cols6x64(a, b **float32, k, aoff, boff int, c *float32, ldc, accumulate int) {
	panic("unreachable")
}

func dot6(a, b **float32, nseg, clen int, out *float32) { panic("unreachable") }

// fma32 is x*y+z rounded once.
func fma32(x, y, z float32) float32 { return float32(math.FMA(float64(x), float64(y), float64(z))) }
