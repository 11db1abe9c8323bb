package eval

import (
	"fmt"
	"io"
	"slices"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/metrics/featnet"
	"github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
	"github.com/gomlx/gomlx/backends"
)

// streamCAS seeds the latents of the samples a classifier trains on (--cas,
// --augment), apart from those evaluated (streamEval).
const streamCAS = 1<<43 + 1

// ClassSampler is a conditional generator: *sample.Generator of a run with classes.
type ClassSampler interface {
	// Classes names the classes; nil for an unconditional generator.
	Classes() []string
	// RunClasses maps latents (n x z_dim, flat) to n flat samples, sample j of class y[j].
	RunClasses(z []float32, y []int32) ([]float32, error)
}

// CASOptions set the Classification Accuracy Score.
type CASOptions struct {
	PerClass int                  // generated training images per class (and real ones for the baseline)
	Train    featnet.TrainOptions // the classifier's training (featnet.DefaultTraining unless changed)
}

// DefaultCASPerClass is CASOptions.PerClass unless set: 1,000 images per class
// (10,000 for Fashion-MNIST's ten, a sixth of its training split; Ravuri & Vinyals
// 2019 generate as many as the real training set holds, --cas-per-class 6000 here).
const DefaultCASPerClass = 1000

// CASResult is the Classification Accuracy Score of a conditional generator (Ravuri
// & Vinyals 2019): the test accuracy, on real images, of a classifier trained on
// generated images only, labelled with the class each was generated for; next to it
// the same classifier trained on as many real training images.
type CASResult struct {
	Classes      []string `json:"classes"`
	PerClass     int      `json:"per_class"`
	Generated    int      `json:"generated"` // generated training images, PerClass of each class
	Accuracy     float64  `json:"accuracy"`  // CAS
	Real         string   `json:"real"`      // the real training images' set
	RealPerClass []int    `json:"real_per_class"`
	RealAccuracy float64  `json:"real_accuracy"`
	Test         string   `json:"test"`
	TestImages   int      `json:"test_images"`
	Epochs       int      `json:"epochs"`
	Batch        int      `json:"batch"`
	LR           float64  `json:"lr"`
	Seed         int64    `json:"seed"` // latents, weights, batch order, and the pick of real images
}

// casInputs are what a CAS measurement needs once a run is opened: its generator,
// the size of its latents, its truncation, and the real training and test images.
type casInputs struct {
	b          backends.Backend
	gen        ClassSampler
	zDim       int
	truncation sample.Truncation
	pool, test data.Dataset // real training images to pick the baseline from; the test split
	log        io.Writer
}

// cas trains the classifier on PerClass generated images of each class and on as
// many real training images picked by class (PickBalanced), and tests both on the
// test split.
func cas(in casInputs, o CASOptions, seed int64) (*CASResult, error) {
	classes := in.gen.Classes()
	if err := checkTestClasses(in.test, classes); err != nil {
		return nil, fmt.Errorf("--cas: %w", err)
	}
	if o.PerClass < 1 {
		return nil, fmt.Errorf("--cas-per-class %d: want at least 1 image per class", o.PerClass)
	}
	k := len(classes)
	n := o.PerClass * k
	if o.Train.Batch > n {
		return nil, fmt.Errorf("--cas-batch %d: the classifier trains on %d images (%d per class), fewer than one batch", o.Train.Batch, n, o.PerClass)
	}
	if in.pool.Len() < n {
		return nil, fmt.Errorf("--cas-per-class %d: the real baseline needs %d training images, %s has %d", o.PerClass, n, in.pool.Name(), in.pool.Len())
	}
	opt := o.Train
	opt.Seed = seed
	fake, err := generateLabelled(in.gen, in.zDim, n, seed, in.truncation, in.pool.Shape())
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(in.log, "CAS: training the classifier on %d generated images\n", n)
	m, err := featnet.Train(in.b, fake, in.test, opt, in.log)
	if err != nil {
		return nil, err
	}
	real, err := PickBalanced(in.pool, n, k, uint64(seed))
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(in.log, "CAS: training the classifier on %d real images\n", n)
	rm, err := featnet.Train(in.b, real, in.test, opt, in.log)
	if err != nil {
		return nil, err
	}
	perClass := make([]int, k)
	for i := range real.Len() {
		perClass[real.Label(i)]++
	}
	return &CASResult{Classes: classes, PerClass: o.PerClass, Generated: n, Accuracy: m.Accuracy,
		Real: real.Name(), RealPerClass: perClass, RealAccuracy: rm.Accuracy, Test: in.test.Name(), TestImages: in.test.Len(),
		Epochs: opt.Epochs, Batch: opt.Batch, LR: opt.LR, Seed: seed}, nil
}

