package nets

import (
	"encoding/json"
	"github.com/gankit/gankit/backend"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// nested flattens a JSON array of arrays into values and dimensions.
func nested(v any) ([]float64, []int) {
	switch v := v.(type) {
	case float64:
		return []float64{v}, nil
	case []any:
		var flat []float64
		var inner []int
		for _, e := range v {
			f, d := nested(e)
			flat = append(flat, f...)
			inner = d
		}
		return flat, append([]int{len(v)}, inner...)
	}
	panic("nested: not a number or array")
}

func tensorOf(v any) *tensors.Tensor {
	flat, dims := nested(v)
	return tensors.FromFlatDataAndDimensions(flat, dims...)
}

func valuesOf(t *tensors.Tensor) []float64 {
	var out []float64
	t.MustConstFlatData(func(f any) { out = append(out, f.([]float64)...) })
	return out
}

func expectClose(t *testing.T, what string, got *tensors.Tensor, want any, tol float64) {
	t.Helper()
	w, dims := nested(want)
	g := valuesOf(got)
	if len(g) != len(w) {
		t.Fatalf("%s: %d values (shape %v), want %d (shape %v)", what, len(g), got.Shape(), len(w), dims)
	}
	for i := range w {
		if math.Abs(g[i]-w[i]) > tol*max(1, math.Abs(w[i])) {
			t.Fatalf("%s[%d] = %.12g, PyTorch %.12g", what, i, g[i], w[i])
		}
	}
}

// TestTricksMatchPyTorch checks minibatch stddev, minibatch discrimination, pixel
// norm, spectral norm after three power iterations and depth-to-space against
// scripts/reference/torch_nets_tricks.py.
func TestTricksMatchPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/tricks_torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]map[string]any
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	for _, bname := range backend.TestBackends() {
		b := testutil.Backend(t, bname)
		run := func(f func(*Node) *Node, x *tensors.Tensor) *tensors.Tensor {
			return MustExecOnce(b, f, x)
		}
		mb := ref["mbstd"]
		expectClose(t, bname+" mbstd", run(func(x *Node) *Node { return MinibatchStddev(x, int(mb["group"].(float64))) }, tensorOf(mb["x"])), mb["y"], 1e-12)
		pn := ref["pixel_norm"]
		expectClose(t, bname+" pixel norm", run(PixelNorm, tensorOf(pn["x"])), pn["y"], 1e-12)
		ps := ref["pixel_shuffle"]
		expectClose(t, bname+" depth-to-space", run(DepthToSpace2x, tensorOf(ps["x"])), ps["y"], 0)

		md := ref["mbdisc"]
		ctx := context.New()
		mc := ctx.In("t").In("mbdisc")
		mc.VariableWithValue("theta", tensorOf(md["theta"]))
		mc.VariableWithValue("log_weight_scale", tensorOf(md["log_weight_scale"]))
		mc.VariableWithValue("bias", tensorOf(md["bias"]))
		got, err := context.ExecOnce(b, ctx, func(ctx *context.Context, f *Node) *Node {
			return MinibatchDiscrimination(ctx.In("t"), f, 4, 3)
		}, tensorOf(md["f"]))
		if err != nil {
			t.Fatal(err)
		}
		expectClose(t, bname+" minibatch discrimination", got, md["y"], 1e-10)

		sn := ref["spectral_norm"]
		ctx = context.New()
		ctx.SetParam(ParamFloat64, true)
		sc := ctx.In("sn")
		sc.SetParam(ParamSpectralNorm, true)
		sc.VariableWithValue("weights", tensorOf(sn["w"]))
		sc.VariableWithValue("sn_u", tensorOf(sn["u0"]))
		e := context.MustNewExec(b, ctx, func(ctx *context.Context, x *Node) *Node {
			return Weight(ctx.In("sn"), x.Graph(), Normal(0, 1), 12, 2, 2, 3, 4)
		})
		var wsn *tensors.Tensor
		for range int(sn["steps"].(float64)) {
			wsn = e.MustExec(tensors.FromScalar(0.0))[0]
		}
		expectClose(t, bname+" spectral norm W/sigma", wsn, sn["w_sn"], 1e-10)
		expectClose(t, bname+" spectral norm u", ctx.GetVariableByScopeAndName("/sn", "sn_u").MustValue(), sn["u"], 1e-10)
	}
}

