package featnet

import (
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/gankit/gankit/data"
	"github.com/gomlx/gomlx/backends"
)

// TrainSteps trains as Train does, for exactly steps batches of opt.Batch examples
// whatever the training set's size (opt.Epochs is not used), and tests once, at the
// end. Training sets of different sizes then get the same optimisation: an
// experiment that adds examples to a set compares what the examples teach, not more
// updates with fewer.
//
// The steps·Batch draws visit the examples in one pass over a seeded arrangement:
// with n examples, each appears ⌊steps·Batch/n⌋ times, and the remainder's extra
// appearances go to examples chosen by a permutation seeded by opt.Seed (not to the
// first ones: in a set of real images followed by generated ones those would all be
// real). When steps·Batch < n, the examples drawn are such a random share of them.
func TrainSteps(b backends.Backend, trainSet, testSet data.Dataset, steps int, opt TrainOptions, log io.Writer) (*Model, error) {
	if steps < 1 {
		return nil, fmt.Errorf("classifier: %d steps, want at least 1", steps)
	}
	if opt.Batch < 1 {
		return nil, fmt.Errorf("classifier: batch %d, want at least 1", opt.Batch)
	}
	if trainSet.Len() == 0 {
		return nil, fmt.Errorf("classifier: %s has no examples", trainSet.Name())
	}
	r := rand.New(rand.NewPCG(uint64(opt.Seed), 0x57e95))
	rep := &repeated{Dataset: trainSet, order: r.Perm(trainSet.Len()), n: steps * opt.Batch}
	opt.Epochs, opt.Limit = 1, 0
	return Train(b, rep, testSet, opt, log)
}

// repeated is n draws from a dataset: draw i is example order[i mod len(order)].
// Train shuffles the draws, so each batch mixes the examples' repetitions.
type repeated struct {
	data.Dataset
	order []int
	n     int
}

func (r *repeated) Len() int { return r.n }
func (r *repeated) Read(i int, dst []float32) error {
	return r.Dataset.Read(r.order[i%len(r.order)], dst)
}
func (r *repeated) Label(i int) int { return r.Dataset.Label(r.order[i%len(r.order)]) }
