package nets

import (
	"fmt"
	"github.com/gankit/gankit/data"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// dcganInit is DCGAN's weight initialisation, N(0, 0.02) (Radford et al. 2016, §4).
var dcganInit = Normal(0, 0.02)

// Generator maps latents z [batch, z_dim] to samples: images in [-1, 1] (tanh output,
// ganhacks #1) shaped [batch, size, size, channels], or points [batch, dim].
// In Training mode BatchNorm uses batch statistics (and updates its running averages);
// in Inference mode it uses the running statistics, so that a sample depends only on its z.
// With PixelNorm, z and every hidden activation are pixel-normalised (PGGAN).
func Generator(ctx *context.Context, cfg Config, s data.Shape, z *Node, mode Mode) *Node {
	return ConditionalGenerator(ctx, cfg, s, z, nil, mode)
}

// ConditionalGenerator is Generator for a conditional G (cfg.Classes set): y [N]
// (int32) is each sample's class, taken by conditional BatchNorm or by a class
// embedding joined to z (see Config.GConditioning). y is nil for an unconditional G.
func ConditionalGenerator(ctx *context.Context, cfg Config, s data.Shape, z, y *Node, mode Mode) *Node {
	ctx = ctx.In("g")
	ctx.SetParam(ParamEqualizedLR, cfg.EqualizedLR)
	ctx.SetParam(ParamSpectralNorm, false)
	checkClasses(cfg, y)
	cbn := y != nil && cfg.GConditioning() == "cbn"
	if y != nil && !cbn {
		z = Concatenate([]*Node{z, ClassEmbedding(ctx, y, len(cfg.Classes), cfg.ZDim, z)}, 1)
	}
	if cfg.Arch == ArchR3GAN {
		return r3ganGenerator(ctx, cfg, s, z)
	}
	act := func(x *Node) *Node {
		x = ReLU(x)
		if cfg.PixelNorm {
			x = PixelNorm(x)
		}
		return x
	}
	if cfg.PixelNorm {
		z = PixelNorm(z)
	}
	if cfg.Arch == ArchMLP {
		h := mlpHidden(ctx, z, cfg.Width, cfg.Depth, act)
		return mlpOut(ctx, h, s.Dim)
	}
	base, stages, err := DCGANPlan(s.Size)
	if err != nil {
		panic(err)
	}
	ref := 0 // rows of the virtual-BN reference batch in front of the batch
	if cfg.VBNG {
		ref = cfg.VBNRef
		zRef := Param(ctx, "vbn_ref_z", Normal(0, 1), ref, z.Shape().Dimensions[1]).SetTrainable(false).ValueGraph(z.Graph())
		if cfg.PixelNorm {
			zRef = PixelNorm(zRef)
		}
		z = Concatenate([]*Node{ConvertDType(zRef, z.DType()), z}, 0)
	}
	norm := func(ctx *context.Context, x *Node) *Node {
		switch {
		case cfg.VBNG:
			return VirtualBatchNorm(ctx, x, ref)
		case cbn:
			return ConditionalBatchNorm(ctx, x, y, len(cfg.Classes), mode, TrackRunningStats)
		case cfg.BNG:
			return BatchNorm(ctx, x, mode, TrackRunningStats)
		}
		return x
	}
	ch := cfg.Width << (stages - 1)
	pc := ctx.In("project")
	pc.SetParam(ParamGain, math.Sqrt2/4) // PGGAN's gain for G's first dense layer
	x := Dense(pc, z, base*base*ch, dcganInit)
	x = Reshape(x, -1, base, base, ch)
	x = act(norm(pc, x))
	for i := range stages {
		last := i == stages-1
		out := ch / 2
		if last {
			out = s.Channels
		}
		sc := ctx.Inf("up%d", i)
		if last {
			sc.SetParam(ParamGain, 1.0) // PGGAN's toRGB gain
		}
		x = upsample(sc, cfg.Upsample, x, out)
		if last {
			if ref > 0 {
				x = Slice(x, AxisRange(ref, x.Shape().Dimensions[0]))
			}
			return Tanh(x)
		}
		x = act(norm(sc, x))
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
	case UpPixelShuffle:
		return PixelShuffleConv3(ctx, x, out, dcganInit)
	}
	panic(fmt.Sprintf("upsample mode %q is not one of %v", mode, UpsampleModes()))
}

// Discriminator returns D's logits for images or points x: [batch], or [batch/pack]
// when D packs samples. See DiscriminatorFeatures.
func Discriminator(ctx *context.Context, cfg Config, s data.Shape, x *Node) *Node {
	logits, _ := DiscriminatorFeatures(ctx, cfg, s, x)
	return logits
}

// DiscriminatorFeatures returns D's logits and the features f of its last hidden
// layer, flattened [batch, A] (what feature matching compares). In DCGAN form D is
// strided k4 s2 p1 convolutions with LeakyReLU (BatchNorm from the second on, when
// enabled); the MLP form is hidden layers with LeakyReLU. Before the output layer
// come, when enabled, the minibatch stddev feature map and minibatch discrimination;
// packing (PacGAN) concatenates groups of samples first. Real and fake batches
// should go through it in separate calls, so that BN statistics are never mixed
// (ganhacks #4).
func DiscriminatorFeatures(ctx *context.Context, cfg Config, s data.Shape, x *Node) (logits, features *Node) {
	o := ConditionalDiscriminator(ctx, cfg, s, x, nil)
	return o.Logits, o.Features
}

// DOutput is what D gives for a batch: its adversarial logits [batch] (the class
// term included for a projection D), the features of its last hidden layer
// flattened [batch, A], and for AC-GAN the class logits [batch, K] (else nil).
type DOutput struct {
	Logits, Features, ClassLogits *Node
}

// ConditionalDiscriminator is DiscriminatorFeatures for a conditional D: y [N]
// (int32) is each sample's class, nil for an unconditional D. A projection D adds
// y^T V phi(x) to its logits (Miyato & Koyama 2018, eq. 3), phi(x) what the output
// layer reads (after minibatch stddev and discrimination); an AC-GAN D classifies
// phi(x) with a second head and ignores y (Odena et al. 2017).
func ConditionalDiscriminator(ctx *context.Context, cfg Config, s data.Shape, x, y *Node) DOutput {
	ctx = ctx.In("d")
	ctx.SetParam(ParamEqualizedLR, cfg.EqualizedLR)
	ctx.SetParam(ParamSpectralNorm, cfg.SpectralNorm)
	checkClasses(cfg, y)
	var o DOutput
	var phi *Node
	var init Init
	if cfg.Arch == ArchR3GAN {
		o.Logits, o.Features, phi = r3ganDiscriminator(ctx, cfg, s, x)
		init = msr(1, phi.Shape().Dimensions[1])
	} else {
		o.Logits, o.Features, phi = dcganDiscriminator(ctx, cfg, s, x)
		init = dcganInit
		if cfg.Arch == ArchMLP {
			init = fanInUniform(phi.Shape().Dimensions[1])
		}
	}
	if y == nil {
		return o
	}
	k := len(cfg.Classes)
	switch cfg.DConditioning() {
	case CondProjection:
		o.Logits = Add(o.Logits, projection(ctx, phi, y, k, init))
	case CondACGAN:
		o.ClassLogits = classHead(ctx, phi, k, init)
	}
	return o
}

// checkClasses panics (a programming error, caught where graphs are built) when
// classes are given to unconditional nets or missing for conditional ones.
func checkClasses(cfg Config, y *Node) {
	if (y != nil) != cfg.Conditional() {
		panic(fmt.Sprintf("nets: %d classes configured, classes given: %v", len(cfg.Classes), y != nil))
	}
}

// dcganDiscriminator is the DCGAN and MLP D: its logits, last hidden features, and
// phi, the vector its output layer reads.
func dcganDiscriminator(ctx *context.Context, cfg Config, s data.Shape, x *Node) (logits, features, phi *Node) {
	leaky := func(x *Node) *Node { return LeakyReLU(x, cfg.Slope) }
	x = Pack(x, cfg.PackDegree())
	if cfg.Arch == ArchMLP {
		x = mlpHidden(ctx, x, cfg.DiscriminatorWidth(), cfg.Depth, leaky)
	} else {
		_, stages, err := DCGANPlan(s.Size)
		if err != nil {
			panic(err)
		}
		ch := cfg.DiscriminatorWidth()
		for i := range stages {
			sc := ctx.Inf("down%d", i)
			x = Conv2D(sc, x, ch, 4, 2, samePad(1), dcganInit)
			if cfg.BND && i > 0 {
				x = BatchNorm(sc, x, Training, NoRunningStats)
			}
			x = leaky(x)
			ch *= 2
		}
	}
	n := x.Shape().Dimensions[0]
	features = Reshape(x, n, -1)
	if cfg.MBStd {
		x = MinibatchStddev(x, cfg.MBStdGroupFor(n))
	}
	f := Reshape(x, n, -1)
	if cfg.MBDisc {
		f = MinibatchDiscrimination(ctx, f, cfg.MBDiscB, cfg.MBDiscC)
	}
	oc := ctx.In("out")
	oc.SetParam(ParamGain, 1.0) // PGGAN's gain for D's output layer
	if cfg.Arch == ArchMLP {
		return Reshape(mlpOut(ctx, f, 1), -1), features, f
	}
	return Reshape(Dense(oc, f, 1, dcganInit), -1), features, f
}

// mlpHidden is depth hidden layers of width units with act, weights and biases
// initialised as PyTorch's Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
func mlpHidden(ctx *context.Context, x *Node, width, depth int, act func(*Node) *Node) *Node {
	for i := range depth {
		in := x.Shape().Dimensions[1]
		x = act(DenseInit(ctx.Inf("hidden%d", i), x, width, fanInUniform(in), fanInUniform(in)))
	}
	return x
}

// mlpOut is the MLP's linear output layer (gain 1 under equalized learning rate).
func mlpOut(ctx *context.Context, x *Node, out int) *Node {
	in := x.Shape().Dimensions[1]
	oc := ctx.In("out")
	oc.SetParam(ParamGain, 1.0)
	return DenseInit(oc, x, out, fanInUniform(in), fanInUniform(in))
}
