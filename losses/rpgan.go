package losses

import . "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive

// NameRpGAN is the relativistic pairing loss's train.loss value.
const NameRpGAN = "rpgan"

func init() { registerLoss(RpGAN{}) }

// RpGAN is the relativistic pairing GAN loss as R3GAN uses it (Huang et al., NeurIPS
// 2024, "The GAN is dead; long live the GAN!", eq. 2; brownvc/R3GAN R3GAN/Trainer.py,
// AccumulateDiscriminatorGradients and AccumulateGeneratorGradients):
//
//	D minimises mean_i softplus(-(D(x_r,i) - D(x_f,i))),
//	G minimises mean_i softplus(-(D(x_f,i) - D(x_r,i))),
//
// sample i of the real batch paired with sample i of the fake one. G's step reads D
// on a real batch too (RealInG); as in the authors' training loop, that is a batch of
// its own, not the one D's step saw.
type RpGAN struct{}

func (RpGAN) Name() string   { return NameRpGAN }
func (RpGAN) Traits() Traits { return Traits{RealInG: true} }

func (RpGAN) D(l Logits, _ Targets) *Node {
	return ReduceAllMean(Softplus(Neg(Sub(l.Real, l.Fake))))
}

func (RpGAN) G(l Logits) *Node {
	return ReduceAllMean(Softplus(Neg(Sub(l.Fake, l.Real))))
}
