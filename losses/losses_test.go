package losses

import (
	"math"
	"testing"

	"github.com/gankit/gankit/backend"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
)

// Golden values: BCE-with-logits by hand. For logits r = [2, -1], f = [0.5, -3]:
// D = mean(log(1+e^-2), log(1+e^1)) + mean(log(1+e^0.5), log(1+e^-3));
// G = mean(log(1+e^-0.5), log(1+e^3)).
func TestNonSaturatingMatchesBCEWithLogits(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	sp := func(x float64) float64 { return math.Log1p(math.Exp(x)) }
	wantD := (sp(-2)+sp(1))/2 + (sp(0.5)+sp(-3))/2
	wantG := (sp(-0.5) + sp(3)) / 2
	// dG/df_i = -sigmoid(-f_i)/2.
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	wantGrad := []float64{-sig(-0.5) / 2, -sig(3) / 2}
	out := MustExecOnceN(b, func(r, f *Node) []*Node {
		l := NonSaturating{}
		g := l.G(f)
		return []*Node{l.D(r, f), g, Gradient(g, f)[0]}
	}, []float64{2, -1}, []float64{0.5, -3})
	if got := out[0].Value().(float64); math.Abs(got-wantD) > 1e-12 {
		t.Errorf("D loss %g, want %g", got, wantD)
	}
	if got := out[1].Value().(float64); math.Abs(got-wantG) > 1e-12 {
		t.Errorf("G loss %g, want %g", got, wantG)
	}
	for i, g := range out[2].Value().([]float64) {
		if math.Abs(g-wantGrad[i]) > 1e-12 {
			t.Errorf("dG/df[%d] = %g, want %g", i, g, wantGrad[i])
		}
	}
}
