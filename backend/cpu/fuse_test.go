package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func normal(r *rand.Rand, f64 bool, n int) *tensors.Tensor {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	if f64 {
		return tensors.FromFlatDataAndDimensions(v, n)
	}
	v32 := make([]float32, n)
	for i, x := range v {
		v32[i] = float32(x)
	}
	return tensors.FromFlatDataAndDimensions(v32, n)
}

// TestFusionIsBitwiseUnfused runs elementwise chains (masks, scalar and same-shape
// operands, values read twice) with fusion on and off: the outputs must be equal bit
// for bit.
func TestFusionIsBitwiseUnfused(t *testing.T) {
	fused, plain := fusedAndPlain(t)
	f := func(x, z *Node) *Node {
		zero := ScalarZero(x.Graph(), x.DType())
		mask := ConvertDType(GreaterThan(x, zero), x.DType())
		a := Add(MulScalar(Sqrt(Abs(x)), 3), Neg(z))
		b := Mul(a, AddScalar(MulScalar(mask, 0.8), 0.2))
		c := Div(Sub(b, x), AddScalar(Abs(z), 1)) // a and x are read twice
		return Concatenate([]*Node{c, Mul(a, z)}, 0)
	}
	for _, f64 := range []bool{false, true} {
		r := rand.New(rand.NewPCG(1, 2))
		expectBitwiseEqual(t, fmt.Sprintf("float64=%v", f64), fused, plain, f, normal(r, f64, 3000), normal(r, f64, 3000))
	}
}

// TestFusionMergesAChain checks that a four-op chain compiles to one step, and that a
// value with two readers stays materialised.
func TestFusionMergesAChain(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	b.noFusion = false // whatever $GANKIT_CPU_NOFUSE says
	bl := b.Builder("chain")
	x, _ := bl.Parameter("x", shapes.Make(dtypes.Float32, 100), nil)
	a, _ := bl.Abs(x)
	s, _ := bl.Sqrt(a)
	n, _ := bl.Neg(s)
	y, _ := bl.Add(n, x)
	twice, _ := bl.Mul(s, y) // s has two readers: Neg and this Mul
	exe, err := bl.Compile([]backends.Op{twice}, nil)
	if err != nil {
		t.Fatal(err)
	}
	steps := exe.(*Executable).steps
	if len(steps) != 2 {
		var ops []string
		for _, st := range steps {
			ops = append(ops, st.n.op)
		}
		t.Errorf("compiled to %d steps %v, want 2 (Abs+Sqrt, then Neg+Add+Mul)", len(steps), ops)
	}
}

func toF64(flat any) []float64 {
	switch v := flat.(type) {
	case []float64:
		return append([]float64(nil), v...)
	case []float32:
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out
	}
	return nil
}

// TestFusionBatchNormIsBitwiseUnfused runs BatchNorm's forward from graph ops, a mask,
// and sums over the leading axes (fused into the ReduceSum) with fusion on and off,
// for channel counts that divide the block, do not, and exceed it.
func TestFusionBatchNormIsBitwiseUnfused(t *testing.T) {
	fused, plain := fusedAndPlain(t)
	for _, dims := range [][]int{{4, 5, 6, 64}, {7, 3, 3, 9}, {3, 2, 2, 1500}, {2, 40, 40, 3}} {
		c := dims[3]
		f := func(x, gamma *Node) *Node {
			x = Reshape(x, dims...)
			gamma = Reshape(gamma, c)
			n := float64(x.Shape().Size() / c)
			mean := DivScalar(ReduceAndKeep(x, ReduceSum, 0, 1, 2), n)
			xc := Sub(x, mean)
			variance := DivScalar(ReduceSum(Mul(xc, xc), 0, 1, 2), n)
			scale := Mul(Rsqrt(AddScalar(variance, 1e-5)), gamma)
			y := Mul(xc, BroadcastToDims(Reshape(scale, 1, 1, 1, c), dims...))
			mask := ConvertDType(GreaterThan(y, ScalarZero(y.Graph(), y.DType())), y.DType())
			act := Mul(y, AddScalar(MulScalar(mask, 0.8), 0.2))
			sums := ReduceSum(Mul(act, x), 0, 1, 2)
			return Concatenate([]*Node{Reshape(act, -1), sums, variance}, 0)
		}
		for _, f64 := range []bool{false, true} {
			r := rand.New(rand.NewPCG(3, uint64(c)))
			size := dims[0] * dims[1] * dims[2] * c
			expectBitwiseEqual(t, fmt.Sprintf("dims %v float64=%v", dims, f64), fused, plain, f, normal(r, f64, size), normal(r, f64, c))
		}
	}
}

