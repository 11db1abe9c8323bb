package igemm

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"github.com/gankit/gankit/backend/cpu/simd"
)

// eachSet runs f for every kernel set this CPU runs, and logs the sets it cannot.
// A set that runs must have its assembly here: a missing one fails rather than
// quietly testing the Go kernels twice.
func eachSet(t *testing.T, f func(t *testing.T, k simd.Set)) {
	t.Helper()
	for _, k := range []simd.Set{simd.AVX512, simd.AVX2, simd.NEON, simd.Go} {
		t.Run(k.String(), func(t *testing.T) {
			if !k.Runs() {
				t.Skipf("this CPU does not run the %s kernels", k)
			}
			if k != simd.Go && !Fast(k) {
				t.Fatalf("the CPU runs %s but igemm has no %s assembly for it", k, k)
			}
			f(t, k)
		})
	}
}

// eachSetBench runs f for every kernel set this CPU runs.
func eachSetBench(b *testing.B, f func(b *testing.B, k simd.Set)) {
	for _, k := range simd.Supported() {
		b.Run(k.String(), func(b *testing.B) { f(b, k) })
	}
}

// sameBits fails unless got equals want bit for bit (at the given positions).
func sameBits(t *testing.T, name string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: value %d is %g, the Go kernel's is %g: kernel sets must agree bitwise", name, i, got[i], want[i])
		}
	}
}

// randoms returns n values in [-1, 1).
func randoms(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 2*r.Float32() - 1
	}
	return v
}

// naiveRows is Rows's definition as a plain sum in float64.
func naiveRows(a, b []*float32, ldb, clen, boff int) (out [TileRows][TileCols]float64) {
	for s := range b {
		for i := range clen {
			for r := range TileRows {
				for j := range TileCols {
					out[r][j] += float64(at(a[s*TileRows+r], i)) * float64(at(b[s], i*ldb+boff+j))
				}
			}
		}
	}
	return out
}

func naiveCols(a, b []*float32, aoff, boff int) (out [TileRows][TileCols]float64) {
	for q := range a {
		for r := range TileRows {
			for j := range TileCols {
				out[r][j] += float64(at(a[q], aoff+r)) * float64(at(b[q], boff+j))
			}
		}
	}
	return out
}

// checkTile compares a tile written with row stride ldc (on top of base when
// accumulating) with the float64 sums.
func checkTile(t *testing.T, name string, c, base []float32, ldc int, want [TileRows][TileCols]float64, terms int) {
	t.Helper()
	tol := 1e-6 * float64(terms)
	for r := range TileRows {
		for j := range TileCols {
			w := want[r][j]
			if base != nil {
				w += float64(base[r*ldc+j])
			}
			if got := float64(c[r*ldc+j]); math.Abs(got-w) > tol {
				t.Fatalf("%s: C[%d][%d] = %g, want %g", name, r, j, got, w)
			}
		}
		for j := TileCols; j < ldc && r < TileRows-1; j++ { // between rows: untouched
			if c[r*ldc+j] != base0(base, r*ldc+j) {
				t.Fatalf("%s: C[%d][%d] beyond the tile was written", name, r, j)
			}
		}
	}
}

// newTile returns a tile of rows ldc apart filled with 7s (to see stray writes) or,
// to accumulate onto, with random values, which base copies.
func newTile(r *rand.Rand, ldc int, accumulate bool) (c, base []float32) {
	c = make([]float32, TileRows*ldc)
	for i := range c {
		c[i] = 7
	}
	if accumulate {
		base = randoms(r, len(c))
		copy(c, base)
	}
	return c, base
}

func base0(base []float32, i int) float32 {
	if base == nil {
		return 7
	}
	return base[i]
}

func TestRowsAndColsMatchFloat64AndTheGoKernelsBitwise(t *testing.T) {
	eachSet(t, testRowsAndCols)
}

