package train

import (
	"strings"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/losses"
	"github.com/gankit/gankit/nets"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// newStepExec compiles one training iteration as a single graph:
//  1. fake = G(z) (BatchNorm on batch statistics);
//  2. D step: D's loss on D(x) and D(fake) — separate calls, fake without gradient
//     to G — and an Adam update of D's weights;
//  3. G step: G's loss on the updated D's logits for the same fake batch, and an
//     Adam update of G's weights.
//
// This is the order of the PyTorch reference (torch_dcgan.py), which also reuses
// the D step's fake batch for the G step. Outputs: loss_d, loss_g, D(x), D(G(z)).
func newStepExec(b backends.Backend, ctx *context.Context, cfg config.Config, shape data.Shape, loss losses.Adversarial) (*context.Exec, error) {
	t := cfg.Train
	adamD := Adam{LR: t.LRD, Beta1: t.Beta1, Beta2: t.Beta2, Epsilon: t.Epsilon}
	adamG := Adam{LR: t.LRG, Beta1: t.Beta1, Beta2: t.Beta2, Epsilon: t.Epsilon}
	return context.NewExec(b, ctx, func(ctx *context.Context, real, z *Node) []*Node {
		g := real.Graph()
		fake := nets.Generator(ctx, cfg.Model, shape, z, true)
		dReal := nets.Discriminator(ctx, cfg.Model, shape, real)
		dFake := nets.Discriminator(ctx, cfg.Model, shape, StopGradient(fake))
		lossD := loss.D(dReal, dFake)
		dVars, dValues := trainable(ctx, g, "/d")
		adamD.Update(ctx, "d", dVars, Gradient(lossD, dValues...))

		lossG := loss.G(nets.Discriminator(ctx, cfg.Model, shape, fake))
		gVars, gValues := trainable(ctx, g, "/g")
		adamG.Update(ctx, "g", gVars, Gradient(lossG, gValues...))

		return []*Node{lossD, lossG, ReduceAllMean(Sigmoid(dReal)), ReduceAllMean(Sigmoid(dFake))}
	})
}

// trainable lists the trainable variables under scope that graph g uses, with their
// current value nodes.
func trainable(ctx *context.Context, g *Graph, scope string) ([]*context.Variable, []*Node) {
	var vars []*context.Variable
	var values []*Node
	for v := range ctx.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) && (v.Scope() == scope || strings.HasPrefix(v.Scope(), scope+"/")) {
			vars = append(vars, v)
			values = append(values, v.ValueGraph(g))
		}
	}
	return vars, values
}
