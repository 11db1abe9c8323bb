package train

import (
	"encoding/json"
	"math"
	"os"
	"path"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/run"
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
	cfg, _ := config.FromPreset(data.Ring8)
	cfg.Model.Width, cfg.Train.Batch = in.Width, in.Batch
	ctx := run.NewContext(cfg)
	init := mapLoader{}
	for key, vals := range in.Init {
		scope, name := context.SplitScope(key)
		if name == "biases" {
			init[key] = tensors.FromFlatDataAndDimensions(vals, len(vals))
			continue
		}
		fanIn := in.Width // weights are [in, out]; only the first layer sees the 2-D input
		if path.Base(scope) == "hidden0" {
			fanIn = 2
		}
		init[key] = tensors.FromFlatDataAndDimensions(vals, fanIn, len(vals)/fanIn)
	}
	ctx.SetLoader(init)
	step, err := newStepper(testutil.Backend(t, "go"), ctx, cfg, data.Shape{Dim: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range in.Reals {
		out, err := step.run(i, func(int) ([]float32, error) { return in.Reals[i], nil }, func(int) []float32 { return in.Zs[i] })
		if err != nil {
			t.Fatal(err)
		}
		for j, got := range []float64{scalar(out[0]), scalar(out[1])} {
			if math.Abs(got-want.Losses[i][j]) > 1e-5 {
				t.Errorf("iteration %d loss %d: %.7g, PyTorch %.7g", i, j, got, want.Losses[i][j])
			}
		}
	}
	n := 0
	for key, w := range want.Final {
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
		for i := range w {
			if math.Abs(float64(flat[i])-w[i]) > 1e-6 {
				t.Errorf("%s[%d] = %.8g, PyTorch %.8g", key, i, flat[i], w[i])
				break
			}
			n++
		}
	}
	if n < 200 {
		t.Errorf("compared only %d weights", n)
	}
}
