package cpu

import (
	"runtime"
	"unsafe"

	"github.com/gankit/gankit/backend/cpu/igemm"
	"github.com/gankit/gankit/backend/cpu/internal/parallel"
	"github.com/gankit/gankit/backend/cpu/vec"
)

// Indirect convolutions (float32, on CPUs where package igemm's kernels are SIMD).
// Two plans, picked by the multiply-adds each pays for (tiles are padded to the
// kernels' 6 x 64 shape):
//
//   - rows: a tile is 6 output pixels x 64 output channels; the kernel reads each
//     pixel's channels at every tap through a pointer (padding points at zeros) and
//     the taps' weights as runs of output channels. Forward and input-gradient
//     convolutions, which have many pixels and channels.
//   - cols: a tile is 6 output channels x 64 batch entries (channels of the input
//     that are contiguous), summed over every (tap, input channel) pair through two
//     tables of pointers. Weight-gradient convolutions, which sum over the batch and
//     the pixels and have few outputs.
//
// Either way no patch matrix is built and every output value is summed by one kernel
// call in a fixed order: deterministic.

// colsPreference favours the cols plan over a rows plan of about the same cost:
// measured on weight gradients, rows pays for its channels-last copy and its short
// output rows more than its count says.
const colsPreference = 1.5

// maxIndirectWaste bounds the padded multiply-adds over the real ones.
const maxIndirectWaste = 8

func roundUp(v, m int) int { return (v + m - 1) / m * m }

// sourceTable lists, for axis i, the input index that output os[j] reads through tap
// ks[l] at [j*len(ks)+l], or -1 for padding or a gap of the input dilation: the
// divisions of source done once per call instead of once per pointer.
func (g convGeom) sourceTable(i int, os, ks []int) []int {
	t := make([]int, len(os)*len(ks))
	for j, o := range os {
		for l, k := range ks {
			t[j*len(ks)+l] = -1
			if idx, ok := g.source(i, o, k); ok {
				t[j*len(ks)+l] = idx
			}
		}
	}
	return t
}

// seq is 0, 1, ..., n-1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// indirectConv runs the convolution on the indirect kernels, adding bias[c] (nil:
// none) to output channel c as the plan stores its outputs, or returns false when
// neither plan suits it.
func indirectConv(b *Backend, ar *arena[float32], g convGeom, x, w, y, bias []float32) (bool, error) {
	if !igemm.Fast(b.kernels) {
		return false, nil
	}
	f := func(v int) float64 { return float64(v) }
	taps := f(g.k[0]*g.k[1]) / f(g.idil[0]*g.idil[1])               // taps that land on pixels, on average
	useful := f(g.n) * f(g.o[0]*g.o[1]) * taps * f(g.c) * f(g.cout) // multiply-adds, unpadded
	if useful == 0 {
		return false, nil
	}
	rowsCost := f(roundUp(g.n*g.o[0]*g.o[1], igemm.TileRows)) * f(roundUp(g.cout, g.rowsTile())) * taps * f(g.c)
	if g.xC != 1 { // the channels-last copy, counted like im2col's copies in shiftPlan
		rowsCost += 16 * f(g.n*g.in[0]*g.in[1]*g.c)
	}
	colsOK := g.xN == 1 && g.n%igemm.TileCols == 0
	colsCost := f(roundUp(g.cout, igemm.TileRows)) * f(g.n) * f(g.o[0]*g.o[1]) * taps * f(g.c)
	switch {
	case g.dotOK() && g.xC == 1:
		return true, rowsConv(b, ar, g, x, w, y, bias)
	case colsOK && colsCost <= colsPreference*rowsCost && colsCost <= maxIndirectWaste*useful:
		return true, colsConv(b, ar, g, x, w, y, bias)
	case rowsCost <= maxIndirectWaste*useful:
		if g.xC != 1 {
			x, g = channelsLast(ar, g, x)
		}
		return true, rowsConv(b, ar, g, x, w, y, bias)
	}
	return false, nil
}

