package backend_test

import (
	"fmt"
	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/internal/testutil"
	_ "github.com/gankit/gankit/internal/vjp" // exact convolution gradients (input dilation included)
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestConvMatchesSimplegoConv compares every tested backend's convolution (im2col in
// the go backend's fix-ups; phase splits, shifted GEMMs and im2col in the cpu backend) with
// simplego's own direct loop on random shapes, strides, paddings (negative too),
// input and kernel dilations and axis layouts, in float64.
func TestConvMatchesSimplegoConv(t *testing.T) {
	plain, err := simplego.New("")
	if err != nil {
		t.Fatal(err)
	}
	opsRun := recordOps(t)
	for _, name := range backend.TestBackends() {
		b, err := backend.New(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) { testConv(t, b, plain) })
	}
	kernel, delegated := opsRun()
	expectKernels(t, kernel, delegated, "ConvGeneral")
}

func testConv(t *testing.T, fixed, plain backends.Backend) {
	r := rand.New(rand.NewPCG(11, 12))
	for c := range 60 {
		n, cin, cout := 1+r.IntN(3), 1+r.IntN(4), 1+r.IntN(4)
		if c%4 == 3 { // wide inputs: the GEMM-based paths with many channels
			cin = 16 + r.IntN(9)
		}
		k := []int{1 + r.IntN(4), 1 + r.IntN(4)}
		h := []int{k[0] + r.IntN(6), k[1] + r.IntN(6)}
		strides := []int{1 + r.IntN(3), 1 + r.IntN(3)}
		kdil := []int{1, 1}
		idil := []int{1, 1}
		switch r.IntN(3) {
		case 1:
			kdil = []int{1 + r.IntN(2), 1 + r.IntN(2)}
			strides = []int{1, 1}
		case 2:
			idil = []int{1 + r.IntN(3), 1 + r.IntN(3)}
		}
		pads := [][2]int{{r.IntN(3) - 1, r.IntN(3)}, {r.IntN(3), r.IntN(3) - 1}}
		var axes backends.ConvolveAxesConfig
		xdims := []int{n, h[0], h[1], cin}
		axes.InputBatch, axes.InputSpatial, axes.InputChannels = 0, []int{1, 2}, 3
		kdims := []int{k[0], k[1], cin, cout}
		axes.KernelSpatial, axes.KernelInputChannels, axes.KernelOutputChannels = []int{0, 1}, 2, 3
		axes.OutputBatch, axes.OutputSpatial, axes.OutputChannels = 0, []int{1, 2}, 3
		if c%2 == 1 { // channels-first input, output-channels-first kernel, channels-first output
			xdims = []int{n, cin, h[0], h[1]}
			axes.InputBatch, axes.InputChannels, axes.InputSpatial = 0, 1, []int{2, 3}
			kdims = []int{cout, cin, k[0], k[1]}
			axes.KernelOutputChannels, axes.KernelInputChannels, axes.KernelSpatial = 0, 1, []int{2, 3}
			axes.OutputBatch, axes.OutputChannels, axes.OutputSpatial = 0, 1, []int{2, 3}
		}
		// Skip configurations whose output would be empty.
		ok := true
		for i := range 2 {
			span := (h[i]-1)*idil[i] + 1 + pads[i][0] + pads[i][1]
			if span < (k[i]-1)*kdil[i]+1 {
				ok = false
			}
		}
		if !ok {
			continue
		}
		x, w := testutil.Normal(r, true, xdims...), testutil.Normal(r, true, kdims...)
		name := fmt.Sprintf("x%v k%v s%v p%v idil%v kdil%v", xdims, kdims, strides, pads, idil, kdil)
		conv := func(x, w *Node) *Node {
			return ConvGeneral(x, w, axes, strides, pads, idil, kdil, 1, 1)
		}
		// A tensor used on one backend cannot be fed to another: give each its copy.
		x2, _ := x.LocalClone()
		w2, _ := w.LocalClone()
		want := MustExecOnce(plain, conv, x, w)
		got := MustExecOnce(fixed, conv, x2, w2)
		if fmt.Sprint(got.Shape()) != fmt.Sprint(want.Shape()) {
			t.Fatalf("%s: shape %s, want %s", name, got.Shape(), want.Shape())
		}
		var g, e []float64
		got.MustConstFlatData(func(f any) { g = f.([]float64) })
		want.MustConstFlatData(func(f any) { e = f.([]float64) })
		for i := range g {
			if math.Abs(g[i]-e[i]) > 1e-12*math.Max(1, math.Abs(e[i])) {
				t.Fatalf("%s: value %d = %g, want %g", name, i, g[i], e[i])
			}
		}
	}
}

