package eval

import (
	"fmt"
	"slices"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/metrics"
	"github.com/gankit/gankit/metrics/featnet"
	"github.com/gankit/gankit/sample"
	"github.com/gomlx/gomlx/backends"
)

// ClassResult holds a conditional run's per-class measures of its evaluation
// samples (sample j of class j mod K): the intra-class FID against the real images
// of each class, and the share of samples the classifier assigns to their class.
// A measure that cannot be made says why in its note instead.
type ClassResult struct {
	Classes      []string            `json:"classes"`
	N            int                 `json:"n"`
	FID          *metrics.ClassFID   `json:"intra_fid,omitempty"`
	RealPerClass []int               `json:"real_per_class,omitempty"` // the real images of each class the intra-class FID compares with
	FIDNote      string              `json:"intra_fid_note,omitempty"`
	FeatureNet   string              `json:"feature_net_sha256,omitempty"` // the network the intra-class FID embeds with
	Share        *metrics.ClassShare `json:"class_share,omitempty"`
	Classifier   string              `json:"classifier_sha256,omitempty"`
	ShareNote    string              `json:"class_share_note,omitempty"` // how the classifier's classes were matched to the run's, or why there is no share
}

// classInputs are what the per-class measures need: the feature network (and the
// Inception extractor, when FID uses it), the generated images and their classes'
// names, and the real reference set.
type classInputs struct {
	b       backends.Backend
	model   *featnet.Model
	ext     metrics.Extractor
	classes []string
	fake    []float32 // sample j of class j mod K
	real    data.Dataset
	fid     bool // the evaluation asked for FID
}

// perClass measures the intra-class FID (when FID was asked for) and the class share.
func perClass(in classInputs) (*ClassResult, error) {
	k := len(in.classes)
	per := in.model.Shape.Len()
	n := len(in.fake) / per
	requested := make([]int, n)
	for j, c := range sample.BalancedClasses(n, k) {
		requested[j] = int(c)
	}
	res := &ClassResult{Classes: in.classes, N: n, Classifier: in.model.Hash()}
	e, err := featnet.NewEmbedder(in.b, in.model, genBatch)
	if err != nil {
		return nil, err
	}
	feats, probs, err := e.Run(in.fake)
	if err != nil {
		return nil, err
	}
	if toRun, note, err := classMap(in.model, in.classes); err != nil {
		res.ShareNote = "no class share: " + err.Error()
	} else {
		pred := featnet.Predictions(probs, in.model.Classes)
		for i, c := range pred {
			pred[i] = toRun[c]
		}
		share, err := metrics.ClassShares(pred, requested, k)
		if err != nil {
			return nil, err
		}
		res.Share, res.ShareNote = &share, note
	}
	if !in.fid {
		return res, nil
	}
	if err := checkRealClasses(in.real, in.classes); err != nil {
		res.FIDNote = "no intra-class FID: " + err.Error()
		return res, nil
	}
	realX, err := ReadAll(in.real, in.real.Len())
	if err != nil {
		return nil, err
	}
	realLabels := make([]int, in.real.Len())
	res.RealPerClass = make([]int, k)
	for i := range realLabels {
		realLabels[i] = in.real.Label(i)
		res.RealPerClass[realLabels[i]]++
	}
	fakeF, realF, netName, err := embedBoth(e, in.ext, in.fake, feats, realX, in.model.Hash())
	if err != nil {
		return nil, err
	}
	fid, err := metrics.IntraClassFID(realF, fakeF, realLabels, requested, k)
	if err != nil {
		res.FIDNote = "no intra-class FID: " + err.Error()
		return res, nil
	}
	res.FID, res.FeatureNet = &fid, netName
	return res, nil
}

// embedBoth gives the features the intra-class FID compares: the Inception
// extractor's when there is one, else the feature network's (whose features of the
// generated images are already computed).
func embedBoth(e *featnet.Embedder, ext metrics.Extractor, fake []float32, fakeFeats []float64, real []float32, hash string) (fakeF, realF metrics.Features, name string, err error) {
	if ext != nil {
		if fakeF, err = ext.Embed(fake); err != nil {
			return
		}
		realF, err = ext.Embed(real)
		return fakeF, realF, ext.Name(), err
	}
	if fakeF, err = metrics.NewFeatures(fakeFeats, len(fakeFeats)/featnet.Width, featnet.Width); err != nil {
		return
	}
	r, _, err := e.Run(real)
	if err != nil {
		return
	}
	realF, err = metrics.NewFeatures(r, len(r)/featnet.Width, featnet.Width)
	return fakeF, realF, hash, err
}

// checkRealClasses refuses reference images whose classes are not the run's.
func checkRealClasses(real data.Dataset, classes []string) error {
	names, err := data.ClassNames(real)
	if err != nil {
		return err
	}
	if !slices.Equal(names, classes) {
		if len(names) == 0 {
			return fmt.Errorf("the real images %s have no labels", real.Name())
		}
		return fmt.Errorf("the real images %s have %s; the run's %s", real.Name(), sample.DescribeClasses(names), sample.DescribeClasses(classes))
	}
	return nil
}

// classMap maps each of the classifier's classes to the run's class of the same
// name (-1 for one the run does not have). The classifier's names are its Labels, or
// Fashion-MNIST's for the committed Fashion-MNIST network (trained on IDX files,
// which name no classes); a classifier without names is taken class for class when
// it has as many classes as the run, and the note says so. Every run class must be
// one the classifier knows.
func classMap(m *featnet.Model, classes []string) (toRun []int, note string, err error) {
	names := m.Labels
	if len(names) == 0 && m.Hash() == featnet.FashionMNISTHash {
		fm, err := data.Embedded()
		if err != nil {
			return nil, "", err
		}
		if names, err = data.ClassNames(fm); err != nil {
			return nil, "", err
		}
	}
	toRun = make([]int, m.Classes)
	if len(names) == 0 {
		if m.Classes != len(classes) {
			return nil, "", fmt.Errorf("the classifier names no classes and has %d, the run has %d", m.Classes, len(classes))
		}
		for i := range toRun {
			toRun[i] = i
		}
		return toRun, "the classifier names no classes: its class i is taken as the run's class i", nil
	}
	if len(names) != m.Classes {
		return nil, "", fmt.Errorf("the classifier names %d classes and has %d outputs", len(names), m.Classes)
	}
	for i, name := range names {
		toRun[i] = slices.Index(classes, name)
	}
	for _, c := range classes {
		if !slices.Contains(names, c) {
			return nil, "", fmt.Errorf("the classifier does not know the run's class %q; its %s", c, sample.DescribeClasses(names))
		}
	}
	return toRun, "", nil
}
