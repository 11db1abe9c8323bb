// Package eval measures trained runs and folders of generated images with the
// metrics package: the shared path of `gankit eval`, `gankit ablate` and the
// truncation sweep. For a conditional run it also measures each class, and trains
// the feature network's classifier on the run's samples: the Classification
// Accuracy Score (cas.go) and the augmentation experiment (augment.go).
package eval

import (
	"fmt"
	"io"
	"slices"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/sysmem"
	"github.com/gankit/gankit/metrics"
	"github.com/gankit/gankit/metrics/featnet"
	"github.com/gankit/gankit/metrics/inception"
	"github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
	"github.com/gomlx/gomlx/backends"
)

// streamEval seeds the latents of evaluation samples (distinct from training's).
const streamEval = 1 << 43

// ToyPoints is the toy protocol's number of generated points for mode coverage (docs/protocols.md).
const ToyPoints = 2500

// Options say what to measure.
type Options struct {
	N          int      // generated samples (0: 10,000 images or 2,500 toy points)
	Seed       int64    // latents
	Metrics    []string // image metrics (nil: all)
	Truncation sample.Truncation
	NoEMA      bool   // evaluate G in a run that keeps G_ema
	Real       string // real dataset (default: the run's data, test split)
	FeatureNet string // model file (default: the committed Fashion-MNIST network)
	Inception  string // FID Inception weights (.npz): distribution metrics on its features
	Backend    string // for --images (a run uses its own unless set)
	KID        metrics.KIDOptions
	// CAS, when set, also measures the Classification Accuracy Score of a
	// conditional run; Augment, the augmentation experiment on it.
	CAS     *CASOptions
	Augment *AugmentOptions
	// On, when set, is the backend to use instead of building one from Backend.
	On backends.Backend
	// Log is told when a run's damaged newest checkpoint is passed over (nil: discarded).
	Log io.Writer
}

// Result is one evaluation.
type Result struct {
	Generated string                `json:"generated"`
	Step      int                   `json:"step,omitempty"`
	Real      string                `json:"real,omitempty"`
	RealNote  string                `json:"real_note,omitempty"`
	Modes     *metrics.ModeCoverage `json:"mode_coverage,omitempty"`
	Points    int                   `json:"points,omitempty"`
	ModeCount int                   `json:"mode_count,omitempty"`
	Images    *metrics.ImageResult  `json:"images,omitempty"`
	Stacked   *StackedResult        `json:"stacked,omitempty"`
	Classes   *ClassResult          `json:"per_class,omitempty"` // a conditional run's
	CAS       *CASResult            `json:"cas,omitempty"`
	Augment   *AugmentResult        `json:"augment,omitempty"`
}

func (o Options) kid() metrics.KIDOptions {
	if o.KID.Subsets == 0 {
		return metrics.DefaultKID()
	}
	return o.KID
}

// Run evaluates the run in dir.
func Run(dir string, o Options) (Result, error) {
	tg, err := run.Open(dir, run.OpenOptions{Backend: o.Backend, On: o.On, Log: o.Log})
	if err != nil {
		return Result{}, err
	}
	return Trained(tg, o)
}

// Trained evaluates an opened run.
func Trained(tg *run.Trained, o Options) (Result, error) {
	if err := run.CheckTruncation(tg.Config, o.Truncation); err != nil {
		return Result{}, fmt.Errorf("run %s: %w", tg.Dir, err)
	}
	if err := checkClassifierRuns(tg, o); err != nil {
		return Result{}, err
	}
	if tg.Config.IsToy() {
		return toy(tg, o)
	}
	if _, ok := data.IsStacked(tg.Config.Data.Path); ok {
		return stacked(tg, o)
	}
	if o.N == 0 {
		o.N = 10000
	}
	if err := CheckSampleCount("--n", o.N, tg.Source.Shape(), tg.Config.Model.ZDim, FeaturesFor(o.Inception)); err != nil {
		return Result{}, err
	}
	model, err := o.model()
	if err != nil {
		return Result{}, err
	}
	if tg.Source.Shape() != model.Shape {
		return Result{}, fmt.Errorf("run %s makes %v, the feature network takes %v (--feature-net)", tg.Dir, tg.Source.Shape(), model.Shape)
	}
	fake, err := Generate(tg, o.N, o.Seed, o.Truncation, !o.NoEMA)
	if err != nil {
		return Result{}, err
	}
	real := o.Real
	if real == "" {
		real = tg.Config.Data.Path
	}
	ext, err := o.extractor(tg.Backend, model.Shape)
	if err != nil {
		return Result{}, err
	}
	res, err := images(tg.Backend, model, ext, real, tg.Config.Data.Background, fake, o)
	res.Generated, res.Step = tg.Dir, tg.Step
	if err != nil {
		return res, err
	}
	if classes := tg.Config.Model.Classes; len(classes) > 0 {
		realSet, _, _, err := realSets(real, model.Shape, tg.Config.Data.Background)
		if err != nil {
			return res, err
		}
		in := classInputs{b: tg.Backend, model: model, ext: ext, classes: classes, fake: fake, real: realSet, fid: slices.Contains(o.metricNames(), metrics.MetricFID)}
		if res.Classes, err = perClass(in); err != nil {
			return res, err
		}
	}
	if o.CAS == nil && o.Augment == nil {
		return res, nil
	}
	if err := classifierRuns(tg, o, real, &res); err != nil {
		return res, err
	}
	return res, nil
}

