package losses

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
)

// Loss names accepted by the train.loss config key.
const (
	NameNS = "ns" // non-saturating (Goodfellow et al. 2014, §3)
)

// Names lists the accepted loss names.
var Names = []string{NameNS}

// Adversarial is a GAN objective on D's raw outputs (logits).
type Adversarial interface {
	// D is the discriminator's loss for logits on a real and a fake batch.
	D(real, fake *Node) *Node
	// G is the generator's loss for D's logits on a fake batch.
	G(fake *Node) *Node
}

// ByName returns the loss named name.
func ByName(name string) (Adversarial, error) {
	switch name {
	case NameNS:
		return NonSaturating{}, nil
	}
	return nil, fmt.Errorf("train.loss: %q is not one of %v", name, Names)
}

// NonSaturating is the standard GAN loss with the generator's non-saturating objective
// (Goodfellow et al. 2014, §3): D minimises -log sigmoid(D(x)) - log(1 - sigmoid(D(G(z)))),
// G minimises -log sigmoid(D(G(z))). Written with softplus, which is exact and stable:
// -log sigmoid(t) = softplus(-t) and -log(1 - sigmoid(t)) = softplus(t). As in PyTorch's
// DCGAN, D's loss is the sum of the two batch means.
type NonSaturating struct{}

func (NonSaturating) D(real, fake *Node) *Node {
	return Add(ReduceAllMean(Softplus(Neg(real))), ReduceAllMean(Softplus(fake)))
}

func (NonSaturating) G(fake *Node) *Node { return ReduceAllMean(Softplus(Neg(fake))) }
