//go:build arm64 && !purego

package simd

// Advanced SIMD (NEON) is part of every ARMv8-A core.
const (
	hasAVX2   = false
	hasAVX512 = false
	hasNEON   = true
)
