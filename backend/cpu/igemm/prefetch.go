package igemm

import "github.com/gankit/gankit/backend/cpu/simd"

// Prefetch asks the CPU to bring into its first-level cache the first bytes bytes
// (whole 64-byte lines) at every pointer of a: the rows plan calls it on the next
// tile's row runs before it multiplies the current one, so that the runs arriving
// from L3 or memory (a 64-image batch of 28x28x128 activations is 25 MB) are on
// their way while the tile computes. A hint only: it reads nothing into Go values and
// changes no result; on sets without assembly it does nothing.
func Prefetch(k simd.Set, a []*float32, bytes int) {
	if len(a) == 0 || bytes <= 0 || !Fast(k) {
		return
	}
	prefetchAsm(&a[0], len(a), (bytes+63)/64)
}
