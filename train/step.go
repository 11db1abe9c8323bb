package train

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
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

// stepper runs training iterations: n_critic D steps, then a G step. The last D step
// and the G step are one compiled graph:
//  1. fake = G(z) (BatchNorm on batch statistics);
//  2. D step: D's loss on D(x) and D(fake) — separate calls, fake without gradient
//     to G — plus penalties, and an update of D's weights (then clipping);
//  3. G step: G's loss on the updated D's output for the same fake batch, an update of
//     G's weights, and of G's EMA.
//
// This is the order of the PyTorch references (scripts/reference/torch_dcgan_train.py,
// bench/torch_dcgan_bench.py), which also reuse the D step's fake batch for the G
// step. With n_critic > 1 the first n_critic - 1 D steps run a D-only graph, each on
// its own batch and latents.
type stepper struct {
	cfg       config.Config
	shape     data.Shape
	loss      losses.Adversarial
	penalties []config.Penalty
	labels    losses.Labels
	noise     losses.InstanceNoise
	aug       data.DiffAugment
	ada       *ada // nil when train.ada is off
	replay    int  // experience replay capacity in samples (a multiple of the batch), 0 = off
	optD      optim.Optimizer
	optG      optim.Optimizer
	dOnly     *stepGraph // nil when n_critic is 1
	dg        *stepGraph
	inNames   []input // the step graphs' inputs, in order (the same for every step)
}

// adaSigns is the step output ADA's controller reads: the sum of sign(D(x_real)) over
// D's real batch (not a metric).
const adaSigns = "ada_signs"

// stepGraph is a compiled step and the names of its outputs, in order.
type stepGraph struct {
	exec *context.Exec
	outs []string
}

func newStepper(b backends.Backend, ctx *context.Context, cfg config.Config, shape data.Shape) (*stepper, error) {
	loss, err := losses.ByName(cfg.Train.Loss)
	if err != nil {
		return nil, err
	}
	s := &stepper{cfg: cfg, shape: shape, loss: loss, labels: cfg.Labels(), noise: cfg.InstanceNoise()}
	t := cfg.Train
	if s.penalties, err = cfg.Penalties(); err != nil {
		return nil, err
	}
	if s.aug, err = data.ParseDiffAugment(t.DiffAugment); err != nil {
		return nil, err
	}
	if s.ada, err = newADA(ctx, cfg); err != nil {
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
		if s.dOnly, err = s.compile(b, ctx, false); err != nil {
			return nil, err
		}
	}
	if s.dg, err = s.compile(b, ctx, true); err != nil {
		return nil, err
	}
	return s, nil
}

// compile makes the step graph (built at its first run, when the inputs' names are
// known), recording its outputs' names. Building it fails, before it runs, where an
// input is fed and not read or read and not fed (stepIn).
func (s *stepper) compile(b backends.Backend, ctx *context.Context, withG bool) (*stepGraph, error) {
	sg := &stepGraph{}
	var err error
	sg.exec, err = context.NewExec(b, ctx, func(ctx *context.Context, raw []*Node) []*Node {
		in := newStepIn(s.inNames, raw)
		outs := s.graph(ctx, in, withG)
		if err := in.check(); err != nil {
			panic(err) // returned by Exec, as the builder cannot return it
		}
		sg.outs = slices.Sorted(maps.Keys(outs))
		nodes := make([]*Node, len(sg.outs))
		for i, name := range sg.outs {
			nodes[i] = outs[name]
		}
		return nodes
	})
	return sg, err
}

// conditional says whether the nets take classes.
func (s *stepper) conditional() bool { return s.cfg.Model.Conditional() }

// realInG says whether G's step reads D on a real batch of its own (the loss's
// RealInG trait, RpGAN).
func (s *stepper) realInG() bool { return s.loss.Traits().RealInG && !s.cfg.Train.FeatureMatch }

// batchesPerIteration is how many real batches one iteration reads: one per D step,
// and G's own with realInG.
func (s *stepper) batchesPerIteration() int {
	if s.realInG() {
		return s.cfg.Train.NCritic + 1
	}
	return s.cfg.Train.NCritic
}

