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

// TestPenaltyGradientsMatchFiniteDifferences differentiates each registered penalty on
// a convolutional DCGAN discriminator (strided k4 convolutions, LeakyReLU, dense
// output) with respect to D's weights and its inputs — a second-order gradient
// through the convolutions — and compares with float64 central differences, on every
// backend gankit tests. Each penalty is fed the draws its Draws ask for, U[0, 1) per
// sample or per element.
func TestPenaltyGradientsMatchFiniteDifferences(t *testing.T) {
	cfg := nets.Config{Arch: nets.ArchDCGAN, ZDim: 3, Width: 2, Upsample: nets.UpTransposed, Slope: 0.2}
	shape := data.Shape{Size: 28, Channels: 1}
	for _, name := range backend.TestBackends() {
		b := testutil.Backend(t, name)
		for _, pname := range PenaltyNames()[1:] {
			p, err := PenaltyByName("test", pname)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(name+"/"+pname, func(t *testing.T) {
				r := rand.New(rand.NewPCG(3, 4))
				ctx := context.New()
				ctx.SetParam(nets.ParamFloat64, true)
				ctx.SetParam(nets.ParamSeed, int64(5))
				real := testutil.Normal(r, true, 2, 28, 28, 1)
				fake := testutil.Normal(r, true, 2, 28, 28, 1)
				inputs := []*tensors.Tensor{real, fake}
				draws := p.Draws()
				for _, dr := range draws {
					dims := []int{2}
					if dr.PerElement {
						dims = []int{2, 28, 28, 1}
					}
					inputs = append(inputs, tensors.FromFlatDataAndDimensions(uniform(r, prod(dims)), dims...))
				}
				bad, n, err := gradcheck.Check(b, ctx, inputs, func(ctx *context.Context, in []*Node) *Node {
					d := func(x *Node) *Node { return nets.Discriminator(ctx, cfg, shape, x) }
					pin := PenaltyInputs{D: d, Real: in[0], Fake: in[1], RawReal: in[0], RawFake: in[1], DReal: d, DFake: d, Draws: map[string]*Node{}}
					for i, dr := range draws {
						pin.Draws[dr.Name] = in[2+i]
					}
					return MulScalar(p.Term(pin), p.DefaultWeight())
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

func prod(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}