// Images evaluates a folder of generated images.
func Images(dir string, o Options) (Result, error) {
	if o.N == 0 {
		o.N = 10000
	}
	model, err := o.model()
	if err != nil {
		return Result{}, err
	}
	if err := CheckSampleCount("--n", o.N, model.Shape, 0, FeaturesFor(o.Inception)); err != nil {
		return Result{}, err
	}
	b, err := backend.New(backend.Resolve(o.Backend))
	if err != nil {
		return Result{}, err
	}
	folder, err := data.Open(dir, data.Options{Size: model.Shape.Size, Channels: model.Shape.Channels})
	if err != nil {
		return Result{}, err
	}
	fake, err := ReadAll(folder, o.N)
	if err != nil {
		return Result{}, err
	}
	ext, err := o.extractor(b, model.Shape)
	if err != nil {
		return Result{}, err
	}
	res, err := images(b, model, ext, o.Real, "", fake, o)
	res.Generated = dir
	return res, err
}

func (o Options) model() (*featnet.Model, error) {
	if o.FeatureNet != "" {
		return featnet.Load(o.FeatureNet)
	}
	return featnet.FashionMNIST()
}

// metricNames are the image metrics asked for (nil: all).
func (o Options) metricNames() []string {
	if o.Metrics == nil {
		return metrics.ImageMetrics()
	}
	return o.Metrics
}

// extractor is the FID Inception network for images of shape when o names its
// weights, else nil (the feature network embeds).
func (o Options) extractor(b backends.Backend, shape data.Shape) (metrics.Extractor, error) {
	if o.Inception == "" {
		return nil, nil
	}
	net, err := inception.Load(b, o.Inception, 50)
	if err != nil {
		return nil, err
	}
	return net.For(shape.Size, shape.Channels), nil
}

func images(b backends.Backend, model *featnet.Model, ext metrics.Extractor, realPath, background string, fake []float32, o Options) (Result, error) {
	in := metrics.ImageInputs{Shape: model.Shape, Fake: fake}
	n := len(fake) / model.Shape.Len()
	realSet, floorSet, note, err := realSets(realPath, model.Shape, background)
	if err != nil {
		return Result{}, err
	}
	if in.Real, err = ReadAll(realSet, n); err != nil {
		return Result{}, err
	}
	if floorSet != nil {
		if in.Floor, err = ReadAll(floorSet, len(in.Real)/model.Shape.Len()); err != nil {
			return Result{}, err
		}
	}
	r, err := metrics.EvaluateImages(b, model, ext, in, o.metricNames(), o.kid())
	if err != nil {
		return Result{}, err
	}
	return Result{Real: realSet.Name(), RealNote: note, Images: &r}, nil
}

func toy(tg *run.Trained, o Options) (Result, error) {
	src, ok := tg.Source.(*data.Toy)
	if !ok {
		return Result{}, fmt.Errorf("run %s: toy data expected", tg.Dir)
	}
	n := o.N
	if n == 0 {
		n = ToyPoints
	}
	if err := CheckSampleCount("--n", n, tg.Source.Shape(), tg.Config.Model.ZDim, OwnFeatures); err != nil {
		return Result{}, err
	}
	pts, err := Generate(tg, n, o.Seed, o.Truncation, !o.NoEMA)
	if err != nil {
		return Result{}, err
	}
	p64 := make([]float64, len(pts))
	for i, v := range pts {
		p64[i] = float64(v)
	}
	mc := metrics.CoverModes(p64, src.Modes, src.Std)
	return Result{Generated: tg.Dir, Step: tg.Step, Modes: &mc, Points: n, ModeCount: len(src.Modes)}, nil
}

// Features names the feature network an evaluation embeds its images with, for
// CheckSampleCount's memory estimate.
type Features int

const (
	// OwnFeatures is gankit's committed feature network: 128 values per image.
	OwnFeatures Features = iota
	// InceptionFeatures is the FID Inception network's pool3: 2,048 values per image.
	InceptionFeatures
)

// FeaturesFor is InceptionFeatures when an Inception weights file is given, else
// OwnFeatures.
func FeaturesFor(inceptionFile string) Features {
	if inceptionFile != "" {
		return InceptionFeatures
	}
	return OwnFeatures
}

