// Package vjp corrects and completes GoMLX v0.26's reverse-mode rules (its graph
// package's VJPRegistration table) for the ops gankit's networks use. Import it for
// its side effect; it registers once, at init:
//
//   - ConvGeneral: v0.26's input gradient places its padding for odd kernels only, so
//     every even kernel (DCGAN's k4) gets a wrong gradient, on every backend; it also
//     refuses input-dilated convolutions, which the gradient of a gradient needs.
//     The rule here is exact for any kernel, stride, padding, input and kernel
//     dilation, and channel groups (ChannelGroupCount): v0.26 builds a grouped
//     convolution's gradient from per-group slices and concatenations, whose own
//     gradients are Pads, and its kernel gradient from a batch-grouped convolution;
//     here both gradients are again channel-grouped convolutions (so the gradient of
//     a gradient, as R1 and R2 take it, follows the same rule). Batch groups are
//     left to v0.26's rule.
//   - Dot: v0.26 differentiates a matrix product through an [i, j, k] broadcast
//     product and a ReduceSum — i*j*k work and memory for what two matrix products do
//     (on the pure-Go backend it took 80% of a toy MLP's training step).
//   - Reverse, Rsqrt, Pad and Identity, which have no rule at all in v0.26 (Pad is
//     Slice's gradient, so any second-order gradient through a Slice or Concatenate
//     needs it; the training step differentiates D's fake logits at an Identity of
//     the fake batch, R2's input).
//
// GoMLX keeps node parameters unexported; they are read here with reflect, read-only.
package vjp

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func init() {
	prevConv := VJPRegistration[NodeTypeConvGeneral]
	VJPRegistration[NodeTypeConvGeneral] = func(node *Node, v []*Node, _ shapes.Shape) []*Node {
		p := convParamsOf(node)
		if p.batchGroups > 1 {
			return prevConv(node, v, shapes.Shape{})
		}
		x, k := node.Inputs()[0], node.Inputs()[1]
		if p.channelGroups > 1 {
			return []*Node{groupedInputGrad(p, x, k, v[0]), groupedKernelGrad(p, x, k, v[0])}
		}
		return []*Node{convInputGrad(p, x, k, v[0]), convKernelGrad(p, x, k, v[0])}
	}
	prevDot := VJPRegistration[NodeTypeDot]
	VJPRegistration[NodeTypeDot] = func(node *Node, v []*Node, s shapes.Shape) []*Node {
		x, w := node.Inputs()[0], node.Inputs()[1]
		if x.Rank() != 2 || w.Rank() != 2 {
			return prevDot(node, v, s)
		}
		// y = x w: dx = v w^T, dw = x^T v.
		return []*Node{Dot(v[0], Transpose(w, 0, 1)), Dot(Transpose(x, 0, 1), v[0])}
	}
	VJPRegistration[NodeTypeReverse] = func(node *Node, v []*Node, _ shapes.Shape) []*Node {
		return []*Node{Reverse(v[0], intsField(params(node), "axes")...)}
	}
	VJPRegistration[NodeTypePad] = padVJP
	VJPRegistration[NodeTypeIdentity] = func(_ *Node, v []*Node, _ shapes.Shape) []*Node { return []*Node{v[0]} }
	VJPRegistration[NodeTypeRsqrt] = func(node *Node, v []*Node, _ shapes.Shape) []*Node {
		// d/dx x^(-1/2) = -1/2 x^(-3/2) = -1/2 y^3.
		y := node
		return []*Node{Mul(v[0], MulScalar(Mul(y, Square(y)), -0.5))}
	}
}

// params returns the struct behind a node's unexported inputs field.
func params(node *Node) reflect.Value {
	return reflect.ValueOf(node).Elem().FieldByName("inputs").Elem().Elem()
}

func intsOf(v reflect.Value) []int {
	if v.IsNil() {
		return nil
	}
	out := make([]int, v.Len())
	for i := range out {
		out[i] = int(v.Index(i).Int())
	}
	return out
}

func intsField(s reflect.Value, name string) []int { return intsOf(s.FieldByName(name)) }

type convParams struct {
	axes                       backends.ConvolveAxesConfig
	strides                    []int
	paddings                   [][2]int
	inputDil, kernelDil        []int
	channelGroups, batchGroups int
}

