package nets

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
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

// NearestConv3 is NearestUpsample2x followed by Conv2D(k3, pad 1) — the same function
// and the same [3, 3, in, out] weights — computed without the upsampled image (Shi et
// al. 2016's sub-pixel view): output pixel (2i+a, 2j+b) only ever sees input pixels
// i-1..i+1 through one of four 2x2 kernels made by summing rows/columns of the 3x3
// one. Along an axis, phase 0 reads offsets {-1, 0} with taps [w0, w1+w2] and phase 1
// reads offsets {0, +1} with taps [w0+w1, w2]. Four 2x2 convolutions on the input do
// 16 multiply-adds per input pixel and channel pair instead of 36.
func NearestConv3(ctx *context.Context, x *Node, out int, init Init) *Node {
	in := x.Shape().Dimensions[3]
	g := x.Graph()
	w := Weight(ctx, g, init, 9*in, 3, 3, in, out)
	b := Param(ctx, "biases", Fill(0), out).ValueGraph(g)
	// phaseTaps folds the 3 taps of axis into the 2 a phase uses.
	phaseTaps := func(w *Node, axis, phase int) *Node {
		t := func(k int) *Node { return SliceAxis(w, axis, AxisRange(k, k+1)) }
		if phase == 0 {
			return Concatenate([]*Node{t(0), Add(t(1), t(2))}, axis)
		}
		return Concatenate([]*Node{Add(t(0), t(1)), t(2)}, axis)
	}
	axes := ConvolveAxesConfig{
		InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
		KernelSpatial: []int{0, 1}, KernelInputChannels: 2, KernelOutputChannels: 3,
		OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3,
	}
	pad := [2][2]int{{1, 0}, {0, 1}} // phase 0 reads one pixel before, phase 1 one after
	var rows []*Node
	for a := range 2 {
		wa := phaseTaps(w, 0, a)
		var cols []*Node
		for c := range 2 {
			k := phaseTaps(wa, 1, c)
			cols = append(cols, ConvGeneral(x, k, axes, []int{1, 1}, [][2]int{pad[a], pad[c]}, []int{1, 1}, []int{1, 1}, 1, 1))
		}
		rows = append(rows, Stack(cols, 3)) // [N, H, W, 2(b), out]
	}
	y := Stack(rows, 2) // [N, H, 2(a), W, 2(b), out]
	d := x.Shape().Dimensions
	y = Reshape(y, d[0], 2*d[1], 2*d[2], out)
	return Add(y, Reshape(b, 1, 1, 1, out))
}

// PixelShuffleConv3 is a padded 3x3 convolution to 4*out channels followed by
// depth-to-space (Shi et al. 2016; ganhacks #5): output pixel (2i+a, 2j+b) channel c
// is conv channel c*4 + a*2 + b at (i, j), PyTorch's pixel_shuffle order.
func PixelShuffleConv3(ctx *context.Context, x *Node, out int, init Init) *Node {
	return DepthToSpace2x(Conv2D(ctx, x, 4*out, 3, 1, samePad(1), init))
}

// DepthToSpace2x is torch.nn.functional.pixel_shuffle(x, 2) for channels-last x:
// [N, H, W, 4C] -> [N, 2H, 2W, C], input channel c*4 + a*2 + b going to (2i+a, 2j+b, c).
func DepthToSpace2x(x *Node) *Node {
	d := x.Shape().Dimensions
	n, h, w, c := d[0], d[1], d[2], d[3]/4
	y := Reshape(x, n, h, w, c, 2, 2)         // [N, H, W, C, a, b]
	y = TransposeAllAxes(y, 0, 1, 4, 2, 5, 3) // [N, H, a, W, b, C]
	return Reshape(y, n, 2*h, 2*w, c)
}
