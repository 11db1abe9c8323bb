package nets

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// BatchNorm defaults, PyTorch's: eps 1e-5, running-average momentum 0.1.
const (
	bnEpsilon  = 1e-5
	bnMomentum = 0.1
)

// Mode says what a network is built for: a training step, where BatchNorm normalises
// with the batch's statistics, or inference (sampling), where it uses the running
// ones (PyTorch's module.train() and module.eval()).
type Mode int

const (
	// Inference normalises with the running statistics: a sample then depends only
	// on its own input.
	Inference Mode = iota
	// Training normalises with the batch's statistics and updates the running ones
	// where BatchNorm tracks them.
	Training
)

// RunningStats says whether BatchNorm keeps running averages of its statistics for
// inference (PyTorch's track_running_stats).
type RunningStats int

const (
	// NoRunningStats keeps none: D is only ever run on batches, in training.
	NoRunningStats RunningStats = iota
	// TrackRunningStats updates the running mean and variance at every training step.
	TrackRunningStats
)

// BatchNorm normalises x over every axis but the last (channels) with the batch's
// own mean and biased variance (Ioffe & Szegedy 2015, Alg. 1), then scales and shifts.
// Gradients flow through the batch statistics, as in standard BN — unlike GoMLX
// v0.26's batchnorm layer without backend support, which stops them.
//
// In Inference mode it normalises with the running statistics instead. In Training
// mode with TrackRunningStats, the running mean and unbiased variance are updated.
func BatchNorm(ctx *context.Context, x *Node, mode Mode, stats RunningStats) *Node {
	ctx = ctx.In("batchnorm")
	mean, variance, keep := batchStatistics(ctx, x, mode, stats)
	scale, offset := affine(ctx, x.Graph(), keep)
	// y = (x - mean) / sqrt(var + eps) * scale + offset, computed as x * a + b with
	// per-channel a and b: one pass over x instead of a centred copy and a second pass
	// (and fewer passes in the gradient). 1/sqrt rather than Rsqrt: v0.26 has no
	// gradient rule for Rsqrt.
	a := Mul(Reciprocal(Sqrt(AddScalar(variance, bnEpsilon))), scale)
	b := Sub(offset, Mul(mean, a))
	return Add(Mul(x, a), b)
}

// batchStatistics are BatchNorm's mean and biased variance of x per channel, shaped
// keep ([1, ..., 1, C]) to broadcast against x: the batch's own in Training mode (and
// with TrackRunningStats the running averages in ctx updated from them), the running
// ones in Inference mode.
func batchStatistics(ctx *context.Context, x *Node, mode Mode, stats RunningStats) (mean, variance *Node, keep []int) {
	train, track := mode == Training, stats == TrackRunningStats
	g := x.Graph()
	c := x.Shape().Dimensions[x.Rank()-1]
	axes := make([]int, x.Rank()-1)
	for i := range axes {
		axes[i] = i
	}
	keep = make([]int, x.Rank())
	for i := range keep {
		keep[i] = 1
	}
	keep[len(keep)-1] = c
	if train {
		mean = ReduceAndKeep(x, ReduceMean, axes...)
		variance = ReduceAndKeep(Square(Sub(x, mean)), ReduceMean, axes...)
	}
	if track || !train {
		runMean := Param(ctx, "running_mean", Fill(0), c).SetTrainable(false)
		runVar := Param(ctx, "running_var", Fill(1), c).SetTrainable(false)
		if train {
			n := float64(x.Shape().Size() / c)
			unbiased := MulScalar(Reshape(variance, c), n/max(n-1, 1))
			runMean.SetValueGraph(Add(MulScalar(runMean.ValueGraph(g), 1-bnMomentum),
				MulScalar(StopGradient(Reshape(mean, c)), bnMomentum)))
			runVar.SetValueGraph(Add(MulScalar(runVar.ValueGraph(g), 1-bnMomentum),
				MulScalar(StopGradient(unbiased), bnMomentum)))
		} else {
			mean = Reshape(runMean.ValueGraph(g), keep...)
			variance = Reshape(runVar.ValueGraph(g), keep...)
		}
	}
	return mean, variance, keep
}

// VirtualBatchNorm is Salimans et al. 2016's virtual batch normalisation (§3.5): x
// holds a fixed reference batch in its first ref rows, then the batch proper. The
// reference rows are normalised with the reference batch's own statistics; every
// other sample with the statistics of the reference batch together with itself, each
// example weighing one (1/(ref+1) for the sample, as in improved-gan's
// virtual_batchnorm), over all but the channel axis. So a sample's output depends on
// its own input and the fixed reference, never on the rest of its batch, in training
// and in sampling alike. Then scale and offset, as in BatchNorm; gradients flow
// through every statistic.
func VirtualBatchNorm(ctx *context.Context, x *Node, ref int) *Node {
	ctx = ctx.In("vbn")
	g := x.Graph()
	c := x.Shape().Dimensions[x.Rank()-1]
	keep := make([]int, x.Rank())
	for i := range keep {
		keep[i] = 1
	}
	keep[len(keep)-1] = c
	scale, offset := affine(ctx, g, keep)

	n := x.Shape().Dimensions[0]
	spatial := make([]int, x.Rank()-2) // axes between the batch and the channels
	for i := range spatial {
		spatial[i] = i + 1
	}
	perExample := func(v *Node) *Node { // mean over the spatial axes, kept
		if len(spatial) == 0 {
			return v
		}
		return ReduceAndKeep(v, ReduceMean, spatial...)
	}
	refX := Slice(x, AxisRange(0, ref))
	rest := Slice(x, AxisRange(ref, n))
	refMean := ReduceAndKeep(perExample(refX), ReduceMean, 0)
	refSq := ReduceAndKeep(perExample(Square(refX)), ReduceMean, 0)
	norm := func(v, mean, sq *Node) *Node {
		variance := Sub(sq, Square(mean))
		return Mul(Sub(v, mean), Reciprocal(Sqrt(AddScalar(variance, bnEpsilon))))
	}
	w := 1 / float64(ref+1)
	mean := Add(MulScalar(perExample(rest), w), MulScalar(refMean, 1-w))
	sq := Add(MulScalar(perExample(Square(rest)), w), MulScalar(refSq, 1-w))
	y := Concatenate([]*Node{norm(refX, refMean, refSq), norm(rest, mean, sq)}, 0)
	return Add(Mul(y, scale), offset)
}

// affine is a normalisation layer's learned per-channel scale (starting at 1) and
// offset (at 0), shaped keep to broadcast against its input.
func affine(ctx *context.Context, g *Graph, keep []int) (scale, offset *Node) {
	c := keep[len(keep)-1]
	scale = Reshape(Param(ctx, "scale", Fill(1), c).ValueGraph(g), keep...)
	offset = Reshape(Param(ctx, "offset", Fill(0), c).ValueGraph(g), keep...)
	return scale, offset
}
