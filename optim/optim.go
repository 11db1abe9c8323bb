package optim

import (
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
}

// Adam is Kingma & Ba's optimizer exactly as torch.optim.Adam computes it:
// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
type Adam struct {
	LR, Beta1, Beta2, Epsilon float64
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
	c1 := OneMinus(Pow(Scalar(g, t.DType(), a.Beta1), t)) // 1 - b1^t
	c2 := OneMinus(Pow(Scalar(g, t.DType(), a.Beta2), t)) // 1 - b2^t
	for i, v := range vars {
		m := slot(st, name, v, "_m")
		s := slot(st, name, v, "_v")
		grad := grads[i]
		dt := grad.DType()
		mNew := Add(MulScalar(m.ValueGraph(g), a.Beta1), MulScalar(grad, 1-a.Beta1))
		sNew := Add(MulScalar(s.ValueGraph(g), a.Beta2), MulScalar(Square(grad), 1-a.Beta2))
		m.SetValueGraph(mNew)
		s.SetValueGraph(sNew)
		denom := AddScalar(Div(Sqrt(sNew), ConvertDType(Sqrt(c2), dt)), a.Epsilon)
		stepSize := Div(Scalar(g, dt, a.LR), ConvertDType(c1, dt))
		v.SetValueGraph(Sub(v.ValueGraph(g), Mul(stepSize, Div(mNew, denom))))
	}
}

// SGD is plain stochastic gradient descent, w -= lr g (torch.optim.SGD without
// momentum; ganhacks #9 suggests it for D).
type SGD struct{ LR float64 }

// Update applies one SGD step.
func (s SGD) Update(_ *context.Context, _ string, vars []*context.Variable, grads []*Node) {
	for i, v := range vars {
		g := v.ValueGraph(grads[i].Graph())
		v.SetValueGraph(Sub(g, MulScalar(grads[i], s.LR)))
	}
}

// RMSProp is torch.optim.RMSprop with its defaults (no momentum, not centred):
// a = alpha a + (1 - alpha) g^2; w -= lr g / (sqrt(a) + eps). WGAN trains with it
// (Arjovsky et al. 2017, Algorithm 1, lr 5e-5).
type RMSProp struct{ LR, Alpha, Epsilon float64 }

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
		v.SetValueGraph(Sub(v.ValueGraph(g), MulScalar(Div(grads[i], AddScalar(Sqrt(aNew), r.Epsilon)), r.LR)))
	}
}

// slot is the optimizer state variable for v, zero-initialised.
func slot(st *context.Context, name string, v *context.Variable, suffix string) *context.Variable {
	sc := st.InAbsPath("/optim/" + name + v.Scope())
	return sc.VariableWithValue(v.Name()+suffix, tensors.FromShape(v.Shape())).SetTrainable(false)
}
