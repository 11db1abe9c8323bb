package eval

import (
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/metrics/featnet"
)

// byClassOrder reads images of d from first on so that image j of the result is of
// class (j + shift) mod k, perClass of each class.
func byClassOrder(t *testing.T, d data.Dataset, first, perClass, k, shift int) []float32 {
	t.Helper()
	queues := make([][]int, k)
	for i := first; i < d.Len(); i++ {
		queues[d.Label(i)] = append(queues[d.Label(i)], i)
	}
	per := d.Shape().Len()
	x := make([]float32, perClass*k*per)
	for j := range perClass * k {
		c := (j + shift) % k
		if err := d.Read(queues[c][j/k], x[j*per:(j+1)*per]); err != nil {
			t.Fatal(err)
		}
	}
	return x
}

// TestPerClassOfRealImagesArrangedByClass stands real Fashion-MNIST images in for a
// conditional generator's samples: 50 of each class, image j of class j mod 10 as
// evaluation samples are. The committed classifier then assigns most to their class
// (it is 91% accurate) and each class's FID against the real images of that class
// is small; arranged one class off (image j of class j+1), the share is small and
// the intra-class FID large, though the FID over all images would not change.
func TestPerClassOfRealImagesArrangedByClass(t *testing.T) {
	d, err := data.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	classes, err := data.ClassNames(d)
	if err != nil || len(classes) != 10 || classes[9] != "Ankle boot" {
		t.Fatalf("the embedded subset's classes: %v (%v)", classes, err)
	}
	model, err := featnet.FashionMNIST()
	if err != nil {
		t.Fatal(err)
	}
	real, err := data.Open(data.EmbeddedName, data.Options{Limit: 2000})
	if err != nil {
		t.Fatal(err)
	}
	b := testutil.Backend(t, "cpu")
	var matched float64
	for _, shift := range []int{0, 1} {
		in := classInputs{b: b, model: model, classes: classes, fake: byClassOrder(t, d, 5000, 50, 10, shift), real: real, fid: true}
		res, err := perClass(in)
		if err != nil {
			t.Fatal(err)
		}
		if res.Share == nil || res.FID == nil {
			t.Fatalf("shift %d: share %v (%s), intra-class FID %v (%s)", shift, res.Share, res.ShareNote, res.FID, res.FIDNote)
		}
		t.Logf("shift %d: class share %.3f, intra-class FID %.2f, per class %.1f", shift, res.Share.Overall, res.FID.Mean, res.FID.PerClass)
		if sum := res.RealPerClass; len(sum) != 10 || sum[0] < 150 || res.N != 500 || res.ShareNote != "" || res.FeatureNet != model.Hash() {
			t.Errorf("shift %d: real images per class %v, n %d, note %q, network %s", shift, sum, res.N, res.ShareNote, res.FeatureNet)
		}
		switch shift {
		case 0:
			matched = res.FID.Mean
			if res.Share.Overall < 0.85 || slices.Min(res.Share.PerClass) < 0.5 {
				t.Errorf("real images of their class: share %.3f, per class %.2f", res.Share.Overall, res.Share.PerClass)
			}
		case 1:
			if res.Share.Overall > 0.15 || res.FID.Mean < 5*matched {
				t.Errorf("images one class off: share %.3f, intra-class FID %.2f (matched %.2f)", res.Share.Overall, res.FID.Mean, matched)
			}
		}
	}
	// No FID asked for: no intra-class FID. Classes the classifier does not know
	// and the real images do not have: notes, no figures.
	other := slices.Clone(classes)
	other[3] = "Gown"
	for _, tc := range []struct {
		classes   []string
		fid       bool
		shareNote string
		fidNote   string
	}{
		{classes, false, "", ""},
		{other, true, `no class share: the classifier does not know the run's class "Gown"`, `no intra-class FID: the real images embedded:fashion-mnist-10k have 10 classes are 0 "T-shirt/top"`},
	} {
		res, err := perClass(classInputs{b: b, model: model, classes: tc.classes, fake: byClassOrder(t, d, 5000, 5, 10, 0), real: real, fid: tc.fid})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(res.ShareNote, tc.shareNote) || (tc.shareNote == "") != (res.Share != nil) {
			t.Errorf("classes %v: share %v, note %q, want note %q", tc.classes, res.Share, res.ShareNote, tc.shareNote)
		}
		if !strings.HasPrefix(res.FIDNote, tc.fidNote) || res.FID != nil {
			t.Errorf("classes %v, fid %v: intra-class FID %v, note %q, want none and note %q", tc.classes, tc.fid, res.FID, res.FIDNote, tc.fidNote)
		}
	}
}

// TestClassMapMatchesClassifierClassesByName: a classifier's classes are matched
// to the run's by name (-1 for one the run lacks), class for class when it names
// none and has as many, and refused when a run class is unknown to it.
func TestClassMapMatchesClassifierClassesByName(t *testing.T) {
	for _, tc := range []struct {
		model   featnet.Model
		classes []string
		want    []int
		note    string
		err     string
	}{
		{featnet.Model{Classes: 3, Labels: []string{"b", "x", "a"}}, []string{"a", "b"}, []int{1, -1, 0}, "", ""},
		{featnet.Model{Classes: 2}, []string{"a", "b"}, []int{0, 1}, "its class i is taken as the run's class i", ""},
		{featnet.Model{Classes: 3}, []string{"a", "b"}, nil, "", "names no classes and has 3, the run has 2"},
		{featnet.Model{Classes: 2, Labels: []string{"a", "c"}}, []string{"a", "b"}, nil, "", `does not know the run's class "b"`},
		{featnet.Model{Classes: 3, Labels: []string{"a", "b"}}, []string{"a", "b"}, nil, "", "names 2 classes and has 3 outputs"},
	} {
		got, note, err := classMap(&tc.model, tc.classes)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v for %v: error %v, want %q", tc.model.Labels, tc.classes, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) || !strings.Contains(note, tc.note) {
			t.Errorf("%v for %v: %v, note %q (%v); want %v", tc.model.Labels, tc.classes, got, note, err, tc.want)
		}
	}
	fm, err := featnet.FashionMNIST()
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	if got, note, err := classMap(fm, names); err != nil || note != "" || !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("the committed network for Fashion-MNIST's names: %v, %q, %v", got, note, err)
	}
}
