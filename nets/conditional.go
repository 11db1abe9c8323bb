package nets

import (
	"fmt"
	"slices"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// How a conditional discriminator uses the class (Config.CondD).
const (
	// CondProjection is the projection discriminator (Miyato & Koyama 2018, eq. 3):
	// D(x, y) = psi(phi(x)) + y^T V phi(x), phi(x) the features D's output layer reads.
	CondProjection = "projection"
	// CondACGAN is the auxiliary classifier GAN (Odena et al. 2017, §3): D's
	// adversarial output ignores the class, and a second head of K logits classifies
	// x; its cross-entropy joins both nets' losses (see train).
	CondACGAN = "acgan"
)

// CondDModes lists the accepted values of Config.CondD (a copy).
func CondDModes() []string { return []string{CondProjection, CondACGAN} }

// Conditional says whether the nets are conditioned on a class.
func (c Config) Conditional() bool { return len(c.Classes) > 0 }

// DConditioning is D's conditioning, CondProjection when CondD is unset.
func (c Config) DConditioning() string {
	if c.CondD == "" {
		return CondProjection
	}
	return c.CondD
}

// GConditioning says how G takes its class: "cbn" — conditional BatchNorm, where G
// has BatchNorm (DCGAN with bn_g) — or "embed", a learned class embedding joined to z
// (every other G: the MLP, r3gan, DCGAN without BN).
func (c Config) GConditioning() string {
	if c.Arch == ArchDCGAN && c.BNG {
		return "cbn"
	}
	return "embed"
}

func (c Config) validateConditional() error {
	if c.CondD != "" && !slices.Contains(CondDModes(), c.CondD) {
		return fmt.Errorf("model.cond_d: %q is not one of %v", c.CondD, CondDModes())
	}
	if !c.Conditional() {
		return nil
	}
	seen := map[string]bool{}
	for i, n := range c.Classes {
		if n == "" || seen[n] {
			return fmt.Errorf("model.classes: class %d is %q; want distinct, non-empty names", i, n)
		}
		seen[n] = true
	}
	switch {
	case len(c.Classes) < 2:
		return fmt.Errorf("model.classes: a conditional GAN needs at least 2 classes, the data have %d", len(c.Classes))
	case c.VBNG:
		return fmt.Errorf("model.vbn_g with classes: virtual BatchNorm's fixed reference batch has no classes; use model.bn_g (conditional BatchNorm) instead")
	case c.PackDegree() > 1:
		return fmt.Errorf("model.pack %d with classes: a packed D input holds samples of several classes; use model.pack: 1", c.Pack)
	}
	return nil
}

// oneHot is y's classes [N] as one-hot rows [N, K] of dtype like.
func oneHot(y *Node, k int, like *Node) *Node {
	return OneHot(y, k, like.DType())
}

// ConditionalBatchNorm is BatchNorm whose scale and offset are the rows of a learned
// per-class table picked by each sample's class, instead of one pair per layer (de
// Vries et al. 2017, eq. 2 — there predicted from a question, here one row per class
// as in Miyato & Koyama 2018, §4.1 and BigGAN's class-conditional BN without the
// shared embedding). The statistics are BatchNorm's (batch, or running in
// Inference), over every class together; the tables start at scale 1, offset 0, so
// a new conditional G starts as the unconditional one.
func ConditionalBatchNorm(ctx *context.Context, x, y *Node, classes int, mode Mode, stats RunningStats) *Node {
	ctx = ctx.In("cbn")
	g := x.Graph()
	c := x.Shape().Dimensions[x.Rank()-1]
	mean, variance, keep := batchStatistics(ctx, x, mode, stats)
	h := oneHot(y, classes, x)
	perSample := func(name string, init float64) *Node {
		table := Param(ctx, name, Fill(float32(init)), classes, c).ValueGraph(g)
		dims := slices.Clone(keep)
		dims[0] = x.Shape().Dimensions[0]
		return Reshape(Dot(h, table), dims...)
	}
	scale, offset := perSample("scale", 1), perSample("offset", 0)
	a := Mul(Reciprocal(Sqrt(AddScalar(variance, bnEpsilon))), scale)
	return Add(Mul(x, a), Sub(offset, Mul(mean, a)))
}

// ClassEmbedding is a learned vector per class, looked up for y [N]: [N, dim]. G
// without BatchNorm joins it to z (R3GAN's Networks.py Generator: a bias-free linear
// map of the one-hot class, concatenated to z). Its entries start ~ N(0, 1), z's
// scale.
func ClassEmbedding(ctx *context.Context, y *Node, classes, dim int, like *Node) *Node {
	table := Param(ctx.In("class_embedding"), "embedding", Normal(0, 1), classes, dim).ValueGraph(like.Graph())
	return Dot(oneHot(y, classes, like), table)
}

// projection is the class term of the projection discriminator, y^T V phi (Miyato &
// Koyama 2018, eq. 3), for features phi [N, A]: V is stored as a bias-free linear
// map [A, K] (a layer's weights: spectral normalisation and equalized learning rate
// apply to it as to D's other layers), and the term is the output of y's column.
func projection(ctx *context.Context, phi, y *Node, classes int, init Init) *Node {
	a := phi.Shape().Dimensions[1]
	pc := ctx.In("projection")
	pc.SetParam(ParamGain, 1.0) // an output layer, as D's own (PGGAN's gain 1)
	v := Weight(pc, phi.Graph(), init, a, a, classes)
	return ReduceSum(Mul(Dot(phi, v), oneHot(y, classes, phi)), 1)
}

// classHead is AC-GAN's auxiliary classifier: K class logits from D's features.
func classHead(ctx *context.Context, phi *Node, classes int, init Init) *Node {
	cc := ctx.In("classifier")
	cc.SetParam(ParamGain, 1.0)
	return Dense(cc, phi, classes, init)
}
