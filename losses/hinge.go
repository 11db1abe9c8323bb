package losses

import . "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive

// NameHinge is the hinge loss's train.loss value.
const NameHinge = "hinge"

func init() { registerLoss(Hinge{}) }

// Hinge is the hinge loss (Lim & Ye 2017; Miyato et al. 2018, eq. 16-17;
// ajbrock/BigGAN-PyTorch losses.py, loss_hinge_dis and loss_hinge_gen): D minimises
// mean(relu(1 - D(x))) + mean(relu(1 + D(G(z)))), G minimises -mean(D(G(z))).
type Hinge struct{}

func (Hinge) Name() string   { return NameHinge }
func (Hinge) Traits() Traits { return Traits{} }

func (Hinge) D(l Logits, _ Targets) *Node {
	return Add(ReduceAllMean(relu(OneMinus(l.Real))), ReduceAllMean(relu(AddScalar(l.Fake, 1))))
}

func (Hinge) G(l Logits) *Node { return Neg(ReduceAllMean(l.Fake)) }

// relu is max(x, 0) as x times the constant mask x > 0 (derivative 0 at 0, as PyTorch's).
func relu(x *Node) *Node {
	return Mul(x, StopGradient(ConvertDType(GreaterThan(x, ScalarZero(x.Graph(), x.DType())), x.DType())))
}