// rowsGroup is how many row tiles share each chunk of weights while it is in L1, and
// rowsChunk the most input channels a chunk holds: a chunk is rowsChunk x 64 weights
// (16 KiB), and the group's patches and tiles take as much again.
const (
	rowsGroup = 8
	rowsChunk = 64
)

// balancedGroups splits tiles row tiles into groups of at most rowsGroup tiles for
// workers: when there are few groups (a kernel gradient's 24 tiles make 3 groups of
// 8, one worker of two doing twice the other's share), smaller groups whose count is a
// multiple of workers. It returns the tiles per group and the number of groups. Which
// group a tile falls in changes nothing in how it is summed.
func balancedGroups(tiles, workers int) (per, groups int) {
	groups = (tiles + rowsGroup - 1) / rowsGroup
	if workers < 2 || groups >= 4*workers || groups%workers == 0 {
		return rowsGroup, groups
	}
	per = (tiles + roundUp(groups, workers) - 1) / roundUp(groups, workers)
	return per, (tiles + per - 1) / per
}

// rowsTile is the rows plan's tile width: igemm.NarrowCols for 16 output channels
// or fewer (a grouped convolution's group, an image's channels), where a 64-wide
// tile would be three quarters padding; igemm.TileCols otherwise.
func (g convGeom) rowsTile() int {
	if g.cout <= igemm.NarrowCols {
		return igemm.NarrowCols
	}
	return igemm.TileCols
}

// dotOK says whether the rows plan runs as dot products: one output channel, and
// input channels in whole igemm.DotLanes.
func (g convGeom) dotOK() bool { return g.cout == 1 && g.c%igemm.DotLanes == 0 }

// rowsConv is the rows plan, one phase of the input dilation at a time (see
// convInto), adding bias[c] (nil: none) to output channel c as it stores. x must
// have its channels contiguous.
func rowsConv(b *Backend, ar *arena[float32], g convGeom, x, w, y, bias []float32) error {
	p := newRowsPlan(b, ar, g, x, w, y)
	p.bias = bias
	return p.run()
}

// groupedOK says whether channel groups of geometry g (one group's) run
// igemm.Groups at a time on igemm.RowsGrouped: groups of igemm.GroupWidth channels in
// and out (R3GAN's), in whole tiles of groups, channels contiguous in x and the
// kernel's output channels contiguous, on a set with the indirect kernels.
func groupedOK(b *Backend, g convGeom, groups int) bool {
	return igemm.Fast(b.kernels) && g.c == igemm.GroupWidth && g.cout == igemm.GroupWidth &&
		groups%igemm.Groups == 0 && g.xC == 1 && g.wO == 1
}

// rowsConvGrouped runs the groups of g (one group's geometry) igemm.Groups at a
// time: each block is one rows-plan convolution over the block's channels whose tile
// holds the block's groups side by side, each summing only its own channels. Each
// output is summed as the narrow tile sums it for its group alone.
func rowsConvGrouped(b *Backend, g convGeom, groups int, x, w, y, bias []float32) error {
	const q = igemm.Groups
	gb := g
	gb.c, gb.cout = q*g.c, q*g.cout
	for blk := range groups / q {
		ar := newArena[float32](&b.scratch, b.kernels)
		p := newRowsPlan(b, ar, gb, x[blk*gb.c*g.xC:], w[blk*gb.cout*g.wO:], y[blk*gb.cout*g.yC:])
		p.grouped = true
		if bias != nil {
			p.bias = bias[blk*gb.cout : (blk+1)*gb.cout]
		}
		err := p.run()
		ar.release()
		if err != nil {
			return err
		}
	}
	return nil
}

