package losses

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
)

// Loss names accepted by the train.loss config key.
const (
	NameMinimax = "minimax" // Goodfellow et al. 2014, eq. 1: G minimises log(1 - D(G(z)))
	NameNS      = "ns"      // non-saturating (Goodfellow et al. 2014, §3)
	NameLSGAN   = "lsgan"   // least squares on raw D output (Mao et al. 2017, eq. 2 with a=0, b=c=1)
	NameWGAN    = "wgan"    // Wasserstein critic (Arjovsky et al. 2017), with weight clipping
	NameHinge   = "hinge"   // hinge (Lim & Ye 2017; Miyato et al. 2018)
)

// Targets are D's per-sample target labels ([batch] each) for its real and fake
// batches, as label smoothing, noisy labels and label flips make them. A nil field
// means the plain target: 1 for real, 0 for fake.
type Targets struct {
	Real, Fake *Node
}

// Logits are D's raw outputs (logits, or critic values) on a real and a fake batch,
// one per sample. In G's step Real is nil unless the loss's Traits say RealInG.
type Logits struct {
	Real, Fake *Node
}

// Traits are the facts about a loss that the rest of gankit acts on, kept with the
// loss rather than in lists of names elsewhere.
type Traits struct {
	// Targets: the loss compares D's outputs with target labels, so label smoothing,
	// noisy labels and label flips mean something for it.
	Targets bool
	// Probabilities: D's outputs are logits of a probability, so the metrics show
	// sigmoid(D) (d_real, d_fake); otherwise the raw mean.
	Probabilities bool
	// Lipschitz: the loss is only meaningful with a Lipschitz constraint on D (weight
	// clipping or a gradient penalty).
	Lipschitz bool
	// RealInG: G's loss reads D's outputs on a real batch too, so G's step runs D on
	// one (losses without it pay for no extra D pass).
	RealInG bool
}

// Adversarial is a GAN objective on D's raw outputs.
type Adversarial interface {
	// Name is the loss's train.loss value.
	Name() string
	Traits() Traits
	// D is the discriminator's loss for its outputs on a real and a fake batch.
	D(l Logits, t Targets) *Node
	// G is the generator's loss for D's outputs on a fake batch (and on a real one
	// when Traits().RealInG).
	G(l Logits) *Node
}

// adversarial holds the losses in registration order; each loss's file registers it
// at init, and nothing changes it after.
var adversarial []Adversarial

func registerLoss(l Adversarial) { adversarial = append(adversarial, l) }

func init() {
	for _, l := range []Adversarial{NonSaturating{}, Minimax{}, LeastSquares{}, Wasserstein{}, Hinge{}} {
		registerLoss(l)
	}
}

// Names lists the accepted loss names (a copy).
func Names() []string {
	out := make([]string, len(adversarial))
	for i, l := range adversarial {
		out[i] = l.Name()
	}
	return out
}

// ByName returns the loss named name.
func ByName(name string) (Adversarial, error) {
	for _, l := range adversarial {
		if l.Name() == name {
			return l, nil
		}
	}
	return nil, fmt.Errorf("train.loss: %q is not one of %v", name, Names())
}

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

// NonSaturating is the standard GAN loss with the generator's non-saturating objective
// (Goodfellow et al. 2014, §3): D minimises -log sigmoid(D(x)) - log(1 - sigmoid(D(G(z)))),
// G minimises -log sigmoid(D(G(z))). Written with softplus, which is exact and stable:
// -log sigmoid(t) = softplus(-t) and -log(1 - sigmoid(t)) = softplus(t). As in PyTorch's
// DCGAN, D's loss is the sum of the two batch means.
type NonSaturating struct{}

func (NonSaturating) Name() string   { return NameNS }
func (NonSaturating) Traits() Traits { return Traits{Targets: true, Probabilities: true} }

