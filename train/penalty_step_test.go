package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/losses"
	"github.com/gankit/gankit/nets"
	"github.com/gankit/gankit/run"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// penaltyRef is what a penalty's Term may read, computed by the test itself
// from the step's draws: D; the batches D's loss sees (xReal, xFake: DiffAugment,
// then instance noise, applied here by hand); the batches before them (rawReal, and
// rawFake, G's output); D behind each batch's augmentation and noise (dReal,
// dFake); and the penalty's own draws.
type penaltyRef struct {
	d, dReal, dFake  losses.Critic
	xReal, xFake     *Node
	rawReal, rawFake *Node
	draws            map[string]*Node
}

// TestPenaltiesThroughAugmentationAndNoise: for every registered penalty, with
// DiffAugment and, separately, with instance noise, the penalty_<name> the step
// reports is the penalty's Term on the inputs PenaltyInputs documents: the batches
// D's loss sees, the batches before augmentation and noise (G's raw output for the
// fakes), and D behind each batch's augmentation and noise. The reference builds
// those inputs here, in a graph of its own, on the same D weights and the same host
// draws, with the augmentation and the noise applied by hand, so a step that wires a
// penalty's inputs wrongly (D behind the real batch's pipeline for the fakes, the
// real batch as the fake one) fails. Which of the inputs each Term reads is pinned by
// losses' golden test, whose reference critic sits behind a preprocessor (R2 on the
// augmented fakes fails there). Each case also checks that the trick moves the
// penalty far more than the tolerance, so that a penalty on the wrong batch cannot
// pass by the trick being a no-op.
func TestPenaltiesThroughAugmentationAndNoise(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	for _, name := range losses.PenaltyNames()[1:] {
		p, err := losses.PenaltyByName("train.penalties", name)
		if err != nil {
			t.Fatal(err)
		}
		def := func(r penaltyRef) *Node {
			return p.Term(losses.PenaltyInputs{D: r.d, Real: r.xReal, Fake: r.xFake,
				RawReal: r.rawReal, RawFake: r.rawFake, DReal: r.dReal, DFake: r.dFake, Draws: r.draws})
		}
		for _, trick := range []struct {
			name string
			set  func(c *config.Config)
		}{
			{"diffaugment", func(c *config.Config) { c.Train.DiffAugment = "color,translation,cutout" }},
			{"instance_noise", func(c *config.Config) { c.Train.InstanceNoise = 1 }},
		} {
			t.Run(name+"/"+trick.name, func(t *testing.T) {
				cfg := microConfig(t)
				// Equalized LR's He-scaled weights give D input gradients of order 1
				// (DCGAN's N(0, 0.02) leaves them near 0, where the tricks hardly
				// move a penalty).
				cfg.Model.BND, cfg.Model.EqualizedLR = false, true
				cfg.Train.Penalties = []config.PenaltyTerm{{Name: name, Weight: 1}}
				trick.set(&cfg)
				if err := cfg.Validate(mnistShape); err != nil {
					t.Fatal(err)
				}
				got, want, plain := penaltyInStep(t, b, cfg, def)
				t.Logf("step %.7g, reference %.7g, without %s %.7g", got, want, trick.name, plain)
				const tol = 1e-5 // relative: two float32 graphs of the same operations (measured: equal)
				if !(math.Abs(got-want) <= tol*math.Abs(want)) {
					t.Errorf("penalty_%s = %.7g, its definition gives %.7g", name, got, want)
				}
				if !(math.Abs(plain-want) > 100*tol*math.Abs(want)) {
					t.Errorf("%s moves %s only from %.7g to %.7g: the test cannot tell which batch it is taken on", trick.name, name, plain, want)
				}
			})
		}
	}
}

