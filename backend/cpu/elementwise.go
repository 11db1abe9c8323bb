package cpu

import (
	"math"
	"runtime"
	"slices"
	"unsafe"

	"github.com/gankit/gankit/backend/cpu/gemm"
	"github.com/gankit/gankit/backend/cpu/internal/parallel"
	"github.com/gankit/gankit/backend/cpu/vec"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Elementwise kernels for float32 and float64: the ops a training step runs hundreds
// of times. Each output element is computed by one goroutine in a fixed order, so
// results do not depend on scheduling.

// unaryFns are the unary ops with a kernel.
var unaryFns = map[string]func(float64) float64{
	"Neg":  func(x float64) float64 { return -x },
	"Abs":  math.Abs,
	"Sqrt": math.Sqrt,
	"Exp":  math.Exp,
	"Log":  math.Log,
	"Tanh": math.Tanh,
	"Sign": func(x float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return x // ±0 and NaN pass through, as in XLA
	},
	"Logistic": func(x float64) float64 {
		if x >= 0 {
			return 1 / (1 + math.Exp(-x))
		}
		e := math.Exp(x)
		return e / (1 + e)
	},
}

// compareOps are the float comparisons with a kernel (bool output).
var compareOps = map[string]bool{"GreaterThan": true, "GreaterOrEqual": true, "LessThan": true, "LessOrEqual": true}

// binaryFns are the binary ops with a kernel.
var binaryFns = map[string]func(a, b float64) float64{
	"Add": func(a, b float64) float64 { return a + b },
	"Sub": func(a, b float64) float64 { return a - b },
	"Mul": func(a, b float64) float64 { return a * b },
	"Div": func(a, b float64) float64 { return a / b },
	"Max": func(a, b float64) float64 {
		if a != a || b != b {
			return math.NaN()
		}
		return math.Max(a, b)
	},
	"Min": func(a, b float64) float64 {
		if a != a || b != b {
			return math.NaN()
		}
		return math.Min(a, b)
	},
}

// elementwiseKernel returns a kernel for n when it is one of the ops above,
// Transpose, BroadcastInDim or a ReduceSum over a contiguous block of axes.
func elementwiseKernel(n *node) kernel {
	out := n.outs[0].shape
	switch {
	case unaryFns[n.op] != nil:
		return mapKernel(out, n.op)
	case binaryFns[n.op] != nil:
		a, b := n.inputs[0].shape, n.inputs[1].shape
		if a.DType != out.DType || b.DType != out.DType {
			return nil
		}
		return zipKernel(out, n.op, broadcastStrides(a, out), broadcastStrides(b, out))
	case n.op == "BroadcastInDim":
		x := n.inputs[0].shape
		axes := n.args[2].([]int)
		st := make([]int, out.Rank())
		xs := strides(x)
		for i, a := range axes {
			if x.Dimensions[i] != 1 {
				st[a] = xs[i]
			}
		}
		return gatherKernel(out, st)
	case n.op == "Transpose":
		x := n.inputs[0].shape
		perm := n.args[1].([]int)
		xs := strides(x)
		st := make([]int, out.Rank())
		for i, p := range perm {
			st[i] = xs[p]
		}
		return transposeKernel(out, st)
	case n.op == "ReduceSum":
		return reduceSumKernel(n.inputs[0].shape, out, n.args[1].([]int))
	case n.op == "Reshape":
		return reshapeKernel(out)
	case n.op == "Slice":
		return sliceKernel(n.inputs[0].shape, out, n.args[1].([]int), n.args[3].([]int))
	case n.op == "Reverse":
		return reverseKernel(n.inputs[0].shape, n.args[1].([]int))
	case n.op == "Pad":
		return padKernel(n.inputs[0].shape, out, n.args[2].([]backends.PadAxis))
	case n.op == "Concatenate":
		ins := make([]shapes.Shape, len(n.inputs))
		for i, v := range n.inputs {
			ins[i] = v.shape
		}
		return concatenateKernel(ins, out, n.args[0].(int))
	case n.op == "Identity":
		return reshapeKernel(out)
	}
	return nil
}

// broadcastStrides gives, for each output axis, the stride of x along it (0 where x
// has size 1 and is broadcast). x has the output's rank, or is a scalar.
func broadcastStrides(x, out shapes.Shape) []int {
	st := make([]int, out.Rank())
	if x.Rank() == 0 {
		return st
	}
	xs := strides(x)
	for i := range st {
		if x.Dimensions[i] != 1 {
			st[i] = xs[i]
		}
	}
	return st
}

// contiguous says whether strides st walk shape s in row-major order, ignoring the
// axes of size 1 (where any stride reads the same element).
func contiguous(st []int, s shapes.Shape) bool {
	want := strides(s)
	for i, d := range s.Dimensions {
		if d != 1 && st[i] != want[i] {
			return false
		}
	}
	return true
}

// flatKernel is a kernel whose body reads its inputs' flat data and fills a new
// output buffer of shape out.
func flatKernel(out shapes.Shape, body func(b *Backend, in []any, y any) error) kernel {
	return func(b *Backend, in []backends.Buffer) ([]backends.Buffer, error) {
		flats := make([]any, len(in))
		for i, buf := range in {
			f, err := b.inner.BufferData(buf)
			if err != nil {
				return nil, err
			}
			flats[i] = f
		}
		buf, y, err := b.newBuffer(out)
		if err != nil {
			return nil, err
		}
		if err := body(b, flats, y); err != nil {
			b.recycle(buf)
			return nil, err
		}
		return []backends.Buffer{buf}, nil
	}
}

func mapKernel(out shapes.Shape, op string) kernel {
	f := unaryFns[op]
	return flatKernel(out, func(_ *Backend, in []any, y any) error {
		x := in[0]
		switch y := y.(type) {
		case []float32:
			mapInto(op, f, x.([]float32), y)
		case []float64:
			mapInto(op, f, x.([]float64), y)
		}
		return nil
	})
}

func mapInto[T gemm.Float](op string, f func(float64) float64, x, y []T) {
	parallelFor(len(y)/1024+1, func(lo, hi int) {
		lo, hi = lo*1024, min(hi*1024, len(y))
		mapRow(op, f, x[lo:hi], y[lo:hi])
	})
}

// mapRow computes ys[i] = f(xs[i]), with tight loops for the cheap ops.
func mapRow[T gemm.Float](op string, f func(float64) float64, xs, ys []T) {
	switch op {
	case "Neg":
		for i, v := range xs {
			ys[i] = -v
		}
	case "Sqrt":
		if y32, ok := any(ys).([]float32); ok {
			vec.Sqrt(y32, any(xs).([]float32))
			return
		}
		for i, v := range xs {
			ys[i] = T(math.Sqrt(float64(v)))
		}
	case "Sign":
		for i, v := range xs {
			switch {
			case v > 0:
				ys[i] = 1
			case v < 0:
				ys[i] = -1
			default:
				ys[i] = v
			}
		}
	default:
		for i, v := range xs {
			ys[i] = T(f(float64(v)))
		}
	}
}

func zipKernel(out shapes.Shape, op string, sa, sb []int) kernel {
	f := binaryFns[op]
	flatA, flatB := contiguous(sa, out), contiguous(sb, out)
	return flatKernel(out, func(_ *Backend, in []any, y any) error {
		x := in[0]
		z := in[1]
		switch y := y.(type) {
		case []float32:
			zipInto(op, f, out, x.([]float32), z.([]float32), y, sa, sb, flatA, flatB)
		case []float64:
			zipInto(op, f, out, x.([]float64), z.([]float64), y, sa, sb, flatA, flatB)
		}
		return nil
	})
}

func zipInto[T gemm.Float](op string, f func(a, b float64) float64, out shapes.Shape, x, z, y []T, sa, sb []int, flatA, flatB bool) {
	scalarA, scalarB := allZero(sa), allZero(sb)
	if (flatA || scalarA) && (flatB || scalarB) {
		// One long row: each side contiguous (step 1) or a scalar (step 0).
		da, db := 1, 1
		if scalarA {
			da = 0
		}
		if scalarB {
			db = 0
		}
		parallelFor(len(y)/1024+1, func(lo, hi int) {
			lo, hi = lo*1024, min(hi*1024, len(y))
			rowOp(op, f, y[lo:hi], x, lo*da, da, z, lo*db, db)
		})
		return
	}
	walkRows(out, sa, sb, func(i, ia, ib, n, da, db int) {
		rowOp(op, f, y[i:i+n], x, ia, da, z, ib, db)
	})
}

func allZero(s []int) bool {
	for _, v := range s {
		if v != 0 {
			return false
		}
	}
	return true
}

// rowOp computes ys[k] = x[ia+k*da] op z[ib+k*db], with tight loops for the common
// ops when each side is contiguous or a repeated scalar.
func rowOp[T gemm.Float](op string, f func(a, b float64) float64, ys, x []T, ia, da int, z []T, ib, db int) {
	if y32, ok := any(ys).([]float32); ok && rowOp32(op, y32, any(x).([]float32), ia, da, any(z).([]float32), ib, db) {
		return
	}
	n := len(ys)
	switch {
	case da == 1 && db == 1:
		xs, zs := x[ia:ia+n], z[ib:ib+n]
		switch op {
		case "Add":
			for k := range ys {
				ys[k] = xs[k] + zs[k]
			}
			return
		case "Sub":
			for k := range ys {
				ys[k] = xs[k] - zs[k]
			}
			return
		case "Mul":
			for k := range ys {
				ys[k] = xs[k] * zs[k]
			}
			return
		case "Div":
			for k := range ys {
				ys[k] = xs[k] / zs[k]
			}
			return
		}
	case da == 0 && db == 1:
		c, zs := x[ia], z[ib:ib+n]
		switch op {
		case "Add":
			for k := range ys {
				ys[k] = c + zs[k]
			}
			return
		case "Sub":
			for k := range ys {
				ys[k] = c - zs[k]
			}
			return
		case "Mul":
			for k := range ys {
				ys[k] = c * zs[k]
			}
			return
		case "Div":
			for k := range ys {
				ys[k] = c / zs[k]
			}
			return
		}
	case da == 1 && db == 0:
		xs, c := x[ia:ia+n], z[ib]
		switch op {
		case "Add":
			for k := range ys {
				ys[k] = xs[k] + c
			}
			return
		case "Sub":
			for k := range ys {
				ys[k] = xs[k] - c
			}
			return
		case "Mul":
			for k := range ys {
				ys[k] = xs[k] * c
			}
			return
		case "Div":
			for k := range ys {
				ys[k] = xs[k] / c
			}
			return
		}
	}
	for k := range ys {
		ys[k] = T(f(float64(x[ia+k*da]), float64(z[ib+k*db])))
	}
}

// rowOp32 is rowOp's float32 arithmetic on the vector loops; false when it does not
// handle op or the layout.
func rowOp32(op string, ys, x []float32, ia, da int, z []float32, ib, db int) bool {
	n := len(ys)
	switch {
	case da == 1 && db == 1:
		xs, zs := x[ia:ia+n], z[ib:ib+n]
		switch op {
		case "Add":
			vec.Add(ys, xs, zs)
		case "Sub":
			vec.Sub(ys, xs, zs)
		case "Mul":
			vec.Mul(ys, xs, zs)
		case "Div":
			vec.Div(ys, xs, zs)
		default:
			return false
		}
	case da == 0 && db == 1:
		c, zs := x[ia], z[ib:ib+n]
		switch op {
		case "Add":
			vec.AddScalar(ys, zs, c) // c + z rounds as z + c
		case "Sub":
			vec.ScalarSub(ys, c, zs)
		case "Mul":
			vec.MulScalar(ys, zs, c)
		case "Div":
			vec.ScalarDiv(ys, c, zs)
		default:
			return false
		}
	case da == 1 && db == 0:
		xs, c := x[ia:ia+n], z[ib]
		switch op {
		case "Add":
			vec.AddScalar(ys, xs, c)
		case "Sub":
			vec.SubScalar(ys, xs, c)
		case "Mul":
			vec.MulScalar(ys, xs, c)
		case "Div":
			vec.DivScalar(ys, xs, c)
		default:
			return false
		}
	default:
		return false
	}
	return true
}

// walkRows visits the output one innermost row at a time: row start i, the matching
// offsets in two strided inputs, the row length and the inputs' innermost strides.
// Axes of size 1 are dropped and neighbours that both inputs step through evenly are
// merged first, so rows are as long as the layouts allow (a slice of [N, H, 2, W, 2, 1]
// walks rows of W, not of 1).
func walkRows(out shapes.Shape, sa, sb []int, row func(i, ia, ib, n, da, db int)) {
	dims, sa, sb := mergeAxes(out.Dimensions, sa, sb)
	r := len(dims)
	if r == 0 {
		row(0, 0, 0, 1, 0, 0)
		return
	}
	outer := out.Size() / max(dims[r-1], 1)
	parallelFor(outer, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			rem := o
			ia, ib := 0, 0
			for d := r - 2; d >= 0; d-- {
				idx := rem % dims[d]
				rem /= dims[d]
				ia += idx * sa[d]
				ib += idx * sb[d]
			}
			row(o*dims[r-1], ia, ib, dims[r-1], sa[r-1], sb[r-1])
		}
	})
}

