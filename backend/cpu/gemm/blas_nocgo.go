//go:build !(cgo && linux)

package gemm

// Without cgo there is no BLAS: the pure-Go kernel runs.

func blasName() string { return "" }

func blasMultiply[T Float](Op, []T, []T, []T) bool { return false }
