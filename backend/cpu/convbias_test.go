package cpu

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
)

// TestConvBiasIsBitwiseTheAdd runs convolutions followed by a per-channel bias add —
// on the grouped tile, the rows plan (wide, narrow, one output channel as dot
// products, an input-dilated one in phases), and float64 on im2col — with fusion on
// and off: the merged step must run, and its outputs equal the convolution-then-Add
// bit for bit. A convolution whose value is read twice keeps its own Add.
func TestConvBiasIsBitwiseTheAdd(t *testing.T) {
	fused, plain := fusedAndPlain(t)
	for _, c := range []struct {
		name         string
		x, k         []int // NHWC input, HWIO kernel (input channels per group)
		groups, idil int
		f64, twice   bool
		batchLast    bool // x is [C, H, W, N], as kernel gradients see theirs: the cols plan
	}{
		{"grouped 3x3", []int{2, 7, 7, 128}, []int{3, 3, 16, 128}, 8, 1, false, false, false},
		{"1x1 wide", []int{2, 5, 6, 64}, []int{1, 1, 64, 128}, 1, 1, false, false, false},
		{"narrow", []int{3, 6, 6, 5}, []int{3, 3, 5, 7}, 1, 1, false, false, false},
		{"one channel", []int{2, 6, 5, 64}, []int{3, 3, 64, 1}, 1, 1, false, false, false},
		{"input-dilated", []int{2, 4, 4, 64}, []int{4, 4, 64, 64}, 1, 2, false, false, false},
		{"float64", []int{2, 5, 5, 8}, []int{3, 3, 8, 6}, 1, 1, true, false, false},
		{"read twice", []int{2, 5, 5, 16}, []int{3, 3, 16, 16}, 1, 1, false, true, false},
		{"batch last (cols)", []int{64, 5, 5, 4}, []int{3, 3, 4, 8}, 1, 1, false, false, true},
	} {
		cout := c.k[3]
		nk := c.k[0] * c.k[1] * c.k[2] * cout
		f := func(x, z *Node) *Node {
			dims := c.x
			if c.batchLast {
				dims = []int{c.x[3], c.x[1], c.x[2], c.x[0]}
			}
			x = Reshape(x, dims...)
			w := Reshape(Slice(z, AxisRange(0, nk)), c.k...)
			bias := Reshape(Slice(z, AxisRange(nk, nk+cout)), 1, 1, 1, cout)
			axes := backends.ConvolveAxesConfig{
				InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
				KernelSpatial: []int{0, 1}, KernelInputChannels: 2, KernelOutputChannels: 3,
				OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3,
			}
			if c.batchLast {
				axes.InputBatch, axes.InputChannels = 3, 0
			}
			p := (c.k[0] - 1) / 2
			y := ConvGeneral(x, w, axes, []int{1, 1}, [][2]int{{p, p}, {p, p}}, []int{c.idil, c.idil}, []int{1, 1}, c.groups, 1)
			out := Add(y, bias)
			if c.twice {
				out = Add(out, MulScalar(y, 0.5))
			}
			return Reshape(out, -1)
		}
		r := rand.New(rand.NewPCG(5, uint64(nk)))
		x, z := normal(r, c.f64, c.x[0]*c.x[1]*c.x[2]*c.x[3]), normal(r, c.f64, nk+cout)
		x2, _ := x.LocalClone()
		z2, _ := z.LocalClone()
		got, fusedOps := stepsRun(t, fused, f, x, z)
		want, plainOps := stepsRun(t, plain, f, x2, z2)
		merged := func(ops []string) bool {
			for _, op := range ops {
				if strings.HasPrefix(op, convBiasOp) {
					return true
				}
			}
			return false
		}
		if merged(fusedOps) == c.twice {
			t.Errorf("%s: merged step ran = %v, want %v (steps %v)", c.name, merged(fusedOps), !c.twice, fusedOps)
		}
		if merged(plainOps) {
			t.Errorf("%s: merged with fusion off", c.name)
		}
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%s: value %d merged %v, conv then Add %v", c.name, i, got[i], want[i])
			}
		}
	}
}
