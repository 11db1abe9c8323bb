package eval

import (
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/metrics/featnet"
	"github.com/gankit/gankit/sample"
)

// TestAugmentAddsTheGeneratedImagesToTheRealOnes: the real training images hold
// classes 0 and 1 only (8 images), the generator all three. Ratios 0.5 and 2 add 4
// and 16 generated images, from one draw of 16 (classes in turn); each ratio trains
// two classifiers (seeds 4 and 5). Real images alone cannot teach class 2 (at most
// 2/3 of the test images right); with generated images added the classifier learns
// it.
func TestAugmentAddsTheGeneratedImagesToTheRealOnes(t *testing.T) {
	all := tones{12, 3}
	var idx []int
	for i := range all.Len() {
		if all.Label(i) < 2 {
			idx = append(idx, i)
		}
	}
	real := &picked{Dataset: all, idx: idx, what: "classes 0 and 1"}
	gen := &toneSampler{classes: []string{"0", "1", "2"}}
	in := augmentInputs{b: testutil.Backend(t, "cpu"), gen: gen, zDim: 4, train: real, test: tones{30, 3}, log: io.Discard}
	o := AugmentOptions{Ratios: []float64{0.5, 2}, Seeds: 2, Steps: 20, Train: featnet.TrainOptions{Batch: 6, LR: 1e-2}}
	res, err := augment(in, o, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gen.asked, sample.BalancedClasses(16, 3)) {
		t.Errorf("the generator was asked for %v, want 16 samples of classes in turn", gen.asked)
	}
	if !slices.Equal(res.Seeds, []int64{4, 5}) || res.RealImages != 8 || res.TestImages != 30 || res.Steps != 20 {
		t.Errorf("seeds %v, %d real images, %d test images, %d steps", res.Seeds, res.RealImages, res.TestImages, res.Steps)
	}
	if len(res.Cells) != 3 {
		t.Fatalf("%d cells, want 3 (ratios 0, 0.5, 2)", len(res.Cells))
	}
	for i, want := range []struct {
		ratio     float64
		generated int
		min, max  float64
	}{{0, 0, 0, 2.0 / 3}, {0.5, 4, 0.9, 1}, {2, 16, 0.9, 1}} {
		c := res.Cells[i]
		if c.Ratio != want.ratio || c.Generated != want.generated || len(c.Accuracy) != 2 {
			t.Errorf("cell %d: ratio %g with %d generated images, %d accuracies; want ratio %g, %d, 2", i, c.Ratio, c.Generated, len(c.Accuracy), want.ratio, want.generated)
			continue
		}
		for _, a := range c.Accuracy {
			if a < want.min || a > want.max {
				t.Errorf("ratio %g: accuracy %.3f, want %.3f to %.3f", c.Ratio, a, want.min, want.max)
			}
		}
		if m, _, _ := spread(c.Accuracy); c.Mean != m {
			t.Errorf("ratio %g: mean %g of %v", c.Ratio, c.Mean, c.Accuracy)
		}
	}
}

// TestSpreadIsMeanSampleStdAndStandardError: 0.8, 0.9, 1.0 have mean 0.9, sample
// standard deviation sqrt((0.01 + 0 + 0.01) / 2) = 0.1 and standard error
// 0.1 / sqrt(3); one value has no spread.
func TestSpreadIsMeanSampleStdAndStandardError(t *testing.T) {
	m, s, se := spread([]float64{0.8, 0.9, 1.0})
	if math.Abs(m-0.9) > 1e-12 || math.Abs(s-0.1) > 1e-12 || math.Abs(se-0.1/math.Sqrt(3)) > 1e-12 {
		t.Errorf("spread of 0.8, 0.9, 1.0: %g, %g, %g", m, s, se)
	}
	if m, s, se := spread([]float64{0.7}); m != 0.7 || s != 0 || se != 0 {
		t.Errorf("spread of 0.7: %g, %g, %g", m, s, se)
	}
}

func TestAugmentOptionsRefusals(t *testing.T) {
	ok := AugmentOptions{Ratios: []float64{1}, Seeds: 1, Steps: 1, Train: featnet.TrainOptions{Batch: 1, LR: 1e-3}}
	for _, tc := range []struct {
		change func(*AugmentOptions)
		want   string
	}{
		{func(o *AugmentOptions) { o.Seeds = 0 }, "--augment-seeds 0"},
		{func(o *AugmentOptions) { o.Steps = -1 }, "--augment-steps -1"},
		{func(o *AugmentOptions) { o.Train.Batch = 0 }, "--augment-batch 0"},
		{func(o *AugmentOptions) { o.Train.LR = math.NaN() }, "--augment-lr NaN"},
		{func(o *AugmentOptions) { o.Ratios = nil }, "--augment-ratios: want at least one"},
		{func(o *AugmentOptions) { o.Ratios = []float64{1, 0} }, "--augment-ratios: 0 is not"},
		{func(o *AugmentOptions) { o.Ratios = []float64{math.Inf(1)} }, "--augment-ratios: +Inf is not"},
		{func(o *AugmentOptions) { o.Ratios = []float64{0.5, 0.5} }, "0.5 is given twice"},
	} {
		o := ok
		o.Ratios = slices.Clone(ok.Ratios)
		tc.change(&o)
		if err := o.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one saying %q", err, tc.want)
		}
	}
	if err := ok.Check(); err != nil {
		t.Errorf("good options refused: %v", err)
	}
	in := augmentInputs{b: testutil.Backend(t, "cpu"), gen: &toneSampler{classes: []string{"0", "1", "2"}}, zDim: 4, train: tones{3, 3}, test: tones{30, 3}, log: io.Discard}
	small := ok
	small.Ratios = []float64{0.1}
	if _, err := augment(in, small, 0); err == nil || !strings.Contains(err.Error(), "0.1 of 3 real images is no generated image") {
		t.Errorf("ratio 0.1 of 3 images: error %v", err)
	}
}
