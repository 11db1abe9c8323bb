package gradcheck_test

import (
	"testing"

	"github.com/gankit/gankit/internal/gradcheck"
	"github.com/gankit/gankit/internal/testutil"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestCheckNamesTheWrongInputOrVariable builds L = sum(a^2 * w) + sum(b * v) + sum(c) and
// hides one term's gradient behind StopGradient: the mismatches must name that term's
// input (by index) or variable (by scope and name), and only those. A correct loss
// must give none.
func TestCheckNamesTheWrongInputOrVariable(t *testing.T) {
	for _, tc := range []struct {
		name      string
		stop      string // which term's gradient is hidden: "", "a", "b", "v"
		wantInput int    // Mismatch.Input of every mismatch
		wantVar   string // Mismatch.Variable of every mismatch
	}{
		{"correct", "", 0, ""},
		{"input 0 hidden", "a", 0, ""},
		{"input 1 hidden", "b", 1, ""},
		{"variable hidden", "v", gradcheck.NotInput, "/w/v"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := testutil.Backend(t, "go")
			ctx := context.New()
			a := tensors.FromValue([]float64{0.5, -1.5, 2})
			bb := tensors.FromValue([]float64{1, 2, 3})
			c := tensors.FromValue([]float64{4, 5})
			bad, n, err := gradcheck.Check(b, ctx, []*tensors.Tensor{a, bb, c}, func(ctx *context.Context, in []*Node) *Node {
				g := in[0].Graph()
				w := Const(g, []float64{3, -2, 1})
				v := ctx.In("w").Checked(false).VariableWithValue("v", []float64{0.25, 0.5, 0.75}).ValueGraph(g)
				x, y, vv := in[0], in[1], v
				switch tc.stop {
				case "a":
					x = StopGradient(x)
				case "b":
					y = StopGradient(y)
				case "v":
					vv = StopGradient(v)
				}
				// StopGradient keeps each value; only its gradient is hidden.
				return Add(Add(ReduceAllSum(Mul(Mul(x, x), w)), ReduceAllSum(Mul(y, vv))), ReduceAllSum(in[2]))
			}, gradcheck.Options{Probes: 10, Tol: 1e-6, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if n != 3+3+2+3 { // every coordinate: fewer than Probes each
				t.Errorf("%d coordinates checked, want 11", n)
			}
			if tc.stop == "" {
				for _, m := range bad {
					t.Errorf("correct gradient reported: %v", m)
				}
				return
			}
			// Every coordinate of the hidden term has a non-zero true gradient.
			if len(bad) != 3 {
				t.Errorf("%d mismatches, want 3: %v", len(bad), bad)
			}
			for _, m := range bad {
				if m.Input != tc.wantInput || m.Variable != tc.wantVar || m.Analytic != 0 {
					t.Errorf("mismatch %+v: want Input %d, Variable %q, analytic 0", m, tc.wantInput, tc.wantVar)
				}
			}
		})
	}
}
