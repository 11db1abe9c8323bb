package train

import (
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/optim"
)

// NewOptimizer returns the optimizer registered as name (see optim.Names) with
// learning rate lr and t's hyperparameters.
func NewOptimizer(name string, lr float64, t config.Train) (optim.Optimizer, error) {
	k, err := optim.ByName(name)
	if err != nil {
		return nil, err
	}
	return k.New(optim.Options{LR: lr, Beta1: t.Beta1, Beta2: t.Beta2, Epsilon: t.Epsilon}), nil
}
