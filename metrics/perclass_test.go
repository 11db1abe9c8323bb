package metrics

import (
	"math"
	"strings"
	"testing"
)

// oneD wraps 1-D features: in one dimension FID is (m1 - m2)^2 + (sqrt(v1) -
// sqrt(v2))^2 with v the variance (divisor n-1), which a reader can check by hand.
func oneD(t *testing.T, x ...float64) Features {
	t.Helper()
	f, err := NewFeatures(x, len(x), 1)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestIntraClassFIDIsEachClassesFIDAndTheirMean checks intra-class FID on 1-D
// features whose classes are interleaved, so that a class's subset must be picked by
// its labels:
//
//	class 0: real {0, 2} (mean 1, var 2), generated {1, 5} (mean 3, var 8):
//	         FID = (1-3)^2 + (sqrt 2 - sqrt 8)^2 = 4 + 2 = 6;
//	class 1: real {10, 12, 14} (mean 12, var 4), generated {13, 15, 17} (mean 15, var 4):
//	         FID = 3^2 + 0 = 9;
//	mean (6 + 9) / 2 = 7.5.
//
// And with the classes swapped: real class 0 {0, 2}, class 1 {10, 12}, generated the
// same images under the other label: the FID over all images is 0, each class's is
// (11 - 1)^2 = 100.
func TestIntraClassFIDIsEachClassesFIDAndTheirMean(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		real, fake             []float64
		realLabels, fakeLabels []int
		perClass               []float64
		overall                float64 // FID over all images, for comparison
	}{
		{"by hand", []float64{0, 10, 2, 12, 14}, []float64{13, 1, 15, 5, 17}, []int{0, 1, 0, 1, 1}, []int{1, 0, 1, 0, 1}, []float64{6, 9}, -1},
		{"swapped classes", []float64{0, 2, 10, 12}, []float64{10, 2, 0, 12}, []int{0, 0, 1, 1}, []int{0, 1, 1, 0}, []float64{100, 100}, 0},
	} {
		real, fake := oneD(t, tc.real...), oneD(t, tc.fake...)
		got, err := IntraClassFID(real, fake, tc.realLabels, tc.fakeLabels, 2)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var mean float64
		for c, want := range tc.perClass {
			if math.Abs(got.PerClass[c]-want) > 1e-9 {
				t.Errorf("%s: class %d FID %g, want %g", tc.name, c, got.PerClass[c], want)
			}
			mean += want / float64(len(tc.perClass))
		}
		if math.Abs(got.Mean-mean) > 1e-9 {
			t.Errorf("%s: mean %g, want %g", tc.name, got.Mean, mean)
		}
		if tc.overall >= 0 {
			all, err := FID(real, fake)
			if err != nil || math.Abs(all-tc.overall) > 1e-9 {
				t.Errorf("%s: FID over all images %g (%v), want %g", tc.name, all, err, tc.overall)
			}
		}
	}
}

func TestIntraClassFIDRefusesWhatItCannotMeasure(t *testing.T) {
	real, fake := oneD(t, 0, 1, 2, 3), oneD(t, 0, 1, 2, 3)
	for _, tc := range []struct {
		name                   string
		realLabels, fakeLabels []int
		classes                int
		want                   string
	}{
		{"a class with one generated image", []int{0, 0, 1, 1}, []int{0, 0, 0, 1}, 2, "class 1 has 2 real and 1 generated"},
		{"a class with no image", []int{0, 0, 1, 1}, []int{0, 0, 1, 1}, 3, "class 2 has 0 real and 0 generated"},
		{"a label out of range", []int{0, 0, 1, 2}, []int{0, 0, 1, 1}, 2, "real image 3 has class 2, want 0 to 1"},
		{"a negative label", []int{0, 0, 1, 1}, []int{0, -1, 1, 1}, 2, "generated image 1 has class -1"},
		{"too few labels", []int{0, 0, 1}, []int{0, 0, 1, 1}, 2, "3 labels for 4 real images"},
		{"no classes", []int{0, 0, 1, 1}, []int{0, 0, 1, 1}, 0, "0 classes"},
	} {
		_, err := IntraClassFID(real, fake, tc.realLabels, tc.fakeLabels, tc.classes)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}

// TestClassSharesCountsRequestedClassHits: six samples, two per class, predicted
// [0, 1, 0, 0, -1, 2] for requested [0, 1, 2, 0, 1, 2]: class 0 both right (1),
// class 1 one of two (the -1 is a classifier class the generator does not have),
// class 2 one of two; overall 4 of 6.
func TestClassSharesCountsRequestedClassHits(t *testing.T) {
	got, err := ClassShares([]int{0, 1, 0, 0, -1, 2}, []int{0, 1, 2, 0, 1, 2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 0.5, 0.5}
	for c := range want {
		if got.PerClass[c] != want[c] {
			t.Errorf("class %d share %g, want %g", c, got.PerClass[c], want[c])
		}
	}
	if got.Overall != 4.0/6 {
		t.Errorf("overall share %g, want 4/6", got.Overall)
	}
	for _, tc := range []struct {
		predicted, requested []int
		classes              int
		want                 string
	}{
		{[]int{0}, []int{0, 1}, 2, "1 predictions for 2 requested"},
		{nil, nil, 2, "0 predictions for 0"},
		{[]int{0, 1}, []int{0, 2}, 2, "sample 1 was requested as class 2"},
		{[]int{0, 3}, []int{0, 1}, 2, "sample 1 was predicted as class 3"},
		{[]int{0, 0}, []int{0, 0}, 2, "no sample was requested as class 1"},
	} {
		if _, err := ClassShares(tc.predicted, tc.requested, tc.classes); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ClassShares(%v, %v, %d): error %v, want one saying %q", tc.predicted, tc.requested, tc.classes, err, tc.want)
		}
	}
}
