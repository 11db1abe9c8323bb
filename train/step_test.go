package train

import (
	"encoding/json"
	"math"
	"os"
	"path"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/run"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// mapLoader hands a context initial values by "scope/name".
type mapLoader map[string]*tensors.Tensor

func (m mapLoader) LoadVariable(_ *context.Context, scope, name string) (*tensors.Tensor, bool) {
	t, ok := m[context.JoinScope(scope, name)]
	return t, ok
}

func (m mapLoader) DeleteVariable(*context.Context, string, string) error { return nil }

// TestStepMatchesPyTorch runs three training iterations of the toy MLP GAN from the
// weights, batches and latents in testdata/toy_step_in.json and compares both losses
// and every final weight with PyTorch's (scripts/reference/torch_toy_step.py):
// the iteration order, the non-saturating loss and Adam must all agree.
func TestStepMatchesPyTorch(t *testing.T) {
	var in struct {
		Width, Batch int
		Init         map[string][]float32
		Reals, Zs    [][]float32
	}
	var want struct {
		Losses [][2]float64
		Final  map[string][]float64
	}
	for name, v := range map[string]any{"testdata/toy_step_in.json": &in, "testdata/toy_step_torch.json": &want} {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatal(err)
		}
	}
	// Tolerances, for every backend (the default cpu one included). The weights are
	// float32 of magnitude <= 0.71 (ulp 6e-8) and the losses about 1.42 (ulp 1.2e-7).
	// The backends differ from PyTorch only in the order they add (the cpu backend's
	// products and reductions in blocks and fused chains, the go engine in plain
	// loops, PyTorch in its own kernels' order): an ulp or so per sum, which Adam's
	// m/sqrt(v) can amplify where a gradient is near zero. Measured (logged with -v):
	// 6.0e-8 on the weights and 1.2e-7 on the losses, one ulp, on both go and cpu.
	// The bounds leave 8 ulp: 5e-7 and 1e-6. Three Adam steps at lr 1e-4 move each
	// weight by up to 3e-4, so a wrong sign, learning rate, moment or iteration order
	// shows hundreds of times over.
	const weightTol, lossTol = 5e-7, 1e-6
	for _, name := range backend.TestBackends() {
		t.Run(name, func(t *testing.T) {
			maxLoss, maxWeight, n := stepAgainstPyTorch(t, testutil.Backend(t, name), in.Width, in.Batch, in.Init, in.Reals, in.Zs, want.Losses, want.Final, lossTol, weightTol)
			t.Logf("%s: %d weights compared; largest differences from PyTorch: loss %.3g, weight %.3g", name, n, maxLoss, maxWeight)
			if n < 200 {
				t.Errorf("compared only %d weights", n)
			}
		})
	}
}

// stepAgainstPyTorch runs the iterations on backend b from the given weights and
// reports the largest loss and weight differences from PyTorch's and how many
// weights it compared, failing the test where one exceeds its tolerance.
func stepAgainstPyTorch(t *testing.T, b backends.Backend, width, batch int, initial map[string][]float32, reals, zs [][]float32,
	losses [][2]float64, final map[string][]float64, lossTol, weightTol float64) (maxLoss, maxWeight float64, n int) {
	cfg, _ := config.FromPreset(data.Ring8)
	cfg.Model.Width, cfg.Train.Batch = width, batch
	ctx := run.NewContext(cfg)
	init := mapLoader{}
	for key, vals := range initial {
		scope, name := context.SplitScope(key)
		if name == "biases" {
			init[key] = tensors.FromFlatDataAndDimensions(vals, len(vals))
			continue
		}
		fanIn := width // weights are [in, out]; only the first layer sees the 2-D input
		if path.Base(scope) == "hidden0" {
			fanIn = 2
		}
		init[key] = tensors.FromFlatDataAndDimensions(vals, fanIn, len(vals)/fanIn)
	}
	ctx.SetLoader(init)
	step, err := newStepper(b, ctx, cfg, data.Shape{Dim: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range reals {
		out, err := step.run(i, func(int) (realBatch, error) { return realBatch{x: reals[i]}, nil }, func(int) []float32 { return zs[i] })
		if err != nil {
			t.Fatal(err)
		}
		for j, got := range []float64{out["loss_d"], out["loss_g"]} {
			d := math.Abs(got - losses[i][j])
			maxLoss = max(maxLoss, d)
			if !(d <= lossTol) {
				t.Errorf("iteration %d loss %d: %.7g, PyTorch %.7g", i, j, got, losses[i][j])
			}
		}
	}
	for key, w := range final {
		scope, name := context.SplitScope(key)
		v := ctx.GetVariableByScopeAndName(scope, name)
		if v == nil {
			t.Fatalf("no variable %s", key)
		}
		got := v.MustValue().Value()
		var flat []float32
		switch g := got.(type) {
		case []float32:
			flat = g
		case [][]float32:
			for _, row := range g {
				flat = append(flat, row...)
			}
		}
		if len(flat) != len(w) {
			t.Fatalf("%s has %d values, PyTorch's %d", key, len(flat), len(w))
		}
		for i := range w {
			d := math.Abs(float64(flat[i]) - w[i])
			maxWeight = max(maxWeight, d)
			if !(d <= weightTol) {
				t.Errorf("%s[%d] = %.8g, PyTorch %.8g", key, i, flat[i], w[i])
				break
			}
			n++
		}
	}
	return maxLoss, maxWeight, n
}