func (NonSaturating) D(l Logits, t Targets) *Node {
	return Add(ReduceAllMean(bce(l.Real, t.Real, 1)), ReduceAllMean(bce(l.Fake, t.Fake, 0)))
}

func (NonSaturating) G(l Logits) *Node { return ReduceAllMean(Softplus(Neg(l.Fake))) }

// Minimax is the original zero-sum game (Goodfellow et al. 2014, eq. 1): D as in
// NonSaturating, G minimises log(1 - sigmoid(D(G(z)))) = -softplus(D(G(z))), whose
// gradient vanishes where D rejects the fakes confidently.
type Minimax struct{}

func (Minimax) Name() string                { return NameMinimax }
func (Minimax) Traits() Traits              { return NonSaturating{}.Traits() }
func (Minimax) D(l Logits, t Targets) *Node { return NonSaturating{}.D(l, t) }

func (Minimax) G(l Logits) *Node { return Neg(ReduceAllMean(Softplus(l.Fake))) }

// LeastSquares is LSGAN (Mao et al. 2017, eq. 2, targets a=0, b=1, c=1) on D's raw
// output: D minimises 0.5·mean((D(x) - 1)^2) + 0.5·mean(D(G(z))^2), G minimises
// 0.5·mean((D(G(z)) - 1)^2). compare_gan applies a sigmoid to D's output first; this
// follows the paper and does not. Targets replace the 1 and the 0 when given.
type LeastSquares struct{}

func (LeastSquares) Name() string   { return NameLSGAN }
func (LeastSquares) Traits() Traits { return Traits{Targets: true} }

func (LeastSquares) D(l Logits, t Targets) *Node {
	half := func(d, t *Node, def float64) *Node {
		var diff *Node
		if t == nil {
			diff = AddScalar(d, -def)
		} else {
			diff = Sub(d, t)
		}
		return MulScalar(ReduceAllMean(Square(diff)), 0.5)
	}
	return Add(half(l.Real, t.Real, 1), half(l.Fake, t.Fake, 0))
}

func (LeastSquares) G(l Logits) *Node {
	return MulScalar(ReduceAllMean(Square(AddScalar(l.Fake, -1))), 0.5)
}

// Wasserstein is the WGAN critic loss (Arjovsky et al. 2017, Algorithm 1): the critic
// minimises mean(D(G(z))) - mean(D(x)), G minimises -mean(D(G(z))). The Lipschitz
// constraint comes from weight clipping (train.clip) or a gradient penalty.
type Wasserstein struct{}

func (Wasserstein) Name() string   { return NameWGAN }
func (Wasserstein) Traits() Traits { return Traits{Lipschitz: true} }

func (Wasserstein) D(l Logits, _ Targets) *Node {
	return Sub(ReduceAllMean(l.Fake), ReduceAllMean(l.Real))
}

func (Wasserstein) G(l Logits) *Node { return Neg(ReduceAllMean(l.Fake)) }

// Hinge is the hinge loss (Lim & Ye 2017; Miyato et al. 2018, eq. 16-17): D minimises
// mean(relu(1 - D(x))) + mean(relu(1 + D(G(z)))), G minimises -mean(D(G(z))).
type Hinge struct{}

func (Hinge) Name() string   { return NameHinge }
func (Hinge) Traits() Traits { return Traits{} }

func (Hinge) D(l Logits, _ Targets) *Node {
	return Add(ReduceAllMean(relu(OneMinus(l.Real))), ReduceAllMean(relu(AddScalar(l.Fake, 1))))
}

func (Hinge) G(l Logits) *Node { return Neg(ReduceAllMean(l.Fake)) }

// relu is max(x, 0) as x times the constant mask x > 0 (derivative 0 at 0, as PyTorch's).
func relu(x *Node) *Node {
	return Mul(x, StopGradient(ConvertDType(GreaterThan(x, ScalarZero(x.Graph(), x.DType())), x.DType())))
}
