package losses

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/internal/testutil"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// golden is losses_torch.json, written by scripts/reference/torch_losses.py: each
// registered loss and penalty by name, and the drift term.
type golden struct {
	Real       []float64                 `json:"real"`
	Fake       []float64                 `json:"fake"`
	TargetReal []float64                 `json:"target_real"`
	TargetFake []float64                 `json:"target_fake"`
	Losses     map[string]map[string]any `json:"losses"`
	// Critic is D(x) = v . tanh(x W + b) + c and its real and fake batches.
	Critic struct {
		W, X, Fake [][]float64
		B, V       []float64
		C          float64
	} `json:"critic"`
	Penalties map[string]penaltyGolden `json:"penalties"`
	Drift     struct {
		Eps float64 `json:"eps"`
		criticGrads
	} `json:"drift"`
}

// penaltyGolden is a penalty at its published weight, with the draws it read, by
// the names of its Draws().
type penaltyGolden struct {
	Weight float64                    `json:"weight"`
	Draws  map[string]json.RawMessage `json:"draws"`
	criticGrads
}

// criticGrads are a term's value and its gradient with respect to the critic's weights.
type criticGrads struct {
	Value float64     `json:"value"`
	GradW [][]float64 `json:"grad_W"`
	GradB []float64   `json:"grad_b"`
	GradV []float64   `json:"grad_v"`
	GradC float64     `json:"grad_c"`
}

