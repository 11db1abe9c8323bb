package nets

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// pnEpsilon and mbstdEpsilon are PGGAN's (networks.py pixel_norm and
// minibatch_stddev_layer).
const (
	pnEpsilon    = 1e-8
	mbstdEpsilon = 1e-8
)

// PixelNorm is PGGAN's pixelwise feature vector normalisation (Karras et al. 2018,
// §4.2): x * rsqrt(mean over channels (the last axis) of x^2 + 1e-8).
func PixelNorm(x *Node) *Node {
	ms := ReduceAndKeep(Square(x), ReduceMean, x.Rank()-1)
	return Mul(x, Reciprocal(Sqrt(AddScalar(ms, pnEpsilon))))
}

// MinibatchStddev appends PGGAN's minibatch standard deviation feature (Karras et al.
// 2018, §3; networks.py minibatch_stddev_layer) to x [N, ..., C] as one more channel:
// the batch is split into groups of size group (N % group == 0); as in PGGAN the
// members of a group are strided — sample n belongs to group n % (N/group); per group,
// the biased variance over its members of every feature, sqrt(var + 1e-8), averaged
// over all features, is the value every member of the group gets.
func MinibatchStddev(x *Node, group int) *Node {
	d := x.Shape().Dimensions
	n := d[0]
	if group < 1 || n%group != 0 {
		panic(fmt.Sprintf("MinibatchStddev: batch %d is not divisible by the group size %d", n, group))
	}
	m := n / group
	feat := x.Shape().Size() / n
	y := Reshape(x, group, m, feat) // y[g, j] = x[g*m + j]: group j holds samples j, m+j, ...
	y = Sub(y, ReduceAndKeep(y, ReduceMean, 0))
	std := Sqrt(AddScalar(ReduceMean(Square(y), 0), mbstdEpsilon)) // [m, feat]
	s := ReduceMean(std, 1)                                        // [m]
	// Sample g*m + j gets s[j]: tile over the groups, then over the spatial positions.
	tiled := Reshape(BroadcastToDims(Reshape(s, 1, m), group, m), n)
	shape := append([]int{n}, d[1:len(d)-1]...)
	shape = append(shape, 1)
	bdims := make([]int, len(shape))
	for i := range bdims {
		bdims[i] = 1
	}
	bdims[0] = n
	feature := BroadcastToDims(Reshape(tiled, bdims...), shape...)
	return Concatenate([]*Node{x, feature}, x.Rank()-1)
}

// MinibatchDiscrimination is Salimans et al. 2016's layer (§3.2; improved-gan
// nn.py MinibatchLayer) on features f [N, A]: T = theta · exp(log_weight_scale) /
// sqrt(sum over A of theta^2) (weight-normalised, theta ~ N(0, 0.05), scale 1); M_i =
// f_i T in R^{B x C}; c_b(i, j) = exp(-sum_c |M_ibc - M_jbc|); o_b(i) = sum over j != i
// of c_b(i, j) + bias_b (bias initialised to -1). It returns [f, o], [N, A + B].
// improved-gan's data-dependent initialisation of the scale and bias is not done.
func MinibatchDiscrimination(ctx *context.Context, f *Node, kernels, dim int) *Node {
	ctx = ctx.In("mbdisc")
	g := f.Graph()
	n, a := f.Shape().Dimensions[0], f.Shape().Dimensions[1]
	theta := Param(ctx, "theta", Normal(0, 0.05), a, kernels, dim).ValueGraph(g)
	logScale := Param(ctx, "log_weight_scale", Fill(0), kernels, dim).ValueGraph(g)
	bias := Param(ctx, "bias", Fill(-1), kernels).ValueGraph(g)
	norm := Sqrt(ReduceAndKeep(Square(theta), ReduceSum, 0))
	t := Mul(theta, Div(InsertAxes(Exp(logScale), 0), norm))
	m := Reshape(Dot(f, Reshape(t, a, kernels*dim)), n, 1, kernels, dim)
	mt := Reshape(m, 1, n, kernels, dim)
	l1 := ReduceSum(Abs(Sub(m, mt)), 3) // [N, N, B]: i, j, b
	c := Exp(Neg(l1))
	others := make([]float32, n*n) // 1 off the diagonal: the self-pair is excluded
	for i := range others {
		if i/n != i%n {
			others[i] = 1
		}
	}
	notSelf := ConvertDType(Const(g, tensors.FromFlatDataAndDimensions(others, n, n, 1)), f.DType())
	o := Add(ReduceSum(Mul(c, notSelf), 1), Reshape(bias, 1, kernels))
	return Concatenate([]*Node{f, o}, 1)
}

// Pack is PacGAN's packing (Lin et al. 2018): groups of m consecutive samples of x
// [N, ..., C] become one input [N/m, ..., m*C] with their channels concatenated.
func Pack(x *Node, m int) *Node {
	if m <= 1 {
		return x
	}
	d := x.Shape().Dimensions
	n, c := d[0], d[len(d)-1]
	if n%m != 0 {
		panic(fmt.Sprintf("Pack: batch %d is not divisible by the packing degree %d", n, m))
	}
	// [N/m, m, spatial..., C] -> [N/m, spatial..., m, C] -> [N/m, spatial..., m*C]
	spatial := d[1 : len(d)-1]
	y := Reshape(x, append(append([]int{n / m, m}, spatial...), c)...)
	perm := []int{0}
	for i := range spatial {
		perm = append(perm, 2+i)
	}
	perm = append(perm, 1, len(d))
	y = TransposeAllAxes(y, perm...)
	return Reshape(y, append(append([]int{n / m}, spatial...), m*c)...)
}
