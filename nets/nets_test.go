package nets

import (
	"fmt"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func TestNetsShapesAtEverySize(t *testing.T) {
	for _, name := range backend.TestBackends() {
		b, err := backend.New(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) { testShapes(t, b) })
	}
}

func testShapes(t *testing.T, b backends.Backend) {
	for _, tc := range []struct {
		size, channels int
		up             string
	}{
		{28, 1, UpTransposed}, {28, 1, UpNearest}, {32, 3, UpTransposed}, {32, 1, UpBilinear},
		{64, 3, UpTransposedK3}, {64, 1, UpNearest},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d-%s", tc.size, tc.size, tc.channels, tc.up), func(t *testing.T) {
			cfg := Config{Arch: ArchDCGAN, ZDim: 8, Width: 4, Upsample: tc.up, BNG: true, BND: true, Slope: 0.2}
			s := data.Shape{Size: tc.size, Channels: tc.channels}
			if err := cfg.Validate(s); err != nil {
				t.Fatal(err)
			}
			ctx := context.New()
			out, err := context.ExecOnceN(b, ctx, func(ctx *context.Context, z *Node) []*Node {
				x := Generator(ctx, cfg, s, z, Training)
				return []*Node{x, Discriminator(ctx, cfg, s, x)}
			}, testutil.Normal(rand.New(rand.NewPCG(1, 2)), false, 3, 8))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := out[0].Shape().Dimensions, []int{3, tc.size, tc.size, tc.channels}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("G output %v, want %v", got, want)
			}
			if got := out[1].Shape().Dimensions; fmt.Sprint(got) != "[3]" {
				t.Errorf("D output %v, want [3]", got)
			}
			px := out[0].Value().([][][][]float32)
			for _, v := range px[0][0] {
				if math.Abs(float64(v[0])) > 1 {
					t.Fatalf("G output %g outside [-1,1]", v[0])
				}
			}
		})
	}
}

func TestMLPShapes(t *testing.T) {
	cfg := Config{Arch: ArchMLP, ZDim: 2, Width: 16, Depth: 3, Slope: 0.2}
	s := data.Shape{Dim: 2}
	if err := cfg.Validate(s); err != nil {
		t.Fatal(err)
	}
	out, err := context.ExecOnceN(testutil.Backend(t, "go"), context.New(), func(ctx *context.Context, z *Node) []*Node {
		x := Generator(ctx, cfg, s, z, Training)
		return []*Node{x, Discriminator(ctx, cfg, s, x)}
	}, testutil.Normal(rand.New(rand.NewPCG(1, 2)), false, 5, 2))
	if err != nil {
		t.Fatal(err)
	}
	if g, d := fmt.Sprint(out[0].Shape().Dimensions), fmt.Sprint(out[1].Shape().Dimensions); g != "[5 2]" || d != "[5]" {
		t.Errorf("G %s, D %s; want [5 2], [5]", g, d)
	}
	if err := cfg.Validate(data.Shape{Size: 28, Channels: 1}); err == nil {
		t.Error("mlp accepted image data")
	}
}

// TestDWidthSetsOnlyTheDiscriminatorsChannels: model.d_width (PacGAN's weakened D, a
// quarter of G's width) changes D's first convolution to d_width output channels,
// doubling per stage, and leaves G as model.width makes it.
func TestDWidthSetsOnlyTheDiscriminatorsChannels(t *testing.T) {
	s := data.Shape{Size: 28, Channels: 1}
	shapes := func(cfg Config) map[string]string {
		ctx := context.New()
		if _, err := context.ExecOnceN(testutil.Backend(t, "go"), ctx, func(ctx *context.Context, z *Node) []*Node {
			return []*Node{Discriminator(ctx, cfg, s, Generator(ctx, cfg, s, z, Training))}
		}, testutil.Normal(rand.New(rand.NewPCG(1, 2)), false, 2, cfg.ZDim)); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for v := range ctx.IterVariables() {
			out[v.ScopeAndName()] = fmt.Sprint(v.Shape().Dimensions)
		}
		return out
	}
	cfg := Config{Arch: ArchDCGAN, ZDim: 4, Width: 8, Upsample: UpNearest, Slope: 0.2, Pack: 1}
	full := shapes(cfg)
	cfg.DWidth = 2
	weak := shapes(cfg)
	for name, shape := range full {
		if strings.HasPrefix(name, "/g/") && weak[name] != shape {
			t.Errorf("G variable %s: %s with d_width, %s without", name, weak[name], shape)
		}
	}
	for _, tc := range []struct{ name, want string }{
		{"/d/down0/weights", "[4 4 1 2]"},
		{"/d/down1/weights", "[4 4 2 4]"},
	} {
		if weak[tc.name] != tc.want {
			t.Errorf("%s with d_width 2: %q, want %s (all: %v)", tc.name, weak[tc.name], tc.want, weak)
		}
	}
}
