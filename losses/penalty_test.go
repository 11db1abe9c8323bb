package losses

import (
	"math/rand/v2"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/gradcheck"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/nets"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestPenaltyGradientsMatchFiniteDifferences differentiates each gradient penalty on
// a convolutional DCGAN discriminator (strided k4 convolutions, LeakyReLU, dense
// output) with respect to D's weights and its inputs — a second-order gradient
// through the convolutions — and compares with float64 central differences, on every
// backend gankit tests.
func TestPenaltyGradientsMatchFiniteDifferences(t *testing.T) {
	cfg := nets.Config{Arch: nets.ArchDCGAN, ZDim: 3, Width: 2, Upsample: nets.UpTransposed, Slope: 0.2}
	shape := data.Shape{Size: 28, Channels: 1}
	for _, name := range backend.TestBackends() {
		b := testutil.Backend(t, name)
		for _, pname := range PenaltyNames()[1:] {
			t.Run(name+"/"+pname, func(t *testing.T) {
				r := rand.New(rand.NewPCG(3, 4))
				ctx := context.New()
				ctx.SetParam(nets.ParamFloat64, true)
				ctx.SetParam(nets.ParamSeed, int64(5))
				real := testutil.Normal(r, true, 2, 28, 28, 1)
				fake := testutil.Normal(r, true, 2, 28, 28, 1)
				e := tensors.FromValue([]float64{0.3, 0.8})
				u := tensors.FromFlatDataAndDimensions(uniform(r, 2*28*28), 2, 28, 28, 1)
				alpha := tensors.FromValue([]float64{0.6, 0.2})
				bad, n, err := gradcheck.Check(b, ctx, []*tensors.Tensor{real, fake, e, u, alpha}, func(ctx *context.Context, in []*Node) *Node {
					d := func(x *Node) *Node { return nets.Discriminator(ctx, cfg, shape, x) }
					switch pname {
					case PenaltyWGANGP:
						return WGANGP(d, in[0], in[1], in[2], 10)
					case PenaltyR1:
						return R1(d, in[0], 10)
					case PenaltyR2:
						return R2(d, in[1], 10)
					case PenaltyDRAGAN:
						return DRAGAN(d, in[0], in[3], in[4], 10)
					}
					t.Fatalf("penalty %s has no case in this test", pname)
					return nil
				}, gradcheck.Options{Probes: 5, Tol: 1e-5, Seed: 9, Jitter: 0.3})
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range bad {
					t.Error(m)
				}
				if n < 20 {
					t.Errorf("only %d coordinates checked", n)
				}
			})
		}
	}
}

func uniform(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.Float64()
	}
	return v
}
