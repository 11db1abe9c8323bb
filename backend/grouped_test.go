package backend_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/backend/cpu"
	"github.com/gankit/gankit/backend/cpu/igemm"
	"github.com/gankit/gankit/backend/cpu/simd"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// groupedCase is a grouped convolution: NHWC input, HWIO kernel (input channels per
// group), same-style padding.
type groupedCase struct {
	x, k           []int
	groups, stride int
	pad            [2]int // low and high padding of both spatial axes
}

// groupedCases have R3GAN's shapes (8 groups of 16 channels, 3x3; stride 1, same
// padding) and odd ones: one channel per group (depthwise), channels that straddle
// the 6x64 tiles, strides and asymmetric padding.
var groupedCases = []groupedCase{
	{[]int{2, 7, 7, 128}, []int{3, 3, 16, 128}, 8, 1, [2]int{1, 1}},
	{[]int{3, 6, 5, 12}, []int{3, 3, 1, 12}, 12, 1, [2]int{1, 1}},
	{[]int{2, 8, 7, 140}, []int{3, 2, 70, 10}, 2, 2, [2]int{1, 0}},
	{[]int{1, 5, 5, 6}, []int{2, 2, 2, 9}, 3, 1, [2]int{0, 1}},
}

func groupedConv(tc groupedCase, x, w *Node) *Node {
	axes := backends.ConvolveAxesConfig{
		InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
		KernelSpatial: []int{0, 1}, KernelInputChannels: 2, KernelOutputChannels: 3,
		OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3,
	}
	p := [][2]int{tc.pad, tc.pad}
	// Explicit dilations: simplego's grouped loop indexes them (nil panics).
	return ConvGeneral(x, w, axes, []int{tc.stride, tc.stride}, p, []int{1, 1}, []int{1, 1}, tc.groups, 1)
}

// splitConv is the grouped convolution as one ungrouped convolution per group on
// slices of the channels, concatenated: the definition, on ops every backend and
// gradient rule handled before channel groups did.
func splitConv(tc groupedCase, x, w *Node) *Node {
	inG, outG := tc.x[3]/tc.groups, tc.k[3]/tc.groups
	parts := make([]*Node, tc.groups)
	for j := range parts {
		sub := tc
		sub.groups = 1
		parts[j] = groupedConv(sub, SliceAxis(x, 3, AxisRange(j*inG, (j+1)*inG)), SliceAxis(w, 3, AxisRange(j*outG, (j+1)*outG)))
	}
	return Concatenate(parts, 3)
}

// TestGroupedConvMatchesSimplegoAndSplit runs float32 grouped convolutions and their
// input and kernel gradients on the cpu backend, on every kernel set this CPU runs,
// against the go backend in float64 on the per-group split (slices, ungrouped
// convolutions, concatenation); the forward values also against simplego's own
// grouped loop. The convolutions must run as the cpu backend's kernels: a comparison
// with a delegated op proves nothing.
func TestGroupedConvMatchesSimplegoAndSplit(t *testing.T) {
	ref, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := simplego.New("")
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ y, dx, dw []float64 }
	r := rand.New(rand.NewPCG(21, 22))
	var inputs [][3]*tensors.Tensor
	var wants []want
	for _, tc := range groupedCases {
		oh := (tc.x[1]+tc.pad[0]+tc.pad[1]-tc.k[0])/tc.stride + 1
		ow := (tc.x[2]+tc.pad[0]+tc.pad[1]-tc.k[1])/tc.stride + 1
		in := [3]*tensors.Tensor{testutil.Normal(r, true, tc.x...), testutil.Normal(r, true, tc.k...), testutil.Normal(r, true, tc.x[0], oh, ow, tc.k[3])}
		f := func(x, w, dy *Node) []*Node {
			y := splitConv(tc, x, w)
			g := Gradient(ReduceAllSum(Mul(y, dy)), x, w)
			return []*Node{y, g[0], g[1]}
		}
		out := MustNewExec(ref, f).MustExec(in[0], in[1], in[2])
		wants = append(wants, want{flat64(out[0]), flat64(out[1]), flat64(out[2])})
		x2, _ := in[0].LocalClone()
		w2, _ := in[1].LocalClone()
		own := MustExecOnce(plain, func(x, w *Node) *Node { return groupedConv(tc, x, w) }, x2, w2)
		closeAll(t, fmt.Sprintf("simplego's grouped loop x%v k%v", tc.x, tc.k), flat64(own), wants[len(wants)-1].y, 1e-12)
		inputs = append(inputs, in)
	}
	for _, set := range []simd.Set{simd.AVX512, simd.AVX2, simd.NEON, simd.Go} {
		t.Run(set.String(), func(t *testing.T) {
			if !set.Runs() {
				t.Skipf("this CPU does not run the %s kernels", set)
			}
			if set != simd.Go && !igemm.Fast(set) {
				t.Fatalf("this CPU runs %s but igemm has no %s kernels", set, set)
			}
			opsRun := recordOps(t)
			b, err := cpu.NewWithKernels(set)
			if err != nil {
				t.Fatal(err)
			}
			if b.Kernels() != set {
				t.Fatalf("backend runs %s, want %s", b.Kernels(), set)
			}
			for i, tc := range groupedCases {
				f := func(x, w, dy *Node) []*Node {
					y := groupedConv(tc, x, w)
					g := Gradient(ReduceAllSum(Mul(y, dy)), x, w)
					return []*Node{y, g[0], g[1]}
				}
				got, err := MustNewExec(b, f).Exec(as32(inputs[i][0]), as32(inputs[i][1]), as32(inputs[i][2]))
				if err != nil {
					t.Fatalf("x%v k%v: %+v", tc.x, tc.k, err)
				}
				for j, which := range []string{"conv", "input gradient", "kernel gradient"} {
					e := []([]float64){wants[i].y, wants[i].dx, wants[i].dw}[j]
					closeAll(t, fmt.Sprintf("%s x%v k%v groups %d: %s", set, tc.x, tc.k, tc.groups, which), flat64(got[j]), e, 1e-5)
				}
			}
			b.Finalize() // writes the op times
			kernel, delegated := opsRun()
			expectKernels(t, kernel, delegated, "ConvGeneral")
		})
	}
}

