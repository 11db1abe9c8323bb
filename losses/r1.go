package losses

import . "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive

// PenaltyR1 is R1's name in train.penalties.
const PenaltyR1 = "r1"

func init() { registerPenalty(r1{}) }

type r1 struct{}

func (r1) Name() string { return PenaltyR1 }

// DefaultWeight is gamma = 10, Mescheder et al. 2018's on CelebA/LSUN-scale images.
func (r1) DefaultWeight() float64 { return 10 }
func (r1) Draws() []Draw          { return nil }
func (r1) Term(in PenaltyInputs) *Node {
	if in.RealLogits != nil {
		return r1Of(gradAt(in.RealLogits, in.Real), 1)
	}
	return R1(in.D, in.Real, 1)
}

// R1 is (gamma/2)·mean(||grad D(x)||^2) on the real batch (Mescheder et al. 2018, eq. 9;
// LMescheder/GAN_stability gan_training/train.py, compute_grad2), x as D's loss sees
// it (after DiffAugment and instance noise). It differs from R3GAN's R1 in two ways,
// both kept so that existing runs keep their numbers: the squared norm is
// sum g^2 + 1e-12 (GradNorm squared), and the gradient is taken at the augmented
// input, where R3GAN differentiates through the augmentation (see R2).
func R1(d Critic, real *Node, gamma float64) *Node {
	return r1Of(inputGrad(d, real), gamma)
}

// r1Of is R1 of the input gradient g.
func r1Of(g *Node, gamma float64) *Node {
	return MulScalar(ReduceAllMean(Square(GradNorm(g))), gamma/2)
}
