package optim

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Optimizer updates a network's variables from their gradients inside the step graph.
// Its state lives in ctx under /optim/<name>, so it is checkpointed with the weights.
//
// gankit keeps its own optimizers because a GAN makes two disjoint updates in one
// graph: GoMLX v0.26's optimizers update every trainable variable the graph touches
// and share one global step counter.
type Optimizer interface {
	Update(ctx *context.Context, name string, vars []*context.Variable, grads []*Node)
	// With returns the optimizer taking the rates r that are set (graph scalars, fed
	// each step by a Schedule) in place of its constants.
	With(r Rates) Optimizer
}

// Rates are hyperparameters given as graph scalars, so that a schedule can change
// them every step without recompiling the step. A nil field keeps the constant.
type Rates struct {
	LR    *Node // learning rate
	Beta2 *Node // Adam's beta2 (R3GAN schedules it; Huang et al. 2024, train.py)
}

// rate is r when set, else the constant c as a scalar of dtype dt in g.
func rate(g *Graph, r *Node, c float64, dt dtypes.DType) *Node {
	if r == nil {
		return Scalar(g, dt, c)
	}
	return ConvertDType(r, dt)
}

// Adam is Kingma & Ba's optimizer exactly as torch.optim.Adam computes it:
// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
//
// With a Beta2 rate that changes from step to step, the bias correction uses the
// current beta2, 1 - beta2_t^t, as torch.optim.Adam does when a training loop sets
// its betas (R3GAN's training_loop.py).
type Adam struct {
	LR, Beta1, Beta2, Epsilon float64
	rates                     Rates
}

func init() {
	register(NameAdam, Traits{Beta2: true}, func(o Options) Optimizer {
		return Adam{LR: o.LR, Beta1: o.Beta1, Beta2: o.Beta2, Epsilon: o.Epsilon}
	})
}

// With returns a with the rates that are set in r.
func (a Adam) With(r Rates) Optimizer {
	a.rates = r
	return a
}

// Update applies one Adam step to vars given their gradients.
func (a Adam) Update(ctx *context.Context, name string, vars []*context.Variable, grads []*Node) {
	if len(vars) == 0 {
		return
	}
	g := grads[0].Graph()
	st := ctx.InAbsPath("/optim/" + name).Checked(false)
	stepVar := st.VariableWithValue("step", float32(0)).SetTrainable(false)
	t := AddScalar(stepVar.ValueGraph(g), 1)
	stepVar.SetValueGraph(t)
	c1 := OneMinus(Pow(Scalar(g, t.DType(), a.Beta1), t))              // 1 - b1^t
	c2 := OneMinus(Pow(rate(g, a.rates.Beta2, a.Beta2, t.DType()), t)) // 1 - b2^t
	for i, v := range vars {
		m := slot(st, name, v, "_m")
		s := slot(st, name, v, "_v")
		grad := grads[i]
		dt := grad.DType()
		mNew := Add(MulScalar(m.ValueGraph(g), a.Beta1), MulScalar(grad, 1-a.Beta1))
		var sNew *Node
		if b2 := a.rates.Beta2; b2 != nil {
			b2 = ConvertDType(b2, dt)
			sNew = Add(Mul(s.ValueGraph(g), b2), Mul(Square(grad), OneMinus(b2)))
		} else { // constants, 1 - beta2 taken in float64
			sNew = Add(MulScalar(s.ValueGraph(g), a.Beta2), MulScalar(Square(grad), 1-a.Beta2))
		}
		m.SetValueGraph(mNew)
		s.SetValueGraph(sNew)
		denom := AddScalar(Div(Sqrt(sNew), ConvertDType(Sqrt(c2), dt)), a.Epsilon)
		stepSize := Div(rate(g, a.rates.LR, a.LR, dt), ConvertDType(c1, dt))
		v.SetValueGraph(Sub(v.ValueGraph(g), Mul(stepSize, Div(mNew, denom))))
	}
}

// SGD is plain stochastic gradient descent, w -= lr g (torch.optim.SGD without
// momentum; ganhacks #9 suggests it for D).
type SGD struct {
	LR    float64
	rates Rates
}

func init() {
	register(NameSGD, Traits{}, func(o Options) Optimizer { return SGD{LR: o.LR} })
}

// With returns s with the learning rate of r when set (SGD has no beta2).
func (s SGD) With(r Rates) Optimizer {
	s.rates = r
	return s
}

// Update applies one SGD step.
func (s SGD) Update(_ *context.Context, _ string, vars []*context.Variable, grads []*Node) {
	for i, v := range vars {
		w := v.ValueGraph(grads[i].Graph())
		v.SetValueGraph(Sub(w, Mul(grads[i], rate(w.Graph(), s.rates.LR, s.LR, w.DType()))))
	}
}

// RMSProp is torch.optim.RMSprop with its defaults (no momentum, not centred):
// a = alpha a + (1 - alpha) g^2; w -= lr g / (sqrt(a) + eps). WGAN trains with it
// (Arjovsky et al. 2017, Algorithm 1, lr 5e-5).
type RMSProp struct {
	LR, Alpha, Epsilon float64
	rates              Rates
}

// rmspropAlpha is torch.optim.RMSprop's default smoothing constant, which the
// registered RMSProp takes: no config key sets it.
const rmspropAlpha = 0.99

func init() {
	register(NameRMSProp, Traits{}, func(o Options) Optimizer {
		return RMSProp{LR: o.LR, Alpha: rmspropAlpha, Epsilon: o.Epsilon}
	})
}

// With returns r with the learning rate of rates when set (RMSProp has no beta2).
func (r RMSProp) With(rates Rates) Optimizer {
	r.rates = rates
	return r
}

// Update applies one RMSProp step.
func (r RMSProp) Update(ctx *context.Context, name string, vars []*context.Variable, grads []*Node) {
	if len(vars) == 0 {
		return
	}
	st := ctx.InAbsPath("/optim/" + name).Checked(false)
	for i, v := range vars {
		g := grads[i].Graph()
		a := slot(st, name, v, "_sq")
		aNew := Add(MulScalar(a.ValueGraph(g), r.Alpha), MulScalar(Square(grads[i]), 1-r.Alpha))
		a.SetValueGraph(aNew)
		step := Div(grads[i], AddScalar(Sqrt(aNew), r.Epsilon))
		step = Mul(step, rate(g, r.rates.LR, r.LR, step.DType()))
		v.SetValueGraph(Sub(v.ValueGraph(g), step))
	}
}

// slot is the optimizer state variable for v, zero-initialised.
func slot(st *context.Context, name string, v *context.Variable, suffix string) *context.Variable {
	sc := st.InAbsPath("/optim/" + name + v.Scope())
	return sc.VariableWithValue(v.Name()+suffix, tensors.FromShape(v.Shape())).SetTrainable(false)
}