// newRowsPlan is the rows plan of one convolution.
func newRowsPlan(b *Backend, ar *arena[float32], g convGeom, x, w, y []float32) *rowsPlan {
	return &rowsPlan{b: b, ar: ar, g: g, x: x, w: w, y: y, zero: ar.zeros(g.c),
		chunks: (g.c + rowsChunk - 1) / rowsChunk, dot: g.dotOK(), tc: g.rowsTile()}
}

// run runs the plan, one phase of the input dilation at a time.
func (p *rowsPlan) run() error {
	g := p.g
	if p.dot { // one output channel: igemm.Dot over whole channel runs
		p.chunks = 1
	}
	for _, ph := range g.phases() {
		if err := p.phase(ph); err != nil {
			return err
		}
	}
	return nil
}

// rowsPlan is what every phase of one rows-plan call shares.
type rowsPlan struct {
	b       *Backend
	ar      *arena[float32]
	g       convGeom
	x, w, y []float32
	zero    []float32 // g.c zeros, where a tap on padding points
	chunks  int       // chunks of at most rowsChunk input channels
	dot     bool      // the phase runs as dot products (dotOK)
	tc      int       // tile width: igemm.TileCols, or igemm.NarrowCols (rowsTile)
	// grouped: g spans igemm.Groups channel groups of igemm.GroupWidth channels in
	// and out, run side by side on igemm.RowsGrouped (see rowsConvGrouped).
	grouped bool
	bias    []float32 // added to each output channel as tiles are stored; nil: none
}

// weights is the pack step of a phase with taps: the taps' weights as runs of output
// channels, W itself when its output channels are contiguous and fill whole tiles,
// else a padded copy. bt holds one pointer per segment (one tap and one chunk of
// input channels), to be handed back with b.scratch.putPtrs; ldb is the runs' stride.
func (p *rowsPlan) weights(ph phase) (bt []*float32, ldb int) {
	g, w, chunks, tc := p.g, p.w, p.chunks, p.tc
	taps := len(ph.k[0]) * len(ph.k[1])
	bt = p.b.scratch.ptrs(taps * chunks)
	ldb = g.wI
	coutP := roundUp(g.cout, tc)
	direct := g.wO == 1 && g.cout%tc == 0
	if p.dot {
		direct, coutP = g.wI == 1, 1
	}
	var wp []float32
	if !direct {
		ldb = coutP
		wp = p.ar.zeros(taps * g.c * coutP)
	}
	t := 0
	for _, k0 := range ph.k[0] {
		for _, k1 := range ph.k[1] {
			if !direct {
				for c := range g.c {
					dst := wp[(t*g.c+c)*coutP:]
					src := k0*g.wS[0] + k1*g.wS[1] + c*g.wI
					for co := range g.cout {
						dst[co] = w[src+co*g.wO]
					}
				}
			}
			for ch := range chunks {
				if direct {
					bt[t*chunks+ch] = &w[k0*g.wS[0]+k1*g.wS[1]+ch*rowsChunk*g.wI]
				} else {
					bt[t*chunks+ch] = &wp[(t*g.c+ch*rowsChunk)*coutP]
				}
			}
			t++
		}
	}
	return bt, ldb
}

