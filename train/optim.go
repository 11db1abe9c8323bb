package train

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Adam is Kingma & Ba's optimizer exactly as torch.optim.Adam computes it:
// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
//
// gankit keeps its own optimizer because a GAN makes two disjoint updates in one
// graph: GoMLX v0.26's optimizers update every trainable variable the graph touches
// and share one global step counter.
type Adam struct {
	LR, Beta1, Beta2, Epsilon float64
}

// Update applies one Adam step to vars given their gradients. Its state (step count,
// moments) lives in ctx under /optim/<name>, so it is checkpointed with the weights.
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
		sc := st.InAbsPath("/optim/" + name + v.Scope())
		m := sc.VariableWithValue(v.Name()+"_m", tensors.FromShape(v.Shape())).SetTrainable(false)
		s := sc.VariableWithValue(v.Name()+"_v", tensors.FromShape(v.Shape())).SetTrainable(false)
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
