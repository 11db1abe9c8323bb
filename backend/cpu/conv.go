package cpu

import (
	"fmt"
	"runtime"

	"github.com/gankit/gankit/backend/cpu/gemm"
	"github.com/gankit/gankit/backend/cpu/igemm"
	"github.com/gankit/gankit/backend/cpu/internal/parallel"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// convGeom is a 2-D convolution (one channel group) in any axis layout, as flat strides.
type convGeom struct {
	n, c, cout int    // batch, input channels, output channels
	in, k, o   [2]int // spatial sizes: input, kernel, output
	stride     [2]int
	kdil, idil [2]int
	padLo      [2]int
	// Flat strides of the logical axes in each buffer.
	xN, xC int
	xS     [2]int
	wI, wO int
	wS     [2]int
	yN, yC int
	yS     [2]int
}

// convKernel lowers ConvGeneral to the indirect plans or im2col + matrix products.
// With channel groups (ChannelGroupCount G > 1: group j's output channels
// [j*cout/G, (j+1)*cout/G) read only input channels [j*c/G, (j+1)*c/G), and the
// kernel's input-channel axis holds c/G), each group is its own convolution on
// offsets into the same buffers: nothing is sliced or concatenated. Batch groups are
// delegated.
func convKernel(n *node) kernel {
	g, cg, ok := convGeomOf(n)
	if !ok {
		return nil
	}
	return convGroupsKernel(n.outs[0].shape, g, cg, false)
}

// convGroupsKernel runs convGroups on its inputs (x, w, and the bias when biased)
// into an output of shape y.
func convGroupsKernel(y shapes.Shape, g convGeom, cg int, biased bool) kernel {
	return flatKernel(y, func(b *Backend, in []any, out any) error {
		switch out := out.(type) {
		case []float32:
			return convGroups(b, g, cg, in[0].([]float32), in[1].([]float32), out, biasOf[float32](in, biased))
		case []float64:
			return convGroups(b, g, cg, in[0].([]float64), in[1].([]float64), out, biasOf[float64](in, biased))
		}
		return fmt.Errorf("conv: dtype %s", y.DType)
	})
}

// biasOf is the bias input (the third) when biased, else nil.
func biasOf[T gemm.Float](in []any, biased bool) []T {
	if !biased {
		return nil
	}
	return in[2].([]T)
}

// convGeomOf is the geometry of one channel group of ConvGeneral node n, and the
// number of groups; false for what the kernels do not run (not 2-D, batch groups).
func convGeomOf(n *node) (convGeom, int, bool) {
	axes := n.args[2].(backends.ConvolveAxesConfig)
	st, pads := n.args[3].([]int), n.args[4].([][2]int)
	idil, kdil := n.args[5].([]int), n.args[6].([]int)
	cg, bg := max(n.args[7].(int), 1), n.args[8].(int)
	x, w, y := n.inputs[0].shape, n.inputs[1].shape, n.outs[0].shape
	if x.Rank() != 4 || bg > 1 {
		return convGeom{}, 0, false
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
	if g.c%cg != 0 || g.cout%cg != 0 || w.Dimensions[axes.KernelInputChannels] != g.c/cg {
		return convGeom{}, 0, false // the shadow builder has refused it already; leave the message to it
	}
	g.c, g.cout = g.c/cg, g.cout/cg
	return g, cg, true
}

// convGroups runs convolution g (the geometry of one group) for each of the groups
// channel groups, group j on x, w and y from its first channels on, and adds
// bias[c] to output channel c when bias is not nil (convBiasKernel).
func convGroups[T gemm.Float](b *Backend, g convGeom, groups int, x, w, y, bias []T) error {
	if x32, ok := any(x).([]float32); ok && groupedOK(b, g, groups) {
		return rowsConvGrouped(b, g, groups, x32, any(w).([]float32), any(y).([]float32), any(bias).([]float32))
	}
	if q := blockGroups(b, g, groups); q > 1 {
		if err := convBlockDiagonal(b, g, groups, q, x, w, y); err != nil {
			return err
		}
		addBias(g, groups, y, bias)
		return nil
	}
	for j := range groups {
		xj, wj, yj := x[j*g.c*g.xC:], w[j*g.cout*g.wO:], y[j*g.cout*g.yC:]
		var bj []T
		if bias != nil {
			bj = bias[j*g.cout : (j+1)*g.cout]
		}
		if err := convOne(b, g, xj, wj, yj, bj); err != nil {
			return err
		}
	}
	return nil
}

// blockGroups is how many groups convBlockDiagonal merges into one convolution, or 1:
// when a group has fewer output channels than a tile (64), the tile is padded anyway,
// so q = 64/cout groups are one dense convolution whose kernel is block-diagonal (the
// same padded multiply-adds, in a quarter of the calls, each summing 4x as deep: on
// R3GAN's 8 groups of 16 channels at 28x28, a grouped conv and its two gradients took
// 270-400 ms against 340-530 one group at a time and 400-600 as slices and
// concatenations, same process, alternating, 2 busy cores). Only for small kernels:
// the block-diagonal copy is built per call. Not for groups of 16 output channels or
// fewer where the indirect kernels run: the rows plan's narrow tile holds them
// unpadded, one group at a time.
func blockGroups(b *Backend, g convGeom, groups int) int {
	const tile = 64
	if g.cout >= tile || tile%g.cout != 0 || g.k[0]*g.k[1] > 25 {
		return 1
	}
	if igemm.Fast(b.kernels) && g.cout <= igemm.NarrowCols {
		// The rows plan's narrow tile fits the group with no padding.
		return 1
	}
	q := tile / g.cout
	if groups%q != 0 {
		return 1
	}
	return q
}

// convBlockDiagonal runs groups in blocks of q, each block one convolution of q*c
// input channels to q*cout output channels with the groups' kernels on the diagonal.
func convBlockDiagonal[T gemm.Float](b *Backend, g convGeom, groups, q int, x, w, y []T) error {
	ar := newArena[T](&b.scratch, b.kernels)
	defer ar.release()
	taps := g.k[0] * g.k[1]
	qc, qo := q*g.c, q*g.cout
	wb := ar.zeros(taps * qc * qo)
	gb := g
	gb.c, gb.cout = qc, qo
	gb.wO, gb.wI, gb.wS = 1, qo, [2]int{g.k[1] * qc * qo, qc * qo}
	for blk := range groups / q {
		for k0 := range g.k[0] {
			for k1 := range g.k[1] {
				for j := range q {
					for ci := range g.c {
						dst := wb[((k0*g.k[1]+k1)*qc+j*g.c+ci)*qo+j*g.cout:]
						src := k0*g.wS[0] + k1*g.wS[1] + ci*g.wI + (blk*q+j)*g.cout*g.wO
						for co := range g.cout {
							dst[co] = w[src+co*g.wO]
						}
					}
				}
			}
		}
		if err := convOne(b, gb, x[blk*qc*g.xC:], wb, y[blk*qo*g.yC:], nil); err != nil {
			return err
		}
	}
	return nil
}

// convOne runs one group's convolution on the best plan for its dtype and shape, and
// adds bias (nil: none) to its output channels: as the indirect plans store their
// outputs, else in a pass of its own.
func convOne[T gemm.Float](b *Backend, g convGeom, x, w, y, bias []T) error {
	ar := newArena[T](&b.scratch, b.kernels)
	defer ar.release()
	if x32, ok := any(x).([]float32); ok {
		if done, err := indirectConv(b, any(ar).(*arena[float32]), g, x32, any(w).([]float32), any(y).([]float32), any(bias).([]float32)); done || err != nil {
			return err
		}
	}
	if err := convInto(ar, g, x, w, y); err != nil {
		return err
	}
	addBias(g, 1, y, bias)
	return nil
}

// addBias adds bias[c] to every output of channel c of the groups convolutions of
// geometry g (one group's) in y: y = conv + bias, rounded once, as the Add it
// replaces. Nothing when bias is nil.
func addBias[T gemm.Float](g convGeom, groups int, y, bias []T) {
	if bias == nil {
		return
	}
	parallelFor(g.n, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			for o0 := range g.o[0] {
				for o1 := range g.o[1] {
					base := n*g.yN + o0*g.yS[0] + o1*g.yS[1]
					for c, v := range bias[:groups*g.cout] {
						y[base+c*g.yC] += v
					}
				}
			}
		}
	})
}

