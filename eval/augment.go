package eval

import (
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/sysmem"
	"github.com/gankit/gankit/metrics/featnet"
	"github.com/gankit/gankit/sample"
	"github.com/gomlx/gomlx/backends"
)

// AugmentOptions set the augmentation experiment: a classifier trained on a run's
// own training images, alone and with the run's samples added (Bowles et al. 2018,
// "GAN Augmentation: Augmenting Training Data using Generative Adversarial
// Networks", whose GAN is trained on the same real images the classifier gets).
type AugmentOptions struct {
	Ratios []float64            // generated:real; the real images alone (0) are always measured first
	Seeds  int                  // classifier seeds: --seed, --seed+1, ...
	Steps  int                  // optimisation steps of every classifier (featnet.TrainSteps)
	Train  featnet.TrainOptions // Batch and LR (Epochs and Seed are not used)
}

// Defaults of the augmentation experiment: three seeds; 500 steps of 128 images, one pass over all of Fashion-MNIST's 60,000
// training images and 64 over 1,000 (on 2 cores, about a minute a classifier).
const (
	DefaultAugmentSeeds = 3
	DefaultAugmentSteps = 500
)

// DefaultAugmentRatios are the generated:real ratios measured unless set: half, as
// many and twice as many generated images as real ones (a copy).
func DefaultAugmentRatios() []float64 { return []float64{0.5, 1, 2} }

// AugmentCell is one ratio's classifiers: their test accuracy per seed, with the
// mean, the sample standard deviation (divisor n-1) and the standard error
// (std/sqrt(n)) over the seeds.
type AugmentCell struct {
	Ratio     float64   `json:"ratio"`
	Generated int       `json:"generated"` // generated images added to the real ones
	Accuracy  []float64 `json:"accuracy"`  // per seed, in seed order
	Mean      float64   `json:"mean"`
	Std       float64   `json:"std"`
	SE        float64   `json:"se"`
}

// AugmentResult is the augmentation experiment on one run.
type AugmentResult struct {
	Real       string        `json:"real"` // the run's training images, the ones its GAN saw
	RealImages int           `json:"real_images"`
	Test       string        `json:"test"`
	TestImages int           `json:"test_images"`
	Steps      int           `json:"steps"`
	Batch      int           `json:"batch"`
	LR         float64       `json:"lr"`
	Seeds      []int64       `json:"seeds"` // the classifiers'; the generated images are one draw, latent seed Seeds[0]
	Cells      []AugmentCell `json:"cells"` // ratio 0 first
}

// augmentInputs are what the experiment needs once a run is opened.
type augmentInputs struct {
	b           backends.Backend
	gen         ClassSampler
	zDim        int
	truncation  sample.Truncation
	train, test data.Dataset // the run's training images; the real test split
	log         io.Writer
}

// Check refuses options the experiment cannot run.
func (o AugmentOptions) Check() error {
	switch {
	case o.Seeds < 1:
		return fmt.Errorf("--augment-seeds %d: want at least 1", o.Seeds)
	case o.Steps < 1:
		return fmt.Errorf("--augment-steps %d: want at least 1", o.Steps)
	case o.Train.Batch < 1:
		return fmt.Errorf("--augment-batch %d: want at least 1", o.Train.Batch)
	case !(o.Train.LR > 0) || math.IsInf(o.Train.LR, 0):
		return fmt.Errorf("--augment-lr %g: want a finite learning rate > 0", o.Train.LR)
	case len(o.Ratios) == 0:
		return fmt.Errorf("--augment-ratios: want at least one generated:real ratio, such as 0.5,1,2")
	}
	for i, r := range o.Ratios {
		if !(r > 0) || math.IsInf(r, 0) || r > 100 {
			return fmt.Errorf("--augment-ratios: %g is not a generated:real ratio above 0 and at most 100", r)
		}
		if slices.Contains(o.Ratios[:i], r) {
			return fmt.Errorf("--augment-ratios: %g is given twice", r)
		}
	}
	return nil
}

// augment trains o.Seeds classifiers for o.Steps steps on the run's training images
// alone, and as many on them joined by ratio x as many generated images, for each
// ratio, and tests each on the test split. One draw of generated images serves
// every ratio (ratio r takes its first r·n), so the ratios differ in how much is
// added, not in which samples.
func augment(in augmentInputs, o AugmentOptions, seed int64) (*AugmentResult, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	classes := in.gen.Classes()
	if err := checkTestClasses(in.test, classes); err != nil {
		return nil, fmt.Errorf("--augment: %w", err)
	}
	n := in.train.Len()
	ratios := append([]float64{0}, o.Ratios...)
	counts := make([]int, len(ratios))
	for i, r := range ratios {
		counts[i] = int(math.Round(r * float64(n)))
		if r > 0 && counts[i] < 1 {
			return nil, fmt.Errorf("--augment-ratios: %g of %d real images is no generated image", r, n)
		}
	}
	most := slices.Max(counts)
	per := float64(in.train.Shape().Len())
	if err := sysmem.Available().Check(sysmem.Need{What: "--augment-ratios", N: most, Unit: "generated image", PerItem: 2 * 4 * per}); err != nil {
		return nil, err
	}
	fmt.Fprintf(in.log, "augment: generating %d images\n", most)
	fake, err := generateLabelled(in.gen, in.zDim, most, seed, in.truncation, in.train.Shape())
	if err != nil {
		return nil, err
	}
	res := &AugmentResult{Real: in.train.Name(), RealImages: n, Test: in.test.Name(), TestImages: in.test.Len(),
		Steps: o.Steps, Batch: o.Train.Batch, LR: o.Train.LR}
	for s := range o.Seeds {
		res.Seeds = append(res.Seeds, seed+int64(s))
	}
	for i, r := range ratios {
		set := in.train
		if counts[i] > 0 {
			if set, err = Join(in.train, fake.Head(counts[i])); err != nil {
				return nil, err
			}
		}
		cell := AugmentCell{Ratio: r, Generated: counts[i]}
		for _, s := range res.Seeds {
			opt := o.Train
			opt.Seed = s
			m, err := featnet.TrainSteps(in.b, set, in.test, o.Steps, opt, io.Discard)
			if err != nil {
				return nil, err
			}
			cell.Accuracy = append(cell.Accuracy, m.Accuracy)
			fmt.Fprintf(in.log, "augment: %d real + %d generated images, seed %d: test accuracy %.2f%%\n", n, counts[i], s, 100*m.Accuracy)
		}
		cell.Mean, cell.Std, cell.SE = spread(cell.Accuracy)
		res.Cells = append(res.Cells, cell)
	}
	return res, nil
}

// spread is the mean, sample standard deviation (divisor n-1; 0 for one value) and
// standard error of v.
func spread(v []float64) (mean, std, se float64) {
	for _, x := range v {
		mean += x / float64(len(v))
	}
	if len(v) < 2 {
		return mean, 0, 0
	}
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	std = math.Sqrt(ss / float64(len(v)-1))
	return mean, std, std / math.Sqrt(float64(len(v)))
}
