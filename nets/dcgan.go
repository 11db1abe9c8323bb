package nets

import (
	"fmt"
	"github.com/gankit/gankit/data"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// dcganInit is DCGAN's weight initialisation, N(0, 0.02) (Radford et al. 2016, §4).
var dcganInit = Normal(0, 0.02)

// Generator maps latents z [batch, z_dim] to samples: images in [-1, 1] (tanh output,
// ganhacks #1) shaped [batch, size, size, channels], or points [batch, dim].
// train selects batch statistics in BatchNorm (and updates its running averages);
// with train false, BN uses the running statistics so that a sample depends only on its z.
func Generator(ctx *context.Context, cfg Config, s data.Shape, z *Node, train bool) *Node {
	ctx = ctx.In("g")
	if cfg.Arch == ArchMLP {
		return mlp(ctx, z, cfg.Width, cfg.Depth, s.Dim, ReLU)
	}
	base, stages, err := DCGANPlan(s.Size)
	if err != nil {
		panic(err)
	}
	ch := cfg.Width << (stages - 1)
	x := Dense(ctx.In("project"), z, base*base*ch, dcganInit)
	x = Reshape(x, -1, base, base, ch)
	if cfg.BNG {
		x = BatchNorm(ctx.In("project"), x, train, true)
	}
	x = ReLU(x)
	for i := range stages {
		last := i == stages-1
		out := ch / 2
		if last {
			out = s.Channels
		}
		sc := ctx.Inf("up%d", i)
		x = upsample(sc, cfg.Upsample, x, out)
		if last {
			return Tanh(x)
		}
		if cfg.BNG {
			x = BatchNorm(sc, x, train, true)
		}
		x = ReLU(x)
		ch = out
	}
	panic("unreachable")
}

func upsample(ctx *context.Context, mode string, x *Node, out int) *Node {
	switch mode {
	case UpTransposed:
		return ConvTranspose2D(ctx, x, out, 4, 2, 1, 0, dcganInit)
	case UpTransposedK3:
		return ConvTranspose2D(ctx, x, out, 3, 2, 1, 1, dcganInit)
	case UpNearest:
		return NearestConv3(ctx, x, out, dcganInit)
	case UpBilinear:
		return Conv2D(ctx, BilinearUpsample2x(x), out, 3, 1, samePad(1), dcganInit)
	}
	panic(fmt.Sprintf("upsample mode %q is not one of %v", mode, UpsampleModes))
}

// Discriminator returns D's logits [batch] for images or points x. In DCGAN form it is
// strided k4 s2 p1 convolutions with LeakyReLU (BatchNorm from the second on, when
// enabled) and a dense output. Real and fake batches should go through it in separate
// calls, so that BN statistics are never mixed (ganhacks #4).
func Discriminator(ctx *context.Context, cfg Config, s data.Shape, x *Node) *Node {
	ctx = ctx.In("d")
	leaky := func(x *Node) *Node { return LeakyReLU(x, cfg.Slope) }
	if cfg.Arch == ArchMLP {
		return Reshape(mlp(ctx, x, cfg.Width, cfg.Depth, 1, leaky), -1)
	}
	_, stages, err := DCGANPlan(s.Size)
	if err != nil {
		panic(err)
	}
	ch := cfg.Width
	for i := range stages {
		sc := ctx.Inf("down%d", i)
		x = Conv2D(sc, x, ch, 4, 2, samePad(1), dcganInit)
		if cfg.BND && i > 0 {
			x = BatchNorm(sc, x, true, false)
		}
		x = leaky(x)
		ch *= 2
	}
	d := x.Shape().Dimensions
	x = Reshape(x, d[0], d[1]*d[2]*d[3])
	return Reshape(Dense(ctx.In("out"), x, 1, dcganInit), -1)
}

// mlp is depth hidden layers of width units with act, then a linear output layer,
// weights and biases initialised as PyTorch's Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
func mlp(ctx *context.Context, x *Node, width, depth, out int, act func(*Node) *Node) *Node {
	for i := range depth {
		in := x.Shape().Dimensions[1]
		x = act(DenseInit(ctx.Inf("hidden%d", i), x, width, fanInUniform(in), fanInUniform(in)))
	}
	in := x.Shape().Dimensions[1]
	return DenseInit(ctx.In("out"), x, out, fanInUniform(in), fanInUniform(in))
}
