package losses

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
)

// PenaltyNone is the train.penalty value for no penalty.
const PenaltyNone = "none"

// Gradient penalties on D, named as train.penalties takes them.
const (
	PenaltyWGANGP = "wgan-gp" // Gulrajani et al. 2017, eq. 3
	PenaltyR1     = "r1"      // Mescheder et al. 2018, eq. 9
	PenaltyDRAGAN = "dragan"  // Kodali et al. 2017, eq. 3 and their code's perturbation
)

// A Penalty is a regulariser added to D's loss with a weight (lambda, or gamma).
type Penalty interface {
	// Name is the penalty's name in train.penalties.
	Name() string
	// DefaultWeight is the published weight, used when the config leaves it 0.
	DefaultWeight() float64
	// Draws lists the host-drawn random inputs the penalty reads, in the order they
	// are drawn from the step's random stream.
	Draws() []Draw
	// Term is the penalty at weight 1, in its published form (R1's gamma/2 is in it
	// as the factor 1/2).
	Term(in PenaltyInputs) *Node
}

// A Draw is a random input a penalty needs each step, U[0, 1) per sample ([batch])
// or, with PerElement, per element of the batch.
type Draw struct {
	Name       string
	PerElement bool
}

// PenaltyInputs are what a penalty may read in D's step.
type PenaltyInputs struct {
	// D is the discriminator; Real and Fake are its inputs as its loss sees them
	// (augmented and noised; Fake carries no gradient to G).
	D          Critic
	Real, Fake *Node
	// RawReal and RawFake are the batches before augmentation and instance noise,
	// and DReal and DFake are D behind the augmentation and noise each batch gets:
	// R3GAN differentiates D(Preprocessor(x)) with respect to x.
	RawReal, RawFake *Node
	DReal, DFake     Critic
	// Draws holds the inputs Draws asked for, by name.
	Draws map[string]*Node
}

// penalties holds the penalties in registration order; each penalty's file
// registers it at init, and nothing changes it after.
var penalties []Penalty

func registerPenalty(p Penalty) { penalties = append(penalties, p) }

func init() {
	for _, p := range []Penalty{wganGP{}, r1{}, dragan{}} {
		registerPenalty(p)
	}
}

// PenaltyNames lists the accepted penalty names, "none" first (a copy).
func PenaltyNames() []string {
	out := []string{PenaltyNone}
	for _, p := range penalties {
		out = append(out, p.Name())
	}
	return out
}

// PenaltyByName returns the penalty named name; key is the config key that named it,
// for the error.
func PenaltyByName(key, name string) (Penalty, error) {
	for _, p := range penalties {
		if p.Name() == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%s: %q is not one of %v", key, name, PenaltyNames())
}

type wganGP struct{}

func (wganGP) Name() string           { return PenaltyWGANGP }
func (wganGP) DefaultWeight() float64 { return 10 } // Gulrajani et al. 2017, §4
func (wganGP) Draws() []Draw          { return []Draw{{Name: "e"}} }
func (wganGP) Term(in PenaltyInputs) *Node {
	return WGANGP(in.D, in.Real, in.Fake, in.Draws["e"], 1)
}

type r1 struct{}

func (r1) Name() string           { return PenaltyR1 }
func (r1) DefaultWeight() float64 { return 10 } // Mescheder et al. 2018 on CelebA/LSUN-scale images
func (r1) Draws() []Draw          { return nil }
func (r1) Term(in PenaltyInputs) *Node {
	return R1(in.D, in.Real, 1)
}

type dragan struct{}

func (dragan) Name() string           { return PenaltyDRAGAN }
func (dragan) DefaultWeight() float64 { return 10 } // Kodali et al. 2017
func (dragan) Draws() []Draw          { return []Draw{{Name: "u", PerElement: true}, {Name: "alpha"}} }
func (dragan) Term(in PenaltyInputs) *Node {
	return DRAGAN(in.D, in.Real, in.Draws["u"], in.Draws["alpha"], 1)
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

// R1 is (gamma/2)·mean(||grad D(x)||^2) on the real batch (Mescheder et al. 2018, eq. 9),
// x as D's loss sees it (after DiffAugment and instance noise). It differs from
// R3GAN's R1 in two ways, both kept so that existing runs keep their numbers: the
// squared norm is sum g^2 + 1e-12 (GradNorm squared), and the gradient is taken at
// the augmented input, where R3GAN differentiates through the augmentation (see R2).
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
