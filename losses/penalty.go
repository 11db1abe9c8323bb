package losses

import (
	"fmt"
	"slices"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
)

// PenaltyNone is the train.penalty value for no penalty.
const PenaltyNone = "none"

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
	// RealLogits and FakeLogits, when set, are the logits D's loss took: D(Real),
	// and D(Fake) with Fake computed from RawFake (which is then not a StopGradient
	// node, so that it can be differentiated at). A penalty that differentiates D at
	// those very inputs (R1, R2) reads them instead of running D again, as R3GAN's
	// trainer differentiates the logits its loss used: two D forward passes fewer
	// per step, with the same values.
	RealLogits, FakeLogits *Node
	// Draws holds the inputs Draws asked for, by name.
	Draws map[string]*Node
}

// penalties holds the penalties; each penalty's file registers it at init, and
// nothing changes it after.
var penalties []Penalty

func registerPenalty(p Penalty) { penalties = append(penalties, p) }

// PenaltyNames lists the accepted penalty names, "none" first and the others sorted
// (a copy).
func PenaltyNames() []string {
	var names []string
	for _, p := range penalties {
		names = append(names, p.Name())
	}
	slices.Sort(names)
	return append([]string{PenaltyNone}, names...)
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