// augmenter is the augmentation on, nil when none is.
func (s *stepper) augmenter() augmenter {
	switch {
	case s.ada != nil:
		return s.ada.pipeline
	case s.aug.On():
		return s.aug
	}
	return nil
}

// augGroups names the augmentation's parameter sets, in the order they are drawn: D's real
// and fake batches, G's fake batch, and G's real batch with realInG.
func (s *stepper) augGroups() []input {
	groups := []input{augReal, augFake, augG}
	if s.realInG() {
		groups = append(groups, augGReal)
	}
	return groups
}

// inputs returns every input of D step k's graph: the batches (with their classes
// for a conditional GAN), the latents and what each feed adds, and the statistics
// the feeds report. realG is G's real batch (empty without realInG).
func (s *stepper) inputs(k int, real realBatch, z []float32, realG realBatch) ([]any, map[string]float64) {
	n := s.cfg.Train.Batch
	f := &feeding{k: k, i: k / s.cfg.Train.NCritic, n: n, dims: append([]int{n}, s.shape.Dims()...),
		r: rand.New(rand.NewPCG(uint64(s.cfg.Train.Seed), streamTricks+uint64(k))), stats: map[string]float64{}}
	f.put(inReal, tensors.FromFlatDataAndDimensions(real.x, f.dims...))
	f.put(inZ, tensors.FromFlatDataAndDimensions(z, n, s.cfg.Model.ZDim))
	if realG.x != nil {
		f.put(inRealG, tensors.FromFlatDataAndDimensions(realG.x, f.dims...))
	}
	if s.conditional() {
		f.put(inClassReal, tensors.FromFlatDataAndDimensions(real.y, n))
		f.put(inClassFake, tensors.FromFlatDataAndDimensions(fakeClasses(k, n, len(s.cfg.Model.Classes)), n))
		if realG.x != nil {
			f.put(inClassRealG, tensors.FromFlatDataAndDimensions(realG.y, n))
		}
	}
	for _, fd := range feeds {
		if fd.on(s) {
			fd.add(s, f)
		}
	}
	s.inNames = f.names
	in := make([]any, len(f.vals))
	for i, v := range f.vals {
		in[i] = v
	}
	return in, f.stats
}

