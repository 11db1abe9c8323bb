package backend_test

import (
	"fmt"
	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/internal/testutil"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
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
	for _, name := range backend.TestBackends() {
		b, err := backend.New(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) { testConv(t, b, plain) })
	}
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
