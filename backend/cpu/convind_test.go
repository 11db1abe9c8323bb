package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/gankit/gankit/backend/cpu/igemm"
	"github.com/gankit/gankit/backend/cpu/simd"
)

// geomFor lays out a convolution: x as [n, h, w, c] (or [c, h, w, n] when batchLast,
// as weight gradients see it), w as [kh, kw, c, cout] and y as [n, oh, ow, cout].
func geomFor(n, c, cout int, in, k, stride, kdil, idil, padLo, padHi [2]int, batchLast bool) (convGeom, bool) {
	g := convGeom{n: n, c: c, cout: cout, in: in, k: k, stride: stride, kdil: kdil, idil: idil, padLo: padLo}
	for i := range 2 {
		span := (in[i]-1)*idil[i] + 1 + padLo[i] + padHi[i] - (k[i]-1)*kdil[i]
		if span < 1 {
			return g, false
		}
		g.o[i] = (span-1)/stride[i] + 1
	}
	if batchLast {
		g.xN, g.xS, g.xC = 1, [2]int{in[1] * n, n}, in[0]*in[1]*n
	} else {
		g.xC, g.xS, g.xN = 1, [2]int{in[1] * c, c}, in[0]*in[1]*c
	}
	g.wO, g.wI, g.wS = 1, cout, [2]int{k[1] * c * cout, c * cout}
	g.yC, g.yS, g.yN = 1, [2]int{g.o[1] * cout, cout}, g.o[0]*g.o[1]*cout
	return g, true
}

// TestIndirectPlansMatchIm2col runs each indirect plan (rows, rows as dot products,
// cols) on random geometries — strides, paddings, kernel and input dilations,
// channel counts that fill, straddle and miss the 6x64 tiles — against the im2col
// path (convInto, on the portable GEMM) on the same float32 values, on every kernel
// set this CPU runs: the plan and table logic on the Go kernels too.
func TestIndirectPlansMatchIm2col(t *testing.T) {
	for _, k := range []simd.Set{simd.AVX512, simd.AVX2, simd.NEON, simd.Go} {
		t.Run(k.String(), func(t *testing.T) {
			if !k.Runs() {
				t.Skipf("this CPU does not run the %s kernels", k)
			}
			if k != simd.Go && !igemm.Fast(k) {
				t.Fatalf("this CPU runs %s but igemm has no %s kernels", k, k)
			}
			testIndirectPlans(t, k)
		})
	}
}

func testIndirectPlans(t *testing.T, set simd.Set) {
	b := &Backend{kernels: set}
	trials := 300
	if set == simd.Go {
		trials = 100 // the Go kernels take a hundred times longer
	}
	r := rand.New(rand.NewPCG(7, 8))
	ri := func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }
	plans := map[string]int{}
	for trial := 0; trial < trials; trial++ {
		batchLast := trial%3 == 2
		n := ri(1, 9)
		if batchLast {
			n = 64 * ri(1, 2)
		}
		c := []int{1, 3, 16, 64, 70, 128}[r.IntN(6)]
		cout := []int{1, 2, 6, 7, 64, 65, 128}[r.IntN(7)]
		var in, k, stride, kdil, idil, lo, hi [2]int
		for i := range 2 {
			in[i], k[i], stride[i], kdil[i], idil[i] = ri(1, 9), ri(1, 4), 1, 1, 1
			switch r.IntN(4) {
			case 1:
				stride[i] = ri(1, 3)
			case 2:
				kdil[i] = ri(1, 3)
			case 3:
				idil[i] = ri(1, 3)
			}
			lo[i], hi[i] = ri(0, k[i]), ri(0, k[i])
		}
		g, ok := geomFor(n, c, cout, in, k, stride, kdil, idil, lo, hi, batchLast)
		if !ok {
			continue
		}
		x := make([]float32, n*in[0]*in[1]*c)
		w := make([]float32, k[0]*k[1]*c*cout)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		for i := range w {
			w[i] = float32(r.NormFloat64())
		}
		want := make([]float32, n*g.o[0]*g.o[1]*cout)
		ref := newArena[float32](&b.scratch, simd.Go)
		if err := convInto(ref, g, x, w, want); err != nil {
			t.Fatal(err)
		}
		ref.release()
		ar := newArena[float32](&b.scratch, set)
		run := map[string]func(y []float32) error{}
		if g.xC == 1 {
			run["rows"] = func(y []float32) error { return rowsConv(b, ar, g, x, w, y, nil) }
		}
		if g.xN == 1 && g.n%igemm.TileCols == 0 {
			run["cols"] = func(y []float32) error { return colsConv(b, ar, g, x, w, y, nil) }
		}
		terms := float64(k[0] * k[1] * c)
		for name, f := range run {
			if name == "rows" && g.dotOK() {
				name = "dot"
			}
			plans[name]++
			got := make([]float32, len(want))
			for i := range got {
				got[i] = float32(math.NaN()) // every output must be written
			}
			if err := f(got); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-5*terms*(1+math.Abs(float64(want[i])))) {
					t.Fatalf("%s plan, %s: value %d = %g, im2col %g", name, fmt.Sprintf("%+v", g), i, got[i], want[i])
				}
			}
		}
		ar.release()
	}
	for _, p := range []string{"rows", "dot", "cols"} {
		if plans[p] < trials/30 {
			t.Errorf("plan %s ran on %d geometries only", p, plans[p])
		}
	}
	t.Logf("geometries per plan: %v", plans)
}