// graph builds one D step, and with withG the G step after it. It returns the
// statistics the step reports, by name (metrics.jsonl's fields).
func (s *stepper) graph(ctx *context.Context, in *stepIn, withG bool) map[string]*Node {
	g := in.need(inReal).Graph()
	cfg, t := s.cfg, s.cfg.Train
	// D on a batch and its classes (nil, unconditional): its outputs, and its logits.
	dOut := func(x, y *Node) nets.DOutput { return nets.ConditionalDiscriminator(ctx, cfg.Model, s.shape, x, y) }
	d := func(x, y *Node) *Node { return dOut(x, y).Logits }
	yReal, yFake := in.opt(inClassReal), in.opt(inClassFake)
	// pipeline is what D's input goes through: the augmentation (DiffAugment or ADA)
	// with the given parameters, then instance noise.
	augment := s.augmenter()
	pipeline := func(aug, noise input) func(x *Node) *Node {
		var params []*Node
		if augment != nil {
			params = in.group(aug, augment.Inputs())
		}
		sigma, eps := in.opt(inNoiseSigma), (*Node)(nil)
		if sigma != nil {
			eps = in.need(noise)
		}
		return func(x *Node) *Node {
			if params != nil {
				x = augment.Apply(x, params)
			}
			if sigma != nil {
				x = Add(x, Mul(ConvertDType(sigma, x.DType()), eps))
			}
			return x
		}
	}
	viaReal, viaFake := pipeline(augReal, inNoiseReal), pipeline(augFake, inNoiseFake)

	fake := nets.ConditionalGenerator(ctx, cfg.Model, s.shape, in.need(inZ), yFake, nets.Training)
	shown := StopGradient(fake)
	if s.replay > 0 {
		shown = s.replayed(ctx, shown, in)
	}
	// GoMLX's gradient with respect to a StopGradient node is zero: R2 differentiates
	// D's fake logits at an Identity of it (no gradient reaches G through it).
	rawFake := Identity(shown)
	xReal, xFake := viaReal(in.need(inReal)), viaFake(rawFake)
	oReal, oFake := dOut(xReal, yReal), dOut(xFake, yFake)
	dReal, dFake := oReal.Logits, oFake.Logits
	lossD := s.loss.D(losses.Logits{Real: dReal, Fake: dFake}, losses.Targets{Real: in.opt(inTargetReal), Fake: in.opt(inTargetFake)})
	out := map[string]*Node{}
	if oReal.ClassLogits != nil {
		// AC-GAN: D also maximises the log-likelihood of the right class on real and
		// fake samples, L_C (Odena et al. 2017, eqs. 2-3).
		classD := Add(losses.ClassCrossEntropy(oReal.ClassLogits, yReal), losses.ClassCrossEntropy(oFake.ClassLogits, yFake))
		lossD = Add(lossD, classD)
		out["class_loss_d"] = classD
		out["class_acc_real"] = classAccuracy(oReal.ClassLogits, yReal)
	}
	// Penalties see D with the classes of the batch they perturb: the real ones for
	// D (interpolates, perturbed reals) and DReal, the fake ones for DFake.
	penalty := s.penaltyTerms(out, in, losses.PenaltyInputs{
		D: func(x *Node) *Node { return d(x, yReal) }, Real: xReal, Fake: xFake, RawReal: in.need(inReal), RawFake: rawFake,
		DReal: func(x *Node) *Node { return d(viaReal(x), yReal) }, DFake: func(x *Node) *Node { return d(viaFake(x), yFake) },
		RealLogits: dReal, FakeLogits: dFake,
	})
	if t.Drift > 0 {
		penalty = Add(penalty, losses.Drift(dReal, t.Drift))
	}
	total, dVars, _, dGrads := s.update(ctx, g, "d", Add(lossD, penalty), s.optD.With(optim.Rates{LR: in.opt(inLRD), Beta2: in.opt(inBeta2)}))
	if t.Clip > 0 {
		for _, v := range dVars {
			v.SetValueGraph(ClipScalar(v.ValueGraph(g), -t.Clip, t.Clip))
		}
	}
	out["loss_d"], out["penalty"] = total, penalty
	out["d_real"], out["d_fake"] = s.report(dReal), s.report(dFake)
	out["d_acc_real"] = ReduceAllMean(ConvertDType(GreaterThan(dReal, ScalarZero(g, dReal.DType())), dReal.DType()))
	out["d_acc_fake"] = ReduceAllMean(ConvertDType(LessThan(dFake, ScalarZero(g, dFake.DType())), dFake.DType()))
	out["grad_norm_d"] = globalNorm(dGrads)
	if s.ada != nil {
		out[adaSigns] = ReduceAllSum(Sign(dReal)) // ADA's r_t, on the augmented reals D's loss saw
	}
	if !withG {
		// A D-only step is fed what the G step reads too: DiffAugment draws G's
		// parameters at every D step (the draws are part of a run's numbers) and the
		// schedules feed G's rate and EMA. It has no G step to read them.
		in.skip(inLRG, inEMABeta)
		if augment != nil {
			for _, group := range s.augGroups()[2:] {
				in.skip(in.groupNames(group, augment.Inputs())...)
			}
		}
		return out
	}
	gInput := pipeline(augG, inNoiseFake)(fake)
	var lossG, classLogitsG *Node
	if t.FeatureMatch {
		lossG = featureMatching(ctx, cfg, s.shape, xReal, gInput, yReal, yFake)
		if oReal.ClassLogits != nil {
			classLogitsG = dOut(gInput, yFake).ClassLogits
		}
	} else {
		oG := dOut(gInput, yFake)
		l := losses.Logits{Fake: oG.Logits}
		if s.realInG() {
			l.Real = d(pipeline(augGReal, inNoiseReal)(in.need(inRealG)), in.opt(inClassRealG))
		}
		lossG, classLogitsG = s.loss.G(l), oG.ClassLogits
	}
	if classLogitsG != nil {
		// AC-GAN: G maximises L_C too, on its fakes' requested classes.
		classG := losses.ClassCrossEntropy(classLogitsG, yFake)
		lossG = Add(lossG, classG)
		out["class_loss_g"] = classG
	}
	lossG, gVars, gValues, gGrads := s.update(ctx, g, "g", lossG, s.optG.With(optim.Rates{LR: in.opt(inLRG), Beta2: in.opt(inBeta2)}))
	if t.EMA > 0 || cfg.EMAByHalfLife() {
		updateEMA(ctx, g, t.EMA, in.opt(inEMABeta), gVars, gValues)
	}
	out["loss_g"], out["grad_norm_g"] = lossG, globalNorm(gGrads)
	return out
}

