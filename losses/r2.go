package losses

import . "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive

// PenaltyR2 is R2's name in train.penalties.
const PenaltyR2 = "r2"

func init() { registerPenalty(r2{}) }

type r2 struct{}

func (r2) Name() string { return PenaltyR2 }

// DefaultWeight is 10, as R1's. R3GAN schedules gamma per dataset (train.py: e.g.
// 0.05 -> 0.005 on CIFAR-10, 2 -> 0.2 on FFHQ-64); set it with weight and schedule.
func (r2) DefaultWeight() float64 { return 10 }
func (r2) Draws() []Draw          { return nil }
func (r2) Term(in PenaltyInputs) *Node {
	if in.FakeLogits != nil {
		return r2Of(gradAt(in.FakeLogits, in.RawFake), 1)
	}
	return R2(in.DFake, in.RawFake, 1)
}

// R2 is the zero-centred gradient penalty on fake samples (Huang et al., NeurIPS 2024,
// "The GAN is dead; long live the GAN!", eq. 4; brownvc/R3GAN R3GAN/Trainer.py,
// ZeroCenteredGradientPenalty and AccumulateDiscriminatorGradients):
//
//	(gamma/2) · mean_i sum_pixels (d D(fake_i) / d fake_i)^2,
//
// fake being G's output without gradient to G, before augmentation: d includes any
// augmentation and noise D's fake batch gets, as R3GAN differentiates
// D(Preprocessor(x)) with respect to x. The square is summed as it is, with no
// epsilon (R1 above goes through GradNorm's sqrt(sum + 1e-12)).
//
// fake is usually a StopGradient node, and GoMLX's Gradient with respect to such a
// node is zero (no gradient flows through it, to it either): the gradient is taken
// at an Identity of it.
func R2(d Critic, fake *Node, gamma float64) *Node {
	return r2Of(inputGrad(d, Identity(fake)), gamma)
}

// r2Of is R2 of the input gradient g.
func r2Of(g *Node, gamma float64) *Node {
	return MulScalar(ReduceAllMean(sumPerSample(Square(g))), gamma/2)
}
