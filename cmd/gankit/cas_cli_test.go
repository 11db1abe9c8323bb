package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/eval"
)

// casIDX writes Fashion-MNIST-style IDX files prefix-images-idx3-ubyte and
// prefix-labels-idx1-ubyte into dir: n 28x28 images, image i of class i mod k, all
// its pixels the class's grey level but one. gankit's IDX reader names such classes
// "0".."k-1".
func casIDX(t *testing.T, dir, prefix string, n, k int) {
	t.Helper()
	img := []byte{0, 0, 8, 3}
	for _, d := range []uint32{uint32(n), 28, 28} {
		img = binary.BigEndian.AppendUint32(img, d)
	}
	lab := binary.BigEndian.AppendUint32([]byte{0, 0, 8, 1}, uint32(n))
	for i := range n {
		c := i % k
		px := make([]byte, 28*28)
		for p := range px {
			px[p] = byte(30 + 200*c/max(1, k-1))
		}
		px[i%len(px)] = 255
		img = append(img, px...)
		lab = append(lab, byte(c))
	}
	writeFile(t, filepath.Join(dir, prefix+"-images-idx3-ubyte"), img)
	writeFile(t, filepath.Join(dir, prefix+"-labels-idx1-ubyte"), lab)
}

// casRun trains the tiny preset with classes (data.labels) for 4 steps on a labelled
// IDX folder of 3 classes (96 training and 30 test images) and returns the run and
// the data.
func casRun(t *testing.T) (run, data string) {
	t.Helper()
	data = t.TempDir()
	casIDX(t, data, "train", 96, 3)
	casIDX(t, data, "t10k", 30, 3)
	run = filepath.Join(t.TempDir(), "run")
	if _, err := runStdout(t, "train", "--preset", "tiny", "--data", data, "--set", "data.labels=true", "--steps", "4", "--out", run, "--backend", "cpu"); err != nil {
		t.Fatal(err)
	}
	return run, data
}

// TestEvalCASAndAugmentOfAConditionalRun: gankit eval --cas --augment on a
// conditional run prints and saves, in RUN/eval.json, the per-class measures (an
// intra-class FID per class), CAS with its real baseline (as many real images, a third
// of each class), and the augmentation table (the real images alone, then 48 and 96
// generated added, two seeds each).
func TestEvalCASAndAugmentOfAConditionalRun(t *testing.T) {
	run, _ := casRun(t)
	out, err := runStdout(t, "eval", "--run", run, "--n", "60", "--metrics", "fid", "--json",
		"--cas", "--cas-per-class", "8", "--cas-epochs", "1", "--cas-batch", "8",
		"--augment", "--augment-ratios", "0.5,1", "--augment-seeds", "2", "--augment-steps", "2", "--augment-batch", "8")
	if err != nil {
		t.Fatal(err)
	}
	var res eval.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("eval --json printed %q: %v", out, err)
	}
	saved, err := os.ReadFile(filepath.Join(run, "eval.json"))
	if err != nil || strings.TrimSpace(string(saved)) != strings.TrimSpace(out) {
		t.Errorf("RUN/eval.json %q (%v), printed %q", saved, err, out)
	}
	c := res.Classes
	// The committed classifier knows Fashion-MNIST's classes, not "0", "1", "2": no
	// share, and a note that says why.
	if c == nil || strings.Join(c.Classes, ",") != "0,1,2" || c.N != 60 || c.FID == nil || len(c.FID.PerClass) != 3 ||
		c.Share != nil || !strings.Contains(c.ShareNote, `no class share: the classifier does not know the run's class "0"`) {
		t.Fatalf("per-class measures %+v", c)
	}
	cas := res.CAS
	if cas == nil || cas.Generated != 24 || !slices.Equal(cas.RealPerClass, []int{8, 8, 8}) ||
		cas.TestImages != 30 || cas.Epochs != 1 || cas.Batch != 8 || cas.Accuracy < 0 || cas.Accuracy > 1 || cas.RealAccuracy < 0 || cas.RealAccuracy > 1 {
		t.Errorf("CAS %+v", cas)
	}
	a := res.Augment
	if a == nil || a.RealImages != 96 || len(a.Cells) != 3 || a.Steps != 2 || a.Batch != 8 || len(a.Seeds) != 2 {
		t.Fatalf("augmentation %+v", a)
	}
	for i, want := range []int{0, 48, 96} {
		if a.Cells[i].Generated != want || len(a.Cells[i].Accuracy) != 2 {
			t.Errorf("augmentation cell %d: %d generated, %d accuracies; want %d and 2", i, a.Cells[i].Generated, len(a.Cells[i].Accuracy), want)
		}
	}
	// The same without --json: a line per class, CAS's two accuracies, the table, and
	// where it was saved.
	text, err := runStdout(t, "eval", "--run", run, "--n", "60", "--metrics", "fid", "--cas", "--cas-per-class", "8", "--cas-epochs", "1", "--cas-batch", "8")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"intra-FID", "no class share", "\n  2    2 ", "trained on generated", "trained on real", "saved: " + filepath.Join(run, "eval.json")} {
		if !strings.Contains(text, want) {
			t.Errorf("eval printed %q, without %q", text, want)
		}
	}
}