// phase runs one phase: it packs the weights, then each worker takes groups of row
// tiles, lays out the group's patches (patches) and multiplies them into y.
func (p *rowsPlan) phase(ph phase) error {
	const tr = igemm.TileRows
	b, g, y, chunks, dot, tc := p.b, p.g, p.y, p.chunks, p.dot, p.tc
	// A call's segments share one run length: several per call only with one chunk.
	rowsKernel, step := igemm.Rows, 1
	if chunks == 1 {
		step = max(1, rowsChunk*igemm.TileCols/(g.c*tc))
	}
	switch {
	case p.grouped:
		// Each group's channels only: GroupWidth terms a segment, every tap of a
		// call's segments on one tile.
		rowsKernel, step = igemm.RowsGrouped, igemm.MaxGroupedSegments
	case tc == igemm.NarrowCols:
		rowsKernel = igemm.RowsNarrow
	}
	rows := g.n * len(ph.o[0]) * len(ph.o[1])
	taps := len(ph.k[0]) * len(ph.k[1])
	per := len(ph.o[0]) * len(ph.o[1])
	outBase := func(r int) int {
		n, rest := r/per, r%per
		return n*g.yN + ph.o[0][rest/len(ph.o[1])]*g.yS[0] + ph.o[1][rest%len(ph.o[1])]*g.yS[1]
	}
	if taps == 0 {
		for r := range rows {
			base := outBase(r)
			for co := range g.cout {
				y[base+co*g.yC] = 0
				if p.bias != nil {
					y[base+co*g.yC] += p.bias[co] // 0 + b, as the Add it replaces
				}
			}
		}
		return nil
	}
	nseg := taps * chunks
	bt, ldb := p.weights(ph)
	pt := rowsPatches{rowsPlan: p, ph: ph, rows: rows, per: per, nseg: nseg,
		src0: g.sourceTable(0, ph.o[0], ph.k[0]), src1: g.sourceTable(1, ph.o[1], ph.k[1])}
	tiles := (rows + tr - 1) / tr
	rg, groups := balancedGroups(tiles, runtime.GOMAXPROCS(0))
	workers := min(runtime.GOMAXPROCS(0), groups)
	at := b.scratch.ptrs(workers * rg * nseg * tr)
	tbuf := p.ar.get(workers * rg * tr * tc)
	err := parallel.Dynamic(groups, 1, workers, func(wid, g0, g1 int) error {
		a := at[wid*rg*nseg*tr : (wid+1)*rg*nseg*tr]
		tileBuf := tbuf[wid*rg*tr*tc : (wid+1)*rg*tr*tc]
		for gi := g0; gi < g1; gi++ {
			first, last := gi*rg, min(tiles, (gi+1)*rg)
			pt.fill(a, first, last)
			if dot {
				var out [tr]float32
				for tl := first; tl < last; tl++ {
					igemm.Dot(b.kernels, a[(tl-first)*nseg*tr:(tl-first+1)*nseg*tr], bt[:nseg], g.c, out[:])
					r0 := pt.tileStart(tl)
					for i := pt.owned(tl); i < min(tr, rows-r0); i++ {
						v := out[i]
						if p.bias != nil {
							v += p.bias[0]
						}
						y[outBase(r0+i)] = v
					}
				}
				continue
			}
			for c0 := 0; c0 < g.cout; c0 += tc {
				// Few channels: several taps per call (a call's weights still fit
				// a chunk of rowsChunk x TileCols), else one segment per call.
				for s := 0; s < nseg; s += step {
					s1 := min(nseg, s+step)
					clen := min(rowsChunk, g.c-(s%chunks)*rowsChunk)
					runBytes := 4 * clen // what a row pointer's run spans
					if p.grouped {
						clen, runBytes = igemm.GroupWidth, 4*igemm.Groups*igemm.GroupWidth
					}
					for tl := first; tl < last; tl++ {
						ta := a[((tl-first)*nseg+s)*tr:]
						if tl+1 < last {
							// The next tile's runs, on their way from L3 or memory while this one computes.
							next := a[((tl+1-first)*nseg+s)*tr : ((tl+1-first)*nseg+s1)*tr]
							igemm.Prefetch(b.kernels, next, runBytes)
						}
						rowsKernel(b.kernels, ta[:(s1-s)*tr], bt[s:s1], ldb, clen, c0, tileBuf[(tl-first)*tr*tc:], tc, s > 0)
					}
				}
				width := min(tc, g.cout-c0)
				for tl := first; tl < last; tl++ {
					r0 := pt.tileStart(tl)
					tile := tileBuf[(tl-first)*tr*tc:]
					for i := pt.owned(tl); i < min(tr, rows-r0); i++ {
						row := tile[i*tc : i*tc+width]
						if p.bias != nil {
							vec.Add(row, row, p.bias[c0:c0+width])
						}
						putRow(y, outBase(r0+i)+c0*g.yC, g.yC, row)
					}
				}
			}
		}
		return nil
	})
	b.scratch.putPtrs(at)
	b.scratch.putPtrs(bt)
	return err
}