// TestConvFloat32AndItsGradients runs float32 convolutions with the channel counts of
// real networks (where the cpu backend uses its indirect SIMD kernels: 6x64 tiles, 64
// contiguous channels for weight gradients, padded tiles for 1 or 70 channels) and the
// gradients of each w.r.t. input and kernel, which are convolutions with input
// dilation (transposed) and with the batch as channels. The reference is the go
// backend in float64 on the same values.
func TestConvFloat32AndItsGradients(t *testing.T) {
	plain, err := backend.New("go") // simplego with its missing ops (Reverse) added
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		x, k              []int // NHWC input, HWIO kernel
		stride, pad, idil int   // idil 2: a transposed convolution
	}{
		{[]int{3, 10, 10, 64}, []int{4, 4, 64, 128}, 2, 1, 1}, // DCGAN D's second conv
		{[]int{3, 12, 12, 1}, []int{4, 4, 1, 64}, 2, 1, 1},    // D's first conv
		{[]int{2, 7, 7, 128}, []int{2, 2, 128, 64}, 1, 0, 1},  // G's sub-pixel nearest conv
		{[]int{2, 9, 9, 64}, []int{3, 3, 64, 1}, 1, 1, 1},     // G's last conv
		{[]int{2, 5, 6, 70}, []int{3, 3, 70, 6}, 1, 1, 1},     // odd widths
		{[]int{1, 7, 7, 3}, []int{3, 3, 3, 130}, 2, 1, 1},
		{[]int{2, 4, 4, 128}, []int{4, 4, 128, 64}, 1, 2, 2}, // G's transposed convs
		{[]int{2, 5, 5, 64}, []int{4, 4, 64, 1}, 1, 2, 2},
	}
	for _, name := range backend.TestBackends() {
		b, err := backend.New(name)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(5, 6))
		for _, tc := range cases {
			label := fmt.Sprintf("%s x%v k%v s%d p%d idil%d", name, tc.x, tc.k, tc.stride, tc.pad, tc.idil)
			f := func(x, w, dy *Node) []*Node {
				axes := backends.ConvolveAxesConfig{
					InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
					KernelSpatial: []int{0, 1}, KernelInputChannels: 2, KernelOutputChannels: 3,
					OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3,
				}
				p := [2]int{tc.pad, tc.pad}
				y := ConvGeneral(x, w, axes, []int{tc.stride, tc.stride}, [][2]int{p, p}, []int{tc.idil, tc.idil}, nil, 1, 1)
				grads := Gradient(ReduceAllSum(Mul(y, dy)), x, w)
				return []*Node{y, grads[0], grads[1]}
			}
			// Output shape, for the random output gradient.
			var oh, ow int
			oh = ((tc.x[1]-1)*tc.idil+1+2*tc.pad-tc.k[0])/tc.stride + 1
			ow = ((tc.x[2]-1)*tc.idil+1+2*tc.pad-tc.k[1])/tc.stride + 1
			x := testutil.Normal(r, true, tc.x...)
			w := testutil.Normal(r, true, tc.k...)
			dy := testutil.Normal(r, true, tc.x[0], oh, ow, tc.k[3])
			want := MustNewExec(plain, f).MustExec(x, w, dy)
			as32 := func(t64 *tensors.Tensor) *tensors.Tensor {
				var v []float64
				t64.MustConstFlatData(func(f any) { v = f.([]float64) })
				v32 := make([]float32, len(v))
				for i, e := range v {
					v32[i] = float32(e)
				}
				return tensors.FromFlatDataAndDimensions(v32, t64.Shape().Dimensions...)
			}
			got, err := MustNewExec(b, f).Exec(as32(x), as32(w), as32(dy))
			if err != nil {
				t.Fatalf("%s: %+v", label, err)
			}
			for i, which := range []string{"conv", "input gradient", "kernel gradient"} {
				var g []float32
				var e []float64
				got[i].MustConstFlatData(func(f any) { g = f.([]float32) })
				want[i].MustConstFlatData(func(f any) { e = f.([]float64) })
				scale := 0.0
				for _, v := range e {
					scale = math.Max(scale, math.Abs(v))
				}
				for j := range g {
					if math.Abs(float64(g[j])-e[j]) > 1e-5*scale {
						t.Fatalf("%s: %s value %d = %g, want %g (largest %g)", label, which, j, g[j], e[j], scale)
					}
				}
			}
		}
	}
}