func convParamsOf(node *Node) convParams {
	s := params(node)
	a := s.FieldByName("axes")
	p := convParams{
		axes: backends.ConvolveAxesConfig{
			InputBatch:           int(a.FieldByName("InputBatch").Int()),
			InputChannels:        int(a.FieldByName("InputChannels").Int()),
			InputSpatial:         intsField(a, "InputSpatial"),
			KernelInputChannels:  int(a.FieldByName("KernelInputChannels").Int()),
			KernelOutputChannels: int(a.FieldByName("KernelOutputChannels").Int()),
			KernelSpatial:        intsField(a, "KernelSpatial"),
			OutputBatch:          int(a.FieldByName("OutputBatch").Int()),
			OutputChannels:       int(a.FieldByName("OutputChannels").Int()),
			OutputSpatial:        intsField(a, "OutputSpatial"),
		},
		strides:       intsField(s, "strides"),
		inputDil:      intsField(s, "inputDilations"),
		kernelDil:     intsField(s, "kernelDilations"),
		channelGroups: int(s.FieldByName("channelGroupCount").Int()),
		batchGroups:   int(s.FieldByName("batchGroupCount").Int()),
	}
	n := len(p.axes.InputSpatial)
	pads := s.FieldByName("paddings")
	p.paddings = make([][2]int, n)
	if !pads.IsNil() {
		for i := range n {
			p.paddings[i] = [2]int{int(pads.Index(i).Index(0).Int()), int(pads.Index(i).Index(1).Int())}
		}
	}
	p.strides = orOnes(p.strides, n)
	p.inputDil = orOnes(p.inputDil, n)
	p.kernelDil = orOnes(p.kernelDil, n)
	return p
}

func orOnes(s []int, n int) []int {
	if len(s) == n {
		return s
	}
	out := make([]int, n)
	for i := range out {
		out[i] = 1
	}
	return out
}

// geometry of one spatial axis of y = conv(x, k): x dilated by D and padded (lo, hi) to
// length P; y[o] = sum_j xp[o*s + j*d] k[j], o < O, j < K.
type axisGeom struct {
	h, K, O, s, d, D, lo, hi int
}

func (g axisGeom) keff() int   { return (g.K-1)*g.d + 1 }
func (g axisGeom) padded() int { return (g.h-1)*g.D + 1 + g.lo + g.hi }

func geometry(p convParams, x, k, y *Node, i int) axisGeom {
	return axisGeom{
		h: x.Shape().Dimensions[p.axes.InputSpatial[i]],
		K: k.Shape().Dimensions[p.axes.KernelSpatial[i]],
		O: y.Shape().Dimensions[p.axes.OutputSpatial[i]],
		s: p.strides[i], d: p.kernelDil[i], D: p.inputDil[i],
		lo: p.paddings[i][0], hi: p.paddings[i][1],
	}
}

// convInputGrad: dL/dxp[i] = sum_{o,j: o*s + j*d = i} v[o] k[j] is v dilated by s,
// convolved with the reversed kernel (dilation d), padded so the full correlation
// covers xp, then cropped by (lo, hi) and subsampled by D (the conv's stride) to land
// on the original (undilated) x.
func convInputGrad(p convParams, x, k, v *Node) *Node {
	pads := inputGradPads(p, x, k, v)
	axes := p.axes
	axes.KernelInputChannels, axes.KernelOutputChannels = p.axes.KernelOutputChannels, p.axes.KernelInputChannels
	// v plays the input: its batch/channel/spatial axes are the output's.
	axes.InputBatch, axes.InputChannels, axes.InputSpatial = p.axes.OutputBatch, p.axes.OutputChannels, p.axes.OutputSpatial
	axes.OutputBatch, axes.OutputChannels, axes.OutputSpatial = p.axes.InputBatch, p.axes.InputChannels, p.axes.InputSpatial
	kr := Reverse(k, p.axes.KernelSpatial...)
	return convWithNegativePads(v, kr, axes, p.inputDil, pads, p.strides, p.kernelDil, 1)
}

// inputGradPads are convInputGrad's paddings.
func inputGradPads(p convParams, x, k, v *Node) [][2]int {
	pads := make([][2]int, len(p.axes.InputSpatial))
	for i := range pads {
		g := geometry(p, x, k, v, i)
		pads[i] = [2]int{g.keff() - 1 - g.lo, g.padded() - (g.O-1)*g.s - 1 - g.hi}
	}
	return pads
}

// kernelGradPads are convKernelGrad's paddings.
func kernelGradPads(p convParams, x, k, v *Node) [][2]int {
	pads := make([][2]int, len(p.axes.InputSpatial))
	for i := range pads {
		g := geometry(p, x, k, v, i)
		used := (g.O-1)*g.s + 1 + (g.K-1)*g.d
		pads[i] = [2]int{g.lo, g.hi - (g.padded() - used)}
	}
	return pads
}

