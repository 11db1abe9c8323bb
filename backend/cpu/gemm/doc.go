// Package gemm multiplies matrices, C = op(A) op(B), for the cpu backend: float32 on
// the SIMD micro-kernels of package igemm (AVX-512, AVX2 + FMA or NEON, packed as in
// Goto & van de Geijn 2008), and float64 (or float32 on the Go kernel set) on a
// cache-blocked portable kernel. Either way a product is deterministic: the same
// inputs give bitwise the same output on every run, and the SIMD sets agree with each
// other bit for bit. It needs no BLAS library and no cgo: on the DCGAN's shapes its
// float32 products ran as fast as OpenBLAS 0.3.21 or faster (docs/cpu-backend.md),
// which gankit loaded at run time until then.
package gemm
