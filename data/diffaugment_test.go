package data_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/gradcheck"
	"github.com/gankit/gankit/internal/testutil"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func flatNested(v any) []float64 {
	switch v := v.(type) {
	case float64:
		return []float64{v}
	case []any:
		var out []float64
		for _, e := range v {
			out = append(out, flatNested(e)...)
		}
		return out
	}
	panic("not numbers")
}

func ints(v any) []int {
	var out []int
	for _, f := range flatNested(v) {
		out = append(out, int(f))
	}
	return out
}

func f32s(v any) []float32 {
	var out []float32
	for _, f := range flatNested(v) {
		out = append(out, float32(f))
	}
	return out
}

// TestDiffAugmentMatchesPyTorch applies color, then translation, then cutout with
// the random draws of scripts/reference/torch_diffaugment.py and compares each stage
// with DiffAugment-pytorch's functions on the same image.
func TestDiffAugmentMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/diffaugment_torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]any
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	s := data.Shape{Size: 8, Channels: 3}
	p := data.AugmentParams{
		Brightness: f32s(ref["brightness"]), Saturation: f32s(ref["saturation"]), Contrast: f32s(ref["contrast"]),
		ShiftX: ints(ref["shift_x"]), ShiftY: ints(ref["shift_y"]), CutX: ints(ref["cut_x"]), CutY: ints(ref["cut_y"]),
	}
	x := tensors.FromFlatDataAndDimensions(flatNested(ref["x"]), 3, 8, 8, 3)
	for _, name := range backend.TestBackends() {
		b := testutil.Backend(t, name)
		for _, tc := range []struct {
			aug  data.DiffAugment
			want string
		}{
			{data.DiffAugment{Color: true}, "color"},
			{data.DiffAugment{Color: true, Translation: true}, "color_translation"},
			{data.DiffAugment{Color: true, Translation: true, Cutout: true}, "all"},
		} {
			xc, _ := x.LocalClone() // a tensor serves one backend
			args := []any{xc}
			for _, in := range tc.aug.Tensors(p, 3, s) {
				args = append(args, in)
			}
			out, err := ExecOnce(b, func(in []*Node) *Node {
				// The parameters are float32, as training feeds them; the image float64.
				return tc.aug.Apply(in[0], in[1:])
			}, args...)
			if err != nil {
				t.Fatal(err)
			}
			got, want := flatNested(anyOf(out.Value())), flatNested(ref[tc.want])
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-6*max(1, math.Abs(want[i])) {
					t.Fatalf("%s %s[%d] = %.9g, DiffAugment-pytorch %.9g", name, tc.want, i, got[i], want[i])
				}
			}
		}
	}
}

// anyOf turns nested float64 slices into the []any form flatNested reads.
func anyOf(v any) any {
	raw, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(raw, &out)
	return out
}

// TestDiffAugmentGradientMatchesFiniteDifferences differentiates through every
// transform with respect to the image, the loss weights and each drawn parameter
// (all of them enter the graph as float64 inputs, so all are differentiable).
func TestDiffAugmentGradientMatchesFiniteDifferences(t *testing.T) {
	aug := data.DiffAugment{Color: true, Translation: true, Cutout: true}
	s := data.Shape{Size: 8, Channels: 3}
	r := rand.New(rand.NewPCG(5, 6))
	var params []*tensors.Tensor // as float64, which gradient checks need
	for _, p := range aug.Tensors(aug.Draw(r, 2, s), 2, s) {
		var v []float64
		p.MustConstFlatData(func(f any) {
			for _, x := range f.([]float32) {
				v = append(v, float64(x))
			}
		})
		params = append(params, tensors.FromFlatDataAndDimensions(v, p.Shape().Dimensions...))
	}
	// What each gradcheck input is, by Mismatch.Input.
	names := []string{"image", "loss weights", "brightness", "saturation", "contrast", "row shifts", "column shifts", "cutout mask"}
	const probes = 20
	for _, name := range backend.TestBackends() {
		b := testutil.Backend(t, name)
		x := testutil.Normal(r, true, 2, 8, 8, 3)
		w := testutil.Normal(r, true, 2, 8, 8, 3)
		in := []*tensors.Tensor{x, w}
		for _, p := range params {
			c, _ := p.LocalClone()
			in = append(in, c)
		}
		bad, n, err := gradcheck.Check(b, context.New(), in, func(_ *context.Context, in []*Node) *Node {
			return ReduceAllSum(Mul(Square(aug.Apply(in[0], in[2:])), in[1]))
		}, gradcheck.Options{Probes: probes, Tol: 1e-6, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range bad {
			t.Errorf("%s: gradient with respect to the %s: %v", name, names[m.Input], m)
		}
		// probes coordinates of each input, or all of the 2-element color draws.
		if want := 5*probes + 3*2; n != want {
			t.Errorf("%s: %d coordinates checked, want %d", name, n, want)
		}
	}
}

func TestDiffAugmentDrawRanges(t *testing.T) {
	aug := data.DiffAugment{Color: true, Translation: true, Cutout: true}
	p := aug.Draw(rand.New(rand.NewPCG(1, 1)), 500, data.Shape{Size: 28, Channels: 1})
	for i := range 500 {
		if p.Brightness[i] < -0.5 || p.Brightness[i] > 0.5 || p.Saturation[i] < 0 || p.Saturation[i] > 2 ||
			p.Contrast[i] < 0.5 || p.Contrast[i] > 1.5 || abs(p.ShiftX[i]) > 4 || abs(p.ShiftY[i]) > 4 ||
			p.CutX[i] < 0 || p.CutX[i] > 28 { // side 14 is even: offsets 0..28
			t.Fatalf("draw %d out of range: %+v", i, p)
		}
	}
	if _, err := data.ParseDiffAugment("color,rotate"); err == nil {
		t.Error("unknown policy accepted")
	}
}

func abs(v int) int { return max(v, -v) }