// convInto computes the convolution as one matrix product per phase. With input
// dilation D (transposed convolutions, and the input gradients of strided ones) most
// taps of an output land between input pixels; outputs whose position modulo D is the
// same share the set of taps that land on pixels, so each such phase is a dense
// im2col product over its own taps only (the sub-pixel decomposition). Without
// input dilation there is one phase and this is plain im2col.
func convInto[T gemm.Float](ar *arena[T], g convGeom, x, w, y []T) error {
	if g.idil == [2]int{1, 1} && g.stride == [2]int{1, 1} {
		if plan := g.shiftPlan(); plan != planIm2col {
			return shiftConv(ar, g, plan, x, w, y)
		}
	}
	if g.useCol2im() {
		return col2im(ar, g, x, w, y)
	}
	if g.xC != 1 {
		// Gathers below copy runs of channels: make the channels contiguous first
		// (the kernel-gradient convolutions see the batch as their channels).
		x, g = channelsLast(ar, g, x)
	}
	for _, ph := range g.phases() {
		if err := convPhase(ar, g, x, w, y, ph.o[0], ph.o[1], ph.k[0], ph.k[1]); err != nil {
			return err
		}
	}
	return nil
}

// phase is one class of outputs under input dilation: per spatial axis, the output
// indices and the kernel taps that land on input pixels for them.
type phase struct{ o, k [2][]int }

