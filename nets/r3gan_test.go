package nets

import (
	"math"
	"math/rand/v2"

	"github.com/gankit/gankit/data"
	"testing"

	"github.com/gankit/gankit/internal/testutil"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestR3GANResamplersMatchUpfirdnWithFilter1331 checks the interpolative resamplers
// on hand-computed values: [1, 2, 1] * [1, 1] = [1, 3, 3, 1] with zero padding, as
// Resamplers.py's CreateLowpassKernel(Inplace=False) with upfirdn2d.
//
//	up [1, 2]:       (3·1)/4, (3·1 + 2)/4, (1 + 3·2)/4, (3·2)/4 = 0.75, 1.25, 1.75, 1.5
//	down [1,2,3,4]:  (0 + 3·1 + 3·2 + 3)/8 = 1.5,  (2 + 3·3 + 3·4 + 0)/8 = 2.875
func TestR3GANResamplersMatchUpfirdnWithFilter1331(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	for _, tc := range []struct {
		name string
		in   []float64
		up   bool
		want []float64
	}{
		{"up", []float64{1, 2}, true, []float64{0.75, 1.25, 1.75, 1.5}},
		{"down", []float64{1, 2, 3, 4}, false, []float64{1.5, 2.875}},
		{"down to one", []float64{4, 8}, false, []float64{(3*4 + 3*8) / 8.0}},
	} {
		x := tensors.FromFlatDataAndDimensions(tc.in, 1, len(tc.in), 1, 1)
		out, err := context.ExecOnce(b, context.New(), func(_ *context.Context, x *Node) *Node {
			return r3ganResampleAxis(x, 1, tc.up)
		}, x)
		if err != nil {
			t.Fatal(err)
		}
		got := out.Value().([][][][]float64)
		for i, w := range tc.want {
			if g := got[0][i][0][0]; math.Abs(g-w) > 1e-12 {
				t.Errorf("%s %v: out[%d] = %g, want %g (all: %v)", tc.name, tc.in, i, g, w, got)
			}
		}
	}
}

// TestR3GANBlocksStartAsTheIdentity: with the last conv of every residual branch
// zero-initialised (fix-up), D's input to its basis at initialisation is the
// extracted input resampled, whatever the blocks' other weights are; so changing the
// number of blocks does not change D's output at initialisation.
func TestR3GANBlocksStartAsTheIdentity(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	x := testutil.Normal(rand.New(rand.NewPCG(1, 2)), true, 2, 28, 28, 1)
	logits := func(blocks int) []float64 {
		ctx := context.New()
		ctx.SetParam(ParamFloat64, true)
		ctx.SetParam(ParamSeed, int64(5))
		cfg := Config{Arch: ArchR3GAN, ZDim: 3, R3GAN: R3GANConfig{Width: 4, Blocks: blocks, Groups: 2, Expansion: 2}}
		out, err := context.ExecOnce(b, ctx, func(ctx *context.Context, x *Node) *Node {
			return Discriminator(ctx, cfg, data.Shape{Size: 28, Channels: 1}, x)
		}, x)
		if err != nil {
			t.Fatal(err)
		}
		return out.Value().([]float64)
	}
	one, three := logits(1), logits(3)
	for i := range one {
		if math.Abs(one[i]-three[i]) > 1e-9*math.Max(1, math.Abs(one[i])) || one[i] == 0 {
			t.Fatalf("D's logits at initialisation: %v with 1 block per stage, %v with 3", one, three)
		}
	}
}