// CheckSampleCount refuses an evaluation of n samples (set by the flag what) below 1,
// or one whose samples, real images and features would not fit in memory: per
// sample, its latent, the generated, real and floor images, and three feature
// vectors in float64 (of the size f gives), doubled for the collector's headroom.
// Generation runs in batches of 500, so the generator's own activations do not grow
// with n.
func CheckSampleCount(what string, n int, shape data.Shape, zDim int, f Features) error {
	if n < 1 {
		return fmt.Errorf("%s %d: want at least 1 sample", what, n)
	}
	feat := 128.0
	if f == InceptionFeatures {
		feat = 2048
	}
	per := 2 * (4*float64(zDim) + 12*float64(shape.Len()) + 3*8*feat)
	return sysmem.Available().Check(sysmem.Need{What: what, N: n, Unit: "sample", PerItem: per})
}

// Generate draws n samples from a run's generator in batches (inference mode). A
// conditional generator's sample j is of class j mod K over all n samples
// (sample.BalancedClasses), whatever the batches.
func Generate(tg *run.Trained, n int, seed int64, tr sample.Truncation, ema bool) ([]float32, error) {
	if n < 1 {
		return nil, fmt.Errorf("generating %d samples from %s: want at least 1", n, tg.Dir)
	}
	gen, err := tg.Generator(ema)
	if err != nil {
		return nil, err
	}
	zd := tg.Config.Model.ZDim
	z := sample.TruncatedLatents(seed, streamEval, n, zd, tr)
	if k := len(gen.Classes()); k > 0 {
		return runClasses(gen, z, sample.BalancedClasses(n, k), zd)
	}
	var out []float32
	const batch = genBatch
	for lo := 0; lo < n; lo += batch {
		hi := min(n, lo+batch)
		x, err := gen.Run(z[lo*zd : hi*zd])
		if err != nil {
			return nil, err
		}
		out = append(out, x...)
	}
	return out, nil
}

// realSets picks the reference images: the test split of path, and its training
// split for the FID floor; the embedded subset has no test split. An image folder's
// transparency goes onto background (data.background), as the run's training images'.
func realSets(path string, shape data.Shape, background string) (real, floor data.Dataset, note string, err error) {
	if path == "" || path == data.EmbeddedName {
		d, err := data.Open("", data.Options{})
		return d, nil, "the embedded subset has no test split: its training images are the reference, no floor", err
	}
	opt := data.Options{Split: "test", Size: shape.Size, Channels: shape.Channels, Background: background}
	if real, err = data.Open(path, opt); err != nil {
		return nil, nil, "", err
	}
	opt.Split = "train"
	floor, ferr := data.Open(path, opt)
	if ferr != nil || floor.Name() == real.Name() {
		return real, nil, "no separate training split: no floor", nil
	}
	return real, floor, "", nil
}

// ReadAll reads up to n examples of d.
func ReadAll(d data.Dataset, n int) ([]float32, error) {
	if n < 0 {
		return nil, fmt.Errorf("reading %d examples of %s: want at least 0", n, d.Name())
	}
	n = min(n, d.Len())
	per := d.Shape().Len()
	x := make([]float32, n*per)
	for i := range n {
		if err := d.Read(i, x[i*per:(i+1)*per]); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// Spectrum is a named radial power spectrum.
type Spectrum struct {
	Name  string
	Power []float64
}

// Spectra computes the radial power spectrum of n samples from each run in runs
// (name -> run directory), and of n real images of the first run's data.
func Spectra(names []string, dirs []string, n int) ([]Spectrum, error) {
	var out []Spectrum
	var shape data.Shape
	var realPath, background string
	for i, dir := range dirs {
		tg, err := run.Open(dir, run.OpenOptions{})
		if err != nil {
			return nil, err
		}
		x, err := Generate(tg, n, 0, sample.Truncation{}, true)
		if err != nil {
			return nil, err
		}
		shape = tg.Source.Shape()
		realPath, background = tg.Config.Data.Path, tg.Config.Data.Background
		s, err := metrics.RadialSpectrum(x, n, shape.Size, shape.Channels)
		if err != nil {
			return nil, err
		}
		out = append(out, Spectrum{Name: names[i], Power: s})
	}
	if len(out) == 0 {
		return nil, nil
	}
	realSet, _, _, err := realSets(realPath, shape, background)
	if err != nil {
		return nil, err
	}
	x, err := ReadAll(realSet, n)
	if err != nil {
		return nil, err
	}
	s, err := metrics.RadialSpectrum(x, len(x)/shape.Len(), shape.Size, shape.Channels)
	if err != nil {
		return nil, err
	}
	return append(out, Spectrum{Name: "real", Power: s}), nil
}
