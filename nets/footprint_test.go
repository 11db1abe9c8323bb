package nets

import (
	"math/rand/v2"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestFootprintCountsTheWeightsTheNetsCreate builds G and D and compares the
// trainable values they create with Footprint's count, which leaves out BatchNorm's
// per-channel values: it must be within 2% below the real count, never above.
func TestFootprintCountsTheWeightsTheNetsCreate(t *testing.T) {
	b := testutil.Backend(t, "go")
	dcgan := Config{Arch: ArchDCGAN, ZDim: 10, Width: 8, Upsample: UpTransposed, BNG: true, BND: true, Slope: 0.2, MBStdGroup: 2, MBDiscB: 6, MBDiscC: 3, Pack: 1}
	with := func(f func(*Config)) Config { c := dcgan; f(&c); return c }
	for _, tc := range []struct {
		name  string
		cfg   Config
		shape data.Shape
	}{
		{"dcgan 28", dcgan, data.Shape{Size: 28, Channels: 1}},
		{"dcgan 32 rgb", dcgan, data.Shape{Size: 32, Channels: 3}},
		{"dcgan 64", dcgan, data.Shape{Size: 64, Channels: 1}},
		{"transposed-k3", with(func(c *Config) { c.Upsample = UpTransposedK3 }), data.Shape{Size: 28, Channels: 1}},
		{"nearest", with(func(c *Config) { c.Upsample = UpNearest }), data.Shape{Size: 32, Channels: 3}},
		{"bilinear", with(func(c *Config) { c.Upsample = UpBilinear }), data.Shape{Size: 28, Channels: 1}},
		{"pixelshuffle", with(func(c *Config) { c.Upsample = UpPixelShuffle }), data.Shape{Size: 28, Channels: 1}},
		{"packed", with(func(c *Config) { c.Pack = 2 }), data.Shape{Size: 28, Channels: 1}},
		{"mbstd", with(func(c *Config) { c.MBStd = true }), data.Shape{Size: 28, Channels: 1}},
		{"mbdisc", with(func(c *Config) { c.MBDisc = true }), data.Shape{Size: 28, Channels: 1}},
		{"weak D", with(func(c *Config) { c.DWidth = 2; c.MBStd = true }), data.Shape{Size: 28, Channels: 1}},
		{"mlp weak D", Config{Arch: ArchMLP, ZDim: 2, Width: 16, DWidth: 4, Depth: 3, Slope: 0.2, Pack: 1}, data.Shape{Dim: 2}},
		{"mlp", Config{Arch: ArchMLP, ZDim: 2, Width: 16, Depth: 3, Slope: 0.2, Pack: 1}, data.Shape{Dim: 2}},
		{"mlp packed", Config{Arch: ArchMLP, ZDim: 2, Width: 16, Depth: 2, Slope: 0.2, Pack: 2}, data.Shape{Dim: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(tc.shape); err != nil {
				t.Fatal(err)
			}
			const batch = 4
			ctx := context.New()
			_, err := context.ExecOnceN(b, ctx, func(ctx *context.Context, z *Node) []*Node {
				x := Generator(ctx, tc.cfg, tc.shape, z, Training)
				return []*Node{Discriminator(ctx, tc.cfg, tc.shape, x)}
			}, testutil.Normal(rand.New(rand.NewPCG(1, 2)), false, batch, tc.cfg.ZDim))
			if err != nil {
				t.Fatal(err)
			}
			real := 0
			for v := range ctx.IterVariables() {
				if v.Trainable {
					real += v.Shape().Size()
				}
			}
			got := tc.cfg.Footprint(tc.shape, batch).Params
			if got > float64(real) || got < 0.98*float64(real) {
				t.Errorf("Footprint counts %.0f weights, the nets create %d", got, real)
			}
		})
	}
}