// penaltyInStep runs one iteration of cfg's step and returns the penalty_<name> it
// reports for cfg's one penalty, the value def gives on the same weights and draws,
// and what def gives with the augmentation and the noise left out.
func penaltyInStep(t *testing.T, b backends.Backend, cfg config.Config, def func(penaltyRef) *Node) (got, want, plain float64) {
	t.Helper()
	var p config.Penalty
	vals, stats := stepAndReference(t, b, cfg, 0, func(ctx *context.Context, s *stepper, x map[input]*Node) []*Node {
		p = s.penalties[0]
		d := func(v *Node) *Node { return nets.Discriminator(ctx, cfg.Model, mnistShape, v) }
		// What D's loss sees of a batch, by hand: DiffAugment's transforms with
		// the group's parameters, then + sigma·noise.
		via := func(group, noise input, on bool) func(v *Node) *Node {
			return func(v *Node) *Node {
				if !on {
					return v
				}
				if s.aug.On() {
					params := make([]*Node, s.aug.Inputs())
					for j := range params {
						params[j] = x[augParam(group, j)]
					}
					v = s.aug.Apply(v, params)
				}
				if sigma := x[inNoiseSigma]; sigma != nil {
					v = Add(v, Mul(ConvertDType(sigma, v.DType()), x[noise]))
				}
				return v
			}
		}
		rawFake := StopGradient(nets.Generator(ctx, cfg.Model, mnistShape, x[inZ], nets.Training))
		draws := map[string]*Node{}
		for _, dr := range p.Draws() {
			draws[dr.Name] = x[penaltyDraw(p, dr)]
		}
		var outs []*Node
		for _, on := range []bool{true, false} {
			viaReal, viaFake := via(augReal, inNoiseReal, on), via(augFake, inNoiseFake, on)
			outs = append(outs, def(penaltyRef{
				d: d, dReal: func(v *Node) *Node { return d(viaReal(v)) }, dFake: func(v *Node) *Node { return d(viaFake(v)) },
				xReal: viaReal(x[inReal]), xFake: viaFake(rawFake), rawReal: x[inReal], rawFake: rawFake, draws: draws,
			}))
		}
		return outs
	})
	got, ok := stats["penalty_"+p.Name()]
	if !ok {
		t.Fatalf("the step reports no penalty_%s: %v", p.Name(), stats)
	}
	return got, scalar(vals[0]), scalar(vals[1])
}

// stepAndReference runs iteration i of cfg's step (its first D step, from the
// initial weights) on a fixed real batch and latents, and returns the statistics it
// reports, with what ref computes from the same initial weights and the same host
// inputs (x, by name). ref runs first, on a context of its own that creates and
// initialises the weights; the step's context then loads them.
func stepAndReference(t *testing.T, b backends.Backend, cfg config.Config, i int,
	ref func(ctx *context.Context, s *stepper, x map[input]*Node) []*Node) ([]*tensors.Tensor, map[string]float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(11, 12))
	n := cfg.Train.Batch
	real := uniform32(r, n*mnistShape.Size*mnistShape.Size*mnistShape.Channels)
	z := uniform32(r, n*cfg.Model.ZDim)

	ctx0 := run.NewContext(cfg)
	s, err := newStepper(b, ctx0, cfg, mnistShape)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := s.inputs(i*cfg.Train.NCritic, realBatch{x: real}, z, realBatch{})
	names := s.inNames
	exec, err := context.NewExec(b, ctx0, func(ctx *context.Context, raw []*Node) []*Node {
		x := map[input]*Node{}
		for i, name := range names {
			x[name] = raw[i]
		}
		return ref(ctx, s, x)
	})
	if err != nil {
		t.Fatal(err)
	}
	vals, err := exec.Exec(in...)
	if err != nil {
		t.Fatal(err)
	}

	loader := countingLoader{vals: mapLoader{}, loaded: map[string]bool{}}
	for v := range ctx0.IterVariables() {
		if inScope(v, "/d") || inScope(v, "/g") {
			loader.vals[context.JoinScope(v.Scope(), v.Name())] = v.MustValue()
		}
	}
	ctx := run.NewContext(cfg)
	ctx.SetLoader(loader)
	if s, err = newStepper(b, ctx, cfg, mnistShape); err != nil {
		t.Fatal(err)
	}
	stats, err := s.run(i, func(int) (realBatch, error) { return realBatch{x: real}, nil }, func(int) []float32 { return z })
	if err != nil {
		t.Fatal(err)
	}
	if len(loader.loaded) != len(loader.vals) || len(loader.vals) < 10 {
		t.Fatalf("the step loaded %d of the reference's %d weights", len(loader.loaded), len(loader.vals))
	}
	return vals, stats
}

// countingLoader is a mapLoader that records which variables it handed out.
type countingLoader struct {
	vals   mapLoader
	loaded map[string]bool
}

func (l countingLoader) LoadVariable(ctx *context.Context, scope, name string) (*tensors.Tensor, bool) {
	v, ok := l.vals.LoadVariable(ctx, scope, name)
	if ok {
		l.loaded[context.JoinScope(scope, name)] = true
	}
	return v, ok
}

func (l countingLoader) DeleteVariable(*context.Context, string, string) error { return nil }
