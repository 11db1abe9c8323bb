package train

import (
	"github.com/gankit/gankit/run"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// EMAScope is where the generator's exponential moving average lives (run.EMAScope): /ema/g/...
// mirrors /g/..., so nets.Generator built in this scope is G_ema.
const EMAScope = run.EMAScope

// updateEMA moves G_ema toward G after a G update (Karras et al. 2018; Yazıcı et al.
// 2019): ema = beta_t ema + (1 - beta_t) w with beta_t = min(beta, (1 + t)/(10 + t)) at
// the t-th update (t from 0), and G_ema starting equal to G, so the first update
// averages G's initial and updated weights. BatchNorm's running statistics are copied
// from G, not averaged. before are the trainable variables' values before the update.
//
// With halfLife (a graph scalar) beta_t is that value instead, fed each step from
// train.ema_half_life_kimg and its schedule: R3GAN's 0.5^(batch / half-life in
// images), without the (1+t)/(10+t) warm-up (Huang et al. 2024; brownvc/R3GAN
// training/training_loop.py, where G_ema also starts as a copy of G).
func updateEMA(ctx *context.Context, g *Graph, beta float64, halfLife *Node, vars []*context.Variable, before []*Node) {
	st := ctx.InAbsPath(EMAScope).Checked(false)
	count := st.VariableWithValue("count", float32(0)).SetTrainable(false)
	t := count.ValueGraph(g)
	count.SetValueGraph(AddScalar(t, 1))
	first := Equal(t, ScalarZero(g, t.DType()))
	prev := map[*context.Variable]*Node{}
	for i, v := range vars {
		prev[v] = before[i]
	}
	var gVars []*context.Variable
	for v := range ctx.IterVariables() {
		if inScope(v, "/g") && v.InUseByGraph(g) {
			gVars = append(gVars, v)
		}
	}
	for _, v := range gVars {
		e := ctx.InAbsPath(EMAScope+v.Scope()).Checked(false).VariableWithValue(v.Name(), zerosLike(v)).SetTrainable(false)
		cur := v.ValueGraph(g)
		if !v.Trainable {
			e.SetValueGraph(cur) // running statistics: copied
			continue
		}
		old := Where(first, prev[v], e.ValueGraph(g))
		var bt *Node
		if halfLife != nil {
			bt = ConvertDType(halfLife, cur.DType())
		} else {
			tt := ConvertDType(t, cur.DType())
			bt = Min(Scalar(g, cur.DType(), beta), Div(AddScalar(tt, 1), AddScalar(tt, 10)))
		}
		e.SetValueGraph(Add(Mul(bt, old), Mul(OneMinus(bt), cur)))
	}
}

func zerosLike(v *context.Variable) *tensors.Tensor { return tensors.FromShape(v.Shape()) }
