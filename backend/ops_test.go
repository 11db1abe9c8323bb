package backend_test

import (
	"fmt"
	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/internal/testutil"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
)

// TestOpsMatchSimplego runs the ops the cpu backend has kernels for (and a few it
// delegates) on every tested backend and on plain simplego, on random shapes with
// broadcasting, odd sizes and every reduction layout, in float32 and float64.
func TestOpsMatchSimplego(t *testing.T) {
	plain, err := simplego.New("")
	if err != nil {
		t.Fatal(err)
	}
	type tc struct {
		name string
		dims [][]int
		f    func(in []*Node) *Node
	}
	r := rand.New(rand.NewPCG(5, 6))
	var cases []tc
	for range 6 {
		d := []int{1 + r.IntN(4), 1 + r.IntN(5), 1 + r.IntN(70)}
		bcast := []int{1, d[1], 1}
		cases = append(cases,
			tc{"unary", [][]int{d}, func(in []*Node) *Node {
				x := in[0]
				return Concatenate([]*Node{Neg(x), Abs(x), Sqrt(Abs(x)), Exp(x), Log(AddScalar(Abs(x), 1)), Tanh(x), Sign(x), Sigmoid(x)}, 0)
			}},
			tc{"binary-same", [][]int{d, d}, func(in []*Node) *Node {
				a, b := in[0], in[1]
				return Concatenate([]*Node{Add(a, b), Sub(a, b), Mul(a, b), Div(a, AddScalar(Abs(b), 0.5)), Max(a, b), Min(a, b)}, 0)
			}},
			tc{"binary-broadcast", [][]int{d, bcast}, func(in []*Node) *Node {
				a, b := in[0], in[1]
				return Concatenate([]*Node{Add(a, b), Sub(b, a), Mul(a, b), Max(b, a)}, 0)
			}},
			tc{"scalar", [][]int{d}, func(in []*Node) *Node {
				x := in[0]
				return Concatenate([]*Node{AddScalar(x, 2), MulScalar(x, -3), ConvertDType(GreaterThan(x, ScalarZero(x.Graph(), x.DType())), x.DType()),
					ConvertDType(LessOrEqual(x, in[0]), x.DType())}, 0)
			}},
			tc{"broadcast-transpose", [][]int{{d[2]}, d}, func(in []*Node) *Node {
				b := BroadcastToDims(Reshape(in[0], 1, 1, d[2]), d...)
				return Add(b, Transpose(Transpose(in[1], 0, 2), 0, 2))
			}},
			tc{"reduce", [][]int{d}, func(in []*Node) *Node {
				x := in[0]
				parts := []*Node{}
				for _, axes := range [][]int{{0}, {1}, {2}, {0, 1}, {1, 2}, {0, 1, 2}, {0, 2}} {
					parts = append(parts, Reshape(ReduceSum(x, axes...), -1))
				}
				// Non-contiguous axes of a rank-5 view, as nearest upsampling's gradient has.
				x5 := Reshape(Concatenate([]*Node{x, x}, 0), 2, d[0], d[1], 1, d[2])
				parts = append(parts, Reshape(ReduceSum(x5, 0, 2), -1), Reshape(ReduceSum(x5, 1, 4), -1))
				return Concatenate(parts, 0)
			}},
			tc{"slice-concat", [][]int{d, d}, func(in []*Node) *Node {
				a, b := in[0], in[1]
				s1 := Slice(a, AxisRange(0, d[0]), AxisRange(0, d[1]).Stride(2), AxisRange(1, d[2]).Stride(3))
				s2 := Slice(b, AxisRange(), AxisRange(), AxisRange(0, d[2]-1))
				cat := Concatenate([]*Node{a, b, a}, 1)
				return Concatenate([]*Node{Reshape(s1, -1), Reshape(s2, -1), Reshape(cat, -1)}, 0)
			}},
			tc{"dot", [][]int{{d[0] * 3, d[2]}, {d[2], d[1] + 2}}, func(in []*Node) *Node {
				a, b := in[0], in[1]
				ta := DotGeneral(Transpose(a, 0, 1), []int{0}, nil, b, []int{0}, nil)
				tb := DotGeneral(a, []int{1}, nil, Transpose(b, 0, 1), []int{1}, nil)
				return Concatenate([]*Node{Dot(a, b), ta, tb}, 0)
			}},
		)
	}
	opsRun := recordOps(t)
	for _, name := range backend.TestBackends() {
		b, err := backend.New(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range cases {
			for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
				t.Run(fmt.Sprintf("%s/%d-%s/%s", name, i, c.name, dt), func(t *testing.T) {
					mk := func() []any {
						rr := rand.New(rand.NewPCG(uint64(i), 9))
						var args []any
						for _, d := range c.dims {
							args = append(args, testutil.Normal(rr, dt == dtypes.Float64, d...))
						}
						return args
					}
					want := execAll(t, plain, c.f, mk())
					got := execAll(t, b, c.f, mk())
					tol := 1e-12
					if dt == dtypes.Float32 {
						tol = 2e-5
					}
					for j := range want {
						if math.Abs(got[j]-want[j]) > tol*math.Max(1, math.Abs(want[j])) && !(math.IsNaN(got[j]) && math.IsNaN(want[j])) {
							t.Fatalf("value %d = %g, simplego %g", j, got[j], want[j])
						}
					}
				})
			}
		}
	}
	// The cases above must have run on the cpu backend's own kernels (alone or fused).
	kernel, delegated := opsRun()
	expectKernels(t, kernel, delegated, "Neg", "Abs", "Sqrt", "Exp", "Log", "Tanh", "Sign", "Logistic", "Add", "Sub", "Mul", "Div",
		"Max", "Min", "GreaterThan", "LessOrEqual", "ConvertDType", "BroadcastInDim", "Transpose", "ReduceSum", "Slice", "Concatenate",
		"Dot", "DotGeneral")
}

func execAll(t *testing.T, b backends.Backend, f func([]*Node) *Node, args []any) []float64 {
	t.Helper()
	out, err := ExecOnce(b, func(in []*Node) *Node { return f(in) }, args...)
	if err != nil {
		t.Fatal(err)
	}
	var vals []float64
	out.MustConstFlatData(func(flat any) {
		switch v := flat.(type) {
		case []float32:
			for _, x := range v {
				vals = append(vals, float64(x))
			}
		case []float64:
			vals = append(vals, v...)
		}
	})
	return vals
}
