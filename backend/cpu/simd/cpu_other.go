//go:build !(amd64 || arm64) || purego

package simd

const (
	hasAVX2   = false
	hasAVX512 = false
	hasNEON   = false
)