// phases splits the outputs by their position modulo the input dilation (one phase
// without dilation); phases without outputs are left out.
func (g convGeom) phases() []phase {
	var outs, taps [2][][]int // per axis and phase: output indices, kernel taps
	for i := range 2 {
		outs[i] = make([][]int, g.idil[i])
		taps[i] = make([][]int, g.idil[i])
		for o := range g.o[i] {
			ph := mod(o*g.stride[i]-g.padLo[i], g.idil[i])
			outs[i][ph] = append(outs[i][ph], o)
		}
		for ph := range g.idil[i] {
			for k := range g.k[i] {
				if mod(ph+k*g.kdil[i], g.idil[i]) == 0 {
					taps[i][ph] = append(taps[i][ph], k)
				}
			}
		}
	}
	var phs []phase
	for ph0 := range g.idil[0] {
		for ph1 := range g.idil[1] {
			p := phase{o: [2][]int{outs[0][ph0], outs[1][ph1]}, k: [2][]int{taps[0][ph0], taps[1][ph1]}}
			if len(p.o[0]) > 0 && len(p.o[1]) > 0 {
				phs = append(phs, p)
			}
		}
	}
	return phs
}

// putRow writes vals to y from base on, stride values apart (one output position's
// channels in any layout).
func putRow[T gemm.Float](y []T, base, stride int, vals []T) {
	if stride == 1 {
		copy(y[base:base+len(vals)], vals)
		return
	}
	for i, v := range vals {
		y[base+i*stride] = v
	}
}

func mod(a, m int) int { return ((a % m) + m) % m }

// channelsLast copies x to [n, s0, s1, c] and returns the geometry for that layout.
func channelsLast[T gemm.Float](ar *arena[T], g convGeom, x []T) ([]T, convGeom) {
	out := ar.get(g.n * g.in[0] * g.in[1] * g.c)
	// In 16x16 tiles of (n, c) per pixel: the weight-gradient convolutions read the
	// batch as channels, with a stride of a whole image; tiles keep both the reads
	// and the writes within a few cache lines.
	const tile = 16
	pix := g.in[0] * g.in[1]
	parallelFor(pix, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			i0, i1 := p/g.in[1], p%g.in[1]
			src0 := i0*g.xS[0] + i1*g.xS[1]
			for n0 := 0; n0 < g.n; n0 += tile {
				for c0 := 0; c0 < g.c; c0 += tile {
					for c := c0; c < min(c0+tile, g.c); c++ {
						for n := n0; n < min(n0+tile, g.n); n++ {
							out[(n*pix+p)*g.c+c] = x[src0+n*g.xN+c*g.xC]
						}
					}
				}
			}
		}
	})
	g.xC, g.xS[1], g.xS[0], g.xN = 1, g.c, g.in[1]*g.c, pix*g.c
	return out, g
}

