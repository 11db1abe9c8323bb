package metrics

import (
	"fmt"
)

// ClassFID is the intra-class FID of a conditional generator: for each class, the
// FID between the samples generated for that class and the real images of that
// class, and the mean of those FIDs over the classes (Miyato & Koyama 2018, "cGANs
// with Projection Discriminator", §4.1, who call the mean "intra-FID"; StudioGAN
// reports it beside the FID over all classes). It is large when a class's samples
// look like another class, which the FID over all samples does not see when the
// classes are merely swapped.
type ClassFID struct {
	PerClass []float64 `json:"per_class"` // in class order
	Mean     float64   `json:"mean"`
}

// IntraClassFID computes ClassFID for features of real and generated images whose
// classes are realLabels and fakeLabels (each in [0, classes)). Every class needs at
// least two images on each side, as FID does.
func IntraClassFID(real, fake Features, realLabels, fakeLabels []int, classes int) (ClassFID, error) {
	if classes < 1 {
		return ClassFID{}, fmt.Errorf("intra-class FID: %d classes, want at least 1", classes)
	}
	realIdx, err := byClass("real", realLabels, real.N, classes)
	if err != nil {
		return ClassFID{}, err
	}
	fakeIdx, err := byClass("generated", fakeLabels, fake.N, classes)
	if err != nil {
		return ClassFID{}, err
	}
	out := ClassFID{PerClass: make([]float64, classes)}
	for c := range classes {
		if len(realIdx[c]) < 2 || len(fakeIdx[c]) < 2 {
			return ClassFID{}, fmt.Errorf("intra-class FID: class %d has %d real and %d generated images, want at least 2 of each", c, len(realIdx[c]), len(fakeIdx[c]))
		}
		f, err := FID(real.Subset(realIdx[c]), fake.Subset(fakeIdx[c]))
		if err != nil {
			return ClassFID{}, fmt.Errorf("intra-class FID of class %d: %w", c, err)
		}
		out.PerClass[c] = f
		out.Mean += f / float64(classes)
	}
	return out, nil
}

// byClass lists, for each class, the rows whose label it is, after checking that
// there is one label per row and each is a class.
func byClass(what string, labels []int, rows, classes int) ([][]int, error) {
	if len(labels) != rows {
		return nil, fmt.Errorf("intra-class FID: %d labels for %d %s images", len(labels), rows, what)
	}
	idx := make([][]int, classes)
	for i, c := range labels {
		if c < 0 || c >= classes {
			return nil, fmt.Errorf("intra-class FID: %s image %d has class %d, want 0 to %d", what, i, c, classes-1)
		}
		idx[c] = append(idx[c], i)
	}
	return idx, nil
}

// ClassShare is how often a classifier assigns generated samples to the class they
// were generated for: per class, the share of that class's samples whose predicted
// class is the requested one, and overall, the share of all samples (equal to the
// mean over classes when the classes are balanced). It is the "discriminability" of
// Odena et al. 2017 (AC-GAN, §4.1), measured with gankit's feature network instead of
// an Inception network.
type ClassShare struct {
	PerClass []float64 `json:"per_class"`
	Overall  float64   `json:"overall"`
}

// ClassShares compares the classes a classifier predicted for generated samples with
// those they were generated for, both in [0, classes) except that a predicted -1
// (a classifier class the generator does not have) never matches.
func ClassShares(predicted, requested []int, classes int) (ClassShare, error) {
	if len(predicted) != len(requested) || len(requested) == 0 {
		return ClassShare{}, fmt.Errorf("class share: %d predictions for %d requested classes, want as many and at least one", len(predicted), len(requested))
	}
	if classes < 1 {
		return ClassShare{}, fmt.Errorf("class share: %d classes, want at least 1", classes)
	}
	right, total := make([]int, classes), make([]int, classes)
	hits := 0
	for i, want := range requested {
		if want < 0 || want >= classes {
			return ClassShare{}, fmt.Errorf("class share: sample %d was requested as class %d, want 0 to %d", i, want, classes-1)
		}
		if p := predicted[i]; p < -1 || p >= classes {
			return ClassShare{}, fmt.Errorf("class share: sample %d was predicted as class %d, want -1 to %d", i, p, classes-1)
		}
		total[want]++
		if predicted[i] == want {
			right[want]++
			hits++
		}
	}
	out := ClassShare{PerClass: make([]float64, classes), Overall: float64(hits) / float64(len(requested))}
	for c := range classes {
		if total[c] == 0 {
			return ClassShare{}, fmt.Errorf("class share: no sample was requested as class %d of %d", c, classes)
		}
		out.PerClass[c] = float64(right[c]) / float64(total[c])
	}
	return out, nil
}
