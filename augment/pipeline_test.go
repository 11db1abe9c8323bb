package augment_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gankit/gankit/augment"
	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/internal/gradcheck"
	"github.com/gankit/gankit/internal/testutil"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

var bgc = augment.Pipeline{Blit: true, Geometric: true, Color: true}

// apply runs pl.Apply on images x (flat, n x size x size x channels) with the
// transforms ps on backend name, and returns the result flat.
func apply(t *testing.T, name string, pl augment.Pipeline, ps []augment.Params, x []float32, size, channels int) []float32 {
	t.Helper()
	b := testutil.Backend(t, name)
	args := []any{tensors.FromFlatDataAndDimensions(x, len(ps), size, size, channels)}
	for _, in := range pl.Tensors(ps, size, channels) {
		args = append(args, in)
	}
	out, err := ExecOnce(b, func(in []*Node) *Node { return pl.Apply(in[0], in[1:]) }, args...)
	if err != nil {
		t.Fatal(err)
	}
	return tensors.MustCopyFlatData[float32](out)
}

// TestPipelineMatchesPyTorch compares each transform's matrices, the warp and the
// colour transform with scripts/reference/torch_ada.py, which builds them from
// augment.py's definitions and warps with torch's grid_sample, on 3- and 1-channel
// 8x8 images.
func TestPipelineMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/ada_torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Channels int
			Params   struct {
				Flip, Turns              int
				Shift                    [2]int
				Scale, Rot1, Aniso, Rot2 float64
				Frac                     [2]float64
				Brightness, Contrast     float64
				Lumaflip                 int
				Hue, Saturation          float64
			}
			Image, Warped, Out [][][]float64
			WarpMatrix         [3][3]float64 `json:"warp_matrix"`
			ColorMatrix        [4][4]float64 `json:"color_matrix"`
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) < 20 {
		t.Fatalf("only %d reference cases", len(ref.Cases))
	}
	flat := func(v [][][]float64) []float32 {
		var out []float32
		for _, row := range v {
			for _, px := range row {
				for _, c := range px {
					out = append(out, float32(c))
				}
			}
		}
		return out
	}
	compared := 0
	for k, tc := range ref.Cases {
		p := tc.Params
		q := augment.Params{FlipX: p.Flip == 1, QuarterTurns: p.Turns, ShiftX: p.Shift[0], ShiftY: p.Shift[1],
			Scale: p.Scale, Rotate1: p.Rot1, Aniso: p.Aniso, Rotate2: p.Rot2, FracX: p.Frac[0], FracY: p.Frac[1],
			Brightness: p.Brightness, Contrast: p.Contrast, LumaFlip: p.Lumaflip == 1, Hue: p.Hue, Saturation: p.Saturation}
		w, c := q.Warp(), q.Color()
		for i := range 3 {
			for j := range 3 {
				if math.Abs(w[i][j]-tc.WarpMatrix[i][j]) > 1e-9 {
					t.Fatalf("case %d: warp matrix [%d][%d] = %.12g, reference %.12g", k, i, j, w[i][j], tc.WarpMatrix[i][j])
				}
			}
		}
		for i := range 4 {
			for j := range 4 {
				if math.Abs(c[i][j]-tc.ColorMatrix[i][j]) > 1e-9 {
					t.Fatalf("case %d: colour matrix [%d][%d] = %.12g, reference %.12g", k, i, j, c[i][j], tc.ColorMatrix[i][j])
				}
			}
		}
		for _, name := range backend.TestBackends() {
			for _, st := range []struct {
				pl   augment.Pipeline
				want [][][]float64
				what string
			}{{augment.Pipeline{Blit: true, Geometric: true}, tc.Warped, "warp"}, {bgc, tc.Out, "warp + colour"}} {
				got := apply(t, name, st.pl, []augment.Params{q}, flat(tc.Image), 8, tc.Channels)
				want := flat(st.want)
				for i := range want {
					if math.Abs(float64(got[i]-want[i])) > 2e-6 {
						t.Fatalf("%s: case %d (%d channels) %s [%d] = %.7g, reference %.7g", name, k, tc.Channels, st.what, i, got[i], want[i])
					}
					compared++
				}
			}
		}
	}
	if compared < 10000 {
		t.Errorf("compared only %d values", compared)
	}
}