func testRowsAndCols(t *testing.T, k simd.Set) {
	r := rand.New(rand.NewPCG(1, 2))
	data := randoms(r, 1<<16)
	ptr := func(n int) *float32 { return &data[r.IntN(len(data)-n)] }
	for _, tc := range []struct{ nseg, clen, ldb, boff, ldc int }{
		{1, 1, 64, 0, 64}, {3, 5, 70, 3, 64}, {16, 64, 128, 64, 200}, {4, 128, 64, 0, 64}, {196, 1, 64, 0, 71},
	} {
		for _, accum := range []bool{false, true} {
			a, b := make([]*float32, tc.nseg*TileRows), make([]*float32, tc.nseg)
			for i := range a {
				a[i] = ptr(tc.clen)
			}
			for i := range b {
				b[i] = ptr((tc.clen-1)*tc.ldb + tc.boff + TileCols)
			}
			c, base := newTile(r, tc.ldc, accum)
			want := naiveRows(a, b, tc.ldb, tc.clen, tc.boff)
			g := slices.Clone(c)
			Rows(k, a, b, tc.ldb, tc.clen, tc.boff, c, tc.ldc, accum)
			checkTile(t, "Rows", c, base, tc.ldc, want, tc.nseg*tc.clen)
			rowsGo(a, b, tc.ldb, tc.clen, tc.boff, g, tc.ldc, accum)
			sameBits(t, "Rows", c, g)
			if accum {
				continue
			}
			narrowRows(t, k, a, b, tc.ldb, tc.clen, tc.boff, tc.ldc, c)
			again := make([]float32, len(c))
			Rows(k, a, b, tc.ldb, tc.clen, tc.boff, again, tc.ldc, false)
			for i := range again {
				if again[i] != c[i] && i%tc.ldc < TileCols {
					t.Fatalf("Rows is not deterministic at %d", i)
				}
			}
		}
	}
	for _, tc := range []struct{ k, aoff, boff, ldc int }{{1, 0, 0, 64}, {7, 2, 5, 64}, {3136, 0, 64, 128}, {12544, 1, 0, 65}} {
		for _, accum := range []bool{false, true} {
			a, b := make([]*float32, tc.k), make([]*float32, tc.k)
			for i := range a {
				a[i], b[i] = ptr(tc.aoff+TileRows), ptr(tc.boff+TileCols)
			}
			c, base := newTile(r, tc.ldc, accum)
			want := naiveCols(a, b, tc.aoff, tc.boff)
			g := slices.Clone(c)
			Cols(k, a, b, tc.aoff, tc.boff, c, tc.ldc, accum)
			checkTile(t, "Cols", c, base, tc.ldc, want, tc.k)
			colsGo(a, b, tc.aoff, tc.boff, g, tc.ldc, accum)
			sameBits(t, "Cols", c, g)
		}
	}
}

// narrowRows checks RowsNarrow on the same operands as a wide Rows call whose tile
// is wide: its 16 columns must hold bitwise the wide tile's first 16, the Go
// kernel's too, and nothing past them may be written.
func narrowRows(t *testing.T, k simd.Set, a, b []*float32, ldb, clen, boff, ldc int, wide []float32) {
	t.Helper()
	c := make([]float32, TileRows*ldc)
	for i := range c {
		c[i] = 7
	}
	g := slices.Clone(c)
	RowsNarrow(k, a, b, ldb, clen, boff, c, ldc, false)
	rowsGoWidth(NarrowCols, a, b, ldb, clen, boff, g, ldc, false)
	sameBits(t, "RowsNarrow against the Go kernel", c, g)
	for r := range TileRows {
		for j := range ldc {
			i := r*ldc + j
			switch {
			case j < NarrowCols && math.Float32bits(c[i]) != math.Float32bits(wide[i]):
				t.Fatalf("RowsNarrow: C[%d][%d] = %g, the wide tile's is %g", r, j, c[i], wide[i])
			case j >= NarrowCols && c[i] != 7:
				t.Fatalf("RowsNarrow: C[%d][%d] past the narrow tile was written", r, j)
			}
		}
	}
	// Accumulating onto the tile adds it once more.
	again := slices.Clone(c)
	RowsNarrow(k, a, b, ldb, clen, boff, again, ldc, true)
	for r := range TileRows {
		for j := range NarrowCols {
			if i := r*ldc + j; again[i] != c[i]+c[i] {
				t.Fatalf("RowsNarrow accumulating: C[%d][%d] = %g, want %g", r, j, again[i], c[i]+c[i])
			}
		}
	}
}

