//go:build amd64 && !purego

package igemm

import (
	"math"

	"golang.org/x/sys/cpu"
)

// hasIndirect is read once at start-up and never written again.
var hasIndirect = cpu.X86.HasAVX512F

//go:noescape
func rows6x64(a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int)

//go:noescape
func cols6x64(a, b **float32, k, aoff, boff int, c *float32, ldc, accumulate int)

//go:noescape
func dot6(a, b **float32, nseg, clen int, out *float32)

// fma32 is x*y+z rounded once, as the assembly computes it.
func fma32(x, y, z float32) float32 { return float32(math.FMA(float64(x), float64(y), float64(z))) }