// mergeAxes drops size-1 axes and merges axis d into d+1 where both stride lists
// step through them as one axis (sa[d] == sa[d+1]*dims[d+1], likewise sb).
func mergeAxes(dims, sa, sb []int) ([]int, []int, []int) {
	var md, ma, mb []int
	for d := range dims {
		if dims[d] == 1 {
			continue
		}
		if k := len(md) - 1; k >= 0 && ma[k] == sa[d]*dims[d] && mb[k] == sb[d]*dims[d] {
			md[k] *= dims[d]
			ma[k], mb[k] = sa[d], sb[d]
			continue
		}
		md, ma, mb = append(md, dims[d]), append(ma, sa[d]), append(mb, sb[d])
	}
	return md, ma, mb
}

// gatherKernel writes y[i] = x[offset(i)] with per-axis strides st (Transpose, BroadcastInDim).
func gatherKernel(out shapes.Shape, st []int) kernel { return offsetGatherKernel(out, 0, st) }

// offsetGatherKernel writes y[i] = x[base + offset(i)] (Slice, Reverse: strides may be
// larger than the input's, or negative).
func offsetGatherKernel(out shapes.Shape, base int, st []int) kernel {
	zero := make([]int, out.Rank())
	return flatKernel(out, func(_ *Backend, in []any, y any) error {
		x := in[0]
		switch y := y.(type) {
		case []float32:
			gatherInto(out, x.([]float32), y, base, st, zero)
		case []float64:
			gatherInto(out, x.([]float64), y, base, st, zero)
		}
		return nil
	})
}

