package nets

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
)

// BilinearUpsample2x doubles height and width with bilinear interpolation, matching
// PyTorch's Upsample(scale_factor=2, mode="bilinear", align_corners=False): along
// each axis out[2i] = 3/4 x[i] + 1/4 x[i-1] and out[2i+1] = 3/4 x[i] + 1/4 x[i+1],
// with edges clamped. Built from Slice/Concatenate/Reshape so that its gradient is
// right on every backend (GoMLX v0.26's Interpolate gradient is not on simplego).
func BilinearUpsample2x(x *Node) *Node {
	return bilinear2xAxis(bilinear2xAxis(x, 1), 2)
}

func bilinear2xAxis(x *Node, axis int) *Node {
	n := x.Shape().Dimensions[axis]
	first := SliceAxis(x, axis, AxisRange(0, 1))
	last := SliceAxis(x, axis, AxisRange(n-1, n))
	prev, next := x, x
	if n > 1 {
		prev = Concatenate([]*Node{first, SliceAxis(x, axis, AxisRange(0, n-1))}, axis)
		next = Concatenate([]*Node{SliceAxis(x, axis, AxisRange(1, n)), last}, axis)
	}
	x34 := MulScalar(x, 0.75)
	even := Add(x34, MulScalar(prev, 0.25))
	odd := Add(x34, MulScalar(next, 0.25))
	both := Stack([]*Node{even, odd}, axis+1)
	dims := x.Shape().Clone().Dimensions
	dims[axis] *= 2
	return Reshape(both, dims...)
}