func loadGolden(t *testing.T) golden {
	t.Helper()
	raw, err := os.ReadFile("testdata/losses_torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func num(v any) float64 { return v.(float64) }

func nums(v any) []float64 {
	var out []float64
	for _, x := range v.([]any) {
		out = append(out, x.(float64))
	}
	return out
}

func closeTo(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*max(1, math.Abs(want[i])) {
			t.Errorf("%s[%d] = %.12g, PyTorch %.12g", what, i, got[i], want[i])
		}
	}
}

func flat(v any) []float64 {
	switch v := v.(type) {
	case float64:
		return []float64{v}
	case []float64:
		return v
	case [][]float64:
		var out []float64
		for _, r := range v {
			out = append(out, r...)
		}
		return out
	}
	panic(fmt.Sprintf("flat: %T", v))
}

// TestLossesMatchPyTorch checks every loss's value and its gradient with respect to
// D's outputs, with the plain 1/0 targets and with per-sample ones, against PyTorch.
func TestLossesMatchPyTorch(t *testing.T) {
	g := loadGolden(t)
	for lname := range g.Losses {
		if _, err := ByName(lname); err != nil {
			t.Errorf("testdata/losses_torch.json has values for %q, which is no registered loss: %v", lname, err)
		}
	}
	for _, name := range backend.TestBackends() {
		b := testutil.Backend(t, name)
		for _, lname := range Names() {
			want, ok := g.Losses[lname]
			if !ok {
				t.Fatalf("loss %s has no golden values: add it to scripts/reference/torch_losses.py and rerun it", lname)
			}
			l, err := ByName(lname)
			if err != nil {
				t.Fatal(err)
			}
			for _, withTargets := range []bool{false, true} {
				label := "plain"
				if withTargets {
					label = "targets"
				}
				out := MustExecOnceN(b, func(r, f, tr, tf *Node) []*Node {
					tg := Targets{}
					if withTargets {
						tg = Targets{Real: tr, Fake: tf}
					}
					d := l.D(Logits{Real: r, Fake: f}, tg)
					gd := Gradient(d, r, f)
					lg := Logits{Fake: f}
					if l.Traits().RealInG {
						lg.Real = r
					}
					gl := l.G(lg)
					gg := Gradient(gl, f)[0]
					ggReal := ZerosLike(r) // G's loss without RealInG does not read the real logits
					if lg.Real != nil {
						ggReal = Gradient(gl, r)[0]
					}
					return []*Node{d, gd[0], gd[1], gl, gg, ggReal}
				}, g.Real, g.Fake, g.TargetReal, g.TargetFake)
				if withTargets && !l.Traits().Targets {
					// Losses without targets ignore them: same as plain.
					label = "plain"
				}
				what := fmt.Sprintf("%s/%s/%s", name, lname, label)
				closeTo(t, what+" D", flat(out[0].Value()), []float64{num(want["d_"+label])}, 1e-10)
				closeTo(t, what+" dD/dreal", flat(out[1].Value()), nums(want["d_"+label+"_grad_real"]), 1e-10)
				closeTo(t, what+" dD/dfake", flat(out[2].Value()), nums(want["d_"+label+"_grad_fake"]), 1e-10)
				closeTo(t, what+" G", flat(out[3].Value()), []float64{num(want["g"])}, 1e-10)
				closeTo(t, what+" dG/dfake", flat(out[4].Value()), nums(want["g_grad_fake"]), 1e-10)
				closeTo(t, what+" dG/dreal", flat(out[5].Value()), nums(want["g_grad_real"]), 1e-10)
			}
		}
	}
}

// TestPenaltiesMatchPyTorch checks every registered penalty's value at its published
// weight and its gradient with respect to the critic's weights (a second-order
// gradient) against PyTorch's double backward, for D(x) = v . tanh(x W + b) + c
// behind a fixed affine preprocessor, so that a Term that reads the wrong batch
// (augmented or raw) or the wrong D fails. What a penalty reads comes from the
// penalty: its Draws name the golden draws it is fed, and DefaultWeight must be the
// weight the reference script used.
func TestPenaltiesMatchPyTorch(t *testing.T) {
	g := loadGolden(t)
	c := g.Critic
	for pname := range g.Penalties {
		if _, err := PenaltyByName("testdata/losses_torch.json", pname); err != nil {
			t.Errorf("values for a penalty that is not registered: %v", err)
		}
	}
	for _, name := range backend.TestBackends() {
		b := testutil.Backend(t, name)
		for _, pname := range PenaltyNames()[1:] {
			p, err := PenaltyByName("test", pname)
			if err != nil {
				t.Fatal(err)
			}
			want, ok := g.Penalties[pname]
			if !ok {
				t.Fatalf("penalty %s has no golden values: add it to scripts/reference/torch_losses.py and rerun it", pname)
			}
			if p.DefaultWeight() != want.Weight {
				t.Errorf("%s: DefaultWeight %g, the reference script's published weight %g", pname, p.DefaultWeight(), want.Weight)
			}
			draws := p.Draws()
			if len(want.Draws) != len(draws) {
				t.Fatalf("%s: Draws %v, the reference script's draws %d", pname, draws, len(want.Draws))
			}
			args := []any{c.W, c.B, c.V, c.C, c.X, c.Fake}
			for _, dr := range draws {
				v, err := drawValue(want.Draws[dr.Name], dr, len(c.X), len(c.X[0]))
				if err != nil {
					t.Fatalf("%s: %v", pname, err)
				}
				args = append(args, v)
			}
			out := MustExecOnceN(b, func(in []*Node) []*Node {
				w, bias, v, c0, x := in[0], in[1], in[2], in[3], in[4]
				fake := StopGradient(in[5]) // as the step passes it: G's output without gradient
				d := mlpCritic(w, bias, v, c0)
				// The reference script's preprocessor P(x) = 0.8 x + 0.1 stands for
				// DiffAugment and instance noise: Real and Fake are what D's loss sees,
				// DReal and DFake are D behind P.
				pre := func(x *Node) *Node { return AddScalar(MulScalar(x, 0.8), 0.1) }
				dPre := func(x *Node) *Node { return d(pre(x)) }
				pin := PenaltyInputs{D: d, Real: pre(x), Fake: pre(fake), RawReal: x, RawFake: fake, DReal: dPre, DFake: dPre, Draws: map[string]*Node{}}
				for i, dr := range draws {
					pin.Draws[dr.Name] = in[6+i]
				}
				pv := MulScalar(p.Term(pin), p.DefaultWeight())
				return append([]*Node{pv}, Gradient(pv, w, bias, v, c0)...)
			}, args...)
			closeToCritic(t, name+"/"+pname, out, want.criticGrads)
		}
	}
}

// TestDriftMatchesPyTorch checks PGGAN's drift term and its gradient with respect to
// the critic's weights against PyTorch.
func TestDriftMatchesPyTorch(t *testing.T) {
	g := loadGolden(t)
	c := g.Critic
	if g.Drift.Eps == 0 {
		t.Fatal("testdata/losses_torch.json has no drift values: rerun scripts/reference/torch_losses.py")
	}
	for _, name := range backend.TestBackends() {
		b := testutil.Backend(t, name)
		out := MustExecOnceN(b, func(w, bias, v, c0, x *Node) []*Node {
			p := Drift(mlpCritic(w, bias, v, c0)(x), g.Drift.Eps)
			return append([]*Node{p}, Gradient(p, w, bias, v, c0)...)
		}, c.W, c.B, c.V, c.C, c.X)
		closeToCritic(t, name+"/drift", out, g.Drift.criticGrads)
	}
}

// mlpCritic is the reference script's D(x) = v . tanh(x W + b) + c.
func mlpCritic(w, bias, v, c0 *Node) Critic {
	return func(x *Node) *Node {
		return Add(Dot(Tanh(Add(Dot(x, w), Reshape(bias, 1, -1))), v), c0)
	}
}

// closeToCritic compares a term's value and its gradients with respect to W, b, v
// and c (out, in that order) with PyTorch's.
func closeToCritic(t *testing.T, what string, out []*tensors.Tensor, want criticGrads) {
	t.Helper()
	closeTo(t, what+" value", flat(out[0].Value()), []float64{want.Value}, 1e-9)
	closeTo(t, what+" dW", flat(out[1].Value()), flat(want.GradW), 1e-8)
	closeTo(t, what+" db", flat(out[2].Value()), want.GradB, 1e-8)
	closeTo(t, what+" dv", flat(out[3].Value()), want.GradV, 1e-8)
	closeTo(t, what+" dc", flat(out[4].Value()), []float64{want.GradC}, 1e-8)
}

// drawValue decodes a golden draw shaped as dr says: [n] per sample, [n][a] per
// element of the [n, a] batch.
func drawValue(raw json.RawMessage, dr Draw, n, a int) (any, error) {
	if raw == nil {
		return nil, fmt.Errorf("draw %q: the reference script has none of that name", dr.Name)
	}
	if !dr.PerElement {
		var v []float64
		if err := json.Unmarshal(raw, &v); err != nil || len(v) != n {
			return nil, fmt.Errorf("draw %q: want %d values, one per sample, got %s (%v)", dr.Name, n, raw, err)
		}
		return v, nil
	}
	var v [][]float64
	if err := json.Unmarshal(raw, &v); err != nil || len(v) != n {
		return nil, fmt.Errorf("draw %q: want %dx%d values, one per element, got %s (%v)", dr.Name, n, a, raw, err)
	}
	for _, row := range v {
		if len(row) != a {
			return nil, fmt.Errorf("draw %q: want %dx%d values, one per element, a row has %d", dr.Name, n, a, len(row))
		}
	}
	return v, nil
}

func TestLabelsDraw(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	real, fake := Labels{Smoothing: 0.1}.Draw(r, 5)
	for i := range real {
		if real[i] != 0.9 || fake[i] != 0 {
			t.Fatalf("smoothing 0.1: targets %v / %v, want 0.9 / 0", real[i], fake[i])
		}
	}
	real, fake = Labels{Noisy: true}.Draw(r, 2000)
	for i := range real {
		if real[i] < 0.7 || real[i] > 1.2 || fake[i] < 0 || fake[i] > 0.3 {
			t.Fatalf("noisy: targets %v / %v outside [0.7, 1.2] / [0, 0.3]", real[i], fake[i])
		}
	}
	flips := 0
	real, fake = Labels{Flip: 0.25}.Draw(r, 4000)
	for i := range real {
		switch {
		case real[i] == 0 && fake[i] == 1:
			flips++
		case real[i] != 1 || fake[i] != 0:
			t.Fatalf("flip: targets %v / %v", real[i], fake[i])
		}
	}
	if flips < 880 || flips > 1120 { // 1000 expected, sd ~27
		t.Errorf("flip 0.25: %d of 4000 flipped", flips)
	}
	if err := (Labels{Noisy: true, Smoothing: 0.1}).Validate(); err == nil {
		t.Error("noisy labels with smoothing accepted")
	}
}

func TestInstanceNoiseSchedule(t *testing.T) {
	n := InstanceNoise{Sigma0: 0.5, Steps: 1000}
	for _, tc := range []struct {
		step int
		want float64
	}{{0, 0.5}, {250, 0.375}, {500, 0.25}, {999, 0.0005}, {1000, 0}, {5000, 0}} {
		if got := n.Sigma(tc.step); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("sigma at step %d = %g, want %g", tc.step, got, tc.want)
		}
	}
}
