package train

import (
	"fmt"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/optim"
)

// NewOptimizer returns the optimizer kind (config.Optimizers) with learning rate lr
// and t's hyperparameters.
func NewOptimizer(kind string, lr float64, t config.Train) (optim.Optimizer, error) {
	switch kind {
	case "adam":
		return optim.Adam{LR: lr, Beta1: t.Beta1, Beta2: t.Beta2, Epsilon: t.Epsilon}, nil
	case "sgd":
		return optim.SGD{LR: lr}, nil
	case "rmsprop":
		return optim.RMSProp{LR: lr, Alpha: 0.99, Epsilon: t.Epsilon}, nil
	}
	return nil, fmt.Errorf("optimizer %q is not one of %v", kind, config.Optimizers)
}
