package eval

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/metrics/featnet"
	"github.com/gankit/gankit/sample"
)

// tone is the grey level of class c of k: -0.8 for the first, +0.8 for the last.
func tone(c, k int) float32 { return -0.8 + 1.6*float32(c)/float32(k-1) }

// tones is n 8x8 grey images, image i of class i mod k, every pixel the class's tone
// but one that varies with i. Its classes, read by data.ClassNames, are "0".."k-1".
type tones struct{ n, k int }

func (d tones) Name() string      { return fmt.Sprintf("%d tones", d.n) }
func (d tones) Len() int          { return d.n }
func (d tones) Shape() data.Shape { return data.Shape{Size: 8, Channels: 1} }
func (d tones) Label(i int) int   { return i % d.k }

func (d tones) Read(i int, dst []float32) error {
	for p := range dst {
		dst[p] = tone(i%d.k, d.k)
	}
	dst[i%len(dst)] = 0
	return nil
}

// unlabelled is a tones set without labels.
type unlabelled struct{ tones }

func (unlabelled) Label(int) int { return -1 }

// toneSampler is a conditional generator whose sample of class c is the tone of
// class c+shift (mod k) with noise from its latent: shift 0 draws the class asked
// for, shift 1 always the next one. It records the classes it was asked for.
type toneSampler struct {
	classes []string
	shift   int
	asked   []int32
}

func (g *toneSampler) Classes() []string { return g.classes }

func (g *toneSampler) RunClasses(z []float32, y []int32) ([]float32, error) {
	k, zd := len(g.classes), len(z)/len(y)
	g.asked = append(g.asked, y...)
	out := make([]float32, 0, len(y)*64)
	for j, c := range y {
		for p := range 64 {
			out = append(out, tone((int(c)+g.shift)%k, k)+0.05*z[j*zd+p%zd])
		}
	}
	return out, nil
}

// TestCASTrainsOnTheClassesTheSamplesWereGeneratedFor: CAS asks the generator for
// 10 samples of each of three classes, in turn, and trains the classifier on them
// with those classes as labels: a generator that draws the class it is asked for
// scores nearly 1 on real test images, as does the classifier trained on 30 real
// images (10 of each); one that always draws the next class scores nearly 0 though
// its samples are as sharp.
func TestCASTrainsOnTheClassesTheSamplesWereGeneratedFor(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	o := CASOptions{PerClass: 10, Train: featnet.TrainOptions{Epochs: 4, Batch: 10, LR: 1e-2}}
	classes := []string{"0", "1", "2"}
	for _, tc := range []struct {
		shift    int
		min, max float64
	}{{0, 0.9, 1}, {1, 0, 0.1}} {
		gen := &toneSampler{classes: classes, shift: tc.shift}
		in := casInputs{b: b, gen: gen, zDim: 4, pool: tones{90, 3}, test: tones{30, 3}, log: io.Discard}
		res, err := cas(in, o, 7)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(gen.asked, sample.BalancedClasses(30, 3)) {
			t.Errorf("shift %d: the generator was asked for classes %v, want 0, 1, 2 in turn, 30 of them", tc.shift, gen.asked)
		}
		if res.Accuracy < tc.min || res.Accuracy > tc.max {
			t.Errorf("shift %d: CAS %.2f, want %g to %g", tc.shift, res.Accuracy, tc.min, tc.max)
		}
		if res.RealAccuracy < 0.9 || !slices.Equal(res.RealPerClass, []int{10, 10, 10}) || res.Generated != 30 || res.TestImages != 30 {
			t.Errorf("shift %d: real baseline %.2f on %v per class, %d generated, %d test images", tc.shift, res.RealAccuracy, res.RealPerClass, res.Generated, res.TestImages)
		}
	}
}

// TestCASRefusesTestImagesOfOtherClasses: the test split must have the generator's
// classes, by name and number, and labels; the generator must have classes.
func TestCASRefusesTestImagesOfOtherClasses(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	o := CASOptions{PerClass: 10, Train: featnet.TrainOptions{Epochs: 1, Batch: 10, LR: 1e-2}}
	for _, tc := range []struct {
		name    string
		classes []string
		test    data.Dataset
		want    []string
	}{
		{"other names", []string{"a", "b", "c"}, tones{30, 3}, []string{"--cas", "30 tones", `3 classes are 0 "0", 1 "1", 2 "2"`, `trained on 3 classes are 0 "a"`}},
		{"fewer classes", []string{"0", "1"}, tones{30, 3}, []string{"--cas", `3 classes are`, `trained on 2 classes are 0 "0", 1 "1"`}},
		{"no labels", []string{"0", "1", "2"}, unlabelled{tones{30, 3}}, []string{"--cas", "30 tones", "no labels"}},
		{"unconditional", nil, tones{30, 3}, []string{"--cas", "unconditional"}},
	} {
		gen := &toneSampler{classes: tc.classes}
		_, err := cas(casInputs{b: b, gen: gen, zDim: 4, pool: tones{90, 3}, test: tc.test, log: io.Discard}, o, 0)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %v, want one saying %q", tc.name, err, w)
			}
		}
		if len(gen.asked) != 0 {
			t.Errorf("%s: %d samples generated before the refusal", tc.name, len(gen.asked))
		}
	}
	gen := &toneSampler{classes: []string{"0", "1", "2"}}
	for _, tc := range []struct {
		o    CASOptions
		pool data.Dataset
		want string
	}{
		{CASOptions{PerClass: 0, Train: o.Train}, tones{90, 3}, "--cas-per-class 0"},
		{CASOptions{PerClass: 40, Train: o.Train}, tones{90, 3}, "needs 120 training images, 90 tones has 90"},
		{CASOptions{PerClass: 2, Train: o.Train}, tones{90, 3}, "--cas-batch 10: the classifier trains on 6 images"},
	} {
		_, err := cas(casInputs{b: b, gen: gen, zDim: 4, pool: tc.pool, test: tones{30, 3}, log: io.Discard}, tc.o, 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("per class %d: error %v, want one saying %q", tc.o.PerClass, err, tc.want)
		}
	}
}