// rowsPatches lays out one phase's patches: for each output row of a tile and each
// segment, a pointer to the input channels the segment reads (p.zero on padding).
type rowsPatches struct {
	*rowsPlan
	ph         phase
	rows, per  int   // the phase's output rows, and its outputs per batch entry
	nseg       int   // segments per row: taps x chunks
	src0, src1 []int // sourceTable of each axis
}

// tileStart is tile tl's first row: the last tile overlaps the one before rather
// than run past the rows (recomputed rows come out the same).
func (pt *rowsPatches) tileStart(tl int) int {
	const tr = igemm.TileRows
	if pt.rows < tr {
		return 0
	}
	return min(tl*tr, pt.rows-tr)
}

// owned is the first of tile tl's rows that it stores: 0, except for the last tile,
// moved back to end at the last row (tileStart), whose first rows are the tile
// before it's. Only one tile writes each output, so tiles on different cores never
// write the same place.
func (pt *rowsPatches) owned(tl int) int {
	const tr = igemm.TileRows
	return max(0, tl*tr-pt.tileStart(tl))
}

// fill writes the patches of tiles first..last-1 into a, tile by tile, each tile's
// pointers segment-major: a[((tl-first)*nseg+s)*TileRows+i] is row i's segment s.
func (pt *rowsPatches) fill(a []*float32, first, last int) {
	const tr = igemm.TileRows
	g, ph, x, zero := pt.g, pt.ph, pt.x, pt.zero
	rows, per, nseg, chunks, src0, src1 := pt.rows, pt.per, pt.nseg, pt.chunks, pt.src0, pt.src1
	for tl := first; tl < last; tl++ {
		r0 := pt.tileStart(tl)
		ta := a[(tl-first)*nseg*tr:]
		for i := range tr {
			r := min(r0+i, rows-1)
			n, rest := r/per, r%per
			j0, j1 := rest/len(ph.o[1]), rest%len(ph.o[1])
			s0 := src0[j0*len(ph.k[0]) : (j0+1)*len(ph.k[0])]
			s1 := src1[j1*len(ph.k[1]) : (j1+1)*len(ph.k[1])]
			t := 0
			for _, i0 := range s0 {
				for _, i1 := range s1 {
					for ch := range chunks {
						p := &zero[0]
						if i0 >= 0 && i1 >= 0 {
							p = &x[n*g.xN+i0*g.xS[0]+i1*g.xS[1]+ch*rowsChunk]
						}
						ta[(t*chunks+ch)*tr+i] = p
					}
					t++
				}
			}
		}
	}
}

// colsChunk is how many (tap, channel) terms a cols tile sums before the next tile
// takes over: the chunk's rows of both operands (a few tens of KiB) stay in L1 while
// every output-channel tile uses them.
const colsChunk = 32

