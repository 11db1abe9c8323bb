package losses

import (
	"fmt"
	"slices"

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

// Names lists the accepted loss names.
var Names = []string{NameNS, NameMinimax, NameLSGAN, NameWGAN, NameHinge}

// Targets are D's per-sample target labels ([batch] each) for its real and fake
// batches, as label smoothing, noisy labels and label flips make them. A nil field
// means the plain target: 1 for real, 0 for fake.
type Targets struct {
	Real, Fake *Node
}

// Adversarial is a GAN objective on D's raw outputs (logits, or critic values).
type Adversarial interface {
	// D is the discriminator's loss for its outputs on a real and a fake batch.
	D(real, fake *Node, t Targets) *Node
	// G is the generator's loss for D's outputs on a fake batch.
	G(fake *Node) *Node
}

// ByName returns the loss named name.
func ByName(name string) (Adversarial, error) {
	switch name {
	case NameNS:
		return NonSaturating{}, nil
	case NameMinimax:
		return Minimax{}, nil
	case NameLSGAN:
		return LeastSquares{}, nil
	case NameWGAN:
		return Wasserstein{}, nil
	case NameHinge:
		return Hinge{}, nil
	}
	return nil, fmt.Errorf("train.loss: %q is not one of %v", name, Names)
}

// HasTargets says whether the named loss compares D's outputs with target labels, so
// that label smoothing, noisy labels and label flips mean something for it.
func HasTargets(name string) bool {
	return slices.Contains([]string{NameNS, NameMinimax, NameLSGAN}, name)
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

func (NonSaturating) D(real, fake *Node, t Targets) *Node {
	return Add(ReduceAllMean(bce(real, t.Real, 1)), ReduceAllMean(bce(fake, t.Fake, 0)))
}

func (NonSaturating) G(fake *Node) *Node { return ReduceAllMean(Softplus(Neg(fake))) }

// Minimax is the original zero-sum game (Goodfellow et al. 2014, eq. 1): D as in
// NonSaturating, G minimises log(1 - sigmoid(D(G(z)))) = -softplus(D(G(z))), whose
// gradient vanishes where D rejects the fakes confidently.
type Minimax struct{}

func (Minimax) D(real, fake *Node, t Targets) *Node { return NonSaturating{}.D(real, fake, t) }

func (Minimax) G(fake *Node) *Node { return Neg(ReduceAllMean(Softplus(fake))) }

// LeastSquares is LSGAN (Mao et al. 2017, eq. 2, targets a=0, b=1, c=1) on D's raw
// output: D minimises 0.5·mean((D(x) - 1)^2) + 0.5·mean(D(G(z))^2), G minimises
// 0.5·mean((D(G(z)) - 1)^2). compare_gan applies a sigmoid to D's output first; this
// follows the paper and does not. Targets replace the 1 and the 0 when given.
type LeastSquares struct{}

func (LeastSquares) D(real, fake *Node, t Targets) *Node {
	half := func(d, t *Node, def float64) *Node {
		var diff *Node
		if t == nil {
			diff = AddScalar(d, -def)
		} else {
			diff = Sub(d, t)
		}
		return MulScalar(ReduceAllMean(Square(diff)), 0.5)
	}
	return Add(half(real, t.Real, 1), half(fake, t.Fake, 0))
}

func (LeastSquares) G(fake *Node) *Node {
	return MulScalar(ReduceAllMean(Square(AddScalar(fake, -1))), 0.5)
}

// Wasserstein is the WGAN critic loss (Arjovsky et al. 2017, Algorithm 1): the critic
// minimises mean(D(G(z))) - mean(D(x)), G minimises -mean(D(G(z))). The Lipschitz
// constraint comes from weight clipping (train.clip) or a gradient penalty.
type Wasserstein struct{}

func (Wasserstein) D(real, fake *Node, _ Targets) *Node {
	return Sub(ReduceAllMean(fake), ReduceAllMean(real))
}

func (Wasserstein) G(fake *Node) *Node { return Neg(ReduceAllMean(fake)) }

// Hinge is the hinge loss (Lim & Ye 2017; Miyato et al. 2018, eq. 16-17): D minimises
// mean(relu(1 - D(x))) + mean(relu(1 + D(G(z)))), G minimises -mean(D(G(z))).
type Hinge struct{}

func (Hinge) D(real, fake *Node, _ Targets) *Node {
	return Add(ReduceAllMean(relu(OneMinus(real))), ReduceAllMean(relu(AddScalar(fake, 1))))
}

func (Hinge) G(fake *Node) *Node { return Neg(ReduceAllMean(fake)) }

// relu is max(x, 0) as x times the constant mask x > 0 (derivative 0 at 0, as PyTorch's).
func relu(x *Node) *Node {
	return Mul(x, StopGradient(ConvertDType(GreaterThan(x, ScalarZero(x.Graph(), x.DType())), x.DType())))
}
