package losses

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
)

// Gradient penalties on D, named as the train.penalty config key takes them.
const (
	PenaltyNone   = "none"
	PenaltyWGANGP = "wgan-gp" // Gulrajani et al. 2017, eq. 3
	PenaltyR1     = "r1"      // Mescheder et al. 2018, eq. 9
	PenaltyDRAGAN = "dragan"  // Kodali et al. 2017, eq. 3 and their code's perturbation
)

// Penalties lists the accepted penalty names.
var Penalties = []string{PenaltyNone, PenaltyWGANGP, PenaltyR1, PenaltyDRAGAN}

// DefaultWeight is each penalty's published weight: lambda 10 for WGAN-GP and DRAGAN,
// gamma 10 for R1 (Mescheder et al. 2018 use 10 on CelebA/LSUN-scale images).
func DefaultWeight(penalty string) float64 {
	switch penalty {
	case PenaltyWGANGP, PenaltyDRAGAN, PenaltyR1:
		return 10
	}
	return 0
}

// CheckPenalty reports an unknown penalty name.
func CheckPenalty(name string) error {
	for _, p := range Penalties {
		if p == name {
			return nil
		}
	}
	return fmt.Errorf("train.penalty: %q is not one of %v", name, Penalties)
}

// Critic is D as a function of its input batch, returning one output per sample.
type Critic func(x *Node) *Node

// GradNorm is the per-sample norm of g over all but the batch axis, written
// sqrt(sum g^2 + 1e-12) so that its own gradient stays finite at g = 0 (the penalties
// are differentiated twice).
func GradNorm(g *Node) *Node {
	return Sqrt(AddScalar(sumPerSample(Square(g)), 1e-12))
}

func sumPerSample(x *Node) *Node {
	if x.Rank() == 1 {
		return x
	}
	axes := make([]int, x.Rank()-1)
	for i := range axes {
		axes[i] = i + 1
	}
	return ReduceSum(x, axes...)
}

// inputGrad is d(sum_i D(x)_i)/dx: each sample's output depends only on its input
// (no BatchNorm in D with a penalty), so row i is grad_x D(x_i).
func inputGrad(d Critic, x *Node) *Node {
	return Gradient(ReduceAllSum(d(x)), x)[0]
}

// perSample broadcasts a [batch] value against x's shape.
func perSample(v, x *Node) *Node {
	dims := make([]int, x.Rank())
	for i := range dims {
		dims[i] = 1
	}
	dims[0] = x.Shape().Dimensions[0]
	return Reshape(v, dims...)
}

// WGANGP is lambda·mean((||grad D(x_hat)|| - 1)^2) at x_hat = e·x + (1-e)·fake, e [batch]
// ~ U[0, 1] per sample (Gulrajani et al. 2017, Algorithm 1). fake carries no gradient
// to G.
func WGANGP(d Critic, real, fake, e *Node, lambda float64) *Node {
	e = perSample(e, real)
	xHat := Add(Mul(e, real), Mul(OneMinus(e), StopGradient(fake)))
	return MulScalar(ReduceAllMean(Square(AddScalar(GradNorm(inputGrad(d, xHat)), -1))), lambda)
}

// R1 is (gamma/2)·mean(||grad D(x)||^2) on the real batch (Mescheder et al. 2018, eq. 9).
func R1(d Critic, real *Node, gamma float64) *Node {
	return MulScalar(ReduceAllMean(Square(GradNorm(inputGrad(d, real)))), gamma/2)
}

// DRAGAN is lambda·mean((||grad D(x_hat)|| - 1)^2) around the real data (Kodali et al.
// 2017): x_p = x + 0.5·std(x)·u with u ~ U[0,1] elementwise and std over the whole
// batch (their code's perturbation), and x_hat = x + alpha·(x_p - x), alpha [batch] ~ U[0,1].
func DRAGAN(d Critic, real, u, alpha *Node, lambda float64) *Node {
	mean := ReduceAllMean(real)
	std := Sqrt(ReduceAllMean(Square(Sub(real, mean))))
	delta := Mul(MulScalar(std, 0.5), u)
	xHat := Add(real, Mul(perSample(alpha, real), delta))
	return MulScalar(ReduceAllMean(Square(AddScalar(GradNorm(inputGrad(d, xHat)), -1))), lambda)
}

// Drift is PGGAN's drift term eps·mean(D(x)^2) on the real outputs (Karras et al. 2018,
// §A.1, eps = 1e-3), which keeps a WGAN critic's outputs near 0.
func Drift(dReal *Node, eps float64) *Node {
	return MulScalar(ReduceAllMean(Square(dReal)), eps)
}
