package losses

import (
	"fmt"
	"slices"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
)

// Targets are D's per-sample target labels ([batch] each) for its real and fake
// batches, as label smoothing, noisy labels and label flips make them. A nil field
// means the plain target: 1 for real, 0 for fake.
type Targets struct {
	Real, Fake *Node
}

// Logits are D's raw outputs (logits, or critic values) on a real and a fake batch,
// one per sample. In G's step Real is nil unless the loss's Traits say RealInG.
type Logits struct {
	Real, Fake *Node
}

// Traits are the facts about a loss that the rest of gankit acts on, kept with the
// loss rather than in lists of names elsewhere.
type Traits struct {
	// Targets: the loss compares D's outputs with target labels, so label smoothing,
	// noisy labels and label flips mean something for it.
	Targets bool
	// Probabilities: D's outputs are logits of a probability, so the metrics show
	// sigmoid(D) (d_real, d_fake); otherwise the raw mean.
	Probabilities bool
	// Lipschitz: the loss is only meaningful with a Lipschitz constraint on D (weight
	// clipping or a gradient penalty).
	Lipschitz bool
	// RealInG: G's loss reads D's outputs on a real batch too, so G's step runs D on
	// one (losses without it pay for no extra D pass).
	RealInG bool
}

// Adversarial is a GAN objective on D's raw outputs.
type Adversarial interface {
	// Name is the loss's train.loss value.
	Name() string
	Traits() Traits
	// D is the discriminator's loss for its outputs on a real and a fake batch.
	D(l Logits, t Targets) *Node
	// G is the generator's loss for D's outputs on a fake batch (and on a real one
	// when Traits().RealInG).
	G(l Logits) *Node
}

// adversarial holds the losses; each loss's file registers it at init, and nothing
// changes it after.
var adversarial []Adversarial

func registerLoss(l Adversarial) { adversarial = append(adversarial, l) }

// Names lists the accepted loss names, sorted (a copy).
func Names() []string {
	out := make([]string, len(adversarial))
	for i, l := range adversarial {
		out[i] = l.Name()
	}
	slices.Sort(out)
	return out
}

// ByName returns the loss named name.
func ByName(name string) (Adversarial, error) {
	for _, l := range adversarial {
		if l.Name() == name {
			return l, nil
		}
	}
	return nil, fmt.Errorf("train.loss: %q is not one of %v", name, Names())
}
