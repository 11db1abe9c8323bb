package cpu

import (
	"fmt"
	"slices"

	"github.com/gankit/gankit/backend/cpu/gemm"
	"github.com/gankit/gankit/backend/cpu/internal/parallel"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Row gather and its gradient, the row scatter-sum: the ops graph.Gather(x, idx) and
// its VJP build for a matrix x [N, C] and indices [M, 1] (ADA's bilinear warp reads
// four rows per output pixel, augment/apply.go). Both are plain row copies and row
// additions; every other layout is delegated to simplego.

// rowGrain is the fewest indices a gather splits over the cores: the op is
// memory-bound, and below this goroutines cost more than they save.
const rowGrain = 4096

// sparseRowKernel returns the kernel for a row-form Gather or ScatterSum, or nil.
func sparseRowKernel(n *node) kernel {
	switch n.op {
	case "Gather":
		return rowGatherKernel(n)
	case "ScatterSum":
		return rowScatterSumKernel(n)
	}
	return nil
}

// rowForm says whether x is a float matrix [N, C] and idx integer indices [M, 1]
// of the dtypes the kernels take.
func rowForm(x, idx shapes.Shape) bool {
	return (x.DType == dtypes.Float32 || x.DType == dtypes.Float64) && x.Rank() == 2 &&
		(idx.DType == dtypes.Int32 || idx.DType == dtypes.Int64) && idx.Rank() == 2 && idx.Dimensions[1] == 1
}

// rowGatherKernel handles Gather(x [N, C], idx [M, 1]) -> [M, C] with the arguments
// graph.Gather gives it: index vector axis 1, offset output axes [1], collapsed slice
// axes [0], start index map [0], slice sizes [1, C]. out[m, :] = x[i, :] where i is
// idx[m] clamped to [0, N-1], as simplego (and XLA: start indices are clamped so that
// the slice fits) do.
func rowGatherKernel(n *node) kernel {
	x, idx, out := n.inputs[0].shape, n.inputs[1].shape, n.outs[0].shape
	if !rowForm(x, idx) || out.DType != x.DType {
		return nil
	}
	rows, c, m := x.Dimensions[0], x.Dimensions[1], idx.Dimensions[0]
	if rows == 0 || n.args[2].(int) != 1 || !slices.Equal(n.args[3].([]int), []int{1}) || !slices.Equal(n.args[4].([]int), []int{0}) ||
		!slices.Equal(n.args[5].([]int), []int{0}) || !slices.Equal(n.args[6].([]int), []int{1, c}) ||
		!slices.Equal(out.Dimensions, []int{m, c}) {
		return nil
	}
	return flatKernel(out, func(_ *Backend, in []any, y any) error {
		switch y := y.(type) {
		case []float32:
			return gatherRowsAs(in[0].([]float32), in[1], y, rows, c)
		case []float64:
			return gatherRowsAs(in[0].([]float64), in[1], y, rows, c)
		}
		return fmt.Errorf("row gather: dtype %s", out.DType)
	})
}

func gatherRowsAs[T gemm.Float](x []T, idx any, y []T, rows, c int) error {
	switch idx := idx.(type) {
	case []int32:
		gatherRows(x, idx, y, rows, c)
	case []int64:
		gatherRows(x, idx, y, rows, c)
	default:
		return fmt.Errorf("row gather: indices of type %T", idx)
	}
	return nil
}

// gatherRows copies y[m, :] = x[clamp(idx[m]), :], chunks of rows on free cores.
func gatherRows[T gemm.Float, I int32 | int64](x []T, idx []I, y []T, rows, c int) {
	last := rows - 1
	parallel.For(len(idx), rowGrain, func(lo, hi int) {
		if c == 1 {
			ys := y[lo:hi]
			for m, i := range idx[lo:hi] {
				ys[m] = x[max(0, min(last, int(i)))]
			}
			return
		}
		for m := lo; m < hi; m++ {
			r := max(0, min(last, int(idx[m]))) * c
			copy(y[m*c:(m+1)*c], x[r:r+c])
		}
	})
}

// rowScatterSumKernel handles ScatterSum(x [N, C], idx [M, 1], u [M, C]) -> [N, C]
// with the arguments graph.ScatterSum gives it (and so graph.Gather's VJP): index
// vector axis 1, update window axes [1], inserted window axes [0], scatter axes to
// operand axes [0]. out = x, then out[idx[m], :] += u[m, :] for m = 0, 1, ..., M-1:
// the order simplego adds in, so the sums are bitwise its sums.
//
// An index outside [0, N) is an error. simplego does not check (its loop goes out
// of its buffer and panics, taking the process down), and XLA drops such updates;
// neither is a result worth matching, and graph.Gather's VJP only meets indices the
// forward Gather read without clamping.
func rowScatterSumKernel(n *node) kernel {
	x, idx, u, out := n.inputs[0].shape, n.inputs[1].shape, n.inputs[2].shape, n.outs[0].shape
	if !rowForm(x, idx) || u.DType != x.DType || out.DType != x.DType {
		return nil
	}
	rows, c, m := x.Dimensions[0], x.Dimensions[1], idx.Dimensions[0]
	if n.args[3].(int) != 1 || !slices.Equal(n.args[4].([]int), []int{1}) || !slices.Equal(n.args[5].([]int), []int{0}) ||
		!slices.Equal(n.args[6].([]int), []int{0}) || !slices.Equal(u.Dimensions, []int{m, c}) ||
		!slices.Equal(out.Dimensions, x.Dimensions) {
		return nil
	}
	return flatKernel(out, func(_ *Backend, in []any, y any) error {
		switch y := y.(type) {
		case []float32:
			return scatterSumRowsAs(in[0].([]float32), in[1], in[2].([]float32), y, rows, c)
		case []float64:
			return scatterSumRowsAs(in[0].([]float64), in[1], in[2].([]float64), y, rows, c)
		}
		return fmt.Errorf("row scatter-sum: dtype %s", out.DType)
	})
}

func scatterSumRowsAs[T gemm.Float](x []T, idx any, u, y []T, rows, c int) error {
	switch idx := idx.(type) {
	case []int32:
		return scatterSumRows(x, idx, u, y, rows, c)
	case []int64:
		return scatterSumRows(x, idx, u, y, rows, c)
	}
	return fmt.Errorf("row scatter-sum: indices of type %T", idx)
}

// scatterSumRows computes y = x, then y[idx[m], :] += u[m, :] in index order, on one
// core: splitting the rows among workers that each scan all the indices measured
// slower than this loop on two cores (every worker branches on every index).
func scatterSumRows[T gemm.Float, I int32 | int64](x []T, idx []I, u, y []T, rows, c int) error {
	copy(y, x)
	for m, i := range idx {
		r := int(i)
		if r < 0 || r >= rows {
			return fmt.Errorf("row scatter-sum: index %d (update %d of %d) is outside the operand's %d rows", r, m, len(idx), rows)
		}
		if c == 1 {
			y[r] += u[m]
			continue
		}
		ys, us := y[r*c:(r+1)*c], u[m*c:(m+1)*c]
		for j := range ys {
			ys[j] += us[j]
		}
	}
	return nil
}
