// Package vec holds the cpu backend's float32 inner loops: elementwise arithmetic
// over contiguous slices, with a scalar on either side, a 0/1 comparison mask, and
// sums. On amd64 with AVX2 the bulk of each slice runs in assembly, eight lanes at a
// time; the tail, and every other machine, runs the plain Go loop. Each lane computes
// the same IEEE operation as the Go loop, so results are bitwise equal on every path
// (Sum, which adds in lanes, is the exception and says so).
//
// Every function takes dst first and reads len(dst) elements of each input; inputs
// may alias dst.
package vec