func TestPackConcatenatesChannels(t *testing.T) {
	b := testutil.Backend(t, "go")
	x := make([]float64, 4*2*3)
	for i := range x {
		x[i] = float64(i)
	}
	// x [4 samples, 1, 2 pixels, 3 channels]; packing 2 puts samples 0,1 and 2,3 together.
	got := MustExecOnce(b, func(x *Node) *Node { return Pack(x, 2) }, tensors.FromFlatDataAndDimensions(x, 4, 1, 2, 3))
	want := []float64{
		0, 1, 2, 6, 7, 8, 3, 4, 5, 9, 10, 11, // pack 0: pixel 0 of samples 0, 1; pixel 1 of samples 0, 1
		12, 13, 14, 18, 19, 20, 15, 16, 17, 21, 22, 23,
	}
	if d := got.Shape().Dimensions; len(d) != 4 || d[0] != 2 || d[3] != 6 {
		t.Fatalf("packed shape %v, want [2 1 2 6]", d)
	}
	for i, v := range valuesOf(got) {
		if v != want[i] {
			t.Fatalf("packed[%d] = %g, want %g (all %v)", i, v, want[i], valuesOf(got))
		}
	}
}

// TestEqualizedLRScales checks the run-time scale gain/sqrt(fan_in) and PGGAN's gain
// exceptions: sqrt(2) by default, sqrt(2)/4 for G's first dense layer, 1 for G's
// output layer (toRGB) and D's output layer.
func TestEqualizedLRScales(t *testing.T) {
	b := testutil.Backend(t, "go")
	cfg := Config{Arch: ArchDCGAN, ZDim: 10, Width: 4, Upsample: UpNearest, EqualizedLR: true, Slope: 0.2}
	s := data.Shape{Size: 28, Channels: 1}
	ctx := context.New()
	ctx.SetParam(ParamFloat64, true)
	_, err := context.ExecOnce(b, ctx, func(ctx *context.Context, z *Node) *Node {
		return Discriminator(ctx, cfg, s, Generator(ctx, cfg, s, z, Training))
	}, tensors.FromFlatDataAndDimensions(make([]float64, 20), 2, 10))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		scope string
		fanIn int
		gain  float64
	}{
		{"/g/project", 10, math.Sqrt2 / 4},
		{"/g/up0", 9 * 8, math.Sqrt2},
		{"/g/up1", 9 * 4, 1},
		{"/d/down0", 16 * 1, math.Sqrt2},
		{"/d/down1", 16 * 4, math.Sqrt2},
		{"/d/out", 7 * 7 * 8, 1},
	} {
		sc := ctx.InAbsPath(tc.scope)
		v := sc.GetVariable("weights")
		if v == nil {
			t.Fatalf("no %s/weights", tc.scope)
		}
		got, err := context.ExecOnce(b, ctx, func(ctx *context.Context, x *Node) *Node {
			return Weight(ctx.InAbsPath(tc.scope), x.Graph(), Normal(0, 1), tc.fanIn, v.Shape().Dimensions...)
		}, tensors.FromScalar(0.0))
		if err != nil {
			t.Fatal(err)
		}
		stored, scaled := valuesOf(v.MustValue()), valuesOf(got)
		want := tc.gain / math.Sqrt(float64(tc.fanIn))
		for i := range stored {
			if math.Abs(scaled[i]-stored[i]*want) > 1e-12 {
				t.Fatalf("%s: weight %d used as %g, stored %g: scale %g, want %g", tc.scope, i, scaled[i], stored[i], scaled[i]/stored[i], want)
			}
		}
		// Stored weights are N(0, 1), not DCGAN's N(0, 0.02).
		var ss float64
		for _, x := range stored {
			ss += x * x
		}
		if std := math.Sqrt(ss / float64(len(stored))); std < 0.5 || std > 1.5 {
			t.Errorf("%s: stored weights have std %g, want ~1", tc.scope, std)
		}
	}
}