func TestRowsGroupedMatchesFloat64AndNarrowPassesBitwise(t *testing.T) {
	eachSet(t, testRowsGrouped)
}

// testRowsGrouped checks RowsGrouped against its definition in float64, the Go
// kernel and RowsNarrow run one group at a time on tables moved to the group's
// channels, bitwise, accumulating or not.
func testRowsGrouped(t *testing.T, k simd.Set) {
	r := rand.New(rand.NewPCG(7, 8))
	data := randoms(r, 1<<16)
	ptr := func(n int) *float32 { return &data[r.IntN(len(data)-n)] }
	for _, tc := range []struct{ nseg, clen, ldb, boff, ldc int }{
		{1, 1, 64, 0, 64}, {9, 16, 128, 0, 64}, {16, 16, 128, 64, 130}, {3, 5, 70, 3, 64},
	} {
		for _, accum := range []bool{false, true} {
			a, b := make([]*float32, tc.nseg*TileRows), make([]*float32, tc.nseg)
			for i := range a {
				a[i] = ptr(TileCols)
			}
			for i := range b {
				b[i] = ptr((tc.clen-1)*tc.ldb + tc.boff + TileCols)
			}
			c, base := newTile(r, tc.ldc, accum)
			var want [TileRows][TileCols]float64
			for s := range b {
				for i := range tc.clen {
					for rr := range TileRows {
						for j := range TileCols {
							g := j / GroupWidth
							want[rr][j] += float64(at(a[s*TileRows+rr], g*GroupWidth+i)) * float64(at(b[s], i*tc.ldb+tc.boff+j))
						}
					}
				}
			}
			g, n := slices.Clone(c), slices.Clone(c)
			RowsGrouped(k, a, b, tc.ldb, tc.clen, tc.boff, c, tc.ldc, accum)
			checkTile(t, "RowsGrouped", c, base, tc.ldc, want, tc.nseg*tc.clen)
			rowsGroupedGo(a, b, tc.ldb, tc.clen, tc.boff, g, tc.ldc, accum)
			sameBits(t, "RowsGrouped against the Go kernel", c, g)
			for grp := range Groups {
				shifted := make([]*float32, len(a))
				for i, p := range a {
					shifted[i] = (*float32)(unsafe.Add(unsafe.Pointer(p), 4*grp*GroupWidth))
				}
				RowsNarrow(k, shifted, b, tc.ldb, tc.clen, tc.boff+grp*GroupWidth, n[grp*GroupWidth:], tc.ldc, accum)
			}
			sameBits(t, "RowsGrouped against RowsNarrow group by group", c, n)
		}
	}
}

// rowsOperands lays out a rows tile's tables for nseg taps of clen channels each:
// row r of tap s reads an image of chans channels a pixel at pixel 2*16*r + s
// (rows two image lines apart), and tap s's weights are clen rows of 128 columns.
func rowsOperands(nseg, clen, chans int) (a, bp []*float32, c []float32) {
	r := rand.New(rand.NewPCG(1, 2))
	img, w := randoms(r, 64*16*16*chans), randoms(r, nseg*clen*128)
	a, bp = make([]*float32, nseg*TileRows), make([]*float32, nseg)
	for s := range nseg {
		bp[s] = &w[s*clen*128]
		for rr := range TileRows {
			a[s*TileRows+rr] = &img[(rr*2*16+s)*chans]
		}
	}
	return a, bp, make([]float32, TileRows*TileCols)
}

