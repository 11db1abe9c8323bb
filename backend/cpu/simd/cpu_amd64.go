//go:build amd64 && !purego

package simd

import "golang.org/x/sys/cpu"

// Read once at start-up and never written again. AVX2 kernels use FMA3; AVX-512 ones
// use only AVX-512F.
var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512 = cpu.X86.HasAVX512F && hasAVX2
)

const hasNEON = false