// TestBalancedGroupsSplitEvenly checks the rows plan's split of row tiles among
// workers: every tile in exactly one group of at most rowsGroup tiles, and where the
// plain split would leave workers idle (few groups, a count that is no multiple of
// the workers), a count that is.
func TestBalancedGroupsSplitEvenly(t *testing.T) {
	for _, c := range []struct{ tiles, workers, per, groups int }{
		{24, 2, 6, 4},      // a grouped kernel gradient: 3 groups of 8 would idle a worker a third of the time
		{24, 1, 8, 3},      // one worker: nothing to balance
		{16, 2, 8, 2},      // already a multiple
		{5, 2, 3, 2},       // fewer tiles than a group: one group would idle a worker; 3 + 2
		{8363, 2, 8, 1046}, // a forward convolution's many tiles
		{40, 3, 7, 6},      // 5 groups on 3 workers -> 6 of 7 (the last holds 5)
		{9, 4, 3, 3},       // 2 groups on 4 workers -> tiles of 3: 3 groups, as many as there are tiles to share
	} {
		per, groups := balancedGroups(c.tiles, c.workers)
		if per < 1 || per > rowsGroup || (groups-1)*per >= c.tiles || groups*per < c.tiles {
			t.Errorf("balancedGroups(%d, %d) = %d tiles x %d groups: does not cover the tiles once in groups of 1..%d", c.tiles, c.workers, per, groups, rowsGroup)
		}
		if per != c.per || groups != c.groups {
			t.Errorf("balancedGroups(%d, %d) = %d tiles x %d groups, want %d x %d", c.tiles, c.workers, per, groups, c.per, c.groups)
		}
	}
}

// TestColsPlanSplitsFewItemsAmongCores runs cols-plan convolutions with fewer
// (output position, batch block) items than cores — a 1x1 convolution's kernel
// gradient is one item — on 1, 2 and 3 cores: each core's share of the output
// channels must be written, every value bitwise as on one core, and within rounding
// of im2col. Output channel counts that leave the last 6-row tile short (its rows
// overlap the tile before it) and that are fewer than the cores' shares.
func TestColsPlanSplitsFewItemsAmongCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(9, 10))
	for _, c := range []struct{ n, c, cout, in, k int }{
		{64, 64, 128, 5, 5}, // 1x1-style kernel gradient: one output position, 22 tiles of which the last overlaps
		{64, 3, 7, 4, 3},    // 2x2 outputs: 4 items, 2 tiles
		{128, 16, 6, 3, 3},  // one item of 2 batch blocks, one tile: nothing to split
	} {
		g, ok := geomFor(c.n, c.c, c.cout, [2]int{c.in, c.in}, [2]int{c.k, c.k}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, [2]int{}, [2]int{}, true)
		if !ok {
			t.Fatalf("%+v: no geometry", c)
		}
		x := make([]float32, c.n*c.in*c.in*c.c)
		w := make([]float32, c.k*c.k*c.c*c.cout)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		for i := range w {
			w[i] = float32(r.NormFloat64())
		}
		set := simd.Best()
		b := &Backend{kernels: set}
		want := make([]float32, c.n*g.o[0]*g.o[1]*c.cout)
		ref := newArena[float32](&b.scratch, simd.Go)
		if err := convInto(ref, g, x, w, want); err != nil {
			t.Fatal(err)
		}
		ref.release()
		var one []float32
		for _, procs := range []int{1, 2, 3} {
			runtime.GOMAXPROCS(procs)
			got := make([]float32, len(want))
			for i := range got {
				got[i] = float32(math.NaN()) // every output must be written
			}
			ar := newArena[float32](&b.scratch, set)
			err := colsConv(b, ar, g, x, w, got, nil)
			ar.release()
			if err != nil {
				t.Fatal(err)
			}
			terms := float64(c.k * c.k * c.c)
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); !(d <= 1e-5*terms*(1+math.Abs(float64(want[i])))) {
					t.Fatalf("%+v on %d cores: value %d = %g, im2col %g", c, procs, i, got[i], want[i])
				}
			}
			if one == nil {
				one = got
			} else if !slices.Equal(got, one) {
				t.Fatalf("%+v: %d cores give other values than one", c, procs)
			}
		}
	}
}
