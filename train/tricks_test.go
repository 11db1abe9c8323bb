package train

import (
	"math"
	"strings"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/optim"
	"github.com/gankit/gankit/run"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestTricksTrain runs a few steps of the micro DCGAN with each loss-side trick on
// the backends gankit tests, and checks what each must leave behind.
func TestTricksTrain(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  map[string]string
		// check inspects the run's context and metrics.
		check func(t *testing.T, ctx *context.Context, ms []Metrics)
	}{
		{"wgan-clip-rmsprop-ncritic", map[string]string{"train.loss": "wgan", "train.clip": "0.01", "train.n_critic": "3",
			"train.optimizer_d": optim.NameRMSProp, "train.optimizer_g": optim.NameRMSProp, "train.lr_d": "5e-5", "train.lr_g": "5e-5"},
			func(t *testing.T, ctx *context.Context, _ []Metrics) {
				n := 0
				for v := range ctx.IterVariables() {
					if !inScope(v, "/d") || !v.Trainable {
						continue
					}
					for _, x := range flat64(v.MustValue()) {
						if math.Abs(x) > 0.01 {
							t.Fatalf("%s holds %g outside the clip range", v.ScopeAndName(), x)
						}
						n++
					}
				}
				if n < 100 {
					t.Errorf("checked only %d of D's weights", n)
				}
			}},
		{"wgan-gp-drift", map[string]string{"train.loss": "wgan", "train.penalty": "wgan-gp", "train.drift": "1e-3", "model.bn_d": "false",
			"train.n_critic": "2", "train.beta1": "0", "train.beta2": "0.9", "train.lr_d": "1e-4", "train.lr_g": "1e-4"},
			func(t *testing.T, ctx *context.Context, ms []Metrics) {
				// Adam's step counters: 2 D steps and 1 G step per iteration.
				if d, g := optimSteps(t, ctx, "d"), optimSteps(t, ctx, "g"); d != 2*float64(len(ms)) || g != float64(len(ms)) {
					t.Errorf("after %d iterations D took %g steps and G %g, want %d and %d", len(ms), d, g, 2*len(ms), len(ms))
				}
				for _, m := range ms {
					if m.Penalty <= 0 {
						t.Errorf("step %d: penalty %g, want > 0", m.Step, m.Penalty)
					}
				}
			}},
		{"vbn-ema", map[string]string{"model.bn_g": "false", "model.vbn_g": "true", "model.vbn_ref": "8", "train.ema": "0.99"},
			func(t *testing.T, ctx *context.Context, ms []Metrics) {
				// G normalises with virtual BN: a fixed reference batch of 8 latents (z_dim
				// 8), per-layer scale and offset, and no running statistics; G_ema keeps
				// its own copy of every one of them.
				var refs, affine int
				for v := range ctx.IterVariables() {
					switch {
					case inScope(v, "/g") && v.Name() == "vbn_ref_z":
						refs++
						if d := v.Shape().Dimensions; len(d) != 2 || d[0] != 8 || d[1] != 8 {
							t.Errorf("%s: shape %v, want [8, 8]", v.ScopeAndName(), d)
						}
					case inScope(v, "/g") && strings.HasSuffix(v.Scope(), "/vbn"):
						affine++
					case inScope(v, "/g") && (v.Name() == "running_mean" || v.Name() == "running_var"):
						t.Errorf("G has BatchNorm statistics %s with model.bn_g false", v.ScopeAndName())
					}
				}
				if refs != 1 || affine < 4 {
					t.Errorf("G has %d reference batches and %d virtual-BN scales and offsets; want 1 and at least 4", refs, affine)
				}
				if e := ctx.GetVariableByScopeAndName(EMAScope, "count"); e == nil || flat64(e.MustValue())[0] != float64(len(ms)) {
					t.Errorf("EMA count %v after %d steps", e, len(ms))
				}
				for v := range ctx.IterVariables() {
					if inScope(v, "/g") && v.Name() != "vbn_ref_z" && ctx.GetVariableByScopeAndName(EMAScope+v.Scope(), v.Name()) == nil {
						t.Errorf("G_ema has no copy of %s", v.ScopeAndName())
					}
				}
			}},
		{"r1-hinge-sgd", map[string]string{"train.loss": "hinge", "train.penalty": "r1", "model.bn_d": "false", "train.optimizer_d": optim.NameSGD},
			func(t *testing.T, ctx *context.Context, ms []Metrics) {
				for _, m := range ms {
					// Hinge: mean relu(1 - D(x)) + mean relu(1 + D(G(z))) >= relu(1 - d_real)
					// + relu(1 + d_fake) (Jensen, relu is convex); R1 adds a positive penalty.
					bound := max(0, 1-m.DReal) + max(0, 1+m.DFake)
					if m.Penalty <= 0 || m.LossD-m.Penalty < bound-1e-5 {
						t.Errorf("step %d: loss_d %g, penalty %g; want penalty > 0 and loss_d - penalty >= %g", m.Step, m.LossD, m.Penalty, bound)
					}
				}
				// SGD keeps no state for D; G's Adam counts its steps.
				for v := range ctx.IterVariables() {
					if inScope(v, "/optim/d") {
						t.Errorf("D is trained by SGD but %s exists", v.ScopeAndName())
					}
				}
				if g := optimSteps(t, ctx, "g"); g != float64(len(ms)) {
					t.Errorf("G's Adam took %g steps in %d iterations", g, len(ms))
				}
			}},
		{"dragan-lsgan", map[string]string{"train.loss": "lsgan", "train.penalty": "dragan", "model.bn_d": "false"},
			func(t *testing.T, _ *context.Context, ms []Metrics) {
				for _, m := range ms {
					// LSGAN on raw outputs: 0.5 mean (D(x) - 1)^2 + 0.5 mean D(G(z))^2 >=
					// 0.5 (d_real - 1)^2 + 0.5 d_fake^2 (Jensen); DRAGAN adds a positive penalty.
					bound := 0.5*(m.DReal-1)*(m.DReal-1) + 0.5*m.DFake*m.DFake
					if m.Penalty <= 0 || m.LossD-m.Penalty < bound-1e-5 {
						t.Errorf("step %d: loss_d %g, penalty %g; want penalty > 0 and loss_d - penalty >= %g", m.Step, m.LossD, m.Penalty, bound)
					}
				}
			}},
		{"minimax-labels-noise", map[string]string{"train.loss": "minimax", "train.label_smoothing": "0.1", "train.label_flip": "0.1",
			"train.instance_noise": "0.5", "train.instance_noise_steps": "4"},
			func(t *testing.T, _ *context.Context, ms []Metrics) {
				for _, m := range ms {
					want := 0.5 * max(0, 1-float64(m.Step-1)/4)
					if math.Abs(m.NoiseSigma-want) > 1e-12 {
						t.Errorf("step %d: noise sigma %g, want %g", m.Step, m.NoiseSigma, want)
					}
				}
			}},
		{"diffaugment-feature-matching-histavg", map[string]string{"train.diffaugment": "color,translation,cutout",
			"train.feature_matching": "true", "train.historical_averaging": "0.1"},
			func(t *testing.T, ctx *context.Context, ms []Metrics) {
				for _, net := range []string{"d", "g"} {
					v := ctx.GetVariableByScopeAndName("/hist/"+net, "count")
					if v == nil || flat64(v.MustValue())[0] != float64(len(ms)) {
						t.Errorf("historical average of %s: count %v after %d steps", net, v, len(ms))
					}
				}
			}},
		{"replay", map[string]string{"train.replay": "20", "train.replay_prob": "0.5", "train.n_critic": "2",
			"train.loss": "lsgan"},
			func(t *testing.T, ctx *context.Context, ms []Metrics) {
				// 8 D steps of 8 fakes into a ring of 24 (20 rounded up to whole batches):
				// every row has been written.
				v := ctx.GetVariableByScopeAndName("/replay", "buffer")
				if v == nil {
					t.Fatal("no replay buffer")
				}
				vals := flat64(v.MustValue())
				rows := v.Shape().Dimensions[0]
				if rows != 24 {
					t.Errorf("buffer holds %d rows, want 24", rows)
				}
				per := len(vals) / rows
				for r := range rows {
					zero := true
					for _, x := range vals[r*per : (r+1)*per] {
						zero = zero && x == 0
					}
					if zero {
						t.Errorf("buffer row %d never written", r)
					}
				}
			}},
		{"noisy-labels-ema", map[string]string{"train.noisy_labels": "true", "train.ema": "0.999"},
			func(t *testing.T, ctx *context.Context, ms []Metrics) {
				e := ctx.GetVariableByScopeAndName(EMAScope, "count")
				if e == nil || flat64(e.MustValue())[0] != float64(len(ms)) {
					t.Fatalf("EMA count %v after %d steps", e, len(ms))
				}
				n := 0
				for v := range ctx.IterVariables() {
					if inScope(v, EMAScope+"/g") {
						n++
					}
				}
				if n < 10 {
					t.Errorf("only %d EMA variables", n)
				}
			}},
	} {
		for _, bname := range backend.TestBackends() {
			t.Run(tc.name+"/"+bname, func(t *testing.T) {
				cfg := microConfig(t)
				cfg.Train.Steps, cfg.Train.CheckpointEvery = 4, 0
				for k, v := range tc.set {
					if err := cfg.Set(k, v); err != nil {
						t.Fatal(err)
					}
				}
				dir := t.TempDir()
				if _, err := Run(cfg, Options{RunDir: dir, Backend: testutil.Backend(t, bname)}); err != nil {
					t.Fatal(err)
				}
				ms := readMetrics(t, dir)
				for _, m := range ms {
					if m.GradNormD <= 0 || m.GradNormG <= 0 || m.DAccReal < 0 || m.DAccReal > 1 || m.DAccFake < 0 || m.DAccFake > 1 {
						t.Errorf("step %d: monitoring values out of range: %+v", m.Step, m)
					}
				}
				if tc.check != nil {
					ck, err := run.LatestCheckpoint(dir, nil)
					if err != nil {
						t.Fatal(err)
					}
					ctx := context.New()
					// Checkpoint keys are "scope\x00name". The variables come back trainable:
					// a checkpoint does not record which were.
					for key, v := range ck.Variables() {
						scope, n, _ := strings.Cut(key, "\x00")
						ctx.InAbsPath(scope).VariableWithValue(n, v)
					}
					tc.check(t, ctx, ms)
				}
			})
		}
	}
}