// sliceKernel: y = x[starts : limits : strides].
func sliceKernel(x, out shapes.Shape, starts, steps []int) kernel {
	xs := strides(x)
	st := make([]int, x.Rank())
	base := 0
	for i := range st {
		step := 1
		if len(steps) > 0 {
			step = steps[i]
		}
		st[i] = xs[i] * step
		base += starts[i] * xs[i]
	}
	return offsetGatherKernel(out, base, st)
}

// padKernel fills y with the scalar fill value and copies x into it at each axis's
// start, interior-padded elements apart. Negative padding (cropping) is delegated.
func padKernel(x, out shapes.Shape, axes []backends.PadAxis) kernel {
	if x.Rank() == 0 {
		return nil
	}
	ys := strides(out)
	st := make([]int, x.Rank())
	base := 0
	for d := range st {
		var p backends.PadAxis
		if d < len(axes) {
			p = axes[d]
		}
		if p.Start < 0 || p.End < 0 || p.Interior < 0 {
			return nil
		}
		st[d] = ys[d] * (p.Interior + 1)
		base += p.Start * ys[d]
	}
	zero := make([]int, x.Rank())
	return flatKernel(out, func(_ *Backend, in []any, y any) error {
		switch y := y.(type) {
		case []float32:
			padInto(x, in[0].([]float32), in[1].([]float32)[0], y, base, st, zero)
		case []float64:
			padInto(x, in[0].([]float64), in[1].([]float64)[0], y, base, st, zero)
		}
		return nil
	})
}

