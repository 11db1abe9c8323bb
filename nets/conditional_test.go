package nets

import (
	"math"
	"strings"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestConditionalBatchNormPicksEachSamplesClassRow: x = [[1, 0], [3, 2], [5, 4],
// [7, 6]] (4 samples, 2 channels) of classes [0, 1, 1, 0], with scale rows [2, 3]
// (class 0) and [-1, 0.5] (class 1) and offset rows [0.1, 0.2] and [1, -1]. By hand,
// in Training both channels have batch mean 4 and 3 and biased variance 5, so sample
// 1 (class 1), channel 0, is (3 - 4)/sqrt(5 + 1e-5)·(-1) + 1; in Inference, from
// fresh running statistics (0, 1), it is 3/sqrt(1 + 1e-5)·(-1) + 1. Every class's
// statistics are the batch's together.
func TestConditionalBatchNormPicksEachSamplesClassRow(t *testing.T) {
	x := [][]float64{{1, 0}, {3, 2}, {5, 4}, {7, 6}}
	y := []int32{0, 1, 1, 0}
	scale := [][]float64{{2, 3}, {-1, 0.5}}
	offset := [][]float64{{0.1, 0.2}, {1, -1}}
	for _, tc := range []struct {
		name      string
		mode      Mode
		mean, std [2]float64
	}{
		{"training", Training, [2]float64{4, 3}, [2]float64{math.Sqrt(5 + 1e-5), math.Sqrt(5 + 1e-5)}},
		{"inference", Inference, [2]float64{0, 0}, [2]float64{math.Sqrt(1 + 1e-5), math.Sqrt(1 + 1e-5)}},
	} {
		b := testutil.Backend(t, "go")
		ctx := context.New()
		ctx.SetParam(ParamFloat64, true)
		ctx.In("cbn").VariableWithValue("scale", scale)
		ctx.In("cbn").VariableWithValue("offset", offset)
		e := context.MustNewExec(b, ctx, func(ctx *context.Context, x, y *Node) *Node {
			return ConditionalBatchNorm(ctx, x, y, 2, tc.mode, TrackRunningStats)
		})
		got := valuesOf(e.MustExec(tensors.FromValue(x), tensors.FromValue(y))[0])
		for i := range x {
			for c := range 2 {
				want := (x[i][c]-tc.mean[c])/tc.std[c]*scale[y[i]][c] + offset[y[i]][c]
				if g := got[i*2+c]; math.Abs(g-want) > 1e-12 {
					t.Errorf("%s: sample %d (class %d) channel %d = %.15g, want %.15g", tc.name, i, y[i], c, g, want)
				}
			}
		}
	}
}

// TestProjectionTermByHand: phi = [[1, 2, 3], [4, 5, 6]] and V = [[1, 0], [0, 1],
// [1, -1]] (A = 3 features, K = 2 classes) give phi·V = [[4, -1], [10, -1]]; with
// classes [1, 0] the term y^T V phi is [-1, 10] (Miyato & Koyama 2018, eq. 3).
func TestProjectionTermByHand(t *testing.T) {
	b := testutil.Backend(t, "go")
	ctx := context.New()
	ctx.SetParam(ParamFloat64, true)
	ctx.In("projection").VariableWithValue("weights", [][]float64{{1, 0}, {0, 1}, {1, -1}})
	e := context.MustNewExec(b, ctx, func(ctx *context.Context, phi, y *Node) *Node {
		return projection(ctx, phi, y, 2, Fill(0))
	})
	got := valuesOf(e.MustExec(tensors.FromValue([][]float64{{1, 2, 3}, {4, 5, 6}}), tensors.FromValue([]int32{1, 0}))[0])
	if want := []float64{-1, 10}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("projection term %v, want %v", got, want)
	}
}

// TestProjectionDiscriminatorAddsTheClassTerm: through the whole DCGAN D, the logits
// for classes 0 and 1 of the same images differ by phi(x)·(V_0 - V_1), phi(x) the
// features D returns (no minibatch layers: they are what its output reads), V read
// back from the context; an AC-GAN D's logits do not depend on the class, and its
// class logits are [N, K].
func TestProjectionDiscriminatorAddsTheClassTerm(t *testing.T) {
	b := testutil.Backend(t, "go")
	cfg := Config{Arch: ArchDCGAN, ZDim: 4, Width: 4, Upsample: UpTransposed, Slope: 0.2, Pack: 1, Classes: []string{"a", "b", "c"}}
	s := data.Shape{Size: 28, Channels: 1}
	x := make([]float64, 2*28*28)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	images := tensors.FromFlatDataAndDimensions(x, 2, 28, 28, 1)
	for _, mode := range CondDModes() {
		cfg.CondD = mode
		ctx := context.New()
		ctx.SetParam(ParamFloat64, true)
		e := context.MustNewExec(b, ctx, func(ctx *context.Context, x, y *Node) []*Node {
			o := ConditionalDiscriminator(ctx, cfg, s, x, y)
			out := []*Node{o.Logits, o.Features}
			if o.ClassLogits != nil {
				out = append(out, o.ClassLogits)
			}
			return out
		})
		at0 := e.MustExec(images, tensors.FromValue([]int32{0, 0}))
		at1 := e.MustExec(images, tensors.FromValue([]int32{1, 1}))
		l0, l1, phi := valuesOf(at0[0]), valuesOf(at1[0]), valuesOf(at0[1])
		a := len(phi) / 2
		switch mode {
		case CondProjection:
			v := valuesOf(ctx.In("d").In("projection").GetVariable("weights").MustValue()) // [A, K]
			if len(v) != a*3 {
				t.Fatalf("V holds %d values, want %d x 3", len(v), a)
			}
			for i := range 2 {
				var want float64
				for j := range a {
					want += phi[i*a+j] * (v[j*3] - v[j*3+1])
				}
				if d := l0[i] - l1[i]; math.Abs(d-want) > 1e-9 {
					t.Errorf("projection: D(x_%d, 0) - D(x_%d, 1) = %.12g, want phi·(V_0 - V_1) = %.12g", i, i, d, want)
				}
			}
		case CondACGAN:
			if l0[0] != l1[0] || l0[1] != l1[1] {
				t.Errorf("acgan: D's logits %v depend on the class (%v)", l0, l1)
			}
			if dims := at0[2].Shape().Dimensions; len(dims) != 2 || dims[0] != 2 || dims[1] != 3 {
				t.Errorf("acgan: class logits shaped %v, want [2 3]", dims)
			}
		}
	}
}

// TestConditionalNetsShapes builds each conditional G and D on every architecture
// and checks their outputs' shapes, that G's class changes its sample (the same z
// with two classes gives two samples; conditional BN once its tables differ by
// class), and that G takes the class the way Config.GConditioning says: conditional
// BN tables, or a class embedding joined to z.
func TestConditionalNetsShapes(t *testing.T) {
	r3 := R3GANConfig{Width: 8, Blocks: 1, Groups: 2, Expansion: 2}
	img := data.Shape{Size: 28, Channels: 1}
	for _, tc := range []struct {
		name  string
		cfg   Config
		shape data.Shape
		takes string // GConditioning
		vars  string // a variable of G's conditioning, "/"-joined scope and name
	}{
		{"dcgan-bn", Config{Arch: ArchDCGAN, ZDim: 8, Width: 4, Upsample: UpTransposed, BNG: true, Slope: 0.2, Pack: 1}, img, "cbn", "/g/project/cbn/scale"},
		{"dcgan-no-bn", Config{Arch: ArchDCGAN, ZDim: 8, Width: 4, Upsample: UpTransposed, Slope: 0.2, Pack: 1}, img, "embed", "/g/class_embedding/embedding"},
		{"mlp", Config{Arch: ArchMLP, ZDim: 2, Width: 8, Depth: 2, Slope: 0.2, Pack: 1}, data.Shape{Dim: 2}, "embed", "/g/class_embedding/embedding"},
		{"r3gan", Config{Arch: ArchR3GAN, ZDim: 8, Width: 4, Slope: 0.2, Pack: 1, R3GAN: r3}, img, "embed", "/g/class_embedding/embedding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Classes = []string{"a", "b", "c", "d"}
			if got := cfg.GConditioning(); got != tc.takes {
				t.Fatalf("GConditioning %q, want %q", got, tc.takes)
			}
			b := testutil.Backend(t, "cpu")
			ctx := context.New()
			e := context.MustNewExec(b, ctx, func(ctx *context.Context, z, y *Node) []*Node {
				fake := ConditionalGenerator(ctx, cfg, tc.shape, z, y, Inference)
				o := ConditionalDiscriminator(ctx, cfg, tc.shape, fake, y)
				return []*Node{fake, o.Logits}
			})
			z := make([]float32, 2*cfg.ZDim)
			for i := range z {
				z[i] = float32(i%5) - 2
			}
			copy(z[cfg.ZDim:], z[:cfg.ZDim]) // the same z twice
			run := func() []*tensors.Tensor {
				return e.MustExec(tensors.FromFlatDataAndDimensions(z, 2, cfg.ZDim), tensors.FromValue([]int32{0, 3}))
			}
			out := run()
			if tc.takes == "cbn" {
				// Conditional BN starts at scale 1 and offset 0 for every class: a new
				// conditional G is the unconditional one. Give the classes offsets.
				for v := range ctx.IterVariables() {
					if strings.HasSuffix(v.ScopeAndName(), "/cbn/offset") {
						k, c := v.Shape().Dimensions[0], v.Shape().Dimensions[1]
						rows := make([]float32, k*c)
						for i := range rows {
							rows[i] = float32(i/c) * 0.5
						}
						v.SetValue(tensors.FromFlatDataAndDimensions(rows, k, c))
					}
				}
				out = run()
			}
			want := append([]int{2}, tc.shape.Dims()...)
			if got := out[0].Shape().Dimensions; !equalInts(got, want) {
				t.Errorf("G's output shaped %v, want %v", got, want)
			}
			if got := out[1].Shape().Dimensions; !equalInts(got, []int{2}) {
				t.Errorf("D's logits shaped %v, want [2]", got)
			}
			var flat []float32
			out[0].MustConstFlatData(func(f any) { flat = f.([]float32) })
			n := len(flat) / 2
			same := true
			for i := range n {
				same = same && flat[i] == flat[n+i]
			}
			if same {
				t.Errorf("the same z with classes 0 and 3 gave the same sample")
			}
			found := false
			for v := range ctx.IterVariables() {
				found = found || v.ScopeAndName() == tc.vars
			}
			if !found {
				t.Errorf("no variable %s", tc.vars)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestConditionalConfigRefusals: what conditional nets refuse, each by its key.
func TestConditionalConfigRefusals(t *testing.T) {
	base := Config{Arch: ArchDCGAN, ZDim: 8, Width: 4, Upsample: UpTransposed, BNG: true, Slope: 0.2, Pack: 1, MBStdGroup: 4, VBNRef: 4,
		Classes: []string{"a", "b"}}
	s := data.Shape{Size: 28, Channels: 1}
	if err := base.Validate(s); err != nil {
		t.Fatalf("the base config: %v", err)
	}
	for _, tc := range []struct {
		name string
		set  func(c *Config)
		want string
	}{
		{"cond_d", func(c *Config) { c.CondD = "hinge" }, "model.cond_d"},
		{"one-class", func(c *Config) { c.Classes = []string{"a"} }, "at least 2 classes"},
		{"duplicate", func(c *Config) { c.Classes = []string{"a", "a"} }, "distinct"},
		{"empty-name", func(c *Config) { c.Classes = []string{"a", ""} }, "distinct, non-empty"},
		{"vbn", func(c *Config) { c.BNG, c.VBNG = false, true }, "model.vbn_g"},
		{"pack", func(c *Config) { c.Pack = 2 }, "model.pack"},
	} {
		c := base
		c.Classes = append([]string(nil), base.Classes...)
		tc.set(&c)
		err := c.Validate(s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.want)
		}
	}
}