func convPhase[T gemm.Float](ar *arena[T], g convGeom, x, w, y []T, o0s, o1s, k0s, k1s []int) error {
	rows := g.n * len(o0s) * len(o1s)
	ntaps := len(k0s) * len(k1s)
	cols := ntaps * g.c
	per := len(o0s) * len(o1s)
	put := func(r int, vals []T) {
		n, rest := r/per, r%per
		putRow(y, n*g.yN+o0s[rest/len(o1s)]*g.yS[0]+o1s[rest%len(o1s)]*g.yS[1], g.yC, vals)
	}
	if ntaps == 0 { // every tap of this phase lands between input pixels
		zero := ar.zeros(g.cout)
		for r := range rows {
			put(r, zero)
		}
		return nil
	}
	// This phase's kernel taps as [(tap, c), cout].
	wm := ar.get(cols * g.cout)
	t := 0
	for _, k0 := range k0s {
		for _, k1 := range k1s {
			for c := range g.c {
				src := k0*g.wS[0] + k1*g.wS[1] + c*g.wI
				dst := wm[(t*g.c+c)*g.cout : (t*g.c+c+1)*g.cout]
				for co := range dst {
					dst[co] = w[src+co*g.wO]
				}
			}
			t++
		}
	}
	// Patches are built and multiplied a block of rows at a time, so that a block
	// of patches stays in cache; blocks are split over the cores.
	blk := blockRows(rows, cols)
	nblk := (rows + blk - 1) / blk
	workers := min(runtime.GOMAXPROCS(0), nblk)
	pbuf, ybuf := ar.get(workers*blk*cols), ar.get(workers*blk*g.cout)
	return parallel.Workers(nblk, workers, func(wid, b0, b1 int) error {
		p := pbuf[wid*blk*cols : (wid+1)*blk*cols]
		ym := ybuf[wid*blk*g.cout : (wid+1)*blk*g.cout]
		for bi := b0; bi < b1; bi++ {
			r0, r1 := bi*blk, min(rows, (bi+1)*blk)
			for r := r0; r < r1; r++ {
				n, rest := r/per, r%per
				o0, o1 := o0s[rest/len(o1s)], o1s[rest%len(o1s)]
				row := p[(r-r0)*cols : (r-r0+1)*cols]
				t := 0
				for _, k0 := range k0s {
					i0, ok0 := g.source(0, o0, k0)
					for _, k1 := range k1s {
						i1, ok1 := g.source(1, o1, k1)
						switch {
						case !ok0 || !ok1:
							clear(row[t*g.c : (t+1)*g.c])
						case g.c == 1: // one channel: an assignment, not a copy call
							row[t] = x[n*g.xN+i0*g.xS[0]+i1*g.xS[1]]
						default:
							base := n*g.xN + i0*g.xS[0] + i1*g.xS[1]
							copy(row[t*g.c:(t+1)*g.c], x[base:base+g.c])
						}
						t++
					}
				}
			}
			op := gemm.Op{M: r1 - r0, N: g.cout, K: cols, Serial: workers > 1, Kernels: ar.k}
			if err := gemm.Multiply(op, p, wm, ym); err != nil {
				return err
			}
			for r := r0; r < r1; r++ {
				put(r, ym[(r-r0)*g.cout:(r-r0+1)*g.cout])
			}
		}
		return nil
	})
}

// patchBlock is how many patch values a block holds: 1 MiB of float32.
const patchBlock = 1 << 18

