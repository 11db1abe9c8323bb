package optim

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/internal/testutil"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestOptimizersOneStepByHand checks one step of SGD and RMSProp (and a second of
// RMSProp) against values worked out by hand: w = 1, gradient 2w (loss w^2), lr 0.1.
func TestOptimizersOneStepByHand(t *testing.T) {
	b := testutil.Backend(t, "go")
	for _, tc := range []struct {
		name string
		opt  Optimizer
		want []float64 // w after each step
	}{
		// SGD: w = 1 - 0.1*2 = 0.8; then 0.8 - 0.1*1.6 = 0.64.
		{"sgd", SGD{LR: 0.1}, []float64{0.8, 0.64}},
		// RMSProp: a = 0.01*4 = 0.04, w = 1 - 0.1*2/(0.2+1e-8); then g = 2*w1,
		// a = 0.99*0.04 + 0.01*g^2, w2 = w1 - 0.1*g/(sqrt(a)+1e-8).
		{"rmsprop", RMSProp{LR: 0.1, Alpha: 0.99, Epsilon: 1e-8}, func() []float64 {
			w1 := 1 - 0.1*2/(math.Sqrt(0.04)+1e-8)
			g := 2 * w1
			a := 0.99*0.04 + 0.01*g*g
			return []float64{w1, w1 - 0.1*g/(math.Sqrt(a)+1e-8)}
		}()},
	} {
		ctx := context.New()
		w := ctx.In("net").VariableWithValue("w", []float64{1})
		e := context.MustNewExec(b, ctx, func(ctx *context.Context, x *Node) *Node {
			v := w.ValueGraph(x.Graph())
			loss := ReduceAllSum(Square(v))
			tc.opt.Update(ctx, "net", []*context.Variable{w}, Gradient(loss, v))
			return loss
		})
		for i, want := range tc.want {
			e.MustExec(tensors.FromScalar(0.0))
			if got := w.MustValue().Value().([]float64)[0]; math.Abs(got-want) > 1e-12 {
				t.Errorf("%s step %d: w = %.15g, want %.15g", tc.name, i+1, got, want)
			}
		}
	}
}

// TestAdamRatesFedPerStep runs two Adam steps whose learning rate and beta2 come in
// as graph inputs and change between the steps (lr 0.1 -> 0.05, beta2 0.9 -> 0.99,
// beta1 0), against the steps worked out by hand the way torch.optim.Adam takes a
// changed beta2: the second moment and the bias correction 1 - beta2^t use the
// current value.
func TestAdamRatesFedPerStep(t *testing.T) {
	b := testutil.Backend(t, "go")
	ctx := context.New()
	w := ctx.In("net").VariableWithValue("w", []float64{1})
	e := context.MustNewExec(b, ctx, func(ctx *context.Context, lr, beta2 *Node) *Node {
		v := w.ValueGraph(lr.Graph())
		loss := ReduceAllSum(Square(v))
		Adam{LR: 1, Beta1: 0, Beta2: 0.5, Epsilon: 1e-8}.With(Rates{LR: lr, Beta2: beta2}).Update(ctx, "net", []*context.Variable{w}, Gradient(loss, v))
		return loss
	})
	w1 := 1 - 0.1*2/(math.Sqrt(0.4)/math.Sqrt(0.1)+1e-8)
	g := 2 * w1
	v2 := 0.99*0.4 + 0.01*g*g
	w2 := w1 - 0.05*g/(math.Sqrt(v2)/math.Sqrt(1-0.99*0.99)+1e-8)
	// The bias corrections are computed in float32, as the step counter is (its
	// error here is ~1e-8); a wrong rate moves w by 1e-3 or more.
	for i, step := range []struct{ lr, beta2, want float64 }{{0.1, 0.9, w1}, {0.05, 0.99, w2}} {
		e.MustExec(step.lr, step.beta2)
		if got := w.MustValue().Value().([]float64)[0]; math.Abs(got-step.want) > 5e-8 {
			t.Errorf("step %d: w = %.15g, want %.15g", i+1, got, step.want)
		}
	}
}

// TestRegisteredOptimizersBuildWithTheirHyperparameters looks every registered name up
// and builds it from one set of options: the name round-trips, and the optimizer
// is the one train.NewOptimizer has always made from those options (RMSProp with
// torch.optim.RMSprop's alpha 0.99, SGD with the learning rate alone). The table
// must name every registered optimizer, and only those.
func TestRegisteredOptimizersBuildWithTheirHyperparameters(t *testing.T) {
	o := Options{LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Epsilon: 1e-8}
	want := map[string]struct {
		opt    Optimizer
		traits Traits
	}{
		NameAdam:    {Adam{LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Epsilon: 1e-8}, Traits{Beta2: true}},
		NameSGD:     {SGD{LR: 2e-4}, Traits{}},
		NameRMSProp: {RMSProp{LR: 2e-4, Alpha: 0.99, Epsilon: 1e-8}, Traits{}},
	}
	names := Names()
	// The names users write in config files, in the order errors list them.
	if spelled := []string{"adam", "sgd", "rmsprop"}; !slices.Equal(names, spelled) {
		t.Errorf("Names() = %v, config files spell them %v", names, spelled)
	}
	if len(names) != len(want) {
		t.Errorf("Names() = %v, the table has %d optimizers", names, len(want))
	}
	for _, name := range names {
		k, err := ByName(name)
		if err != nil {
			t.Fatalf("ByName(%q): %v", name, err)
		}
		w, ok := want[name]
		switch {
		case !ok:
			t.Errorf("%s is registered and not in the table", name)
		case k.Name() != name:
			t.Errorf("ByName(%q).Name() = %q", name, k.Name())
		case k.New(o) != w.opt:
			t.Errorf("%s: New(%+v) = %#v, want %#v", name, o, k.New(o), w.opt)
		case k.Traits() != w.traits:
			t.Errorf("%s: Traits() = %+v, want %+v", name, k.Traits(), w.traits)
		}
	}
}

// TestUnknownOptimizerErrorListsTheRegisteredNames checks that a name nobody
// registered is refused with the name and every registered one in the message.
func TestUnknownOptimizerErrorListsTheRegisteredNames(t *testing.T) {
	for _, name := range []string{"lbfgs", "", "Adam"} {
		k, err := ByName(name)
		if err == nil {
			t.Errorf("ByName(%q) = %v, want an error", name, k)
			continue
		}
		msg := err.Error()
		for _, s := range append([]string{fmt.Sprintf("%q", name)}, Names()...) {
			if !strings.Contains(msg, s) {
				t.Errorf("ByName(%q): error %q does not name %s", name, msg, s)
			}
		}
	}
}

// TestOptimizerNamesIsACopy changes the list Names returns and asks again.
func TestOptimizerNamesIsACopy(t *testing.T) {
	first := Names()
	want := slices.Clone(first)
	first[0] = "changed"
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() after changing a returned list = %v, want %v", got, want)
	}
}