// TestZeroProbabilityIsIdentity draws at p = 0: every image comes back bit for bit.
func TestZeroProbabilityIsIdentity(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for k, q := range bgc.Draw(r, 0, 5000, 8, 3) {
		if q != augment.Unchanged() {
			t.Fatalf("p = 0 drew %+v for image %d", q, k)
		}
	}
	for _, channels := range []int{1, 3} {
		ps := bgc.Draw(r, 0, 5, 8, channels)
		x := make([]float32, 5*8*8*channels)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		for _, name := range backend.TestBackends() {
			got := apply(t, name, bgc, ps, x, 8, channels)
			for i := range x {
				if got[i] != x[i] {
					t.Fatalf("%s, %d channels: [%d] = %v, want %v unchanged", name, channels, i, got[i], x[i])
				}
			}
		}
	}
}

// TestBlitAndColourOnKnownPixels checks the blitted transforms and the colour ones
// on small hand-made images, against values worked out by hand.
func TestBlitAndColourOnKnownPixels(t *testing.T) {
	grid := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9} // 3x3, one channel, row-major
	u := augment.Unchanged()
	with := func(f func(*augment.Params)) augment.Params { q := u; f(&q); return q }
	for _, tc := range []struct {
		name     string
		q        augment.Params
		channels int
		in, want []float32
	}{
		{"x-flip reverses each row", with(func(q *augment.Params) { q.FlipX = true }), 1, grid, []float32{3, 2, 1, 6, 5, 4, 9, 8, 7}},
		// Output (i, j) reads input row j, column 2 - i: the picture turns a quarter anticlockwise.
		{"one quarter turn", with(func(q *augment.Params) { q.QuarterTurns = 1 }), 1, grid, []float32{3, 6, 9, 2, 5, 8, 1, 4, 7}},
		{"two quarter turns", with(func(q *augment.Params) { q.QuarterTurns = 2 }), 1, grid, []float32{9, 8, 7, 6, 5, 4, 3, 2, 1}},
		// Output column j reads column j - 1; column -1 reflects to column 1.
		{"shift right by one", with(func(q *augment.Params) { q.ShiftX = 1 }), 1, grid, []float32{2, 1, 2, 5, 4, 5, 8, 7, 8}},
		// Output row i reads row i + 1; row 3 reflects to row 1.
		{"shift up by one", with(func(q *augment.Params) { q.ShiftY = -1 }), 1, grid, []float32{4, 5, 6, 7, 8, 9, 4, 5, 6}},
		// Half a pixel right: each output averages columns j - 1/2 and j + 1/2 around it.
		{"half-pixel shift", with(func(q *augment.Params) { q.FracX = 0.5 }), 1, grid, []float32{1.5, 1.5, 2.5, 4.5, 4.5, 5.5, 7.5, 7.5, 8.5}},
		{"brightness adds", with(func(q *augment.Params) { q.Brightness = 0.25 }), 3, []float32{0.5, -0.5, 0}, []float32{0.75, -0.25, 0.25}},
		{"brightness on grey", with(func(q *augment.Params) { q.Brightness = -0.5 }), 1, []float32{0.5}, []float32{0}},
		{"contrast scales", with(func(q *augment.Params) { q.Contrast = 2 }), 3, []float32{0.5, -0.25, 0.1}, []float32{1, -0.5, 0.2}},
		// Mean 0.2: saturation 0 gives the grey, 2 doubles the distance from it.
		{"saturation 0 is grey", with(func(q *augment.Params) { q.Saturation = 0 }), 3, []float32{0.6, -0.3, 0.3}, []float32{0.2, 0.2, 0.2}},
		{"saturation 2", with(func(q *augment.Params) { q.Saturation = 2 }), 3, []float32{0.6, -0.3, 0.3}, []float32{1.0, -0.8, 0.4}},
		// x - 2·mean on every channel: the grey axis component changes sign.
		{"luma flip", with(func(q *augment.Params) { q.LumaFlip = true }), 3, []float32{0.6, -0.3, 0.3}, []float32{0.2, -0.7, -0.1}},
		{"luma flip on grey", with(func(q *augment.Params) { q.LumaFlip = true }), 1, []float32{0.4}, []float32{-0.4}},
		// Hue turns around the grey axis: a grey pixel stays, a full turn changes nothing.
		{"hue leaves grey", with(func(q *augment.Params) { q.Hue = 1.3 }), 3, []float32{0.3, 0.3, 0.3}, []float32{0.3, 0.3, 0.3}},
		// A right-handed third of a turn about [1 1 1] takes red to green, green to blue.
		{"hue by a third of a turn cycles the channels", with(func(q *augment.Params) { q.Hue = 2 * math.Pi / 3 }), 3, []float32{0.9, -0.3, 0.1}, []float32{0.1, 0.9, -0.3}},
	} {
		size := int(math.Sqrt(float64(len(tc.in) / tc.channels)))
		for _, name := range backend.TestBackends() {
			got := apply(t, name, bgc, []augment.Params{tc.q}, tc.in, size, tc.channels)
			for i := range tc.want {
				if math.Abs(float64(got[i]-tc.want[i])) > 1e-6 {
					t.Errorf("%s, %s: got %v, want %v", name, tc.name, got, tc.want)
					break
				}
			}
		}
	}
}

