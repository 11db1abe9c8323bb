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
	embed := classify
	netName := model.Hash()
	if ext != nil {
		netName = ext.Name()
		embed = func(x []float32) (Features, []float64, error) {
			f, err := ext.Embed(x)
			return f, nil, err
		}
	}
	real, _, err := embed(in.Real)
	if err != nil {
		return ImageResult{}, err
	}
	fake, probs, err := embed(in.Fake)
	if err != nil {
		return ImageResult{}, err
	}
	if probs == nil && slices.Contains(names, MetricIS) {
		if _, probs, err = classify(in.Fake); err != nil {
			return ImageResult{}, err
		}
	}
	r := ImageResult{N: fake.N, FeatureNet: netName}
	val := func(v float64) *float64 { return &v }
	for _, name := range names {
		switch name {
		case MetricFID:
			v, err := FID(real, fake)
			if err != nil {
				return r, err
			}
			r.FID = val(v)
			if in.Floor != nil {
				floor, _, err := embed(in.Floor)
				if err != nil {
					return r, err
				}
				if v, err = FID(real, floor); err != nil {
					return r, err
				}
				r.FIDFloor = val(v)
			}
		case MetricKID:
			m, s, err := KID(real, fake, kid)
			if err != nil {
				return r, err
			}
			r.KID, r.KIDStd = val(m), val(s)
		case MetricPR:
			p, rc, err := PrecisionRecall(real, fake, PRNeighbours)
			if err != nil {
				return r, err
			}
			r.Precision, r.Recall = val(p), val(rc)
		case MetricDC:
			d, c, err := DensityCoverage(real, fake, DCNeighbours)
			if err != nil {
				return r, err
			}
			r.Density, r.Coverage = val(d), val(c)
		case MetricIS:
			m, s := InceptionScore(probs, model.Classes, 10)
			r.IS, r.ISStd = val(m), val(s)
		case MetricSpectrum:
			s := in.Shape
			gs, err := RadialSpectrum(in.Fake, fake.N, s.Size, s.Channels)
			if err != nil {
				return r, err
			}
			rs, err := RadialSpectrum(in.Real, real.N, s.Size, s.Channels)
			if err != nil {
				return r, err
			}
			cb, err := CompareSpectra(gs, rs, s.Size)
			if err != nil {
				return r, err
			}
			r.Spectrum = &cb
		}
	}
	return r, nil
}