// canonicalAxes is the layout the grouped gradients build their operands in: batch
// first, then the spatial axes, channels last; kernels spatial axes first, then input
// and output channels.
func canonicalAxes(n int) backends.ConvolveAxesConfig {
	sp := make([]int, n)
	for i := range sp {
		sp[i] = i + 1
	}
	ksp := make([]int, n)
	for i := range ksp {
		ksp[i] = i
	}
	return backends.ConvolveAxesConfig{
		InputBatch: 0, InputSpatial: sp, InputChannels: n + 1,
		KernelSpatial: ksp, KernelInputChannels: n, KernelOutputChannels: n + 1,
		OutputBatch: 0, OutputSpatial: sp, OutputChannels: n + 1,
	}
}

// groupedInputGrad is convInputGrad for G channel groups: each group's input gradient
// is its output gradient convolved with its reversed kernel, input and output
// channels swapped. The kernel [spatial, c/G, G*o] becomes [spatial, o, G*(c/G)]
// (group j's block transposed in place), so the gradient is again one convolution
// with G channel groups, and its output lands in x's channel order.
func groupedInputGrad(p convParams, x, k, v *Node) *Node {
	n, G := len(p.axes.InputSpatial), p.channelGroups
	kc := TransposeAllDims(k, append(slices.Clone(p.axes.KernelSpatial), p.axes.KernelInputChannels, p.axes.KernelOutputChannels)...)
	dims := kc.Shape().Dimensions
	cg, og := dims[n], dims[n+1]/G
	sp := slices.Clone(dims[:n])
	kc = Reshape(kc, append(slices.Clone(sp), cg, G, og)...)
	perm := make([]int, n, n+3)
	for i := range perm {
		perm[i] = i
	}
	kc = TransposeAllDims(kc, append(perm, n+2, n+1, n)...)
	kc = Reshape(kc, append(sp, og, G*cg)...)
	kr := Reverse(kc, canonicalAxes(n).KernelSpatial...)
	axes := p.axes
	axes.KernelSpatial, axes.KernelInputChannels, axes.KernelOutputChannels = canonicalAxes(n).KernelSpatial, n, n+1
	axes.InputBatch, axes.InputChannels, axes.InputSpatial = p.axes.OutputBatch, p.axes.OutputChannels, p.axes.OutputSpatial
	axes.OutputBatch, axes.OutputChannels, axes.OutputSpatial = p.axes.InputBatch, p.axes.InputChannels, p.axes.InputSpatial
	return convWithNegativePads(v, kr, axes, p.inputDil, inputGradPads(p, x, k, v), p.strides, p.kernelDil, G)
}

// groupedKernelGrad is convKernelGrad for G channel groups. Group j's kernel
// gradient sums x's group-j channels against v's group-j channels over the batch and
// the pixels; with x laid out as [c/G, spatial, G*batch] (the batch as channels, one
// run per group) and v as [spatial, batch, G*o], that is one convolution with G
// channel groups whose output is [c/G, kernel spatial, G*o], the kernel's own shape
// up to a transposition. No batch groups: not every backend runs them the same way.
func groupedKernelGrad(p convParams, x, k, v *Node) *Node {
	n, G := len(p.axes.InputSpatial), p.channelGroups
	xc := TransposeAllDims(x, append(slices.Clone(p.axes.InputSpatial), p.axes.InputBatch, p.axes.InputChannels)...)
	dims := xc.Shape().Dimensions // [spatial, N, C]
	nb, cg := dims[n], dims[n+1]/G
	sp := slices.Clone(dims[:n])
	xc = Reshape(xc, append(slices.Clone(sp), nb, G, cg)...)
	perm := []int{n + 2}
	for i := range n {
		perm = append(perm, i)
	}
	xc = TransposeAllDims(xc, append(perm, n+1, n)...) // [cg, spatial, G, N]
	xc = Reshape(xc, append(append([]int{cg}, sp...), G*nb)...)
	vc := TransposeAllDims(v, append(slices.Clone(p.axes.OutputSpatial), p.axes.OutputBatch, p.axes.OutputChannels)...)
	ax := canonicalAxes(n)
	out := convWithNegativePads(xc, vc, ax, p.kernelDil, kernelGradPads(p, x, k, v), p.inputDil, p.strides, G)
	// out is [cg, kernel spatial, G*o]: move each axis to where k has it.
	kperm := make([]int, k.Rank())
	kperm[p.axes.KernelInputChannels] = 0
	kperm[p.axes.KernelOutputChannels] = n + 1
	for i, a := range p.axes.KernelSpatial {
		kperm[a] = i + 1
	}
	return TransposeAllDims(out, kperm...)
}