// colsConv is the cols plan: the batch (n) contiguous in x, in whole tiles. Each
// output position sums only the (tap, channel) terms that land on input pixels, so
// padding and the gaps of an input dilation cost nothing. bias[c] (nil: none) is
// added to output channel c as it is stored.
func colsConv(b *Backend, ar *arena[float32], g convGeom, x, w, y, bias []float32) error {
	const tr, tc = igemm.TileRows, igemm.TileCols
	p := &colsPlan{g: g, bias: bias}
	p.pack(ar, w)
	xBase := unsafe.Pointer(&x[0])
	p.src0, p.src1 = g.sourceTable(0, seq(g.o[0]), seq(g.k[0])), g.sourceTable(1, seq(g.o[1]), seq(g.k[1]))
	p.coTiles = (p.coutA + tr - 1) / tr
	p.nb = g.n / tc
	aBase, aC, coTiles, coutA := p.aBase, p.aC, p.coTiles, p.coutA
	items := g.o[0] * g.o[1] * p.nb // (output position, batch block) pairs
	// Fewer items than cores (a 1x1 convolution's kernel gradient is one item: one
	// output position, 64 batch entries): each item's output-channel tiles are split
	// among split units, each walking the item's whole sum for its own tiles.
	split := min(coTiles, max(1, runtime.GOMAXPROCS(0)/items))
	units := items * split
	workers := min(runtime.GOMAXPROCS(0), units)
	at, bt := b.scratch.ptrs(workers*colsChunk), b.scratch.ptrs(workers*colsChunk)
	terms := make([]colsTerms, units)
	tbuf := ar.get(items * coTiles * tr * tc)
	// Each worker takes a fixed run of units and walks the sums a chunk at a time,
	// every unit and output-channel tile using the chunk's rows of W (and nearby
	// rows of x) while they are in L1: W and x are read from memory about once.
	// A chunk's pointers are made just before its products.
	err := parallel.Workers(units, workers, func(wid, u0, u1 int) error {
		atab, btab := at[wid*colsChunk:(wid+1)*colsChunk], bt[wid*colsChunk:(wid+1)*colsChunk]
		longest := 0
		for u := u0; u < u1; u++ {
			terms[u] = p.terms(u / split)
			longest = max(longest, g.c*len(terms[u].v0)*len(terms[u].v1))
		}
		for q0 := 0; q0 < longest; q0 += colsChunk {
			for u := u0; u < u1; u++ {
				it := u / split
				tm := &terms[u]
				m := 0
				for ; m < colsChunk && tm.c < g.c; m++ {
					// In bounds by construction: valid taps, channels < c.
					p0, p1 := tm.v0[tm.j0], tm.v1[tm.j1]
					atab[m] = (*float32)(unsafe.Add(aBase, 4*(tm.c*aC+p0[0]+p1[0])))
					btab[m] = (*float32)(unsafe.Add(xBase, 4*(tm.c*g.xC+p0[1]+p1[1]+tm.n0)))
					tm.next()
				}
				if m == 0 {
					continue
				}
				tiles := tbuf[it*coTiles*tr*tc:]
				ct0, ct1 := coSplit(coTiles, split, u%split)
				for ct := ct0; ct < ct1; ct++ {
					co0 := min(ct*tr, coutA-tr)
					igemm.Cols(b.kernels, atab[:m], btab[:m], co0, 0, tiles[ct*tr*tc:], tc, q0 > 0)
				}
			}
		}
		for u := u0; u < u1; u++ {
			ct0, ct1 := coSplit(coTiles, split, u%split)
			p.store(y, tbuf[(u/split)*coTiles*tr*tc:], &terms[u], u/split, ct0, ct1)
		}
		return nil
	})
	b.scratch.putPtrs(bt)
	b.scratch.putPtrs(at)
	return err
}

// colsPlan is the layout one cols-plan call works in.
type colsPlan struct {
	g    convGeom
	bias []float32 // added to each output channel as outputs are stored; nil: none
	// A: for each (input channel, tap) a run of coutA output channels at element
	// offset c*aC + k0*aK[0] + k1*aK[1] from aBase.
	aBase unsafe.Pointer
	aC    int
	aK    [2]int
	coutA int

	src0, src1 []int // sourceTable of each axis, every output and tap
	nb         int   // batch blocks of TileCols entries
	coTiles    int   // output-channel tiles of TileRows
}

