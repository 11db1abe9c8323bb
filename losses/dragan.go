package losses

import . "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive

// PenaltyDRAGAN is DRAGAN's name in train.penalties.
const PenaltyDRAGAN = "dragan"

func init() { registerPenalty(dragan{}) }

type dragan struct{}

func (dragan) Name() string { return PenaltyDRAGAN }

// DefaultWeight is lambda = 10 (Kodali et al. 2017).
func (dragan) DefaultWeight() float64 { return 10 }
func (dragan) Draws() []Draw          { return []Draw{{Name: "u", PerElement: true}, {Name: "alpha"}} }
func (dragan) Term(in PenaltyInputs) *Node {
	return DRAGAN(in.D, in.Real, in.Draws["u"], in.Draws["alpha"], 1)
}

// DRAGAN is lambda·mean((||grad D(x_hat)|| - 1)^2) around the real data (Kodali et al.
// 2017, eq. 3): x_p = x + 0.5·std(x)·u with u ~ U[0,1] elementwise and std over the
// whole batch (the perturbation of the authors' code, kodalinaveen3/DRAGAN), and
// x_hat = x + alpha·(x_p - x), alpha [batch] ~ U[0,1].
func DRAGAN(d Critic, real, u, alpha *Node, lambda float64) *Node {
	mean := ReduceAllMean(real)
	std := Sqrt(ReduceAllMean(Square(Sub(real, mean))))
	delta := Mul(MulScalar(std, 0.5), u)
	xHat := Add(real, Mul(perSample(alpha, real), delta))
	return MulScalar(ReduceAllMean(Square(AddScalar(GradNorm(inputGrad(d, xHat)), -1))), lambda)
}