// penaltyTerms is the sum of D's penalties, each at its weight (a constant, or the
// scheduled weight_<name> input); each weighted term is also reported as
// penalty_<name>.
func (s *stepper) penaltyTerms(out map[string]*Node, in *stepIn, pin losses.PenaltyInputs) *Node {
	sum := ScalarZero(pin.Real.Graph(), pin.Real.DType())
	for _, p := range s.penalties {
		pin.Draws = map[string]*Node{}
		for _, d := range p.Draws() {
			pin.Draws[d.Name] = in.need(penaltyDraw(p, d))
		}
		term := p.Term(pin)
		if w := in.opt(penaltyWeight(p)); w != nil {
			term = Mul(term, ConvertDType(w, term.DType()))
		} else {
			term = MulScalar(term, p.Weight)
		}
		out["penalty_"+p.Name()] = term
		sum = Add(sum, term)
	}
	return sum
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
// probability sigmoid(D) for the losses whose outputs are probabilities' logits (ns,
// minimax), the raw mean for the others (lsgan, wgan, hinge, rpgan).
func (s *stepper) report(out *Node) *Node {
	if s.loss.Traits().Probabilities {
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

// run performs iteration i: its D steps on batches fetched by fetch and latents
// latents(k) for k = i*n_critic .. (i+1)*n_critic - 1, then the G step (with its own
// real batch when the loss reads one). Batches are numbered i*b .. (i+1)*b - 1 for b
// batchesPerIteration, G's last. It returns the last step's statistics by name.
func (s *stepper) run(i int, fetch func(k int) (realBatch, error), latents func(k int) []float32) (map[string]float64, error) {
	nc, bpi := s.cfg.Train.NCritic, s.batchesPerIteration()
	for j := range nc {
		k := i*nc + j
		real, err := fetch(i*bpi + j)
		if err != nil {
			return nil, fmt.Errorf("D step %d: %w", j+1, err)
		}
		sg := s.dg
		var realG realBatch
		if j < nc-1 {
			sg = s.dOnly
		} else if s.realInG() {
			if realG, err = fetch(i*bpi + nc); err != nil {
				return nil, fmt.Errorf("G step: %w", err)
			}
		}
		in, stats := s.inputs(k, real, latents(k), realG)
		out, err := sg.exec.Exec(in...)
		if err != nil {
			return nil, err
		}
		for n, o := range out {
			name := sg.outs[n]
			switch {
			case name == adaSigns:
				s.ada.ctl.Observe(scalar(o), s.cfg.Train.Batch/s.cfg.Model.PackDegree())
			case j == nc-1:
				stats[name] = scalar(o)
			}
			o.FinalizeAll()
		}
		if j < nc-1 {
			continue
		}
		if s.ada != nil {
			s.ada.ctl.EndIteration(i)
			if err := s.ada.store(); err != nil {
				return nil, err
			}
			stats["ada_rt"] = s.ada.ctl.RT
		}
		return stats, nil
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