// convKernelGrad: dL/dk[j] = sum_{b,o} v[b,o] xp[b, o*s + j*d]: a convolution of xp
// (batch as the contracted channel) with v as kernel (dilation s), stride d, cropped
// at the end to exactly K outputs.
func convKernelGrad(p convParams, x, k, v *Node) *Node {
	pads := kernelGradPads(p, x, k, v)
	var axes backends.ConvolveAxesConfig
	axes.InputBatch, axes.InputChannels, axes.InputSpatial = p.axes.InputChannels, p.axes.InputBatch, p.axes.InputSpatial
	axes.KernelInputChannels, axes.KernelOutputChannels, axes.KernelSpatial = p.axes.OutputBatch, p.axes.OutputChannels, p.axes.OutputSpatial
	axes.OutputBatch, axes.OutputChannels, axes.OutputSpatial = p.axes.KernelInputChannels, p.axes.KernelOutputChannels, p.axes.KernelSpatial
	return convWithNegativePads(x, v, axes, p.kernelDil, pads, p.inputDil, p.strides, 1)
}

// convWithNegativePads is ConvGeneral where a negative padding crops the input first
// (not every backend accepts negative convolution padding).
func convWithNegativePads(x, k *Node, axes backends.ConvolveAxesConfig, strides []int, pads [][2]int, inputDil, kernelDil []int, groups int) *Node {
	pads = slices.Clone(pads)
	if slices.ContainsFunc(pads, func(p [2]int) bool { return p[0] < 0 || p[1] < 0 }) {
		if slices.ContainsFunc(inputDil, func(d int) bool { return d != 1 }) {
			// Cropping before dilation would need fractional crops; pad the dilation explicitly.
			padCfg := make([]backends.PadAxis, x.Rank())
			for i, a := range axes.InputSpatial {
				padCfg[a].Interior = inputDil[i] - 1
			}
			x = Pad(x, ScalarZero(x.Graph(), x.DType()), padCfg...)
			inputDil = orOnes(nil, len(inputDil))
		}
		specs := make([]SliceAxisSpec, x.Rank())
		for a := range specs {
			specs[a] = AxisRange()
		}
		for i, a := range axes.InputSpatial {
			lo, hi := min(pads[i][0], 0), min(pads[i][1], 0)
			specs[a] = AxisRange(-lo, x.Shape().Dimensions[a]+hi)
			pads[i] = [2]int{max(pads[i][0], 0), max(pads[i][1], 0)}
		}
		x = Slice(x, specs...)
	}
	out := ConvGeneral(x, k, axes, strides, pads, inputDil, kernelDil, groups, 1)
	if !out.Shape().Ok() {
		panic(fmt.Sprintf("vjp: convolution gradient has invalid shape %s", out.Shape()))
	}
	return out
}

// padVJP is the gradient of Pad: the values of v at the positions x landed on
// (a strided slice; where Pad cropped with a negative amount, zeros), and for the
// scalar fill value the sum of v over every padded position.
func padVJP(node *Node, v []*Node, _ shapes.Shape) []*Node {
	x, fill := node.Inputs()[0], node.Inputs()[1]
	cfg := params(node).FieldByName("axesConfig")
	g := v[0]
	var uncrop []backends.PadAxis
	cropped := false
	for i := range cfg.Len() {
		a := cfg.Index(i)
		lo, hi := int(a.FieldByName("Start").Int()), int(a.FieldByName("End").Int())
		uncrop = append(uncrop, backends.PadAxis{Start: max(0, -lo), End: max(0, -hi)})
		cropped = cropped || lo < 0 || hi < 0
	}
	if cropped {
		g = Pad(g, ScalarZero(g.Graph(), g.DType()), uncrop...)
	}
	var ranges []SliceAxisSpec
	for i := range cfg.Len() {
		a := cfg.Index(i)
		lo, hi := int(a.FieldByName("Start").Int()), int(a.FieldByName("End").Int())
		interior := int(a.FieldByName("Interior").Int())
		n := g.Shape().Dimensions[i]
		ranges = append(ranges, AxisRange(max(0, lo), n-max(0, hi)).Stride(interior+1))
	}
	gx := Slice(g, ranges...)
	if !slices.Equal(gx.Shape().Dimensions, x.Shape().Dimensions) {
		panic(fmt.Sprintf("vjp: Pad gradient has shape %s, want %s", gx.Shape(), x.Shape()))
	}
	gFill := Sub(ReduceAllSum(v[0]), ReduceAllSum(gx))
	return []*Node{gx, Reshape(gFill, fill.Shape().Dimensions...)}
}
