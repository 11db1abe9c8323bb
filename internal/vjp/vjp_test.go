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

// TestRulesMatchFiniteDifferences checks each rule this package registers on a small
// case of its own, for every input: Identity, Rsqrt (which gankit's nets avoid, so no other
// test reaches it), Reverse, the 2-D Dot, and ConvGeneral with an even kernel, a
// stride, asymmetric padding and kernel dilation (v0.26's rule is wrong for even
// kernels) and with input dilation (a transposed convolution).
func TestRulesMatchFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		name   string
		inputs [][]int
		loss   func(in []*Node) *Node
	}{
		{"rsqrt", [][]int{{3, 4}}, func(in []*Node) *Node {
			return Rsqrt(AddScalar(Square(in[0]), 0.5))
		}},
		{"identity", [][]int{{3, 4}}, func(in []*Node) *Node {
			return Mul(Identity(in[0]), in[0])
		}},
		{"reverse", [][]int{{3, 4, 2}}, func(in []*Node) *Node {
			return Mul(Reverse(in[0], 0, 2), in[0])
		}},
		{"dot", [][]int{{3, 5}, {5, 2}}, func(in []*Node) *Node {
			return Dot(in[0], in[1])
		}},
		{"conv-even-kernel-strided", [][]int{{2, 7, 6, 3}, {4, 2, 3, 2}}, func(in []*Node) *Node {
			return Convolve(in[0], in[1]).StridePerAxis(2, 1).PaddingPerDim([][2]int{{1, 2}, {0, 1}}).Done()
		}},
		{"conv-even-kernel-dilated", [][]int{{1, 5, 4, 2}, {2, 2, 2, 2}}, func(in []*Node) *Node {
			return Convolve(in[0], in[1]).DilationPerAxis(2, 1).PaddingPerDim([][2]int{{2, 0}, {1, 2}}).Done()
		}},
		{"conv-transposed", [][]int{{1, 4, 3, 2}, {4, 4, 2, 3}}, func(in []*Node) *Node {
			return ConvGeneral(in[0], in[1], backends.ConvolveAxesConfig{
				InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
				KernelSpatial: []int{0, 1}, KernelInputChannels: 2, KernelOutputChannels: 3,
				OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3,
			}, []int{1, 1}, [][2]int{{2, 2}, {2, 2}}, []int{2, 2}, nil, 1, 1)
		}},
		{"conv-grouped-strided", [][]int{{2, 6, 5, 6}, {3, 2, 2, 6}}, func(in []*Node) *Node {
			return Convolve(in[0], in[1]).StridePerAxis(2, 1).PaddingPerDim([][2]int{{1, 2}, {0, 1}}).ChannelGroupCount(3).Done()
		}},
		{"conv-grouped-dilated-channels-first", [][]int{{2, 4, 5, 4}, {6, 2, 2, 3}}, func(in []*Node) *Node {
			// x [N, C, H, W], kernel [O, I, H, W], output [N, O, H, W]; kernel dilation 2.
			return ConvGeneral(in[0], in[1], backends.ConvolveAxesConfig{
				InputBatch: 0, InputChannels: 1, InputSpatial: []int{2, 3},
				KernelOutputChannels: 0, KernelInputChannels: 1, KernelSpatial: []int{2, 3},
				OutputBatch: 0, OutputChannels: 1, OutputSpatial: []int{2, 3},
			}, []int{1, 1}, [][2]int{{1, 1}, {2, 0}}, nil, []int{2, 1}, 2, 1)
		}},
		{"conv-grouped-second-order", [][]int{{2, 5, 4, 4}, {3, 3, 2, 6}}, func(in []*Node) *Node {
			// R1's shape: the squared input gradient of a grouped convolution's output,
			// differentiated again (w.r.t. x and the kernel).
			x, k := in[0], in[1]
			y := Convolve(x, k).StridePerAxis(1, 1).PaddingPerDim([][2]int{{1, 1}, {1, 1}}).ChannelGroupCount(2).Done()
			s := ReduceAllSum(Mul(Square(y), Cos(IotaFull(y.Graph(), y.Shape()))))
			g := Gradient(s, x)[0]
			return Mul(g, g)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, name := range backend.TestBackends() {
				b := testutil.Backend(t, name)
				var in []*tensors.Tensor
				for _, dims := range tc.inputs {
					in = append(in, testutil.Normal(r, true, dims...))
				}
				bad, n, err := gradcheck.Check(b, context.New(), in, func(_ *context.Context, in []*Node) *Node {
					y := tc.loss(in)
					// A fixed, non-uniform weighting of the outputs, so that every output's
					// gradient counts.
					return ReduceAllSum(Mul(y, Sin(AddScalar(IotaFull(y.Graph(), y.Shape()), 0.5))))
				}, gradcheck.Options{Probes: 10, Tol: 1e-6, Seed: 7})
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range bad {
					t.Errorf("%s: %v", name, m)
				}
				if n < 10 {
					t.Errorf("%s: only %d coordinates checked", name, n)
				}
			}
		})
	}
}