func as32(t64 *tensors.Tensor) *tensors.Tensor {
	v := flat64(t64)
	v32 := make([]float32, len(v))
	for i, e := range v {
		v32[i] = float32(e)
	}
	return tensors.FromFlatDataAndDimensions(v32, t64.Shape().Dimensions...)
}

// flat64 returns a float32 or float64 tensor's values as float64.
func flat64(t *tensors.Tensor) []float64 {
	var out []float64
	t.MustConstFlatData(func(f any) {
		switch f := f.(type) {
		case []float64:
			out = append(out, f...)
		case []float32:
			for _, v := range f {
				out = append(out, float64(v))
			}
		}
	})
	return out
}

// closeAll fails unless got and want agree to tol relative to want's largest value.
func closeAll(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol*math.Max(scale, 1e-300) {
			t.Fatalf("%s: value %d = %g, want %g (largest %g)", what, i, got[i], want[i], scale)
		}
	}
}

// BenchmarkGroupedConvR3GAN times R3GAN's grouped 3x3 at its largest stage (batch
// 64, 28x28, 128 channels in 8 groups of 16) forward, and with its input and kernel
// gradients, on every kernel set this CPU runs; GFLOP/s count the useful
// multiply-adds (x2), 1.85 GFLOP a convolution.
func BenchmarkGroupedConvR3GAN(b *testing.B) {
	tc := groupedCase{[]int{64, 28, 28, 128}, []int{3, 3, 16, 128}, 8, 1, [2]int{1, 1}}
	flops := 2 * float64(64*28*28*128*16*9)
	for _, set := range simd.Supported() {
		r := rand.New(rand.NewPCG(1, 2)) // tensors of their own: a tensor stays on the backend it ran on
		x, w, dy := testutil.Normal(r, false, tc.x...), testutil.Normal(r, false, tc.k...), testutil.Normal(r, false, tc.x...)
		be, err := cpu.NewWithKernels(set)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			convs float64
			f     func(x, w, dy *Node) []*Node
		}{
			{"forward", 1, func(x, w, _ *Node) []*Node { return []*Node{groupedConv(tc, x, w)} }},
			{"gradients", 2, func(x, w, dy *Node) []*Node {
				return Gradient(ReduceAllSum(Mul(groupedConv(tc, x, w), dy)), x, w)
			}},
			{"kernel-gradient", 1, func(x, w, dy *Node) []*Node {
				return Gradient(ReduceAllSum(Mul(groupedConv(tc, x, w), dy)), w)
			}},
		} {
			b.Run(set.String()+"/"+c.name, func(b *testing.B) {
				e := MustNewExec(be, c.f)
				for b.Loop() {
					for _, t := range e.MustExec(x, w, dy) {
						t.FinalizeAll()
					}
				}
				b.ReportMetric(c.convs*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