func padInto[T gemm.Float](xs shapes.Shape, x []T, fill T, y []T, base int, st, zero []int) {
	for i := range y {
		y[i] = fill
	}
	walkRows(xs, st, zero, func(i, ia, _, n, da, _ int) {
		if da == 1 {
			copy(y[base+ia:base+ia+n], x[i:i+n])
			return
		}
		for k, v := range x[i : i+n] {
			y[base+ia+k*da] = v
		}
	})
}

// reverseKernel: y = x with axes reversed (negative strides from the far end).
func reverseKernel(x shapes.Shape, axes []int) kernel {
	st := strides(x)
	base := 0
	for _, a := range axes {
		base += (x.Dimensions[a] - 1) * st[a]
		st[a] = -st[a]
	}
	return offsetGatherKernel(x, base, st)
}

// concatenateKernel copies each operand's rows into its place along axis.
func concatenateKernel(ins []shapes.Shape, out shapes.Shape, axis int) kernel {
	outer := 1
	for _, d := range out.Dimensions[:axis] {
		outer *= d
	}
	inner := 1
	for _, d := range out.Dimensions[axis+1:] {
		inner *= d
	}
	widths := make([]int, len(ins))
	for k, s := range ins {
		widths[k] = s.Dimensions[axis] * inner
	}
	row := out.Dimensions[axis] * inner
	return flatKernel(out, func(_ *Backend, in []any, y any) error {
		switch y := y.(type) {
		case []float32:
			concatInto(in, y, outer, row, widths)
		case []float64:
			concatInto(in, y, outer, row, widths)
		}
		return nil
	})
}