// blockRows is the rows per block for rows of width values: a cache-sized block, but
// small enough that every core gets a few blocks.
func blockRows(rows, width int) int {
	blk := max(16, patchBlock/width)
	blk = min(blk, max(16, rows/(4*runtime.GOMAXPROCS(0))))
	return min(rows, blk)
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

// Plans for a stride-1 convolution.
const (
	planIm2col = iota
	planPerTap
	planPerOutput
)

// shiftPlan picks the cheapest way to run a stride-1 convolution, in multiply-adds,
// counting each value im2col copies as 16 of them (copies are memory-bound).
func (g convGeom) shiftPlan() int {
	var pd [2]int
	for i := range 2 {
		pd[i] = g.o[i] + (g.k[i]-1)*g.kdil[i]
	}
	f := func(v int) float64 { return float64(v) }
	taps, outs := f(g.k[0]*g.k[1]), f(g.o[0]*g.o[1])
	rows, cols := float64(g.n)*outs, taps*float64(g.c)
	span := f(((g.k[0]-1)*g.kdil[0]*pd[1] + (g.k[1]-1)*g.kdil[1] + 1) * g.c)
	im2col := rows*cols*f(g.cout) + 16*rows*cols
	perTap := taps * f(g.n*pd[0]*pd[1]*g.c*g.cout)
	perOut := outs * f(g.n) * span * f(g.cout)
	switch {
	case perTap <= im2col && perTap <= perOut:
		return planPerTap
	case perOut <= im2col:
		return planPerOutput
	}
	return planIm2col
}

// shiftConv computes a stride-1 convolution without im2col. The input is copied once
// into a zero-padded channels-last grid [n, P0, P1, c]; on that grid every kernel tap
// (or every output position) is a fixed offset, so the convolution is a few matrix
// products on shifted views of the same buffer:
//   - per tap t: Yfull[(n,p), :] += Xpad[(n,p) + off(t), :] · W[t] — few taps, many
//     channels (forward and input-gradient convolutions);
//   - per output position o: Y[n, o, :] = Xpad[n, off(o) : off(o)+span] · Wgrid — few
//     outputs, a kernel as large as the image (weight-gradient convolutions), with W
//     laid out on the grid.
//
// Rows that straddle the grid's edge compute values that are never read back.
func shiftConv[T gemm.Float](ar *arena[T], g convGeom, plan int, x, w, y []T) error {
	s := newShiftGrid(g)
	xp := padGrid(ar, g, s, x)
	if plan == planPerTap {
		return shiftPerTap(ar, g, s, xp, w, y)
	}
	return shiftPerOutput(ar, g, s, xp, w, y)
}

// shiftGrid is the layout of shiftConv's padded grid: pd[0] x pd[1] cells of c
// channels per image, rows rowLen and images img elements apart.
type shiftGrid struct {
	pd                [2]int
	cell, rowLen, img int
	maxTap, maxOut    int // offsets of the farthest tap and of the farthest output
}

func newShiftGrid(g convGeom) shiftGrid {
	var s shiftGrid
	for i := range 2 {
		s.pd[i] = g.o[i] + (g.k[i]-1)*g.kdil[i]
	}
	s.cell = g.c
	s.rowLen = s.pd[1] * s.cell
	s.img = s.pd[0] * s.rowLen
	s.maxTap = (g.k[0]-1)*g.kdil[0]*s.rowLen + (g.k[1]-1)*g.kdil[1]*s.cell
	s.maxOut = (g.o[0]-1)*s.rowLen + (g.o[1]-1)*s.cell
	return s
}

// padGrid copies x into a zeroed grid, with room past the last image for the views
// of the farthest tap or output.
func padGrid[T gemm.Float](ar *arena[T], g convGeom, s shiftGrid, x []T) []T {
	pd, cell, rowLen, img := s.pd, s.cell, s.rowLen, s.img
	xp := ar.zeros(g.n*img + max(s.maxTap, s.maxOut) + cell)
	parallelFor(g.n*pd[0], func(lo, hi int) {
		for r := lo; r < hi; r++ {
			n, p0 := r/pd[0], r%pd[0]
			i0 := p0 - g.padLo[0]
			if i0 < 0 || i0 >= g.in[0] {
				continue
			}
			for p1 := range pd[1] {
				i1 := p1 - g.padLo[1]
				if i1 < 0 || i1 >= g.in[1] {
					continue
				}
				dst := xp[n*img+p0*rowLen+p1*cell : n*img+p0*rowLen+(p1+1)*cell]
				src := n*g.xN + i0*g.xS[0] + i1*g.xS[1]
				if g.xC == 1 {
					copy(dst, x[src:src+cell])
				} else {
					for c := range dst {
						dst[c] = x[src+c*g.xC]
					}
				}
			}
		}
	})
	return xp
}

// shiftPerTap is the per-tap plan: W laid out tap by tap, then one product per tap
// and block of grid rows, the rows on outputs kept.
func shiftPerTap[T gemm.Float](ar *arena[T], g convGeom, s shiftGrid, xp, w, y []T) error {
	pd, cell, rowLen := s.pd, s.cell, s.rowLen
	put := func(n, o0, o1 int, vals []T) { putRow(y, n*g.yN+o0*g.yS[0]+o1*g.yS[1], g.yC, vals) }
	taps := g.k[0] * g.k[1]
	wt := ar.get(taps * g.c * g.cout)
	offs := make([]int, 0, taps)
	for k0 := range g.k[0] {
		for k1 := range g.k[1] {
			t := len(offs)
			for c := range g.c {
				for co := range g.cout {
					wt[(t*g.c+c)*g.cout+co] = w[k0*g.wS[0]+k1*g.wS[1]+c*g.wI+co*g.wO]
				}
			}
			offs = append(offs, k0*g.kdil[0]*rowLen+k1*g.kdil[1]*cell)
		}
	}
	// Rows of the padded grid, a cache-sized block at a time: each tap's product
	// accumulates into the block's outputs, then the valid ones are kept.
	rows := g.n * pd[0] * pd[1]
	blk := blockRows(rows, max(g.c, g.cout))
	nblk := (rows + blk - 1) / blk
	workers := min(runtime.GOMAXPROCS(0), nblk)
	ybuf := ar.get(workers * blk * g.cout)
	return parallel.Workers(nblk, workers, func(wid, b0, b1 int) error {
		yf := ybuf[wid*blk*g.cout : (wid+1)*blk*g.cout]
		for bi := b0; bi < b1; bi++ {
			r0, r1 := bi*blk, min(rows, (bi+1)*blk)
			for t, off := range offs {
				op := gemm.Op{M: r1 - r0, N: g.cout, K: g.c, Accumulate: t > 0, Serial: workers > 1, Kernels: ar.k}
				if err := gemm.Multiply(op, xp[r0*cell+off:], wt[t*g.c*g.cout:(t+1)*g.c*g.cout], yf); err != nil {
					return err
				}
			}
			for r := r0; r < r1; r++ {
				n, rest := r/(pd[0]*pd[1]), r%(pd[0]*pd[1])
				o0, o1 := rest/pd[1], rest%pd[1]
				if o0 < g.o[0] && o1 < g.o[1] {
					put(n, o0, o1, yf[(r-r0)*g.cout:(r-r0+1)*g.cout])
				}
			}
		}
		return nil
	})
}

// shiftPerOutput is the per-output plan: W laid out on the grid (Wgrid), then one
// product per output position over the span of the grid its kernel covers.
func shiftPerOutput[T gemm.Float](ar *arena[T], g convGeom, s shiftGrid, xp, w, y []T) error {
	cell, rowLen, img := s.cell, s.rowLen, s.img
	put := func(n, o0, o1 int, vals []T) { putRow(y, n*g.yN+o0*g.yS[0]+o1*g.yS[1], g.yC, vals) }
	span := s.maxTap + cell
	wg := ar.zeros(span * g.cout)
	for k0 := range g.k[0] {
		for k1 := range g.k[1] {
			for c := range g.c {
				q := k0*g.kdil[0]*rowLen + k1*g.kdil[1]*cell + c
				for co := range g.cout {
					wg[q*g.cout+co] = w[k0*g.wS[0]+k1*g.wS[1]+c*g.wI+co*g.wO]
				}
			}
		}
	}
	yo := ar.get(g.n * g.cout)
	for o0 := range g.o[0] {
		for o1 := range g.o[1] {
			off := o0*rowLen + o1*cell
			op := gemm.Op{M: g.n, N: g.cout, K: span, LDA: img, Kernels: ar.k}
			if err := gemm.Multiply(op, xp[off:], wg, yo); err != nil {
				return err
			}
			for n := range g.n {
				put(n, o0, o1, yo[n*g.cout:(n+1)*g.cout])
			}
		}
	}
	return nil
}

// parallelFor runs f over one fixed chunk of [0, n) per core (small n on the caller).
func parallelFor(n int, f func(lo, hi int)) { parallel.For(n, 64, f) }

// useCol2im says whether an input-dilated convolution (a transposed one, or the input
// gradient of a strided one) is cheaper computed from the input side: when it has fewer
// output channels than input channels, and the outputs cover the dilated input (so
// few input-tap pairs fall outside the output).
func (g convGeom) useCol2im() bool {
	if g.idil == [2]int{1, 1} || g.stride != [2]int{1, 1} || g.cout >= g.c {
		return false
	}
	return 2*g.in[0]*g.in[1]*g.idil[0]*g.idil[1] <= 3*g.o[0]*g.o[1]
}

// col2im computes an input-dilated, stride-1 convolution as one matrix product per
// image, cols[(i0, i1), (tap, co)] = x[i0, i1, :] · W[tap, :, co], then adds each
// column into the output it lands on: input pixel i meets tap k at output
// D*i + padLo - k*kdil (Dumoulin & Visin 2016, §4). No zero is multiplied. Images
// are split over the cores and each sums its outputs in a fixed order.
func col2im[T gemm.Float](ar *arena[T], g convGeom, x, w, y []T) error {
	if g.xC != 1 || g.xS[1] != g.c || g.xS[0] != g.in[1]*g.c || g.xN != g.in[0]*g.in[1]*g.c {
		x, g = channelsLast(ar, g, x)
	}
	taps := g.k[0] * g.k[1]
	kc := taps * g.cout
	wcol := ar.get(g.c * kc)
	for k0 := range g.k[0] {
		for k1 := range g.k[1] {
			t := k0*g.k[1] + k1
			for c := range g.c {
				for co := range g.cout {
					wcol[c*kc+t*g.cout+co] = w[k0*g.wS[0]+k1*g.wS[1]+c*g.wI+co*g.wO]
				}
			}
		}
	}
	pix := g.in[0] * g.in[1]
	outLen := g.o[0] * g.o[1] * g.cout
	// One product for all images (better shapes than one per image), then the
	// images' scatters in parallel.
	cols := ar.get(g.n * pix * kc)
	if err := gemm.Multiply(gemm.Op{M: g.n * pix, N: kc, K: g.c, Kernels: ar.k}, x, wcol, cols); err != nil {
		return err
	}
	workers := min(runtime.GOMAXPROCS(0), g.n)
	accBuf := ar.get(workers * outLen)
	return parallel.Workers(g.n, workers, func(wid, lo, hi int) error {
		acc := accBuf[wid*outLen : (wid+1)*outLen]
		for n := lo; n < hi; n++ {
			img := cols[n*pix*kc : (n+1)*pix*kc]
			clear(acc)
			for i0 := range g.in[0] {
				for k0 := range g.k[0] {
					o0 := g.idil[0]*i0 + g.padLo[0] - k0*g.kdil[0]
					if o0 < 0 || o0 >= g.o[0] {
						continue
					}
					for i1 := range g.in[1] {
						src := img[(i0*g.in[1]+i1)*kc:]
						for k1 := range g.k[1] {
							o1 := g.idil[1]*i1 + g.padLo[1] - k1*g.kdil[1]
							if o1 < 0 || o1 >= g.o[1] {
								continue
							}
							dst := acc[(o0*g.o[1]+o1)*g.cout : (o0*g.o[1]+o1+1)*g.cout]
							addRow(dst, src[(k0*g.k[1]+k1)*g.cout:(k0*g.k[1]+k1+1)*g.cout])
						}
					}
				}
			}
			for o0 := range g.o[0] {
				for o1 := range g.o[1] {
					putRow(y, n*g.yN+o0*g.yS[0]+o1*g.yS[1], g.yC, acc[(o0*g.o[1]+o1)*g.cout:(o0*g.o[1]+o1+1)*g.cout])
				}
			}
		}
		return nil
	})
}
