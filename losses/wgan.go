package losses

import . "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive

// NameWGAN is the Wasserstein critic loss's train.loss value.
const NameWGAN = "wgan"

func init() { registerLoss(Wasserstein{}) }

// Wasserstein is the WGAN critic loss (Arjovsky et al. 2017, Algorithm 1; TF-GAN's
// wasserstein_discriminator_loss and wasserstein_generator_loss): the critic
// minimises mean(D(G(z))) - mean(D(x)), G minimises -mean(D(G(z))). The Lipschitz
// constraint comes from weight clipping (train.clip) or a gradient penalty.
type Wasserstein struct{}

func (Wasserstein) Name() string   { return NameWGAN }
func (Wasserstein) Traits() Traits { return Traits{Lipschitz: true} }

func (Wasserstein) D(l Logits, _ Targets) *Node {
	return Sub(ReduceAllMean(l.Fake), ReduceAllMean(l.Real))
}

func (Wasserstein) G(l Logits) *Node { return Neg(ReduceAllMean(l.Fake)) }
