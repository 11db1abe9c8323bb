package cpu

import (
	"fmt"

	"github.com/gankit/gankit/backend/cpu/gemm"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// convGeom is a 2-D convolution (no groups) in any axis layout, as flat strides.
type convGeom struct {
	n, c, cout int    // batch, input channels, output channels
	in, k, o   [2]int // spatial sizes: input, kernel, output
	stride     [2]int
	kdil, idil [2]int
	padLo      [2]int
	// Flat strides of the logical axes in each buffer.
	xN, xC   int
	xS       [2]int
	wI, wO   int
	wS       [2]int
	yN, yC   int
	yS       [2]int
	yNatural bool // the output is [N, O0, O1, Cout]: the product writes it directly
}

// convKernel lowers ConvGeneral to im2col + one matrix product.
func convKernel(n *node) kernel {
	axes := n.args[2].(backends.ConvolveAxesConfig)
	st, pads := n.args[3].([]int), n.args[4].([][2]int)
	idil, kdil := n.args[5].([]int), n.args[6].([]int)
	cg, bg := n.args[7].(int), n.args[8].(int)
	x, w, y := n.inputs[0].shape, n.inputs[1].shape, n.outs[0].shape
	if x.Rank() != 4 || cg > 1 || bg > 1 {
		return nil
	}
	one := func(s []int, i int) int {
		if len(s) == 0 {
			return 1
		}
		return s[i]
	}
	xs, ws, ys := strides(x), strides(w), strides(y)
	g := convGeom{
		n: x.Dimensions[axes.InputBatch], c: x.Dimensions[axes.InputChannels], cout: w.Dimensions[axes.KernelOutputChannels],
		xN: xs[axes.InputBatch], xC: xs[axes.InputChannels],
		wI: ws[axes.KernelInputChannels], wO: ws[axes.KernelOutputChannels],
		yN: ys[axes.OutputBatch], yC: ys[axes.OutputChannels],
	}
	for i := range 2 {
		g.in[i] = x.Dimensions[axes.InputSpatial[i]]
		g.k[i] = w.Dimensions[axes.KernelSpatial[i]]
		g.o[i] = y.Dimensions[axes.OutputSpatial[i]]
		g.stride[i], g.kdil[i], g.idil[i] = one(st, i), one(kdil, i), one(idil, i)
		if len(pads) > 0 {
			g.padLo[i] = pads[i][0]
		}
		g.xS[i], g.wS[i], g.yS[i] = xs[axes.InputSpatial[i]], ws[axes.KernelSpatial[i]], ys[axes.OutputSpatial[i]]
	}
	g.yNatural = axes.OutputBatch == 0 && axes.OutputSpatial[0] == 1 && axes.OutputSpatial[1] == 2 && axes.OutputChannels == 3
	return func(b *Backend, in []backends.Buffer) ([]backends.Buffer, error) {
		return runConv(b, g, y, in)
	}
}

func runConv(b *Backend, g convGeom, y shapes.Shape, in []backends.Buffer) ([]backends.Buffer, error) {
	xf, err := b.inner.BufferData(in[0])
	if err != nil {
		return nil, err
	}
	wf, err := b.inner.BufferData(in[1])
	if err != nil {
		return nil, err
	}
	buf, yf, err := b.inner.NewSharedBuffer(0, y)
	if err != nil {
		return nil, err
	}
	switch yt := yf.(type) {
	case []float32:
		err = convInto(g, xf.([]float32), wf.([]float32), yt)
	case []float64:
		err = convInto(g, xf.([]float64), wf.([]float64), yt)
	default:
		err = fmt.Errorf("conv: dtype %s", y.DType)
	}
	if err != nil {
		_ = b.inner.BufferFinalize(buf)
		return nil, err
	}
	return []backends.Buffer{buf}, nil
}

func convInto[T gemm.Float](g convGeom, x, w, y []T) error {
	rows := g.n * g.o[0] * g.o[1]
	taps := g.k[0] * g.k[1]
	cols := taps * g.c
	// Patches [rows, (tap, c)], zero where a tap falls on padding or between dilated pixels.
	p := make([]T, rows*cols)
	r := 0
	for n := range g.n {
		for o0 := range g.o[0] {
			for o1 := range g.o[1] {
				row := p[r*cols : (r+1)*cols]
				r++
				t := 0
				for k0 := range g.k[0] {
					i0, ok0 := g.source(0, o0, k0)
					for k1 := range g.k[1] {
						i1, ok1 := g.source(1, o1, k1)
						if ok0 && ok1 {
							base := n*g.xN + i0*g.xS[0] + i1*g.xS[1]
							dst := row[t*g.c : (t+1)*g.c]
							if g.xC == 1 {
								copy(dst, x[base:base+g.c])
							} else {
								for c := range dst {
									dst[c] = x[base+c*g.xC]
								}
							}
						}
						t++
					}
				}
			}
		}
	}
	// Kernel as [(tap, c), cout].
	wm := make([]T, cols*g.cout)
	for k0 := range g.k[0] {
		for k1 := range g.k[1] {
			t := k0*g.k[1] + k1
			for c := range g.c {
				src := k0*g.wS[0] + k1*g.wS[1] + c*g.wI
				dst := wm[(t*g.c+c)*g.cout : (t*g.c+c+1)*g.cout]
				for co := range dst {
					dst[co] = w[src+co*g.wO]
				}
			}
		}
	}
	op := gemm.Op{M: rows, N: g.cout, K: cols}
	if g.yNatural {
		return gemm.Multiply(op, p, wm, y)
	}
	ym := make([]T, rows*g.cout)
	if err := gemm.Multiply(op, p, wm, ym); err != nil {
		return err
	}
	r = 0
	for n := range g.n {
		for o0 := range g.o[0] {
			for o1 := range g.o[1] {
				base := n*g.yN + o0*g.yS[0] + o1*g.yS[1]
				for co, v := range ym[r*g.cout : (r+1)*g.cout] {
					y[base+co*g.yC] = v
				}
				r++
			}
		}
	}
	return nil
}

// source maps output position o and kernel tap k on spatial axis i to the input
// index it reads, or false when that lands on padding or between dilated pixels.
func (g convGeom) source(i, o, k int) (int, bool) {
	pos := o*g.stride[i] + k*g.kdil[i] - g.padLo[i]
	if pos < 0 || pos%g.idil[i] != 0 {
		return 0, false
	}
	idx := pos / g.idil[i]
	return idx, idx < g.in[i]
}