// TestGeometricMatrices checks each geometric transform's inverse warp against its
// matrix written out by hand.
func TestGeometricMatrices(t *testing.T) {
	u := augment.Unchanged()
	with := func(f func(*augment.Params)) augment.Params { q := u; f(&q); return q }
	c, s := math.Cos(0.3), math.Sin(0.3)
	for _, tc := range []struct {
		name string
		q    augment.Params
		want augment.Mat3
	}{
		{"nothing", u, augment.Mat3{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}},
		{"x-flip", with(func(q *augment.Params) { q.FlipX = true }), augment.Mat3{{-1, 0, 0}, {0, 1, 0}, {0, 0, 1}}},
		{"three quarter turns", with(func(q *augment.Params) { q.QuarterTurns = 3 }), augment.Mat3{{0, 1, 0}, {-1, 0, 0}, {0, 0, 1}}},
		{"integer shift", with(func(q *augment.Params) { q.ShiftX, q.ShiftY = 2, -3 }), augment.Mat3{{1, 0, -2}, {0, 1, 3}, {0, 0, 1}}},
		{"isotropic scale 2 samples at half the distance", with(func(q *augment.Params) { q.Scale = 2 }), augment.Mat3{{0.5, 0, 0}, {0, 0.5, 0}, {0, 0, 1}}},
		{"rotation", with(func(q *augment.Params) { q.Rotate1 = 0.3 }), augment.Mat3{{c, -s, 0}, {s, c, 0}, {0, 0, 1}}},
		{"post-rotation", with(func(q *augment.Params) { q.Rotate2 = 0.3 }), augment.Mat3{{c, -s, 0}, {s, c, 0}, {0, 0, 1}}},
		{"anisotropic 2", with(func(q *augment.Params) { q.Aniso = 2 }), augment.Mat3{{0.5, 0, 0}, {0, 2, 0}, {0, 0, 1}}},
		{"fractional shift", with(func(q *augment.Params) { q.FracX, q.FracY = 0.25, -0.5 }), augment.Mat3{{1, 0, -0.25}, {0, 1, 0.5}, {0, 0, 1}}},
		// Composition order: scale, then the shift in the scaled frame.
		{"scale then fractional shift", with(func(q *augment.Params) { q.Scale, q.FracX = 2, 1 }), augment.Mat3{{0.5, 0, -0.5}, {0, 0.5, 0}, {0, 0, 1}}},
	} {
		got := tc.q.Warp()
		for i := range 3 {
			for j := range 3 {
				if math.Abs(got[i][j]-tc.want[i][j]) > 1e-15 {
					t.Errorf("%s: warp %v, want %v", tc.name, got, tc.want)
				}
			}
		}
	}
}