// TestEvalCASRefusals: --cas and --augment need a conditional run and a test split
// with its classes; their options are checked before anything is generated.
func TestEvalCASRefusals(t *testing.T) {
	run, data := casRun(t)
	other := t.TempDir()
	casIDX(t, other, "train", 40, 4)
	casIDX(t, other, "t10k", 40, 4)
	embedded := filepath.Join(t.TempDir(), "embedded")
	if _, err := runStdout(t, "train", "--preset", "tiny", "--set", "data.labels=true", "--steps", "2", "--out", embedded, "--backend", "cpu"); err != nil {
		t.Fatal(err)
	}
	uncond := filepath.Join(t.TempDir(), "uncond")
	if _, err := runStdout(t, "train", "--preset", "tiny", "--data", data, "--steps", "2", "--out", uncond, "--backend", "cpu"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		want []string
		args []string
	}{
		{[]string{"--cas", "test images " + filepath.Join(other, "t10k-images-idx3-ubyte"), `4 classes are 0 "0"`, `trained on 3 classes`}, []string{"--run", run, "--cas", "--real", other}},
		{[]string{"--augment", `4 classes are`, `trained on 3 classes`}, []string{"--run", run, "--augment", "--real", other}},
		{[]string{"--cas", "embedded", "no test split apart from its training images"}, []string{"--run", embedded, "--cas"}},
		{[]string{"--cas", uncond, "unconditional", "data.labels"}, []string{"--run", uncond, "--cas"}},
		{[]string{"--augment", uncond, "unconditional"}, []string{"--run", uncond, "--augment"}},
		{[]string{"--cas needs --run"}, []string{"--images", data, "--real", data, "--cas"}},
		{[]string{"--cas and --truncation-sweep"}, []string{"--run", run, "--cas", "--truncation-sweep"}},
		{[]string{"--cas-per-class 0"}, []string{"--run", run, "--cas", "--cas-per-class", "0"}},
		{[]string{"--cas-epochs 0"}, []string{"--run", run, "--cas", "--cas-epochs", "0"}},
		{[]string{"--cas-lr -1"}, []string{"--run", run, "--cas", "--cas-lr", "-1"}},
		{[]string{"--cas-per-class 100", "needs 300 training images", "has 96"}, []string{"--run", run, "--cas", "--cas-per-class", "100"}},
		{[]string{"--augment-ratios", `"1,x"`, `"x" is not a number`}, []string{"--run", run, "--augment", "--augment-ratios", "1,x"}},
		{[]string{"--augment-ratios: -1 is not"}, []string{"--run", run, "--augment", "--augment-ratios", "-1"}},
		{[]string{"--augment-seeds 0"}, []string{"--run", run, "--augment", "--augment-seeds", "0"}},
		{[]string{"--augment-steps 0"}, []string{"--run", run, "--augment", "--augment-steps", "0"}},
	} {
		expectRefusal(t, tc.want, append([]string{"eval", "--n", "30", "--metrics", "fid"}, tc.args...)...)
	}
}
