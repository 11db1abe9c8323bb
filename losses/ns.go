package losses

import . "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive

// NameNS is the non-saturating loss's train.loss value.
const NameNS = "ns"

func init() { registerLoss(NonSaturating{}) }

// NonSaturating is the standard GAN loss with the generator's non-saturating objective
// (Goodfellow et al. 2014, §3): D minimises -log sigmoid(D(x)) - log(1 - sigmoid(D(G(z)))),
// G minimises -log sigmoid(D(G(z))). Written with softplus, which is exact and stable:
// -log sigmoid(t) = softplus(-t) and -log(1 - sigmoid(t)) = softplus(t). As in PyTorch's
// DCGAN (pytorch/examples dcgan/main.py, nn.BCELoss on D's output), D's loss is the
// sum of the two batch means.
type NonSaturating struct{}

func (NonSaturating) Name() string   { return NameNS }
func (NonSaturating) Traits() Traits { return Traits{Targets: true, Probabilities: true} }

func (NonSaturating) D(l Logits, t Targets) *Node {
	return Add(ReduceAllMean(bce(l.Real, t.Real, 1)), ReduceAllMean(bce(l.Fake, t.Fake, 0)))
}

func (NonSaturating) G(l Logits) *Node { return ReduceAllMean(Softplus(Neg(l.Fake))) }

// bce is binary cross-entropy with logits l against targets t (nil = the constant
// def), per sample: t·softplus(-l) + (1-t)·softplus(l), which is
// -t·log sigmoid(l) - (1-t)·log(1 - sigmoid(l)) written stably.
func bce(l, t *Node, def float64) *Node {
	if t == nil {
		if def == 1 {
			return Softplus(Neg(l))
		}
		return Softplus(l)
	}
	return Add(Mul(t, Softplus(Neg(l))), Mul(OneMinus(t), Softplus(l)))
}
