package data

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestClassNamesFromEveryReader: each reader's labels come with names: the embedded
// Fashion-MNIST subset's ten published names, an IDX pair not named Fashion-MNIST's
// by numbers up to its largest label, CIFAR-10's ten names, class folders by their
// folders and dataset.json's classes by their numbers; unlabelled data have none.
func TestClassNamesFromEveryReader(t *testing.T) {
	dir := t.TempDir()
	// An IDX pair: labels 0 and 3 give classes "0".."3".
	idx := filepath.Join(dir, "idx")
	write(t, filepath.Join(idx, "train-images-idx3-ubyte"), idxBytes(8, 3, []int{2, 1, 1}, []byte{0, 255}))
	write(t, filepath.Join(idx, "train-labels-idx1-ubyte"), idxBytes(8, 1, []int{2}, []byte{3, 0}))
	// The same pair under Fashion-MNIST's names.
	fm := filepath.Join(dir, "fashion-mnist")
	write(t, filepath.Join(fm, "train-images-idx3-ubyte"), idxBytes(8, 3, []int{2, 1, 1}, []byte{0, 255}))
	write(t, filepath.Join(fm, "train-labels-idx1-ubyte"), idxBytes(8, 1, []int{2}, []byte{9, 0}))
	cifar := filepath.Join(dir, "cifar")
	rec := make([]byte, cifarRecord)
	rec[0] = 7
	write(t, filepath.Join(cifar, "data_batch_1.bin"), rec)
	img := grayPNG(t, 4, 4, 0)
	folders := filepath.Join(dir, "folders")
	write(t, filepath.Join(folders, "dog", "a.png"), img)
	write(t, filepath.Join(folders, "cat", "b.png"), img)
	flat := filepath.Join(dir, "flat")
	write(t, filepath.Join(flat, "a.png"), img)
	dj := filepath.Join(dir, "dj")
	write(t, filepath.Join(dj, "x.png"), img)
	write(t, filepath.Join(dj, "y.png"), img)
	write(t, filepath.Join(dj, "dataset.json"), []byte(`{"labels": [["x.png", 2], ["y.png", 0]]}`))
	unlabelled := filepath.Join(dir, "unlabelled")
	write(t, filepath.Join(unlabelled, "train-images-idx3-ubyte"), idxBytes(8, 3, []int{1, 1, 1}, []byte{7}))

	fashion := []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	for _, tc := range []struct {
		name   string
		path   string
		want   []string
		labels []int
	}{
		{"embedded", "", fashion, nil},
		{"idx", idx, []string{"0", "1", "2", "3"}, []int{3, 0}},
		{"fashion-mnist idx", fm, fashion, []int{9, 0}},
		{"cifar-10", cifar, []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}, []int{7}},
		{"class folders", folders, []string{"cat", "dog"}, []int{0, 1}},
		{"dataset.json", dj, []string{"0", "1", "2"}, []int{2, 0}},
		{"flat folder", flat, nil, []int{-1}},
		{"idx without labels", unlabelled, nil, []int{-1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d Dataset
			var err error
			if tc.path == "" {
				d, err = Embedded()
			} else {
				d, err = Open(tc.path, Options{Size: 4, Channels: 1, CacheDir: "off"})
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := ClassNames(d)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("classes %q, want %q", got, tc.want)
			}
			for i, l := range tc.labels {
				if d.Label(i) != l {
					t.Errorf("label %d = %d, want %d", i, d.Label(i), l)
				}
			}
		})
	}
}

// TestBatchLabelsAreTheBatchsExamples: a shuffled source's BatchLabels are the labels
// of the examples Batch gives, in its order, across epochs: each image of the test
// set is its label's value, so a batch's pixels name its labels.
func TestBatchLabelsAreTheBatchsExamples(t *testing.T) {
	const n = 10
	pix := make([]byte, n)
	labs := make([]byte, n)
	for i := range n {
		labs[i] = byte(i % 4)
		pix[i] = byte(i % 4 * 50)
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "train-images-idx3-ubyte"), idxBytes(8, 3, []int{n, 1, 1}, pix))
	write(t, filepath.Join(dir, "train-labels-idx1-ubyte"), idxBytes(8, 1, []int{n}, labs))
	d, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := NewShuffled(d, 7)
	var ls LabelledSource = src
	for step := range 7 { // 3 batches of 3 per epoch: two epochs and more
		x := make([]float32, 3)
		y := make([]int32, 3)
		if err := ls.Batch(step, 3, x); err != nil {
			t.Fatal(err)
		}
		if err := ls.BatchLabels(step, 3, y); err != nil {
			t.Fatal(err)
		}
		for j := range 3 {
			if want := scaleByte(byte(y[j] * 50)); x[j] != want {
				t.Errorf("step %d sample %d: label %d, pixel %g (the label's pixel is %g)", step, j, y[j], x[j], want)
			}
		}
	}
	unl, err := ReadIDX(filepath.Join(dir, "train-images-idx3-ubyte"), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := NewShuffled(unl, 1).BatchLabels(0, 2, make([]int32, 2)); err == nil || !strings.Contains(err.Error(), "no label") {
		t.Errorf("labels of unlabelled data: %v, want an error saying there is none", err)
	}
}
