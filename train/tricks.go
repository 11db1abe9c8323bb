package train

import (
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/nets"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// featureMatching is G's feature-matching objective (Salimans et al. 2016, §3.1):
// ||E f(x) - E f(G(z))||^2 over the features f of D's last hidden layer, the real
// features taken as constants. A conditional D is given each batch's classes (its
// features do not depend on them; its variables are those of the D step).
func featureMatching(ctx *context.Context, cfg config.Config, s data.Shape, real, fake, yReal, yFake *Node) *Node {
	fr := nets.ConditionalDiscriminator(ctx, cfg.Model, s, real, yReal).Features
	ff := nets.ConditionalDiscriminator(ctx, cfg.Model, s, fake, yFake).Features
	diff := Sub(ReduceMean(StopGradient(fr), 0), ReduceMean(ff, 0))
	return ReduceAllSum(Square(diff))
}

// historicalAverage is weight·Σ ||θ - θ̄||² over a network's parameters, θ̄ the mean
// of their values at every earlier step (Salimans et al. 2016, §3.3); 0 at the first
// step, which has no past. It also records this step's values (before the update)
// into the means, kept in ctx under /hist/<name> so they are checkpointed.
func historicalAverage(ctx *context.Context, g *Graph, name string, vars []*context.Variable, values []*Node, weight float64) *Node {
	st := ctx.InAbsPath("/hist/" + name).Checked(false)
	count := st.VariableWithValue("count", float32(0)).SetTrainable(false)
	c := count.ValueGraph(g)
	count.SetValueGraph(AddScalar(c, 1))
	first := Equal(c, ScalarZero(g, c.DType()))
	var total *Node
	for i, v := range vars {
		h := ctx.InAbsPath("/hist/"+name+v.Scope()).Checked(false).VariableWithValue(v.Name(), zerosLike(v)).SetTrainable(false)
		theta := values[i]
		cc := ConvertDType(c, theta.DType())
		mean := Where(first, StopGradient(theta), h.ValueGraph(g))
		p := ReduceAllSum(Square(Sub(theta, mean)))
		if total == nil {
			total = p
		} else {
			total = Add(total, p)
		}
		// θ̄ over steps 0..t: (t·θ̄ + θ_t) / (t + 1).
		h.SetValueGraph(Div(Add(Mul(cc, mean), StopGradient(theta)), AddScalar(cc, 1)))
	}
	if total == nil {
		return ScalarZero(g, dtypeOf(values))
	}
	return MulScalar(total, weight)
}

func dtypeOf(values []*Node) dtypes.DType {
	if len(values) == 0 {
		return dtypes.Float32
	}
	return values[0].DType()
}

// replayed is the fake batch D sees with experience replay (ganhacks #8): rows where
// the mask is 1 come from the buffer of earlier fakes, the rest are this step's; this
// step's fakes then go into the buffer (a ring kept in ctx, so it is checkpointed).
// Rows are read and written with one-hot matrix products, which every backend runs.
func (s *stepper) replayed(ctx *context.Context, fake *Node, in *stepIn) *Node {
	n := fake.Shape().Dimensions[0]
	per := fake.Shape().Size() / n
	buf := ctx.InAbsPath("/replay").Checked(false).
		VariableWithValue("buffer", tensors.FromShape(shapes.Make(fake.DType(), s.replay, per))).SetTrainable(false)
	old := buf.ValueGraph(fake.Graph())
	flat := Reshape(fake, n, per)
	pick := ConvertDType(in.need(inReplayPick), fake.DType())
	put := ConvertDType(in.need(inReplayPut), fake.DType())
	mask := Reshape(ConvertDType(in.need(inReplayMask), fake.DType()), n, 1)
	written := Reshape(ReduceSum(put, 1), s.replay, 1) // 1 on the rows this step writes
	buf.SetValueGraph(Add(Mul(old, OneMinus(written)), Dot(put, flat)))
	shown := Add(Dot(pick, old), Mul(OneMinus(mask), flat))
	return Reshape(shown, fake.Shape().Dimensions...)
}

// classAccuracy is the share of samples whose largest class logit [N, K] is their
// class y [N] (AC-GAN's classifier on D's real batch).
func classAccuracy(logits, y *Node) *Node {
	hit := Equal(ArgMax(logits, 1, y.DType()), y)
	return ReduceAllMean(ConvertDType(hit, logits.DType()))
}
