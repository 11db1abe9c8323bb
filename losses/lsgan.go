package losses

import . "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive

// NameLSGAN is the least-squares loss's train.loss value.
const NameLSGAN = "lsgan"

func init() { registerLoss(LeastSquares{}) }

// LeastSquares is LSGAN (Mao et al. 2017, eq. 2, targets a=0, b=1, c=1) on D's raw
// output: D minimises 0.5·mean((D(x) - 1)^2) + 0.5·mean(D(G(z))^2), G minimises
// 0.5·mean((D(G(z)) - 1)^2), as TF-GAN's least_squares_discriminator_loss and
// least_squares_generator_loss. compare_gan applies a sigmoid to D's output first;
// this follows the paper and does not. Targets replace the 1 and the 0 when given.
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