// TestVirtualBatchNormByHand compares VirtualBatchNorm with the definition computed
// in plain loops: reference rows normalised by the reference statistics, each other
// sample by the reference and itself weighted ref : 1, over the spatial axes.
func TestVirtualBatchNormByHand(t *testing.T) {
	const ref, n, p, c = 3, 2, 4, 2 // p spatial positions (2x2)
	r := rand.New(rand.NewPCG(7, 8))
	x := make([]float64, (ref+n)*p*c)
	for i := range x {
		x[i] = r.NormFloat64()*2 + 1
	}
	at := func(b, s, ch int) float64 { return x[(b*p+s)*c+ch] }
	want := make([]float64, len(x))
	for ch := range c {
		var rm, rs float64 // reference mean and mean square
		for b := range ref {
			for s := range p {
				rm += at(b, s, ch) / float64(ref*p)
				rs += at(b, s, ch) * at(b, s, ch) / float64(ref*p)
			}
		}
		for b := range ref + n {
			mean, sq := rm, rs
			if b >= ref {
				var em, es float64
				for s := range p {
					em += at(b, s, ch) / p
					es += at(b, s, ch) * at(b, s, ch) / p
				}
				w := 1.0 / (ref + 1)
				mean, sq = w*em+(1-w)*rm, w*es+(1-w)*rs
			}
			for s := range p {
				want[(b*p+s)*c+ch] = (at(b, s, ch) - mean) / math.Sqrt(sq-mean*mean+1e-5)
			}
		}
	}
	for _, name := range backend.TestBackends() {
		b := testutil.Backend(t, name)
		ctx := context.New()
		ctx.SetParam(ParamFloat64, true)
		got, err := context.ExecOnce(b, ctx, func(ctx *context.Context, x *Node) *Node {
			return VirtualBatchNorm(ctx, x, ref)
		}, tensors.FromFlatDataAndDimensions(x, ref+n, 2, 2, c))
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range valuesOf(got) {
			if math.Abs(v-want[i]) > 1e-10 {
				t.Fatalf("%s: value %d = %.12g, want %.12g", name, i, v, want[i])
			}
		}
	}
}

// TestVirtualBatchNormSampleIndependence: with virtual BN, G's output for a latent
// does not depend on the other latents of its batch, in training mode too.
func TestVirtualBatchNormSampleIndependence(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	cfg := Config{Arch: ArchDCGAN, ZDim: 4, Width: 4, Upsample: UpNearest, VBNG: true, VBNRef: 5}
	s := data.Shape{Size: 28, Channels: 1}
	r := rand.New(rand.NewPCG(1, 2))
	z1, z2 := testutil.Normal(r, false, 2, 4), testutil.Normal(r, false, 2, 4)
	ctx := context.New()
	e := context.MustNewExec(b, ctx, func(ctx *context.Context, z *Node) *Node { return Generator(ctx, cfg, s, z, Training) })
	a, c := e.MustExec(z1)[0], e.MustExec(z2)[0]
	// Same first latent? Make z2's first row z1's.
	var first []float32
	z1.MustConstFlatData(func(f any) { first = append(first, f.([]float32)[:4]...) })
	var rest []float32
	z2.MustConstFlatData(func(f any) { rest = append(rest, f.([]float32)[4:]...) })
	mixed := tensors.FromFlatDataAndDimensions(append(first, rest...), 2, 4)
	m := e.MustExec(mixed)[0]
	var av, mv, cv []float32
	a.MustConstFlatData(func(f any) { av = append(av, f.([]float32)...) })
	m.MustConstFlatData(func(f any) { mv = append(mv, f.([]float32)...) })
	c.MustConstFlatData(func(f any) { cv = append(cv, f.([]float32)...) })
	img := 28 * 28
	for i := range img {
		if av[i] != mv[i] {
			t.Fatalf("pixel %d of sample 0 changed with its batch-mate: %g vs %g", i, av[i], mv[i])
		}
		if mv[img+i] != cv[img+i] {
			t.Fatalf("pixel %d of sample 1 changed with its batch-mate: %g vs %g", i, mv[img+i], cv[img+i])
		}
	}
}