// pack is the plan's pack step: A is W itself or, when W's output channels are not
// contiguous or fewer than a tile, a padded copy.
func (p *colsPlan) pack(ar *arena[float32], w []float32) {
	const tr = igemm.TileRows
	g := p.g
	taps := g.k[0] * g.k[1]
	if g.wO == 1 && g.cout >= tr {
		p.aBase, p.aC, p.aK, p.coutA = unsafe.Pointer(&w[0]), g.wI, g.wS, g.cout
		return
	}
	coutA := max(g.cout, tr)
	aw := ar.zeros(taps * g.c * coutA)
	for c := range g.c {
		for t := range taps {
			src := (t/g.k[1])*g.wS[0] + (t%g.k[1])*g.wS[1] + c*g.wI
			for co := range g.cout {
				aw[(c*taps+t)*coutA+co] = w[src+co*g.wO]
			}
		}
	}
	p.aBase, p.aC, p.aK, p.coutA = unsafe.Pointer(&aw[0]), taps*coutA, [2]int{g.k[1] * coutA, coutA}, coutA
}

// terms lists item it's taps on input pixels along each axis, as (A, x) offsets.
func (p *colsPlan) terms(it int) colsTerms {
	const tc = igemm.TileCols
	g := p.g
	o := it / p.nb
	o0, o1 := o/g.o[1], o%g.o[1]
	tm := colsTerms{n0: (it % p.nb) * tc}
	for k, i := range p.src0[o0*g.k[0] : (o0+1)*g.k[0]] {
		if i >= 0 {
			tm.v0 = append(tm.v0, [2]int{k * p.aK[0], i * g.xS[0]})
		}
	}
	for k, i := range p.src1[o1*g.k[1] : (o1+1)*g.k[1]] {
		if i >= 0 {
			tm.v1 = append(tm.v1, [2]int{k * p.aK[1], i * g.xS[1]})
		}
	}
	if len(tm.v0) == 0 || len(tm.v1) == 0 {
		tm.c = g.c // every term on padding: nothing to sum
	}
	return tm
}

// coSplit is part's share [ct0, ct1) of coTiles output-channel tiles cut into split.
func coSplit(coTiles, split, part int) (ct0, ct1 int) {
	return part * coTiles / split, (part + 1) * coTiles / split
}

// store is the epilogue of item it's output-channel tiles [ct0, ct1): written into y
// (zeros when every term is on padding), plus the bias.
func (p *colsPlan) store(y, tiles []float32, tm *colsTerms, it, ct0, ct1 int) {
	const tr, tc = igemm.TileRows, igemm.TileCols
	g := p.g
	o, n0 := it/p.nb, (it%p.nb)*tc
	o0, o1 := o/g.o[1], o%g.o[1]
	if len(tm.v0) == 0 || len(tm.v1) == 0 { // every term on padding
		clear(tiles[ct0*tr*tc : ct1*tr*tc])
	}
	for ct := ct0; ct < ct1; ct++ {
		co0 := min(ct*tr, p.coutA-tr)
		for r := range tr {
			co := co0 + r
			if co < ct*tr {
				continue // the last tile, moved back to end at coutA: rows the tile before it wrote
			}
			if co >= g.cout {
				break
			}
			row := tiles[(ct*tr+r)*tc : (ct*tr+r+1)*tc]
			base := o0*g.yS[0] + o1*g.yS[1] + co*g.yC
			for j, v := range row {
				if p.bias != nil {
					v += p.bias[co]
				}
				y[base+(n0+j)*g.yN] = v
			}
		}
	}
}

// colsTerms walks one output's sum in the cols plan: input channel c outermost,
// then the taps on input pixels of each axis, as (A, x) element offsets.
type colsTerms struct {
	n0     int // first batch entry of the tile
	v0, v1 [][2]int
	c      int // cursor: channel, and positions in v0 and v1
	j0, j1 int
}

func (t *colsTerms) next() {
	if t.j1++; t.j1 < len(t.v1) {
		return
	}
	t.j1 = 0
	if t.j0++; t.j0 < len(t.v0) {
		return
	}
	t.j0 = 0
	t.c++
}