// TestWarpGradientMatchesFiniteDifferences differentiates a loss through the warp
// and the colour transform with respect to the image, by central differences in
// float64, for transforms that sample between pixels and beyond the edges.
func TestWarpGradientMatchesFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	ps := []augment.Params{augment.Unchanged(), augment.Unchanged()}
	ps[0].Rotate1, ps[0].Scale, ps[0].FracX, ps[0].Brightness, ps[0].Hue = 0.7, 0.8, 0.3, 0.1, 0.5
	ps[1].QuarterTurns, ps[1].Aniso, ps[1].FracY, ps[1].ShiftX, ps[1].Saturation = 1, 1.4, -1.2, 2, 1.7
	consts := bgc.Tensors(ps, 6, 3)
	for _, name := range backend.TestBackends() {
		b := testutil.Backend(t, name)
		x := testutil.Normal(r, true, 2, 6, 6, 3)
		w := testutil.Normal(r, true, 2, 6, 6, 3)
		bad, n, err := gradcheck.Check(b, context.New(), []*tensors.Tensor{x, w}, func(_ *context.Context, in []*Node) *Node {
			g := in[0].Graph()
			params := make([]*Node, len(consts))
			for i, c := range consts {
				params[i] = ConstTensor(g, c)
			}
			return ReduceAllSum(Mul(Square(bgc.Apply(in[0], params)), in[1]))
		}, gradcheck.Options{Probes: 40, Tol: 1e-6, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if n < 80 {
			t.Fatalf("%s: checked only %d coordinates", name, n)
		}
		for _, m := range bad {
			t.Errorf("%s: %s", name, m)
		}
	}
}

// TestDrawAppliesEachTransformWithProbabilityP counts, over many images at p = 0.3,
// how often each transform changed its parameter, against its published rate.
func TestDrawAppliesEachTransformWithProbabilityP(t *testing.T) {
	const n, p = 100000, 0.3
	ps := bgc.Draw(rand.New(rand.NewPCG(3, 4)), p, n, 32, 3)
	u := augment.Unchanged()
	count := map[string]int{}
	for _, q := range ps {
		for name, changed := range map[string]bool{
			"flip": q.FlipX, "turns": q.QuarterTurns != 0, "shift": q.ShiftX != 0 || q.ShiftY != 0,
			"scale": q.Scale != u.Scale, "rotate": q.Rotate1 != 0 || q.Rotate2 != 0, "aniso": q.Aniso != u.Aniso,
			"frac": q.FracX != 0, "brightness": q.Brightness != 0, "contrast": q.Contrast != 1,
			"lumaflip": q.LumaFlip, "hue": q.Hue != 0, "saturation": q.Saturation != 1,
		} {
			if changed {
				count[name]++
			}
		}
		if q.ShiftX > 4 || q.ShiftX < -4 || q.QuarterTurns > 3 {
			t.Fatalf("blit out of range: %+v", q)
		}
	}
	// Shifts: t in U[-1/8, 1/8] of 32 pixels rounds to 0 for |t·32| < 1/2, i.e. with
	// probability 1/8 per axis; both axes zero with 1/64.
	for name, want := range map[string]float64{
		"flip": p / 2, "turns": p * 3 / 4, "shift": p * (1 - 1.0/64), "scale": p, "rotate": p, "aniso": p,
		"frac": p, "brightness": p, "contrast": p, "lumaflip": p / 2, "hue": p, "saturation": p,
	} {
		got := float64(count[name]) / n
		if sd := math.Sqrt(want * (1 - want) / n); math.Abs(got-want) > 5*sd {
			t.Errorf("%s applied to %.4f of the images, want %.4f ± %.4f", name, got, want, 5*sd)
		}
	}
}

// TestParse reads train.ada's spellings.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want augment.Pipeline
		ok   bool
	}{
		{"", augment.Pipeline{}, true},
		{"bgc", bgc, true},
		{"bg", augment.Pipeline{Blit: true, Geometric: true}, true},
		{"c", augment.Pipeline{Color: true}, true},
		{"bc", augment.Pipeline{Blit: true, Color: true}, true},
		{"cgb", augment.Pipeline{}, false},
		{"bgcf", augment.Pipeline{}, false},
		{"BGC", augment.Pipeline{}, false},
	} {
		got, err := augment.Parse(tc.spec)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, ok %v", tc.spec, got, err, tc.want, tc.ok)
		}
		if tc.ok && got.String() != tc.spec {
			t.Errorf("Parse(%q).String() = %q", tc.spec, got.String())
		}
	}
}

// TestTransformsThatCancelCopyPixelsExactly: a rotation undone by the opposite one
// leaves sampling positions within rounding error of whole pixels, whose neighbours'
// weights are below float32's resolution: the image comes back bit for bit.
func TestTransformsThatCancelCopyPixelsExactly(t *testing.T) {
	q := augment.Unchanged()
	q.Rotate1, q.Rotate2 = 0.7, -0.7
	x := make([]float32, 8*8*3)
	r := rand.New(rand.NewPCG(4, 4))
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	for _, name := range backend.TestBackends() {
		once := apply(t, name, augment.Pipeline{Geometric: true}, []augment.Params{q}, x, 8, 3)
		for i := range x {
			if once[i] != x[i] {
				t.Fatalf("%s: rotation by 0.7 then -0.7: [%d] = %v, want %v", name, i, once[i], x[i])
			}
		}
	}
}