func optimSteps(t *testing.T, ctx *context.Context, name string) float64 {
	v := ctx.GetVariableByScopeAndName("/optim/"+name, "step")
	if v == nil {
		t.Fatalf("no /optim/%s/step", name)
	}
	return flat64(v.MustValue())[0]
}

func flat64(x *tensors.Tensor) []float64 {
	var out []float64
	x.MustConstFlatData(func(f any) {
		switch f := f.(type) {
		case []float32:
			for _, v := range f {
				out = append(out, float64(v))
			}
		case []float64:
			out = append(out, f...)
		}
	})
	return out
}

// TestEMAByHand follows G_ema over three updates of a one-weight "generator" whose
// weight goes 1 -> 2 -> 4 -> 8, G_ema starting equal to G (1): with train.ema 0.999,
// beta_t = min(0.999, (1+t)/(10+t)) = 0.1, 2/11, 3/12; with a beta fed each update
// (R3GAN's 0.5^(batch / half-life), here 0, 0.5 and 0.9) no (1+t)/(10+t) warm-up,
// and beta 0 makes G_ema equal to G.
func TestEMAByHand(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fed   bool
		betas []float64
	}{
		{"ema 0.999", false, []float64{0.1, 2.0 / 11, 3.0 / 12}},
		{"half-life", true, []float64{0, 0.5, 0.9}},
	} {
		b := testutil.Backend(t, "go")
		ctx := context.New()
		w := ctx.In("g").VariableWithValue("w", []float64{1})
		e := context.MustNewExec(b, ctx, func(ctx *context.Context, beta *Node) *Node {
			v := w.ValueGraph(beta.Graph())
			w.SetValueGraph(MulScalar(v, 2))
			if tc.fed {
				updateEMA(ctx, beta.Graph(), 0, beta, []*context.Variable{w}, []*Node{v})
			} else {
				updateEMA(ctx, beta.Graph(), 0.999, nil, []*context.Variable{w}, []*Node{v})
			}
			return beta
		})
		ema, cur := 1.0, 1.0
		for i, beta := range tc.betas {
			e.MustExec(beta)
			cur *= 2
			ema = beta*ema + (1-beta)*cur
			v := ctx.GetVariableByScopeAndName(EMAScope+"/g", "w")
			if got := flat64(v.MustValue())[0]; math.Abs(got-ema) > 1e-12 {
				t.Errorf("%s: update %d: G_ema %.15g, want %.15g", tc.name, i, got, ema)
			}
		}
	}
}

// TestHistoricalAverageByHand follows one weight that goes 1 -> 2 -> 4: the penalty
// is 0 at the first step (no past), then (2 - 1)^2 = 1, then (4 - 1.5)^2 = 6.25.
func TestHistoricalAverageByHand(t *testing.T) {
	b := testutil.Backend(t, "go")
	ctx := context.New()
	w := ctx.In("net").VariableWithValue("w", []float64{1})
	e := context.MustNewExec(b, ctx, func(ctx *context.Context, x *Node) *Node {
		v := w.ValueGraph(x.Graph())
		p := historicalAverage(ctx, x.Graph(), "net", []*context.Variable{w}, []*Node{v}, 1)
		w.SetValueGraph(MulScalar(v, 2))
		return p
	})
	for i, want := range []float64{0, 1, 6.25} {
		got := flat64(e.MustExec(tensors.FromScalar(0.0))[0])[0]
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("step %d: penalty %g, want %g", i, got, want)
		}
	}
}