// TestFusionTakesChannelOperandsAndSums checks the compiled steps: a per-channel
// scale and shift join the chain, and a product read only by a sum over the leading
// axes is never stored.
func TestFusionTakesChannelOperandsAndSums(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	b.noFusion = false // whatever $GANKIT_CPU_NOFUSE says
	bl := b.Builder("bn")
	x, _ := bl.Parameter("x", shapes.Make(dtypes.Float32, 8, 4, 4, 16), nil)
	g, _ := bl.Parameter("g", shapes.Make(dtypes.Float32, 1, 1, 1, 16), nil)
	h, _ := bl.Parameter("h", shapes.Make(dtypes.Float32, 16), nil)
	hb, _ := bl.BroadcastInDim(h, shapes.Make(dtypes.Float32, 8, 4, 4, 16), []int{3})
	y, _ := bl.Mul(x, g)
	z, _ := bl.Add(y, hb)
	sq, _ := bl.Mul(z, x)
	s, _ := bl.ReduceSum(sq, 0, 1, 2)
	exe, err := bl.Compile([]backends.Op{s}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, st := range exe.(*Executable).steps {
		ops = append(ops, st.n.op)
	}
	want := []string{"FusedReduceSum(BroadcastInDim,Mul,Add,Mul)"}
	if !slices.Equal(ops, want) {
		t.Errorf("compiled to %v, want %v", ops, want)
	}
}

// fusedAndPlain returns a backend with fusion and one without (whatever
// $GANKIT_CPU_NOFUSE says: the comparison needs both).
func fusedAndPlain(t *testing.T) (fused, plain *Backend) {
	t.Helper()
	fused, err := New()
	if err != nil {
		t.Fatal(err)
	}
	plain, err = New()
	if err != nil {
		t.Fatal(err)
	}
	fused.noFusion, plain.noFusion = false, true
	return fused, plain
}

// stepsRun runs f on b with the per-op timer on and returns the names of the steps
// that ran (fused groups are named "Fused(...)" or "FusedReduceSum(...)").
func stepsRun(t *testing.T, b *Backend, f func(x, z *Node) *Node, x, z *tensors.Tensor) (out []float64, ops []string) {
	t.Helper()
	b.opTimes = &opTimes{path: filepath.Join(t.TempDir(), "optimes.txt"), byOp: map[string]*opTime{}}
	defer func() { b.opTimes = nil }()
	MustExecOnce(b, f, x, z).MustConstFlatData(func(flat any) { out = toF64(flat) })
	for key := range b.opTimes.byOp {
		ops = append(ops, key)
	}
	return out, ops
}

// expectBitwiseEqual runs f on x, z with and without fusion and compares the bits.
// The fused run must have fused something and the plain run nothing: otherwise the
// test would compare a path with itself.
func expectBitwiseEqual(t *testing.T, what string, fused, plain *Backend, f func(x, z *Node) *Node, x, z *tensors.Tensor) {
	t.Helper()
	x2, _ := x.LocalClone()
	z2, _ := z.LocalClone()
	g, fusedOps := stepsRun(t, fused, f, x, z)
	w, plainOps := stepsRun(t, plain, f, x2, z2)
	countFused := func(ops []string) (n int) {
		for _, op := range ops {
			if strings.HasPrefix(op, "Fused") {
				n++
			}
		}
		return n
	}
	if n := countFused(fusedOps); n == 0 {
		t.Fatalf("%s: nothing was fused (steps %v): the test would compare unfused with unfused", what, fusedOps)
	}
	if n := countFused(plainOps); n != 0 {
		t.Fatalf("%s: the unfused backend fused %d groups", what, n)
	}
	for i := range w {
		if math.Float64bits(g[i]) != math.Float64bits(w[i]) {
			t.Fatalf("%s: value %d fused %v, unfused %v", what, i, g[i], w[i])
		}
	}
}