func concatInto[T gemm.Float](in []any, y []T, outer, row int, widths []int) {
	parallelFor(outer, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			off := o * row
			for k, w := range widths {
				copy(y[off:off+w], in[k].([]T)[o*w:(o+1)*w])
				off += w
			}
		}
	})
}

// reduceSumKernel sums over axes. A contiguous block of axes views x as [A, R, B] ->
// [A, B]; other layouts (the gradient of nearest upsampling sums axes 2 and 4 of
// [N, H, 2, W, 2, C]) accumulate row by row, in input order, on one goroutine.
func reduceSumKernel(x, out shapes.Shape, axes []int) kernel {
	if len(axes) == 0 && out.Rank() == 0 { // no axes named: a sum of everything
		axes = seq(x.Rank())
	}
	if len(axes) == 0 {
		return nil
	}
	ax := slices.Sorted(slices.Values(axes))
	for i := 1; i < len(ax); i++ {
		if ax[i] != ax[i-1]+1 {
			return scatterSumKernel(x, out, ax)
		}
	}
	a, r, bsz := 1, 1, 1
	for i, d := range x.Dimensions {
		switch {
		case i < ax[0]:
			a *= d
		case i <= ax[len(ax)-1]:
			r *= d
		default:
			bsz *= d
		}
	}
	return flatKernel(out, func(_ *Backend, in []any, y any) error {
		xf := in[0]
		switch y := y.(type) {
		case []float32:
			reduceInto(xf.([]float32), y, a, r, bsz)
		case []float64:
			reduceInto(xf.([]float64), y, a, r, bsz)
		}
		return nil
	})
}

// reduceInto sums over r in a fixed order; work is split over b (or a) only.
func reduceInto[T gemm.Float](x, y []T, a, r, b int) {
	if b == 1 {
		parallelFor(a, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				var s T
				for _, v := range x[i*r : (i+1)*r] {
					s += v
				}
				y[i] = s
			}
		})
		return
	}
	// Sum over r: each core sums a fixed contiguous range of r into its own partial
	// row, then the partials are added in core order — the same order every run.
	workers := min(runtime.GOMAXPROCS(0), r/8)
	if workers <= 1 || r*b < 1<<15 {
		for i := range a {
			acc := y[i*b : (i+1)*b]
			clear(acc)
			for k := range r {
				addRow(acc, x[(i*r+k)*b:(i*r+k+1)*b])
			}
		}
		return
	}
	partial := make([]T, workers*b)
	for i := range a {
		_ = parallel.Workers(r, workers, func(wid, lo, hi int) error {
			acc := partial[wid*b : (wid+1)*b]
			clear(acc)
			for k := lo; k < hi; k++ {
				addRow(acc, x[(i*r+k)*b:(i*r+k+1)*b])
			}
			return nil
		})
		out := y[i*b : (i+1)*b]
		copy(out, partial[:b])
		for w := 1; w < workers; w++ {
			addRow(out, partial[w*b:(w+1)*b])
		}
	}
}

// addRow sets acc[j] += x[j].
func addRow[T gemm.Float](acc, x []T) {
	if a32, ok := any(acc).([]float32); ok {
		vec.Add(a32, a32, any(x).([]float32))
		return
	}
	for j, v := range x {
		acc[j] += v
	}
}

func gatherInto[T gemm.Float](out shapes.Shape, x, y []T, base int, st, zero []int) {
	walkRows(out, st, zero, func(i, ia, _, n, da, _ int) {
		ia += base
		ys := y[i : i+n]
		switch da {
		case 0:
			v := x[ia]
			for k := range ys {
				ys[k] = v
			}
		case 1:
			copy(ys, x[ia:ia+n])
		default:
			for k := range ys {
				ys[k] = x[ia+k*da]
			}
		}
	})
}

// compareKernel handles float comparisons with a scalar or same-shape right side.
func compareKernel(n *node) kernel {
	a, b, out := n.inputs[0].shape, n.inputs[1].shape, n.outs[0].shape
	if a.DType != b.DType || (a.DType != dtypes.Float32 && a.DType != dtypes.Float64) ||
		!(b.Rank() == 0 || b.Equal(a)) || out.DType != dtypes.Bool {
		return nil
	}
	scalar := b.Rank() == 0
	op := n.op
	return flatKernel(out, func(_ *Backend, in []any, y any) error {
		x := in[0]
		z := in[1]
		switch xs := x.(type) {
		case []float32:
			compareInto(op, xs, z.([]float32), y.([]bool), scalar)
		case []float64:
			compareInto(op, xs, z.([]float64), y.([]bool), scalar)
		}
		return nil
	})
}

