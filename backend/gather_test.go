package backend_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// rowCase is a row gather x [n, c] -> [m, c], its indices drawn from [lo, hi).
type rowCase struct {
	n, m, c int
	lo, hi  int
	f64     bool
	i64     bool
}

// rowCases cover C = 1, 3, 5; fewer and more indices than rows; indices repeated
// many times (a range of 3 over 40 draws); both float and index dtypes. Gather cases
// with indices outside [0, n) are in rowGatherOnlyCases: ScatterSum refuses them.
var rowCases = []rowCase{
	{n: 10, m: 4, c: 1, lo: 0, hi: 10},
	{n: 7, m: 40, c: 3, lo: 0, hi: 7, f64: true},
	{n: 9, m: 40, c: 5, lo: 2, hi: 5, i64: true},
	{n: 300, m: 1200, c: 3, lo: 0, hi: 300, f64: true, i64: true},
	{n: 5000, m: 20000, c: 1, lo: 0, hi: 5000}, // gathered in chunks on several cores
	{n: 9000, m: 36000, c: 3, lo: 0, hi: 9000, i64: true},
	{n: 64, m: 3, c: 5, lo: 0, hi: 64, f64: true},
}

var rowGatherOnlyCases = []rowCase{
	{n: 6, m: 50, c: 3, lo: -4, hi: 10},
	{n: 5, m: 30, c: 1, lo: -3, hi: 9, f64: true, i64: true},
	{n: 5000, m: 9000, c: 5, lo: -100, hi: 5100, i64: true},
}

func (rc rowCase) String() string {
	fd, id := "f32", "i32"
	if rc.f64 {
		fd = "f64"
	}
	if rc.i64 {
		id = "i64"
	}
	return fmt.Sprintf("n%d-m%d-c%d-idx[%d,%d)-%s-%s", rc.n, rc.m, rc.c, rc.lo, rc.hi, fd, id)
}

// inputs draws x [n, c], indices [m, 1], and updates / output weights [m, c].
func (rc rowCase) inputs(seed uint64) (x, idx, u *tensors.Tensor) {
	r := rand.New(rand.NewPCG(seed, 11))
	x = testutil.Normal(r, rc.f64, rc.n, rc.c)
	u = testutil.Normal(r, rc.f64, rc.m, rc.c)
	draw := func() int { return rc.lo + r.IntN(rc.hi-rc.lo) }
	if rc.i64 {
		v := make([]int64, rc.m)
		for i := range v {
			v[i] = int64(draw())
		}
		return x, tensors.FromFlatDataAndDimensions(v, rc.m, 1), u
	}
	v := make([]int32, rc.m)
	for i := range v {
		v[i] = int32(draw())
	}
	return x, tensors.FromFlatDataAndDimensions(v, rc.m, 1), u
}

// clones copies tensors for one execution: a tensor sent to one backend cannot be
// sent to another.
func clones(t testing.TB, ts ...*tensors.Tensor) []any {
	t.Helper()
	out := make([]any, len(ts))
	for i, x := range ts {
		c, err := x.LocalClone()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = c
	}
	return out
}

// sameBits fails unless got and want are the same numbers, bit for bit (float32
// values widen to float64 exactly).
func sameBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, simplego %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s: value %d = %g, simplego %g", what, i, got[i], want[i])
		}
	}
}

// TestRowGatherAndScatterSumMatchSimplegoBitwise runs graph.Gather(x, idx) on rows,
// graph.ScatterSum of updates into rows, and the gradient of a weighted sum of the
// gathered rows with respect to x (graph.Gather's VJP, a ScatterSum into zeros), on
// every tested backend and on plain simplego. The gather copies and the scatter adds
// in simplego's order, so the results must be bitwise equal; and on the cpu backend
// both must have run as its own kernels.
func TestRowGatherAndScatterSumMatchSimplegoBitwise(t *testing.T) {
	plain, err := simplego.New("")
	if err != nil {
		t.Fatal(err)
	}
	gather := func(in []*Node) *Node { return Gather(in[0], in[1]) }
	scatter := func(in []*Node) *Node { return ScatterSum(in[0], in[1], in[2], false, false) }
	grad := func(in []*Node) *Node {
		loss := ReduceAllSum(Mul(Gather(in[0], in[1]), in[2]))
		return Gradient(loss, in[0])[0]
	}
	opsRun := recordOps(t)
	for _, name := range backend.TestBackends() {
		b := testutil.Backend(t, name)
		for i, rc := range append(rowCases, rowGatherOnlyCases...) {
			t.Run(fmt.Sprintf("%s/%s", name, rc), func(t *testing.T) {
				x, idx, u := rc.inputs(uint64(i))
				sameBits(t, "gather", execAll(t, b, gather, clones(t, x, idx)), execAll(t, plain, gather, clones(t, x, idx)))
				if rc.lo < 0 || rc.hi > rc.n {
					return
				}
				sameBits(t, "scatter-sum", execAll(t, b, scatter, clones(t, x, idx, u)), execAll(t, plain, scatter, clones(t, x, idx, u)))
				sameBits(t, "gather gradient", execAll(t, b, grad, clones(t, x, idx, u)), execAll(t, plain, grad, clones(t, x, idx, u)))
			})
		}
	}
	kernel, delegated := opsRun()
	expectKernels(t, kernel, delegated, "Gather", "ScatterSum")
}

