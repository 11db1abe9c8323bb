package optim

import "fmt"

// Optimizer names accepted by the train.optimizer_g and train.optimizer_d config keys.
const (
	NameAdam    = "adam"    // Kingma & Ba 2015, as torch.optim.Adam
	NameSGD     = "sgd"     // plain SGD, as torch.optim.SGD without momentum (ganhacks #9)
	NameRMSProp = "rmsprop" // Tieleman & Hinton 2012, as torch.optim.RMSprop (WGAN, Arjovsky et al. 2017, Algorithm 1)
)

// Options are the hyperparameters a run's config gives an optimizer; each takes the
// ones it has and leaves the others.
type Options struct {
	LR           float64 // learning rate: every optimizer
	Beta1, Beta2 float64 // Adam's decay rates of the first and second moments
	Epsilon      float64 // added to the denominator: Adam and RMSProp
}

// Traits are the facts about an optimizer that the rest of gankit acts on, kept with
// the optimizer rather than in lists of names elsewhere.
type Traits struct {
	// Beta2: the optimizer keeps Adam's second moment with decay beta2, so a Beta2
	// rate (train.beta2_schedule) means something for it.
	Beta2 bool
}

// A Kind is an optimizer known by name, which builds the optimizer from a config's
// hyperparameters.
type Kind interface {
	// Name is the optimizer's train.optimizer_g / train.optimizer_d value.
	Name() string
	Traits() Traits
	// New is the optimizer with o's hyperparameters (the ones it takes) and its own
	// fixed ones.
	New(o Options) Optimizer
}

type kind struct {
	name   string
	traits Traits
	build  func(Options) Optimizer
}

func (k kind) Name() string            { return k.name }
func (k kind) Traits() Traits          { return k.traits }
func (k kind) New(o Options) Optimizer { return k.build(o) }

// kinds holds the optimizers in registration order; each optimizer registers itself
// at init beside its type, and nothing changes it after.
var kinds []Kind

func register(name string, t Traits, build func(Options) Optimizer) {
	kinds = append(kinds, kind{name: name, traits: t, build: build})
}

// Names lists the accepted optimizer names, in registration order (a copy).
func Names() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.Name()
	}
	return out
}

// ByName returns the optimizer named name.
func ByName(name string) (Kind, error) {
	for _, k := range kinds {
		if k.Name() == name {
			return k, nil
		}
	}
	return nil, fmt.Errorf("optimizer %q is not one of %v", name, Names())
}
