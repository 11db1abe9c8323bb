// Package gemm multiplies matrices, C = op(A) op(B), for the cpu backend: through a
// BLAS library loaded at run time (OpenBLAS, when installed: `apt-get install
// libopenblas0-pthread`) or, without one, a cache-blocked pure-Go kernel that splits
// the work over the cores in a fixed partition. Either way a product is deterministic:
// the same inputs give bitwise the same output on every run.
package gemm