// TestRowGatherClampsOutOfRangeIndices: an index below 0 reads row 0 and one past
// the end reads the last row, as in simplego and XLA (start indices are clamped so
// that the slice fits).
func TestRowGatherClampsOutOfRangeIndices(t *testing.T) {
	x := tensors.FromValue([][]float32{{1, 2}, {3, 4}, {5, 6}})
	idx := tensors.FromValue([][]int32{{0}, {5}, {-2}, {2}, {1}, {3}})
	want := []float64{1, 2, 5, 6, 1, 2, 5, 6, 3, 4, 5, 6}
	for _, name := range backend.TestBackends() {
		got := execAll(t, testutil.Backend(t, name), func(in []*Node) *Node { return Gather(in[0], in[1]) }, clones(t, x, idx))
		sameBits(t, name, got, want)
	}
}

// TestRowScatterSumRejectsOutOfRangeIndices: the cpu backend's row scatter-sum
// returns an error naming the index for an index outside the operand's rows
// (simplego's loop indexes past its buffer and panics; XLA drops the update).
func TestRowScatterSumRejectsOutOfRangeIndices(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	x := tensors.FromValue([][]float64{{1, 2}, {3, 4}, {5, 6}})
	u := tensors.FromValue([][]float64{{1, 1}, {2, 2}})
	for _, tc := range []struct {
		idx  *tensors.Tensor
		want string
	}{
		{tensors.FromValue([][]int32{{0}, {3}}), "index 3 (update 1 of 2) is outside the operand's 3 rows"},
		{tensors.FromValue([][]int64{{-1}, {2}}), "index -1 (update 0 of 2) is outside the operand's 3 rows"},
	} {
		_, err := ExecOnce(b, func(x, idx, u *Node) *Node { return ScatterSum(x, idx, u, false, false) }, x, tc.idx, u)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("indices %v: error %v, want one saying %q", tc.idx, err, tc.want)
		}
	}
}

// TestOtherGathersAreDelegated: gathers that are not of whole rows (two index
// coordinates, a batch of index vectors) still give simplego's values.
func TestOtherGathersAreDelegated(t *testing.T) {
	plain, err := simplego.New("")
	if err != nil {
		t.Fatal(err)
	}
	x := testutil.Normal(rand.New(rand.NewPCG(3, 4)), false, 4, 3)
	for _, tc := range []struct {
		name string
		idx  *tensors.Tensor
	}{
		{"point", tensors.FromValue([][]int32{{0, 2}, {3, 1}, {1, 0}})},
		{"batched", tensors.FromValue([][][]int32{{{0}, {3}}, {{2}, {2}}})},
	} {
		f := func(in []*Node) *Node { return Gather(in[0], in[1]) }
		want := execAll(t, plain, f, clones(t, x, tc.idx))
		for _, name := range backend.TestBackends() {
			sameBits(t, name+" "+tc.name, execAll(t, testutil.Backend(t, name), f, clones(t, x, tc.idx)), want)
		}
	}
}

// BenchmarkRowGather times ADA's warp at batch 64, 28x28: a gather of M = 4N rows from
// N = 64·28·28 and the scatter-sum of its gradient, with C = 1 and 3 channels, on the
// cpu backend and on simplego ("go"). Run with -count to alternate the two.
func BenchmarkRowGather(b *testing.B) {
	const n = 64 * 28 * 28
	for _, c := range []int{1, 3} {
		rc := rowCase{n: n, m: 4 * n, c: c, lo: 0, hi: n}
		for _, op := range []struct {
			name string
			f    func(in []*Node) *Node
		}{
			{"gather", func(in []*Node) *Node { return Gather(in[0], in[1]) }},
			{"scatter", func(in []*Node) *Node { return ScatterSum(ZerosLike(in[0]), in[1], in[2], false, false) }},
		} {
			for _, name := range []string{"cpu", "go"} {
				b.Run(fmt.Sprintf("C=%d/%s/%s", c, op.name, name), func(b *testing.B) {
					x, idx, u := rc.inputs(1) // each backend its own tensors
					args := []any{x, idx}
					if op.name == "scatter" {
						args = append(args, u)
					}
					benchExec(b, testutil.Backend(b, name), op.f, args)
				})
			}
		}
	}
}

func benchExec(b *testing.B, be backends.Backend, f func([]*Node) *Node, args []any) {
	exec, err := NewExec(be, f)
	if err != nil {
		b.Fatal(err)
	}
	defer exec.Finalize()
	for b.Loop() {
		out, err := exec.Exec(args...)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range out {
			o.FinalizeAll()
		}
	}
}
