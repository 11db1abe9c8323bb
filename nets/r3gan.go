package nets

import (
	"fmt"
	"math"

	"github.com/gankit/gankit/data"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// R3GAN's networks: Huang, Gokaslan, Kuleshov and Tompkin, "The GAN is dead; long
// live the GAN! A Modern Baseline GAN" (NeurIPS 2024), §3.2 and Fig. 3, as defined
// by the authors' code (github.com/brownvc/R3GAN, R3GAN/Networks.py, Resamplers.py,
// FusedOperators.py). Both nets are stages of ResNeXt-style residual blocks (1x1
// conv to Expansion x width, grouped 3x3 conv, 1x1 conv back) with no normalisation
// layers, bias-free convolutions followed by a learned bias and leaky ReLU 0.2, and
// fix-up initialisation instead of normalisation: every residual branch ends in a
// zero-initialised conv and the others are scaled by L^(-1/4), L the number of blocks.

// R3GANConfig sizes the R3GAN nets (train.py's WidthPerStage, BlocksPerStage,
// CardinalityPerStage and ExpansionFactor; gankit uses one width, block count and
// cardinality for every stage, as the authors' CIFAR-10 config does).
type R3GANConfig struct {
	Width     int `yaml:"width"`     // channels of every stage (CIFAR-10: 768)
	Blocks    int `yaml:"blocks"`    // residual blocks per stage (CIFAR-10: 2)
	Groups    int `yaml:"groups"`    // cardinality: groups of each block's 3x3 conv (CIFAR-10: 96)
	Expansion int `yaml:"expansion"` // inverted-bottleneck expansion factor (2)
}

// r3ganActivationGain is FusedOperators.py's BiasedActivation.Gain: the standard
// deviation gain of leaky ReLU with slope 0.2, sqrt(2 / (1 + 0.2^2)).
var r3ganActivationGain = math.Sqrt(2 / (1 + 0.2*0.2))

const r3ganSlope = 0.2

// R3GANPlan gives the generator's first resolution (its learned basis: 4x4, or 7x7
// for 28x28 data) and the number of stages, each but the first doubling the
// resolution (D: each but the last halving it).
func R3GANPlan(size int) (base, stages int, err error) {
	base, up, err := DCGANPlan(size)
	if err != nil {
		return 0, 0, fmt.Errorf("model.arch r3gan: %w", err)
	}
	return base, up + 1, nil
}

// validateR3GAN checks the R3GAN sizes and refuses the switches that are not part of
// R3GAN's nets (it has no normalisation layers by design).
func (c Config) validateR3GAN(s data.Shape) error {
	if s.Size == 0 {
		return fmt.Errorf("model.arch: r3gan needs image data, the data are %d-D points (use arch: mlp)", s.Dim)
	}
	if _, _, err := R3GANPlan(s.Size); err != nil {
		return err
	}
	r := c.R3GAN
	switch {
	case r.Width < 1:
		return fmt.Errorf("model.r3gan.width: want at least 1 channel, got %d", r.Width)
	case r.Blocks < 1:
		return fmt.Errorf("model.r3gan.blocks: want at least 1 residual block per stage, got %d", r.Blocks)
	case r.Expansion < 1:
		return fmt.Errorf("model.r3gan.expansion: want at least 1, got %d", r.Expansion)
	case r.Groups < 1 || (r.Width*r.Expansion)%r.Groups != 0:
		return fmt.Errorf("model.r3gan.groups: want a divisor of model.r3gan.width x model.r3gan.expansion = %d, got %d", r.Width*r.Expansion, r.Groups)
	}
	for _, on := range []struct {
		key string
		set bool
	}{{"model.bn_g", c.BNG}, {"model.bn_d", c.BND}, {"model.vbn_g", c.VBNG}, {"model.spectral_norm", c.SpectralNorm},
		{"model.eq_lr", c.EqualizedLR}, {"model.pixel_norm", c.PixelNorm}, {"model.mbstd", c.MBStd}, {"model.mbdisc", c.MBDisc},
		{"model.pack", c.Pack > 1}} {
		if on.set {
			return fmt.Errorf("%s: not part of R3GAN's networks (no normalisation layers by design); turn it off with arch: r3gan", on.key)
		}
	}
	return nil
}

// msr is Networks.py's MSRInitializer: N(0, gain^2 / fanIn).
func msr(gain float64, fanIn int) Init { return Normal(0, gain/math.Sqrt(float64(fanIn))) }

// r3ganConv is Networks.py's Convolution: a bias-free, stride-1, "same"-padded
// convolution with MSR initialisation, grouped into groups (GoMLX's
// ChannelGroupCount: group j's output channels read only input channels
// [j*in/groups, (j+1)*in/groups), and the kernel holds in/groups input channels).
// gankit's cpu backend runs grouped convolutions on its own kernels and internal/vjp
// differentiates them as grouped convolutions; the pure-Go and XLA backends run them
// as they are. The kernel's shape is the same as when each group was a convolution
// of its own on slices of the channels, so checkpoints from then still load.
func r3ganConv(ctx *context.Context, x *Node, out, kernel, groups int, gain float64) *Node {
	in := x.Shape().Dimensions[3]
	inG := in / groups
	fanIn := inG * kernel * kernel
	w := Weight(ctx, x.Graph(), msr(gain, fanIn), fanIn, kernel, kernel, inG, out)
	p := (kernel - 1) / 2
	// Explicit dilations: the pure-Go backend's grouped loop indexes them.
	return Convolve(x, w).StridePerAxis(1, 1).DilationPerAxis(1, 1).PaddingPerDim([][2]int{{p, p}, {p, p}}).
		ChannelGroupCount(groups).Done()
}

// r3ganBiasedActivation is FusedOperators.py's BiasedActivation: a learned bias
// (zero at first), then leaky ReLU 0.2 (its gain is folded into the initialisation).
func r3ganBiasedActivation(ctx *context.Context, x *Node) *Node {
	c := x.Shape().Dimensions[x.Rank()-1]
	b := Param(ctx, "biases", Fill(0), c).ValueGraph(x.Graph())
	dims := make([]int, x.Rank())
	for i := range dims {
		dims[i] = 1
	}
	dims[len(dims)-1] = c
	return LeakyReLU(Add(x, Reshape(b, dims...)), r3ganSlope)
}

// r3ganBlock is Networks.py's ResidualBlock: x + conv1x1(act(gconv3x3(act(conv1x1(x))))),
// expanding to Expansion x channels inside. With L blocks in the network, the first two
// convolutions are initialised with gain ActivationGain * L^(-1/(2m-2)), m = 3 linear
// layers, i.e. L^(-1/4), and the last with gain 0, so that every block starts as the
// identity (fix-up initialisation, Zhang et al. 2019).
func r3ganBlock(ctx *context.Context, x *Node, r R3GANConfig, totalBlocks int) *Node {
	c := x.Shape().Dimensions[3]
	e := c * r.Expansion
	gain := r3ganActivationGain * math.Pow(float64(totalBlocks), -1.0/4)
	y := r3ganConv(ctx.In("conv1"), x, e, 1, 1, gain)
	y = r3ganBiasedActivation(ctx.In("act1"), y)
	y = r3ganConv(ctx.In("conv2"), y, e, 3, r.Groups, gain)
	y = r3ganBiasedActivation(ctx.In("act2"), y)
	y = r3ganConv(ctx.In("conv3"), y, c, 1, 1, 0)
	return Add(x, y)
}

// r3ganResampleAxis doubles (up) or halves (down) one spatial axis with
// Resamplers.py's interpolative filter: CreateLowpassKernel([1, 2, 1], Inplace=False)
// convolves [1, 2, 1] with [1, 1], giving [1, 3, 3, 1] (normalised; the 2-D kernel is
// its outer product, so it separates into one pass per axis), applied as
// upfirdn2d.upsample2d / downsample2d do, with zero padding:
//
//	up:   out[2i] = (x[i-1] + 3 x[i]) / 4,  out[2i+1] = (3 x[i] + x[i+1]) / 4
//	down: out[i]  = (x[2i-1] + 3 x[2i] + 3 x[2i+1] + x[2i+2]) / 8
//
// Built from Slice, Concatenate and Reshape, whose gradients are right on every backend.
func r3ganResampleAxis(x *Node, axis int, up bool) *Node {
	dims := x.Shape().Clone().Dimensions
	n := dims[axis]
	// shift moves v one step along axis: +1 puts v[i-1] at i, -1 puts v[i+1] at i; zeros come in.
	shift := func(v *Node, by int) *Node {
		m := v.Shape().Dimensions[axis]
		zero := ZerosLike(SliceAxis(v, axis, AxisRange(0, 1)))
		if m == 1 {
			return zero
		}
		if by > 0 {
			return Concatenate([]*Node{zero, SliceAxis(v, axis, AxisRange(0, m-1))}, axis)
		}
		return Concatenate([]*Node{SliceAxis(v, axis, AxisRange(1, m)), zero}, axis)
	}
	if up {
		x34 := MulScalar(x, 0.75)
		even := Add(MulScalar(shift(x, 1), 0.25), x34)
		odd := Add(x34, MulScalar(shift(x, -1), 0.25))
		dims[axis] *= 2
		return Reshape(Stack([]*Node{even, odd}, axis+1), dims...)
	}
	split := append(append(append([]int{}, dims[:axis]...), n/2, 2), dims[axis+1:]...)
	pairs := Reshape(x, split...)
	dims[axis] /= 2
	even := Reshape(SliceAxis(pairs, axis+1, AxisRange(0, 1)), dims...)
	odd := Reshape(SliceAxis(pairs, axis+1, AxisRange(1, 2)), dims...)
	sum := Add(Add(shift(odd, 1), shift(even, -1)), MulScalar(Add(even, odd), 3))
	return MulScalar(sum, 1.0/8)
}

// R3GANUpsample2x is Resamplers.py's InterpolativeUpsampler on [N, H, W, C].
func R3GANUpsample2x(x *Node) *Node {
	return r3ganResampleAxis(r3ganResampleAxis(x, 1, true), 2, true)
}

// R3GANDownsample2x is Resamplers.py's InterpolativeDownsampler on [N, H, W, C]
// (H and W even).
func R3GANDownsample2x(x *Node) *Node {
	return r3ganResampleAxis(r3ganResampleAxis(x, 1, false), 2, false)
}

// r3ganGenerator is Networks.py's Generator (unconditional): GenerativeBasis — a
// learned base x base x width basis, each channel scaled by a bias-free linear map of
// z — then stages of residual blocks, each after the first entered through an
// UpsampleLayer, and a bias-free 1x1 AggregationLayer to the image channels. The
// output is linear, as the authors' (no tanh).
func r3ganGenerator(ctx *context.Context, c Config, s data.Shape, z *Node) *Node {
	r := c.R3GAN
	base, stages, err := R3GANPlan(s.Size)
	if err != nil {
		panic(err)
	}
	total := stages * r.Blocks
	g := z.Graph()
	bc := ctx.In("basis")
	basis := Param(bc, "basis", Normal(0, 1), base, base, r.Width).ValueGraph(g)
	zd := z.Shape().Dimensions[1]
	w := Weight(bc, g, msr(1, zd), zd, zd, r.Width)
	scale := Dot(z, w) // [N, width]
	n := z.Shape().Dimensions[0]
	x := Mul(Reshape(basis, 1, base, base, r.Width), Reshape(scale, n, 1, 1, r.Width))
	for i := range stages {
		sc := ctx.Inf("stage%d", i)
		if i > 0 {
			x = R3GANUpsample2x(x) // widths are equal: no 1x1 transition conv
		}
		for b := range r.Blocks {
			x = r3ganBlock(sc.Inf("block%d", b), x, r, total)
		}
	}
	return r3ganConv(ctx.In("aggregate"), x, s.Channels, 1, 1, 1)
}

// r3ganDiscriminator is Networks.py's Discriminator (unconditional): a bias-free 1x1
// ExtractionLayer, then stages of residual blocks, each but the last left through an
// InterpolativeDownsampler, and DiscriminativeBasis — a learned depthwise base x base
// filter per channel (a depthwise conv over the whole map, computed as a weighted
// sum) and a bias-free linear map to the logit. It returns the logits [N] and the
// features of the last stage, flattened.
func r3ganDiscriminator(ctx *context.Context, c Config, s data.Shape, x *Node) (logits, features, phi *Node) {
	r := c.R3GAN
	base, stages, err := R3GANPlan(s.Size)
	if err != nil {
		panic(err)
	}
	total := stages * r.Blocks
	x = r3ganConv(ctx.In("extract"), x, r.Width, 1, 1, 1)
	for i := range stages {
		sc := ctx.Inf("stage%d", i)
		for b := range r.Blocks {
			x = r3ganBlock(sc.Inf("block%d", b), x, r, total)
		}
		if i < stages-1 {
			x = R3GANDownsample2x(x)
		}
	}
	n := x.Shape().Dimensions[0]
	features = Reshape(x, n, -1)
	g := x.Graph()
	bc := ctx.In("basis")
	// Depthwise Conv2d(width, width, base, groups=width): fan-in base*base per channel.
	dw := Weight(bc, g, msr(1, base*base), base*base, base, base, r.Width)
	f := ReduceSum(Mul(x, Reshape(dw, 1, base, base, r.Width)), 1, 2) // [N, width]
	lw := Weight(bc.In("linear"), g, msr(1, r.Width), r.Width, r.Width, 1)
	return Reshape(Dot(f, lw), -1), features, f
}
