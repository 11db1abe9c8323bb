package cpu

import (
	"math"
	"math/rand/v2"
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
	fused, err := New()
	if err != nil {
		t.Fatal(err)
	}
	plain, err := New()
	if err != nil {
		t.Fatal(err)
	}
	plain.noFusion = true
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
		x, z := normal(r, f64, 3000), normal(r, f64, 3000)
		x2, _ := x.LocalClone()
		z2, _ := z.LocalClone()
		var g, w []float64
		MustExecOnce(fused, f, x, z).MustConstFlatData(func(flat any) { g = toF64(flat) })
		MustExecOnce(plain, f, x2, z2).MustConstFlatData(func(flat any) { w = toF64(flat) })
		for i := range w {
			if math.Float64bits(g[i]) != math.Float64bits(w[i]) {
				t.Fatalf("float64=%v: value %d fused %v, unfused %v", f64, i, g[i], w[i])
			}
		}
	}
}

// TestFusionMergesAChain checks that a four-op chain compiles to one step, and that a
// value with two readers stays materialised.
func TestFusionMergesAChain(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
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
