package losses

import . "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive

// PenaltyWGANGP is WGAN-GP's name in train.penalties.
const PenaltyWGANGP = "wgan-gp"

func init() { registerPenalty(wganGP{}) }

type wganGP struct{}

func (wganGP) Name() string { return PenaltyWGANGP }

// DefaultWeight is lambda = 10, the paper's for every experiment (Gulrajani et al.
// 2017, §4).
func (wganGP) DefaultWeight() float64 { return 10 }
func (wganGP) Draws() []Draw          { return []Draw{{Name: "e"}} }
func (wganGP) Term(in PenaltyInputs) *Node {
	return WGANGP(in.D, in.Real, in.Fake, in.Draws["e"], 1)
}

// WGANGP is lambda·mean((||grad D(x_hat)|| - 1)^2) at x_hat = e·x + (1-e)·fake, e [batch]
// ~ U[0, 1] per sample (Gulrajani et al. 2017, eq. 3 and Algorithm 1;
// igul222/improved_wgan_training gan_toy.py, its gradient_penalty). fake carries no
// gradient to G.
func WGANGP(d Critic, real, fake, e *Node, lambda float64) *Node {
	e = perSample(e, real)
	xHat := Add(Mul(e, real), Mul(OneMinus(e), StopGradient(fake)))
	return MulScalar(ReduceAllMean(Square(AddScalar(GradNorm(inputGrad(d, xHat)), -1))), lambda)
}