// checkTestClasses refuses real images whose classes are not the generator's: a
// classifier trained on its samples would be scored against other classes.
func checkTestClasses(test data.Dataset, classes []string) error {
	if len(classes) == 0 {
		return fmt.Errorf("the run is unconditional (model.classes is empty): its samples have no classes to train a classifier on")
	}
	names, err := data.ClassNames(test)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("the real test images %s have no labels; want the test split of a labelled dataset", test.Name())
	}
	if !slices.Equal(names, classes) {
		return fmt.Errorf("the real test images %s have %s; the run's generator was trained on %s", test.Name(), sample.DescribeClasses(names), sample.DescribeClasses(classes))
	}
	return nil
}

// generateLabelled draws n samples of classes j mod K (sample.BalancedClasses) from
// the latents (seed, streamCAS), labelled with their classes.
func generateLabelled(g ClassSampler, zDim, n int, seed int64, tr sample.Truncation, shape data.Shape) (*Labelled, error) {
	y := sample.BalancedClasses(n, len(g.Classes()))
	x, err := runClasses(g, sample.TruncatedLatents(seed, streamCAS, n, zDim, tr), y, zDim)
	if err != nil {
		return nil, err
	}
	labels := make([]int, n)
	for i, c := range y {
		labels[i] = int(c)
	}
	return NewLabelled(fmt.Sprintf("%d generated images (%d classes, seed %d)", n, len(g.Classes()), seed), shape, x, labels)
}

// genBatch is how many samples a generator runs at once in an evaluation: its
// activations then do not grow with the sample count.
const genBatch = 500

// runClasses runs a conditional generator over latents z and classes y in batches.
func runClasses(g ClassSampler, z []float32, y []int32, zDim int) ([]float32, error) {
	n := len(y)
	var out []float32
	for lo := 0; lo < n; lo += genBatch {
		hi := min(n, lo+genBatch)
		x, err := g.RunClasses(z[lo*zDim:hi*zDim], y[lo:hi])
		if err != nil {
			return nil, err
		}
		out = append(out, x...)
	}
	return out, nil
}

// classifierFlag names the flag a refusal of the classifier measures is about.
func (o Options) classifierFlag() string {
	if o.CAS != nil {
		return "--cas"
	}
	return "--augment"
}

// checkClassifierRuns refuses --cas and --augment for a run they cannot measure,
// before anything is generated: they train a classifier on samples labelled with
// their classes, so the run must be a conditional image run.
func checkClassifierRuns(tg *run.Trained, o Options) error {
	if o.CAS == nil && o.Augment == nil {
		return nil
	}
	flag := o.classifierFlag()
	if _, ok := data.IsStacked(tg.Config.Data.Path); ok || tg.Config.IsToy() {
		return fmt.Errorf("%s: run %s trains on %s; it measures image runs with classes", flag, tg.Dir, tg.Config.Data.Path)
	}
	if len(tg.Config.Model.Classes) == 0 {
		return fmt.Errorf("%s: run %s is unconditional (model.classes is empty): its samples have no classes to train a classifier on; train one with data.labels: true or a conditional preset such as cond-fmnist", flag, tg.Dir)
	}
	if o.CAS != nil && o.CAS.PerClass < 1 {
		return fmt.Errorf("--cas-per-class %d: want at least 1 image per class", o.CAS.PerClass)
	}
	if o.Augment != nil {
		if err := o.Augment.Check(); err != nil {
			return err
		}
		if s := tg.Config.Data.Split; s != "" && s != "train" {
			return fmt.Errorf("--augment: run %s trained on the %s split (data.split); the classifier is tested on the test split, so the GAN must have trained on the training split", tg.Dir, s)
		}
	}
	return nil
}

// classifierRuns measures CAS and the augmentation experiment, as o asks, with the
// run's generator, the test split of realPath and, for CAS's baseline, its training
// split.
func classifierRuns(tg *run.Trained, o Options, realPath string, res *Result) error {
	flag := o.classifierFlag()
	gen, err := tg.Generator(!o.NoEMA)
	if err != nil {
		return err
	}
	shape := tg.Source.Shape()
	test, pool, note, err := realSets(realPath, shape, tg.Config.Data.Background)
	if err != nil {
		return err
	}
	if pool == nil {
		return fmt.Errorf("%s: %s has no test split apart from its training images (%s); the classifier must be tested on images it did not train on", flag, realPath, note)
	}
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	zDim := tg.Config.Model.ZDim
	if o.CAS != nil {
		in := casInputs{b: tg.Backend, gen: gen, zDim: zDim, truncation: o.Truncation, pool: pool, test: test, log: log}
		if res.CAS, err = cas(in, *o.CAS, o.Seed); err != nil {
			return err
		}
	}
	if o.Augment != nil {
		src, ok := tg.Source.(*data.Shuffled)
		if !ok {
			return fmt.Errorf("--augment: run %s's training images (%s) are not a dataset the classifier can read", tg.Dir, tg.Source.Name())
		}
		in := augmentInputs{b: tg.Backend, gen: gen, zDim: zDim, truncation: o.Truncation, train: src.Data, test: test, log: log}
		if res.Augment, err = augment(in, *o.Augment, o.Seed); err != nil {
			return err
		}
	}
	return nil
}
