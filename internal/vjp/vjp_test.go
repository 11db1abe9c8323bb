package vjp_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/internal/gradcheck"
	"github.com/gankit/gankit/internal/testutil"
	_ "github.com/gankit/gankit/internal/vjp"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestPadGradientMatchesFiniteDifferences checks the Pad rule with edge, negative
// (cropping) and interior padding, for the input and the fill value, and a
// second-order gradient through Concatenate (whose gradient is a Slice, whose
// gradient is a Pad).
func TestPadGradientMatchesFiniteDifferences(t *testing.T) {
	for _, name := range backend.TestBackends() {
		b := testutil.Backend(t, name)
		r := rand.New(rand.NewPCG(1, 2))
		x := testutil.Normal(r, true, 3, 4, 5)
		fill := tensors.FromScalar(0.7)
		ctx := context.New()
		bad, n, err := gradcheck.Check(b, ctx, []*tensors.Tensor{x, fill}, func(_ *context.Context, in []*Node) *Node {
			p := Pad(in[0], in[1],
				backends.PadAxis{Start: 1, End: 2},
				backends.PadAxis{Start: -1, End: 1, Interior: 1},
				backends.PadAxis{Start: 2, End: -2, Interior: 2})
			w := Sin(IotaFull(p.Graph(), p.Shape()))
			return ReduceAllSum(Mul(Square(p), w))
		}, gradcheck.Options{Probes: 12, Tol: 1e-6, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range bad {
			t.Errorf("%s: %v", name, m)
		}
		if n < 13 {
			t.Errorf("%s: only %d coordinates checked", name, n)
		}
		// d/dx of ||d/dx f(x)||^2 where f concatenates slices of x.
		bad, _, err = gradcheck.Check(b, ctx, []*tensors.Tensor{x}, func(_ *context.Context, in []*Node) *Node {
			x := in[0]
			f := func(x *Node) *Node {
				c := Concatenate([]*Node{Slice(x, AxisRange(), AxisRange(1, 3)), Square(x)}, 1)
				return ReduceAllSum(Mul(c, Cos(IotaFull(c.Graph(), c.Shape()))))
			}
			g := Gradient(f(x), x)[0]
			return ReduceAllSum(Mul(g, Mul(g, x)))
		}, gradcheck.Options{Probes: 12, Tol: 1e-6, Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range bad {
			t.Errorf("%s second order: %v", name, m)
		}
	}
}
