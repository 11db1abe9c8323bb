package train

import (
	"math/rand/v2"
	"strings"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/losses"
	"github.com/gankit/gankit/nets"
	"github.com/gankit/gankit/optim"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// streamTricks + k seeds the host-drawn randomness of D step k (label noise and
// flips, instance noise, penalty interpolations).
const streamTricks = 1 << 42

// Outputs of a step graph, in order.
const (
	outLossD = iota
	outLossG
	outDReal
	outDFake
	outAccReal
	outAccFake
	outGradNormD
	outGradNormG
	outPenalty
	numOutputs
)

// stepper runs training iterations: n_critic D steps, then a G step. The last D step
// and the G step are one compiled graph:
//  1. fake = G(z) (BatchNorm on batch statistics);
//  2. D step: D's loss on D(x) and D(fake) — separate calls, fake without gradient
//     to G — plus penalties, and an update of D's weights (then clipping);
//  3. G step: G's loss on the updated D's output for the same fake batch, an update of
//     G's weights, and of G's EMA.
//
// This is the order of the PyTorch reference (torch_dcgan.py), which also reuses the
// D step's fake batch for the G step. With n_critic > 1 the first n_critic - 1 D steps
// run a D-only graph, each on its own batch and latents.
type stepper struct {
	cfg    config.Config
	shape  data.Shape
	loss   losses.Adversarial
	labels losses.Labels
	noise  losses.InstanceNoise
	aug    data.DiffAugment
	replay int // experience replay capacity in samples (a multiple of the batch), 0 = off
	optD   optim.Optimizer
	optG   optim.Optimizer
	dOnly  *context.Exec // nil when n_critic is 1
	dg     *context.Exec
}

func newStepper(b backends.Backend, ctx *context.Context, cfg config.Config, shape data.Shape) (*stepper, error) {
	loss, err := losses.ByName(cfg.Train.Loss)
	if err != nil {
		return nil, err
	}
	s := &stepper{cfg: cfg, shape: shape, loss: loss, labels: cfg.Labels(), noise: cfg.InstanceNoise()}
	t := cfg.Train
	if s.aug, err = data.ParseDiffAugment(t.DiffAugment); err != nil {
		return nil, err
	}
	if t.Replay > 0 {
		s.replay = (t.Replay + t.Batch - 1) / t.Batch * t.Batch
	}
	if s.optD, err = NewOptimizer(t.OptimizerD, t.LRD, t); err != nil {
		return nil, err
	}
	if s.optG, err = NewOptimizer(t.OptimizerG, t.LRG, t); err != nil {
		return nil, err
	}
	if t.NCritic > 1 {
		if s.dOnly, err = context.NewExec(b, ctx, func(ctx *context.Context, in []*Node) []*Node { return s.graph(ctx, in, false) }); err != nil {
			return nil, err
		}
	}
	if s.dg, err = context.NewExec(b, ctx, func(ctx *context.Context, in []*Node) []*Node { return s.graph(ctx, in, true) }); err != nil {
		return nil, err
	}
	return s, nil
}

// stepIn are a step graph's inputs; the optional ones are nil when the config does
// not use them.
type stepIn struct {
	real, z      *Node
	tReal, tFake *Node // per-sample targets [batch]
	sigma        *Node // instance-noise standard deviation (scalar)
	nReal, nFake *Node // N(0, 1) noise shaped as the batches
	e            *Node // WGAN-GP interpolation weights [batch]
	u, alpha     *Node // DRAGAN perturbation U[0,1] (batch shape) and weights [batch]
	// DiffAugment parameters for D's real and fake inputs and for G's step.
	augReal, augFake, augG []*Node
	// Experience replay: one-hot picks [batch, cap] of buffer rows to show D where
	// mask [batch] is 1, and placement [cap, batch] of this step's fakes.
	replayPick, replayMask, replayPut *Node
}

func (s *stepper) usesNoise() bool { return s.noise.Sigma0 > 0 }

// inputs draws D step k's host-side randomness and returns every input of the step
// graph for that step.
func (s *stepper) inputs(k int, real, z []float32) []any {
	n := s.cfg.Train.Batch
	dims := append([]int{n}, s.shape.Dims()...)
	in := []any{tensors.FromFlatDataAndDimensions(real, dims...), tensors.FromFlatDataAndDimensions(z, n, s.cfg.Model.ZDim)}
	r := rand.New(rand.NewPCG(uint64(s.cfg.Train.Seed), streamTricks+uint64(k)))
	if s.labels.Active() {
		nd := n / s.cfg.Model.PackDegree() // one target per D output
		tr, tf := s.labels.Draw(r, nd)
		in = append(in, tensors.FromFlatDataAndDimensions(tr, nd), tensors.FromFlatDataAndDimensions(tf, nd))
	}
	normal := func() *tensors.Tensor {
		v := make([]float32, len(real))
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	uniform := func(size int, dims ...int) *tensors.Tensor {
		v := make([]float32, size)
		for i := range v {
			v[i] = r.Float32()
		}
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	if s.usesNoise() {
		in = append(in, tensors.FromScalar(float32(s.noise.Sigma(k/s.cfg.Train.NCritic))), normal(), normal())
	}
	switch s.cfg.Train.Penalty {
	case losses.PenaltyWGANGP:
		in = append(in, uniform(n, n))
	case losses.PenaltyDRAGAN:
		in = append(in, uniform(len(real), dims...), uniform(n, n))
	}
	if s.aug.On() {
		for range 3 { // D's real batch, D's fake batch, G's step
			for _, t := range s.aug.Tensors(s.aug.Draw(r, n, s.shape), n, s.shape) {
				in = append(in, t)
			}
		}
	}
	if s.replay > 0 {
		// One-hot matrices (plain products on every backend): pick [n, cap] takes
		// buffer rows for the replayed samples, put [cap, n] writes this step's fakes.
		filled := min(k*n, s.replay) // rows of the buffer written by earlier D steps
		pick, mask, put := make([]float32, n*s.replay), make([]float32, n), make([]float32, s.replay*n)
		for i := range n {
			if filled > 0 && r.Float64() < s.cfg.Train.ReplayProb {
				pick[i*s.replay+r.IntN(filled)], mask[i] = 1, 1
			}
			put[((k*n+i)%s.replay)*n+i] = 1
		}
		in = append(in, tensors.FromFlatDataAndDimensions(pick, n, s.replay), tensors.FromFlatDataAndDimensions(mask, n),
			tensors.FromFlatDataAndDimensions(put, s.replay, n))
	}
	return in
}

func (s *stepper) unpack(in []*Node) stepIn {
	x := stepIn{real: in[0], z: in[1]}
	rest := in[2:]
	next := func() *Node {
		n := rest[0]
		rest = rest[1:]
		return n
	}
	if s.labels.Active() {
		x.tReal, x.tFake = next(), next()
	}
	if s.usesNoise() {
		x.sigma, x.nReal, x.nFake = next(), next(), next()
	}
	switch s.cfg.Train.Penalty {
	case losses.PenaltyWGANGP:
		x.e = next()
	case losses.PenaltyDRAGAN:
		x.u, x.alpha = next(), next()
	}
	if s.aug.On() {
		group := func() []*Node {
			g := rest[:s.aug.Inputs()]
			rest = rest[s.aug.Inputs():]
			return g
		}
		x.augReal, x.augFake, x.augG = group(), group(), group()
	}
	if s.replay > 0 {
		x.replayPick, x.replayMask, x.replayPut = next(), next(), next()
	}
	return x
}

// graph builds one D step, and with withG the G step after it. It returns the
// numOutputs values listed above (the G ones zero without withG).
func (s *stepper) graph(ctx *context.Context, raw []*Node, withG bool) []*Node {
	in := s.unpack(raw)
	g := in.real.Graph()
	cfg, t := s.cfg, s.cfg.Train
	d := func(x *Node) *Node { return nets.Discriminator(ctx, cfg.Model, s.shape, x) }
	noisy := func(x, n *Node) *Node {
		if in.sigma == nil {
			return x
		}
		return Add(x, Mul(ConvertDType(in.sigma, x.DType()), n))
	}

	augment := func(x *Node, params []*Node) *Node {
		if params == nil {
			return x
		}
		return s.aug.Apply(x, params)
	}

	fake := nets.Generator(ctx, cfg.Model, s.shape, in.z, true)
	shown := StopGradient(fake)
	if s.replay > 0 {
		shown = s.replayed(ctx, shown, in)
	}
	xReal := noisy(augment(in.real, in.augReal), in.nReal)
	xFake := noisy(augment(shown, in.augFake), in.nFake)
	dReal, dFake := d(xReal), d(xFake)
	lossD := s.loss.D(dReal, dFake, losses.Targets{Real: in.tReal, Fake: in.tFake})
	penalty := ScalarZero(g, lossD.DType())
	switch w := cfg.PenaltyWeight(); t.Penalty {
	case losses.PenaltyWGANGP:
		penalty = losses.WGANGP(d, xReal, xFake, in.e, w)
	case losses.PenaltyR1:
		penalty = losses.R1(d, xReal, w)
	case losses.PenaltyDRAGAN:
		penalty = losses.DRAGAN(d, xReal, in.u, in.alpha, w)
	}
	if t.Drift > 0 {
		penalty = Add(penalty, losses.Drift(dReal, t.Drift))
	}
	total, dVars, _, dGrads := s.update(ctx, g, "d", Add(lossD, penalty), s.optD)
	if t.Clip > 0 {
		for _, v := range dVars {
			v.SetValueGraph(ClipScalar(v.ValueGraph(g), -t.Clip, t.Clip))
		}
	}

	out := make([]*Node, numOutputs)
	zero := ScalarZero(g, lossD.DType())
	out[outLossD], out[outPenalty] = total, penalty
	out[outDReal], out[outDFake] = s.report(dReal), s.report(dFake)
	out[outAccReal] = ReduceAllMean(ConvertDType(GreaterThan(dReal, ScalarZero(g, dReal.DType())), dReal.DType()))
	out[outAccFake] = ReduceAllMean(ConvertDType(LessThan(dFake, ScalarZero(g, dFake.DType())), dFake.DType()))
	out[outGradNormD] = globalNorm(dGrads)
	out[outLossG], out[outGradNormG] = zero, zero
	if !withG {
		return out
	}
	gInput := noisy(augment(fake, in.augG), in.nFake)
	var lossG *Node
	if t.FeatureMatch {
		lossG = featureMatching(ctx, cfg, s.shape, xReal, gInput)
	} else {
		lossG = s.loss.G(d(gInput))
	}
	lossG, gVars, gValues, gGrads := s.update(ctx, g, "g", lossG, s.optG)
	if t.EMA > 0 {
		updateEMA(ctx, g, t.EMA, gVars, gValues)
	}
	out[outLossG], out[outGradNormG] = lossG, globalNorm(gGrads)
	return out
}

// update finishes one network's step: it adds the historical-average term to loss
// when enabled, differentiates with respect to the trainable variables under /net and
// applies opt. It returns the loss with that term, the variables, their values before
// the update and the gradients.
func (s *stepper) update(ctx *context.Context, g *Graph, net string, loss *Node, opt optim.Optimizer) (*Node, []*context.Variable, []*Node, []*Node) {
	vars, values := trainable(ctx, g, "/"+net)
	if w := s.cfg.Train.HistAvg; w > 0 {
		loss = Add(loss, historicalAverage(ctx, g, net, vars, values, w))
	}
	grads := Gradient(loss, values...)
	opt.Update(ctx, net, vars, grads)
	return loss, vars, values, grads
}

// report is the mean of D's outputs as metrics.jsonl shows them: the mean
// probability sigmoid(D) for the losses on logits (ns, minimax), the raw mean for the
// others (lsgan, wgan, hinge).
func (s *stepper) report(out *Node) *Node {
	if s.cfg.Train.Loss == losses.NameNS || s.cfg.Train.Loss == losses.NameMinimax {
		return ReduceAllMean(Sigmoid(out))
	}
	return ReduceAllMean(out)
}

// globalNorm is the L2 norm of all the gradients together (ganhacks #10 monitoring).
func globalNorm(grads []*Node) *Node {
	var sum *Node
	for _, gr := range grads {
		s := ReduceAllSum(Square(gr))
		if sum == nil {
			sum = s
		} else {
			sum = Add(sum, s)
		}
	}
	return Sqrt(sum)
}

// run performs iteration i: its D steps on batches fetched by fetch(k) and latents
// latents(k) for k = i*n_critic .. (i+1)*n_critic - 1, then the G step. It returns
// the last step's outputs.
func (s *stepper) run(i int, fetch func(k int) ([]float32, error), latents func(k int) []float32) ([]*tensors.Tensor, error) {
	nc := s.cfg.Train.NCritic
	for j := range nc {
		k := i*nc + j
		real, err := fetch(k)
		if err != nil {
			return nil, err
		}
		ex := s.dg
		if j < nc-1 {
			ex = s.dOnly
		}
		out, err := ex.Exec(s.inputs(k, real, latents(k))...)
		if err != nil {
			return nil, err
		}
		if j == nc-1 {
			return out, nil
		}
		for _, o := range out {
			o.FinalizeAll()
		}
	}
	panic("unreachable")
}

// trainable lists the trainable variables under scope that graph g uses, with their
// current value nodes.
func trainable(ctx *context.Context, g *Graph, scope string) ([]*context.Variable, []*Node) {
	var vars []*context.Variable
	var values []*Node
	for v := range ctx.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) && inScope(v, scope) {
			vars = append(vars, v)
			values = append(values, v.ValueGraph(g))
		}
	}
	return vars, values
}

func inScope(v *context.Variable, scope string) bool {
	return v.Scope() == scope || strings.HasPrefix(v.Scope(), scope+"/")
}
