package losses

import . "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive

// NameMinimax is the original zero-sum game's train.loss value.
const NameMinimax = "minimax"

func init() { registerLoss(Minimax{}) }

// Minimax is the original zero-sum game (Goodfellow et al. 2014, eq. 1; TF-GAN's
// minimax_generator_loss): D as in NonSaturating, G minimises
// log(1 - sigmoid(D(G(z)))) = -softplus(D(G(z))), whose gradient vanishes where D
// rejects the fakes confidently.
type Minimax struct{}

func (Minimax) Name() string                { return NameMinimax }
func (Minimax) Traits() Traits              { return NonSaturating{}.Traits() }
func (Minimax) D(l Logits, t Targets) *Node { return NonSaturating{}.D(l, t) }

func (Minimax) G(l Logits) *Node { return Neg(ReduceAllMean(Softplus(l.Fake))) }
