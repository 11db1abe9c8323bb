package eval

import (
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/metrics"
	"github.com/gankit/gankit/metrics/featnet"
	"github.com/gankit/gankit/run"
	"github.com/gomlx/gomlx/backends"
)

// StackedSamples is the sample count of stacked Fashion-MNIST's protocol (docs/protocols.md).
const StackedSamples = 26000

// StackedResult counts the modes (label triples out of 1000) of generated stacked
// images and of real ones, each channel labelled by the feature network: the real
// figures are the floor the classifier's own errors set.
type StackedResult struct {
	N          int     `json:"n"`
	Modes      int     `json:"modes"`
	KL         float64 `json:"kl"`
	RealModes  int     `json:"real_modes"`
	RealKL     float64 `json:"real_kl"`
	FeatureNet string  `json:"feature_net_sha256"`
}

func stacked(tg *run.Trained, o Options) (Result, error) {
	n := o.N
	if n == 0 {
		n = StackedSamples
	}
	if err := CheckSampleCount("--n", n, tg.Source.Shape(), tg.Config.Model.ZDim, OwnFeatures); err != nil {
		return Result{}, err
	}
	model, err := o.model()
	if err != nil {
		return Result{}, err
	}
	fake, err := Generate(tg, n, o.Seed, o.Truncation, !o.NoEMA)
	if err != nil {
		return Result{}, err
	}
	modes, kl, err := stackedModes(tg.Backend, model, fake)
	if err != nil {
		return Result{}, err
	}
	base, _ := data.IsStacked(tg.Config.Data.Path)
	d, err := data.Open(base, data.Options{Split: "train"})
	if err != nil {
		return Result{}, err
	}
	realSet, err := data.NewStacked(d, n, 1)
	if err != nil {
		return Result{}, err
	}
	real, err := ReadAll(realSet, n)
	if err != nil {
		return Result{}, err
	}
	rModes, rKL, err := stackedModes(tg.Backend, model, real)
	if err != nil {
		return Result{}, err
	}
	return Result{Generated: tg.Dir, Step: tg.Step, Real: realSet.Name(), Stacked: &StackedResult{
		N: n, Modes: modes, KL: kl, RealModes: rModes, RealKL: rKL, FeatureNet: model.Hash()}}, nil
}

// stackedModes labels each channel of stacked images x (n x 28 x 28 x 3) with the
// classifier and counts the triples.
func stackedModes(b backends.Backend, model *featnet.Model, x []float32) (int, float64, error) {
	px := model.Shape.Len()
	n := len(x) / (3 * px)
	e, err := featnet.NewEmbedder(b, model, 500)
	if err != nil {
		return 0, 0, err
	}
	labels := make([][3]int, n)
	one := make([]float32, n*px)
	for c := range 3 {
		for i := range n {
			for p := range px {
				one[i*px+p] = x[(i*px+p)*3+c]
			}
		}
		_, probs, err := e.Run(one)
		if err != nil {
			return 0, 0, err
		}
		for i, k := range featnet.Predictions(probs, model.Classes) {
			labels[i][c] = k
		}
	}
	modes, kl := metrics.StackedModes(labels, model.Classes)
	return modes, kl, nil
}
