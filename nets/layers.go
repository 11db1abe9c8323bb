package nets

import (
	_ "github.com/gankit/gankit/internal/vjp" // correct conv gradients for GoMLX v0.26

	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // graph ops read as math
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Dense is x·W + b for x of shape [batch, in], b initialised to zero.
func Dense(ctx *context.Context, x *Node, out int, init Init) *Node {
	return DenseInit(ctx, x, out, init, Fill(0))
}

// DenseInit is Dense with its own initialiser for the biases.
func DenseInit(ctx *context.Context, x *Node, out int, init, biasInit Init) *Node {
	in := x.Shape().Dimensions[x.Rank()-1]
	w := Weight(ctx, x.Graph(), init, in, in, out)
	b := Param(ctx, "biases", biasInit, out).ValueGraph(x.Graph())
	return Add(Dot(x, w), Reshape(b, 1, out))
}

// Conv2D is a channels-last 2-D convolution with a square kernel, stride and
// symmetric zero padding — PyTorch's Conv2d(in, out, kernel, stride, pad).
// Every stride and dilation is explicit: GoMLX v0.26 reads missing ones as 0.
func Conv2D(ctx *context.Context, x *Node, out, kernel, stride int, pad [2][2]int, init Init) *Node {
	in := x.Shape().Dimensions[3]
	w := Weight(ctx, x.Graph(), init, kernel*kernel*in, kernel, kernel, in, out)
	b := Param(ctx, "biases", Fill(0), out).ValueGraph(x.Graph())
	y := Convolve(x, w).
		StridePerAxis(stride, stride).
		DilationPerAxis(1, 1).
		PaddingPerDim([][2]int{pad[0], pad[1]}).
		Done()
	return Add(y, Reshape(b, 1, 1, 1, out))
}

// samePad is PyTorch's padding p on both sides of both spatial axes.
func samePad(p int) [2][2]int { return [2][2]int{{p, p}, {p, p}} }

// ConvTranspose2D is PyTorch's ConvTranspose2d(in, out, kernel, stride, pad,
// output_padding): the output is (H-1)*stride - 2*pad + kernel + outputPad.
//
// It is computed as its textbook equivalent (Dumoulin & Visin 2016, §4.5): the input
// dilated by the stride (stride-1 zeros between pixels), then a stride-1 convolution
// padded (kernel-1-pad) before and (kernel-1-pad+outputPad) after. The stored kernel
// is the spatially flipped, in/out-swapped form of PyTorch's weight; with a symmetric
// initialiser the two parameterisations are the same model. Backends see an
// input-dilated convolution (the cpu backend skips the zeros); its gradients come
// from internal/vjp, since GoMLX v0.26 has none for input dilation.
func ConvTranspose2D(ctx *context.Context, x *Node, out, kernel, stride, pad, outputPad int, init Init) *Node {
	lo := kernel - 1 - pad
	hi := kernel - 1 - pad + outputPad
	if lo < 0 || pad < 0 || outputPad < 0 || outputPad >= stride {
		panic(fmt.Sprintf("ConvTranspose2D: kernel %d, stride %d, pad %d, output_padding %d not supported", kernel, stride, pad, outputPad))
	}
	in := x.Shape().Dimensions[3]
	w := Weight(ctx, x.Graph(), init, kernel*kernel*in, kernel, kernel, in, out)
	b := Param(ctx, "biases", Fill(0), out).ValueGraph(x.Graph())
	axes := ConvolveAxesConfig{
		InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
		KernelSpatial: []int{0, 1}, KernelInputChannels: 2, KernelOutputChannels: 3,
		OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3,
	}
	y := ConvGeneral(x, w, axes, []int{1, 1}, [][2]int{{lo, hi}, {lo, hi}}, []int{stride, stride}, []int{1, 1}, 1, 1)
	return Add(y, Reshape(b, 1, 1, 1, out))
}

// NearestUpsample2x repeats every pixel 2x2: [N,H,W,C] -> [N,2H,2W,C]. Built from
// Reshape+Broadcast (whose gradient is a ReduceSum) rather than Interpolate, whose
// gradient GoMLX v0.26's pure-Go backend computes wrongly.
func NearestUpsample2x(x *Node) *Node {
	d := x.Shape().Dimensions
	n, h, w, c := d[0], d[1], d[2], d[3]
	x = Reshape(x, n, h, 1, w, 1, c)
	x = BroadcastToDims(x, n, h, 2, w, 2, c)
	return Reshape(x, n, 2*h, 2*w, c)
}

// LeakyReLU is x for x > 0 and slope*x otherwise, computed as x times a mask that
// gradients treat as constant: the derivative is 1 or slope, as PyTorch's (slope at
// 0). Cheaper to differentiate than max(x, slope*x), whose gradient takes eight
// full-size ops.
func LeakyReLU(x *Node, slope float64) *Node {
	pos := ConvertDType(GreaterThan(x, ScalarZero(x.Graph(), x.DType())), x.DType())
	return Mul(x, StopGradient(AddScalar(MulScalar(pos, 1-slope), slope)))
}

// ReLU is max(x, 0), as x times the mask x > 0 (derivative 0 at 0, as PyTorch's).
func ReLU(x *Node) *Node {
	return Mul(x, StopGradient(ConvertDType(GreaterThan(x, ScalarZero(x.Graph(), x.DType())), x.DType())))
}
