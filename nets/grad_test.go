package nets

import (
	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gankit/gankit/internal/gradcheck"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestGradientsMatchFiniteDifferences checks first-order gradients of G and D —
// every upsampling mode, BatchNorm with batch statistics, strided convolutions —
// with respect to the latents and every weight, against float64 central differences.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	for _, name := range backend.TestBackends() {
		t.Run(name, func(t *testing.T) { testGradients(t, name) })
	}
}

func testGradients(t *testing.T, backendName string) {
	b, err := backend.New(backendName)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		s    data.Shape
	}{
		{"dcgan28-transposed-bn", Config{Arch: ArchDCGAN, ZDim: 3, Width: 2, Upsample: UpTransposed, BNG: true, BND: true, Slope: 0.2}, data.Shape{Size: 28, Channels: 1}},
		{"dcgan28-transposed-k3", Config{Arch: ArchDCGAN, ZDim: 3, Width: 2, Upsample: UpTransposedK3, BNG: true, BND: false, Slope: 0.2}, data.Shape{Size: 28, Channels: 1}},
		{"dcgan28-nearest", Config{Arch: ArchDCGAN, ZDim: 3, Width: 2, Upsample: UpNearest, BNG: true, BND: true, Slope: 0.2}, data.Shape{Size: 28, Channels: 1}},
		{"dcgan32-bilinear-rgb", Config{Arch: ArchDCGAN, ZDim: 3, Width: 2, Upsample: UpBilinear, BNG: false, BND: true, Slope: 0.2}, data.Shape{Size: 32, Channels: 3}},
		{"mlp", Config{Arch: ArchMLP, ZDim: 2, Width: 5, Depth: 2, Slope: 0.2}, data.Shape{Dim: 2}},
		{"dcgan28-pixelshuffle-eqlr-pixelnorm", Config{Arch: ArchDCGAN, ZDim: 3, Width: 2, Upsample: UpPixelShuffle, EqualizedLR: true, PixelNorm: true, Slope: 0.2}, data.Shape{Size: 28, Channels: 1}},
		{"dcgan28-sn-mbstd-mbdisc", Config{Arch: ArchDCGAN, ZDim: 3, Width: 2, Upsample: UpNearest, BNG: true, SpectralNorm: true,
			MBStd: true, MBStdGroup: 2, MBDisc: true, MBDiscB: 3, MBDiscC: 2, Slope: 0.2}, data.Shape{Size: 28, Channels: 1}},
		{"dcgan28-vbn", Config{Arch: ArchDCGAN, ZDim: 3, Width: 2, Upsample: UpTransposed, VBNG: true, VBNRef: 3, BND: true, Slope: 0.2}, data.Shape{Size: 28, Channels: 1}},
		// R3GAN: groups (2 of the 4 expanded channels each), two blocks per stage, 7x7
		// basis and [1,3,3,1] resampling at 28, 4x4 at 32 with RGB.
		{"r3gan28", Config{Arch: ArchR3GAN, ZDim: 3, R3GAN: R3GANConfig{Width: 2, Blocks: 2, Groups: 2, Expansion: 2}}, data.Shape{Size: 28, Channels: 1}},
		{"r3gan32-rgb", Config{Arch: ArchR3GAN, ZDim: 3, R3GAN: R3GANConfig{Width: 3, Blocks: 1, Groups: 3, Expansion: 1}}, data.Shape{Size: 32, Channels: 3}},
		{"mlp-pack-mbdisc", Config{Arch: ArchMLP, ZDim: 2, Width: 5, Depth: 2, Pack: 2, MBDisc: true, MBDiscB: 3, MBDiscC: 2, Slope: 0.2}, data.Shape{Dim: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			ctx := context.New()
			ctx.SetParam(ParamFloat64, true)
			ctx.SetParam(ParamSeed, int64(5))
			z := testutil.Normal(r, true, 4, tc.cfg.ZDim)
			w := testutil.Normal(r, true, 4/tc.cfg.PackDegree())
			ctx.SetParam(ParamSpectralNormFrozen, true) // u and v fixed between evaluations
			bad, n, err := gradcheck.Check(b, ctx, []*tensors.Tensor{z, w}, func(ctx *context.Context, in []*Node) *Node {
				x := Generator(ctx, tc.cfg, tc.s, in[0], Training)
				return ReduceAllSum(Mul(Discriminator(ctx, tc.cfg, tc.s, x), in[1]))
			}, gradcheck.Options{Probes: 6, Tol: 1e-5, Seed: 9, Jitter: 0.3})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range bad {
				t.Error(m)
			}
			if n < 30 {
				t.Errorf("only %d coordinates checked", n)
			}
		})
	}
}

// TestNearestConv3EqualsUpsampleThenConv checks the sub-pixel form against its
// definition (nearest 2x, then a padded 3x3 convolution) on the same weights.
func TestNearestConv3EqualsUpsampleThenConv(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	ctx := context.New()
	ctx.SetParam(ParamFloat64, true)
	x := testutil.Normal(rand.New(rand.NewPCG(1, 2)), true, 2, 5, 6, 3)
	out, err := context.ExecOnceN(b, ctx, func(ctx *context.Context, x *Node) []*Node {
		fast := NearestConv3(ctx.In("c"), x, 4, Normal(0, 1))
		slow := Conv2D(ctx.In("c").Reuse(), NearestUpsample2x(x), 4, 3, 1, samePad(1), Normal(0, 1))
		return []*Node{fast, slow}
	}, x)
	if err != nil {
		t.Fatal(err)
	}
	f, s := out[0].Value().([][][][]float64), out[1].Value().([][][][]float64)
	for n := range f {
		for i := range f[n] {
			for j := range f[n][i] {
				for c := range f[n][i][j] {
					if math.Abs(f[n][i][j][c]-s[n][i][j][c]) > 1e-12 {
						t.Fatalf("[%d %d %d %d]: sub-pixel %g, upsample+conv %g", n, i, j, c, f[n][i][j][c], s[n][i][j][c])
					}
				}
			}
		}
	}
}