// BenchmarkRowsGrouped times four groups of R3GAN's grouped 3x3 (16 channels in
// and out each, 9 taps) in one tile, against BenchmarkRowsNarrow's one group a call.
func BenchmarkRowsGrouped(b *testing.B) {
	const nseg, clen = 9, 16
	a, bp, c := rowsOperands(nseg, clen, 128)
	eachSetBench(b, func(b *testing.B, k simd.Set) {
		for b.Loop() {
			for range 2 {
				RowsGrouped(k, a, bp, 128, clen, 0, c, TileCols, false)
			}
		}
		b.ReportMetric(2*float64(2*TileRows*TileCols*nseg*clen)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// BenchmarkRowsNarrow times a narrow tile of a grouped 3x3 convolution's group (16
// input channels, 9 taps; R3GAN's), against the wide tile on the same terms.
func BenchmarkRowsNarrow(b *testing.B) {
	const nseg, clen = 9, 16
	a, bp, c := rowsOperands(nseg, clen, 128)
	eachSetBench(b, func(b *testing.B, k simd.Set) {
		for b.Loop() {
			for range 8 {
				RowsNarrow(k, a, bp, 128, clen, 0, c, TileCols, false)
			}
		}
		b.ReportMetric(2*float64(8*TileRows*NarrowCols*nseg*clen)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// BenchmarkRows times a tile of a 4x4 convolution over 64 channels (1024 terms), with
// the kernel's 256 KiB of weights shared by every tile, as in a convolution.
func BenchmarkRows(b *testing.B) {
	const nseg, clen = 16, 64
	a, bp, c := rowsOperands(nseg, clen, 64)
	eachSetBench(b, func(b *testing.B, k simd.Set) {
		for b.Loop() {
			Rows(k, a, bp, 128, clen, 0, c, TileCols, false)
		}
		b.ReportMetric(2*float64(TileRows*TileCols*nseg*clen)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// BenchmarkCols times a weight-gradient tile: 3136 terms, B rows from an image.
func BenchmarkCols(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	img, dy := randoms(r, 64*14*14*64), randoms(r, 64*7*7*128)
	const k = 3136
	a, bp := make([]*float32, k), make([]*float32, k)
	for q := range k {
		a[q], bp[q] = &dy[q*128], &img[(q/49)*14*14*64+((q%49)/7)*2*14*64+(q%7)*2*64]
	}
	c := make([]float32, TileRows*TileCols)
	eachSetBench(b, func(b *testing.B, ks simd.Set) {
		for b.Loop() {
			Cols(ks, a, bp, 0, 0, c, TileCols, false)
		}
		b.ReportMetric(2*float64(TileRows*TileCols*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

func TestDotMatchesFloat64AndTheGoKernelBitwise(t *testing.T) {
	eachSet(t, testDot)
}

func testDot(t *testing.T, k simd.Set) {
	r := rand.New(rand.NewPCG(3, 4))
	data := randoms(r, 1<<16)
	for _, tc := range []struct{ nseg, clen int }{{1, 16}, {4, 64}, {16, 32}, {9, 128}} {
		a, b := make([]*float32, tc.nseg*TileRows), make([]*float32, tc.nseg)
		for i := range a {
			a[i] = &data[r.IntN(len(data)-tc.clen)]
		}
		for i := range b {
			b[i] = &data[r.IntN(len(data)-tc.clen)]
		}
		var want [TileRows]float64
		for s := range b {
			for i := range tc.clen {
				for rr := range TileRows {
					want[rr] += float64(at(a[s*TileRows+rr], i)) * float64(at(b[s], i))
				}
			}
		}
		got, goGot := make([]float32, TileRows), make([]float32, TileRows)
		Dot(k, a, b, tc.clen, got)
		dotGo(a, b, tc.clen, goGot)
		sameBits(t, "Dot", got, goGot)
		for rr := range TileRows {
			tol := 1e-6 * float64(tc.nseg*tc.clen)
			if math.Abs(float64(got[rr])-want[rr]) > tol || math.Abs(float64(goGot[rr])-want[rr]) > tol {
				t.Fatalf("nseg %d clen %d row %d: asm %g, Go %g, want %g", tc.nseg, tc.clen, rr, got[rr], goGot[rr], want[rr])
			}
		}
	}
}