func compareInto[T gemm.Float](op string, x, z []T, y []bool, scalar bool) {
	parallelFor(len(y)/4096+1, func(lo, hi int) {
		lo, hi = lo*4096, min(hi*4096, len(y))
		xs, ys := x[lo:hi], y[lo:hi]
		var zs []T
		if !scalar {
			zs = z[lo:hi]
		}
		if scalar { // comparisons compile to branch-free SETcc
			c := z[0]
			switch op {
			case "GreaterThan":
				for i, v := range xs {
					ys[i] = v > c
				}
			case "GreaterOrEqual":
				for i, v := range xs {
					ys[i] = v >= c
				}
			case "LessThan":
				for i, v := range xs {
					ys[i] = v < c
				}
			case "LessOrEqual":
				for i, v := range xs {
					ys[i] = v <= c
				}
			}
			return
		}
		switch op {
		case "GreaterThan":
			for i, v := range xs {
				ys[i] = v > zs[i]
			}
		case "GreaterOrEqual":
			for i, v := range xs {
				ys[i] = v >= zs[i]
			}
		case "LessThan":
			for i, v := range xs {
				ys[i] = v < zs[i]
			}
		case "LessOrEqual":
			for i, v := range xs {
				ys[i] = v <= zs[i]
			}
		}
	})
}

// convertKernel handles bool -> float and float32 <-> float64.
func convertKernel(n *node) kernel {
	from, out := n.inputs[0].shape.DType, n.outs[0].shape
	ok := func(d dtypes.DType) bool { return d == dtypes.Float32 || d == dtypes.Float64 }
	if !ok(out.DType) || !(ok(from) || from == dtypes.Bool) {
		return nil
	}
	return flatKernel(out, func(_ *Backend, in []any, y any) error {
		x := in[0]
		switch y := y.(type) {
		case []float32:
			convertInto(x, y)
		case []float64:
			convertInto(x, y)
		}
		return nil
	})
}

func convertInto[T gemm.Float](x any, y []T) {
	switch xs := x.(type) {
	case []bool:
		// A Go bool is one byte holding 0 or 1: read it as a number, without branches.
		if len(xs) > 0 {
			u := unsafe.Slice((*uint8)(unsafe.Pointer(&xs[0])), len(xs))
			for i, v := range u {
				y[i] = T(v)
			}
		}
	case []float32:
		for i, v := range xs {
			y[i] = T(v)
		}
	case []float64:
		for i, v := range xs {
			y[i] = T(v)
		}
	}
}

// reshapeKernel copies the values into a buffer of the new shape.
func reshapeKernel(out shapes.Shape) kernel {
	return flatKernel(out, func(_ *Backend, in []any, y any) error {
		x := in[0]
		return copyFlat(y, x)
	})
}

func scatterSumKernel(x, out shapes.Shape, axes []int) kernel {
	// Output strides seen from the input's axes: 0 on the reduced ones.
	os := strides(out)
	st := make([]int, x.Rank())
	k := 0
	for i := range st {
		if slices.Contains(axes, i) {
			continue
		}
		st[i] = os[k]
		k++
	}
	return flatKernel(out, func(_ *Backend, in []any, y any) error {
		xf := in[0]
		switch y := y.(type) {
		case []float32:
			scatterSumInto(x, xf.([]float32), y, st)
		case []float64:
			scatterSumInto(x, xf.([]float64), y, st)
		}
		return nil
	})
}

func scatterSumInto[T gemm.Float](x shapes.Shape, xf, y []T, st []int) {
	clear(y)
	r := x.Rank()
	dims := x.Dimensions
	inner := dims[r-1]
	idx := make([]int, r-1)
	for o := range x.Size() / max(inner, 1) {
		rem, ib := o, 0
		for d := r - 2; d >= 0; d-- {
			idx[d] = rem % dims[d]
			rem /= dims[d]
			ib += idx[d] * st[d]
		}
		row := xf[o*inner : (o+1)*inner]
		if st[r-1] == 0 {
			var s T
			for _, v := range row {
				s += v
			}
			y[ib] += s
			continue
		}
		for k, v := range row {
			y[ib+k*st[r-1]] += v
		}
	}
}
