package featnet

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
)

func embeddedSplit(t *testing.T, lo, hi int) data.Dataset {
	t.Helper()
	d, err := data.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return &window{d, lo, hi}
}

// window is examples lo..hi-1 of a dataset.
type window struct {
	data.Dataset
	lo, hi int
}

func (w *window) Len() int                        { return w.hi - w.lo }
func (w *window) Read(i int, dst []float32) error { return w.Dataset.Read(w.lo+i, dst) }
func (w *window) Label(i int) int                 { return w.Dataset.Label(w.lo + i) }

// TestTrainSaveLoadEmbed trains briefly on part of the embedded images, checks that
// it learned something, that a saved model loads back with the same weights and
// hash, and that the embedder's outputs have the right shapes.
func TestTrainSaveLoadEmbed(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	trainSet, testSet := embeddedSplit(t, 0, 2048), embeddedSplit(t, 9000, 9500)
	m, err := Train(b, trainSet, testSet, TrainOptions{Epochs: 2, Batch: 64, LR: 2e-3}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if m.Accuracy < 0.5 { // 10 classes: chance is 0.1
		t.Errorf("accuracy %.3f after 2 short epochs", m.Accuracy)
	}
	path := filepath.Join(t.TempDir(), "m.gob.gz")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Hash() != m.Hash() || len(back.Hash()) != 64 || back.Classes != 10 || len(back.Weights) != len(m.Weights) {
		t.Fatalf("loaded model differs: hash %s vs %s, %d classes, %d weights", back.Hash(), m.Hash(), back.Classes, len(back.Weights))
	}
	acc, err := Accuracy(b, back, testSet)
	if err != nil || math.Abs(acc-m.Accuracy) > 1e-12 {
		t.Errorf("loaded model accuracy %g, trained %g (%v)", acc, m.Accuracy, err)
	}
	e, err := NewEmbedder(b, back, 64)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 100*28*28)
	for i := range 100 {
		_ = testSet.Read(i, x[i*784:(i+1)*784])
	}
	f, p, err := e.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	if len(f) != 100*Width || len(p) != 100*10 {
		t.Fatalf("embedder gave %d features and %d probabilities for 100 images", len(f), len(p))
	}
	var s float64
	for _, v := range p[:10] {
		s += v
	}
	if math.Abs(s-1) > 1e-5 {
		t.Errorf("probabilities sum to %g", s)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("loading a missing file: no error")
	}
	junk := filepath.Join(t.TempDir(), "junk")
	_ = os.WriteFile(junk, []byte("not a model"), 0o644)
	if _, err := Load(junk); err == nil {
		t.Error("loading junk: no error")
	}
}

// fashionMNIST is where Debian's dataset-fashion-mnist puts the real files (.ci/run
// installs it).
const fashionMNIST = "/usr/share/datasets/fashion-mnist"

// TestCommittedModel: the embedded Fashion-MNIST model is the one whose hash the
// project publishes, and it classifies the real test split at least 90% right.
func TestCommittedModel(t *testing.T) {
	m, err := FashionMNIST()
	if err != nil {
		t.Fatal(err)
	}
	if m.Hash() != FashionMNISTHash {
		t.Fatalf("committed model sha256 %s, FashionMNISTHash says %s", m.Hash(), FashionMNISTHash)
	}
	if _, err := os.Stat(fashionMNIST); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must have %s (.ci/run installs dataset-fashion-mnist): %v", fashionMNIST, err)
		}
		t.Skipf("%s not installed (apt-get install dataset-fashion-mnist)", fashionMNIST)
	}
	test, err := data.Open(fashionMNIST, data.Options{Split: "test"})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := Accuracy(testutil.Backend(t, "cpu"), m, test)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("test accuracy %.2f%% (recorded at training: %.2f%%)", 100*acc, 100*m.Accuracy)
	if acc < 0.90 {
		t.Errorf("test accuracy %.2f%%, want at least 90%%", 100*acc)
	}
}
