package cpu

import (
	"github.com/gankit/gankit/backend/cpu/gemm"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// transposeBlock is how many rows of the output a blocked transpose writes at once:
// one 64-byte cache line of float32 source values per step.
const transposeBlock = 16

// transposeKernel is Transpose with per-output-axis source strides st. When the
// output's innermost axis steps through the source (st > 1) and another output axis
// p walks the source's contiguous axis (st[p] == 1), a row-by-row gather would read a
// whole cache line for each value and come back to the line once per index of p,
// long after it left the cache (the grouped kernel gradient's [28 28 64 8 16]
// transpose read 16x its size from memory). The blocked path writes transposeBlock
// rows of p from the same source lines while they are in L1. Values are copied, so
// both paths give the same output.
func transposeKernel(out shapes.Shape, st []int) kernel {
	r := out.Rank()
	p := -1
	for i := range r - 1 {
		if st[i] == 1 && out.Dimensions[i] >= transposeBlock/2 {
			p = i
		}
	}
	if r < 2 || p < 0 || st[r-1] <= 1 {
		return gatherKernel(out, st)
	}
	return flatKernel(out, func(_ *Backend, in []any, y any) error {
		switch y := y.(type) {
		case []float32:
			transposeBlocked(out, in[0].([]float32), y, st, p)
		case []float64:
			transposeBlocked(out, in[0].([]float64), y, st, p)
		}
		return nil
	})
}

// transposeBlocked writes y[i] = x[offset(i)] visiting, for every index of the other
// axes, transposeBlock indices of axis p at a time, each an output row.
func transposeBlocked[T gemm.Float](out shapes.Shape, x, y []T, st []int, p int) {
	dims := out.Dimensions
	r := len(dims)
	ys := strides(out)
	row, da := dims[r-1], st[r-1]
	// Outer indices: every axis but p and the innermost, with p in blocks.
	blocks := (dims[p] + transposeBlock - 1) / transposeBlock
	outer := out.Size() / (row * dims[p]) * blocks
	parallelFor(outer, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			blk, rem := o%blocks, o/blocks
			xi, yi := 0, 0
			for d := r - 2; d >= 0; d-- {
				if d == p {
					continue
				}
				idx := rem % dims[d]
				rem /= dims[d]
				xi += idx * st[d]
				yi += idx * ys[d]
			}
			q0 := blk * transposeBlock
			q1 := min(dims[p], q0+transposeBlock)
			xi += q0 * st[p]
			yi += q0 * ys[p]
			// Row by row of the output, sequential writes; the block's source lines
			// (row of them, one per k) stay in L1 across its rows.
			for q := range q1 - q0 {
				dst := y[yi+q*ys[p] : yi+q*ys[p]+row]
				for k := range dst {
					dst[k] = x[xi+k*da+q]
				}
			}
		}
	})
}
