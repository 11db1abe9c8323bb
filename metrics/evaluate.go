package metrics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/metrics/featnet"
	"github.com/gomlx/gomlx/backends"
)

// Image metric names, as `gankit eval --metrics` takes them.
const (
	MetricFID      = "fid"
	MetricKID      = "kid"
	MetricPR       = "pr"       // precision and recall
	MetricDC       = "dc"       // density and coverage
	MetricIS       = "is"       // Inception Score from the feature network's classes
	MetricSpectrum = "spectrum" // checkerboard score
)

// ImageMetrics lists them, in report order (a copy).
func ImageMetrics() []string {
	return []string{MetricFID, MetricKID, MetricPR, MetricDC, MetricIS, MetricSpectrum}
}

// ParseMetrics reads a comma-separated list ("" or "all" = every one), into a new
// slice.
func ParseMetrics(s string) ([]string, error) {
	if s == "" || s == "all" {
		return ImageMetrics(), nil
	}
	var out []string
	for _, m := range strings.Split(s, ",") {
		m = strings.TrimSpace(m)
		if !slices.Contains(ImageMetrics(), m) {
			return nil, fmt.Errorf("--metrics: %q is not one of %s", m, strings.Join(ImageMetrics(), ", "))
		}
		out = append(out, m)
	}
	return out, nil
}

// ImageResult holds the measures of generated images against real ones; metrics
// not asked for are nil.
type ImageResult struct {
	N          int           `json:"n"`
	FeatureNet string        `json:"feature_net_sha256"`
	FID        *float64      `json:"fid,omitempty"`
	FIDFloor   *float64      `json:"fid_floor,omitempty"` // real vs real: the best a model can do
	KID        *float64      `json:"kid,omitempty"`
	KIDStd     *float64      `json:"kid_std,omitempty"`
	Precision  *float64      `json:"precision,omitempty"`
	Recall     *float64      `json:"recall,omitempty"`
	Density    *float64      `json:"density,omitempty"`
	Coverage   *float64      `json:"coverage,omitempty"`
	IS         *float64      `json:"is,omitempty"`
	ISStd      *float64      `json:"is_std,omitempty"`
	Spectrum   *Checkerboard `json:"spectrum,omitempty"`
}

// ImageInputs are the image sets an evaluation compares (flat, values in [-1, 1]).
type ImageInputs struct {
	Shape data.Shape
	Real  []float32 // the reference set (a test split)
	Fake  []float32 // generated images
	Floor []float32 // another real set (the training split), for the FID floor; may be nil
}

// Extractor embeds images (flat, values in [-1, 1]) for the distribution metrics.
type Extractor interface {
	// Embed returns n rows of features.
	Embed(images []float32) (Features, error)
	// Name identifies the network (its weights' hash), for comparability.
	Name() string
}

// EvaluateImages computes the named metrics of in.Fake against in.Real, embedding
// both with model on backend b — or with ext for FID, KID, precision/recall and
// density/coverage when ext is not nil (the FID Inception network); the Inception
// Score always comes from model's classes.
func EvaluateImages(b backends.Backend, model *featnet.Model, ext Extractor, in ImageInputs, names []string, kid KIDOptions) (ImageResult, error) {
	if in.Shape != model.Shape {
		return ImageResult{}, fmt.Errorf("the feature network takes %v, the images are %v", model.Shape, in.Shape)
	}
	e, err := featnet.NewEmbedder(b, model, 500)
	if err != nil {
		return ImageResult{}, err
	}
	classify := func(x []float32) (Features, []float64, error) {
		f, p, err := e.Run(x)
		if err != nil {
			return Features{}, nil, err
		}
		feats, err := NewFeatures(f, len(f)/featnet.Width, featnet.Width)
		return feats, p, err
	}
	ev := imageEval{in: in, model: model, kid: kid, embed: classify}
	netName := model.Hash()
	if ext != nil {
		netName = ext.Name()
		ev.embed = func(x []float32) (Features, []float64, error) {
			f, err := ext.Embed(x)
			return f, nil, err
		}
	}
	if ev.real, _, err = ev.embed(in.Real); err != nil {
		return ImageResult{}, err
	}
	if ev.fake, ev.probs, err = ev.embed(in.Fake); err != nil {
		return ImageResult{}, err
	}
	if ev.probs == nil && slices.Contains(names, MetricIS) {
		if _, ev.probs, err = classify(in.Fake); err != nil {
			return ImageResult{}, err
		}
	}
	r := ImageResult{N: ev.fake.N, FeatureNet: netName}
	for _, name := range names {
		if err := ev.measure(name, &r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// imageEval is one EvaluateImages call once both sets are embedded: the features
// of the real and fake images, the fake images' class probabilities when some were
// computed, and embed to embed a further set (the floor) the same way.
type imageEval struct {
	in         ImageInputs
	model      *featnet.Model
	kid        KIDOptions
	embed      func(x []float32) (Features, []float64, error)
	real, fake Features
	probs      []float64
}

// measure computes metric name into r.
func (ev *imageEval) measure(name string, r *ImageResult) error {
	val := func(v float64) *float64 { return &v }
	real, fake := ev.real, ev.fake
	switch name {
	case MetricFID:
		return ev.fid(r)
	case MetricKID:
		m, s, err := KID(real, fake, ev.kid)
		if err != nil {
			return err
		}
		r.KID, r.KIDStd = val(m), val(s)
	case MetricPR:
		p, rc, err := PrecisionRecall(real, fake, PRNeighbours)
		if err != nil {
			return err
		}
		r.Precision, r.Recall = val(p), val(rc)
	case MetricDC:
		d, c, err := DensityCoverage(real, fake, DCNeighbours)
		if err != nil {
			return err
		}
		r.Density, r.Coverage = val(d), val(c)
	case MetricIS:
		m, s := InceptionScore(ev.probs, ev.model.Classes, 10)
		r.IS, r.ISStd = val(m), val(s)
	case MetricSpectrum:
		return ev.spectrum(r)
	}
	return nil
}

// fid is FID between the real and fake sets and, when there is a floor set, the
// floor's FID against the real set.
func (ev *imageEval) fid(r *ImageResult) error {
	v, err := FID(ev.real, ev.fake)
	if err != nil {
		return err
	}
	r.FID = &v
	if ev.in.Floor == nil {
		return nil
	}
	floor, _, err := ev.embed(ev.in.Floor)
	if err != nil {
		return err
	}
	fl, err := FID(ev.real, floor)
	if err != nil {
		return err
	}
	r.FIDFloor = &fl
	return nil
}

// spectrum compares the fake images' radial power spectrum with the real ones'.
func (ev *imageEval) spectrum(r *ImageResult) error {
	s := ev.in.Shape
	gs, err := RadialSpectrum(ev.in.Fake, ev.fake.N, s.Size, s.Channels)
	if err != nil {
		return err
	}
	rs, err := RadialSpectrum(ev.in.Real, ev.real.N, s.Size, s.Channels)
	if err != nil {
		return err
	}
	cb, err := CompareSpectra(gs, rs, s.Size)
	if err != nil {
		return err
	}
	r.Spectrum = &cb
	return nil
}
