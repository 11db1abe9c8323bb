package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/sample"
)

// fashionClasses are Fashion-MNIST's classes in label order (Xiao et al. 2017,
// Table 1), which a run with data.labels on the embedded subset resolves.
var fashionClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// The class tests share one conditional run: the tiny preset with data.labels on the
// embedded Fashion-MNIST, trained for 5 steps into the export tests' directory (which
// TestMain removes).
var (
	condRunOnce sync.Once
	condRunDir  string
	condRunErr  error
)

func conditionalRun(t *testing.T) string {
	t.Helper()
	exportRuns(t)
	condRunOnce.Do(func() {
		condRunDir = filepath.Join(exportRunsDir, "cond")
		_, condRunErr = runStdout(t, "train", "--preset", "tiny", "--set", "data.labels=true", "--steps", "5", "--out", condRunDir)
	})
	if condRunErr != nil {
		t.Fatal(condRunErr)
	}
	return condRunDir
}

// printedPath is the path after "-> " on the first printed line.
func printedPath(t *testing.T, out string) string {
	t.Helper()
	_, p, ok := strings.Cut(strings.SplitN(out, "\n", 2)[0], "-> ")
	if !ok {
		t.Fatalf("no path printed in %q", out)
	}
	return strings.TrimSpace(p)
}

// oneSample is seed's sample of class (an IDX export of one image, read back).
func oneSample(t *testing.T, run string, seed int64, class string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "one-images-idx3-ubyte")
	if _, err := runStdout(t, "sample", "--run", run, "--format", "idx", "--n", "1", "--seed", fmt.Sprint(seed), "--class", class, "--out", out); err != nil {
		t.Fatal(err)
	}
	return readIDX(t, out)[0]
}

// TestClassGridHasOneRowPerClassAndOneSeedPerColumn: a conditional run's default grid
// is ten rows (one per class, its name in the margin) of 8 samples, written at the
// printed path; with --per-class 3 --seed 4, row c column j is seed 4+j of class c.
func TestClassGridHasOneRowPerClassAndOneSeedPerColumn(t *testing.T) {
	cond := conditionalRun(t)
	m := sample.ClassGridMargin(fashionClasses)
	out, err := runStdout(t, "sample", "--run", cond)
	if err != nil {
		t.Fatal(err)
	}
	def := printedPath(t, out)
	if want := filepath.Join(cond, "samples", "sample-step5-seed0-perclass8.png"); def != want {
		t.Errorf("the default grid went to %s, want %s", def, want)
	}
	checkPNG(t, def, m+8*30+2, 10*30+2)
	if !strings.Contains(out, "10 classes x 8 samples") {
		t.Errorf("output %q does not say 10 classes x 8 samples", out)
	}
	grid := filepath.Join(t.TempDir(), "grid.png")
	if _, err := runStdout(t, "sample", "--run", cond, "--per-class", "3", "--seed", "4", "--out", grid); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, grid, m+3*30+2, 10*30+2)
	for _, rc := range [][2]int{{0, 0}, {7, 2}, {9, 1}} {
		c, j := rc[0], rc[1]
		got := grayAt(t, grid, m+2+j*30, 2+c*30)
		if want := oneSample(t, cond, 4+int64(j), fmt.Sprint(c)); string(got) != string(want) {
			t.Errorf("row %d, column %d of the grid is not seed %d of class %d", c, j, 4+j, c)
		}
	}
}

// TestClassFlagTakesANameOrAnIndex: --class Sneaker and --class 7 draw the same grid
// of one class, and the default name says the class.
func TestClassFlagTakesANameOrAnIndex(t *testing.T) {
	cond := conditionalRun(t)
	dir := t.TempDir()
	byName, byIndex := filepath.Join(dir, "name.png"), filepath.Join(dir, "index.png")
	out, err := runStdout(t, "sample", "--run", cond, "--class", "Sneaker", "--n", "4", "--out", byName)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "4 samples of class 7 (Sneaker)") || printedPath(t, out) != byName {
		t.Errorf("output %q", out)
	}
	if _, err := runStdout(t, "sample", "--run", cond, "--class", "7", "--n", "4", "--out", byIndex); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(byName)
	b, _ := os.ReadFile(byIndex)
	if len(a) == 0 || string(a) != string(b) {
		t.Error("--class Sneaker and --class 7 drew different grids")
	}
	checkPNG(t, byName, 2*30+2, 2*30+2)
	if got := grayAt(t, byName, 2+30, 2+30); string(got) != string(oneSample(t, cond, 3, "7")) {
		t.Error("sample 3 of the --class 7 grid is not seed 3 of class 7")
	}
	out, err = runStdout(t, "sample", "--run", cond, "--class", "Bag", "--n", "2")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cond, "samples", "sample-step5-seed0-n2-class8.png"); printedPath(t, out) != want {
		t.Errorf("the default --class Bag grid went to %s, want %s", printedPath(t, out), want)
	}
}

// TestLabelledExportsReadBackWithTheirLabels: --per-class 2 exports 20 samples, sample
// i of seed i and class i mod 10. gankit's folder reader reads the png-folder's class
// sub-folders back as the classes in order, and every file's label is the one the
// manifest lists; gankit's IDX reader finds the labels file beside the images (named
// as Fashion-MNIST's, also as a folder of train-images/train-labels), and reads the
// same pixels with the same labels.
func TestLabelledExportsReadBackWithTheirLabels(t *testing.T) {
	cond := conditionalRun(t)
	dir := t.TempDir()
	pf := filepath.Join(dir, "synth")
	out, err := runStdout(t, "sample", "--run", cond, "--format", "png-folder", "--per-class", "2", "--out", pf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "labelled, class i mod 10") || field(t, out, "manifest") != filepath.Join(pf, "manifest.json") {
		t.Errorf("output %q", out)
	}
	folder, err := data.Open(pf, data.Options{Size: 28, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	names, err := data.ClassNames(folder)
	if err != nil {
		t.Fatal(err)
	}
	if want := sample.ClassDirs(fashionClasses); !slices.Equal(names, want) || names[7] != "7-Sneaker" {
		t.Errorf("the folder reader's classes %q, want %q", names, want)
	}
	var m struct {
		Count   int
		Classes []string
		Labels  sample.LabelNote
		Samples []sample.SampleNote
	}
	raw, err := os.ReadFile(filepath.Join(pf, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.Count != 20 || folder.Len() != 20 || len(m.Samples) != 20 || !slices.Equal(m.Classes, fashionClasses) {
		t.Fatalf("manifest count %d, %d samples, classes %q; the folder reader finds %d images", m.Count, len(m.Samples), m.Classes, folder.Len())
	}
	if !slices.Equal(m.Labels.PerClass, []int{2, 2, 2, 2, 2, 2, 2, 2, 2, 2}) {
		t.Errorf("manifest per class %v, want 2 of each", m.Labels.PerClass)
	}
	// The folder reader lists files sorted: each class's two, class by class.
	byFile := map[string]sample.SampleNote{}
	for i, s := range m.Samples {
		if s.Label != int32(i%10) || s.Class != fashionClasses[i%10] || s.Seed != int64(i) {
			t.Errorf("manifest sample %d: %+v, want seed %d of class %d", i, s, i, i%10)
		}
		byFile[s.File] = s
	}
	files := slices.Sorted(func(yield func(string) bool) {
		for f := range byFile {
			if !yield(f) {
				return
			}
		}
	})
	idxOut := filepath.Join(dir, "synth-images-idx3-ubyte")
	out, err = runStdout(t, "sample", "--run", cond, "--format", "idx", "--per-class", "2", "--out", idxOut)
	if err != nil {
		t.Fatal(err)
	}
	if field(t, out, "labels") != filepath.Join(dir, "synth-labels-idx1-ubyte") {
		t.Errorf("output %q does not name the labels file", out)
	}
	ds, err := data.Open(idxOut, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pixels := readIDX(t, idxOut)
	for k, f := range files {
		s := byFile[f]
		if got := folder.Label(k); got != int(s.Label) {
			t.Errorf("the folder reader labels %s %d, the manifest %d", f, got, s.Label)
		}
		if got := grayAt(t, filepath.Join(pf, filepath.FromSlash(f)), 0, 0); string(got) != string(pixels[s.Seed]) {
			t.Errorf("%s and IDX image %d differ", f, s.Seed)
		}
	}
	for i := range 20 {
		if ds.Label(i) != i%10 {
			t.Errorf("the IDX reader labels image %d %d, want %d", i, ds.Label(i), i%10)
		}
	}
	// As a folder of Fashion-MNIST's file names, which --data DIR reads.
	mnist := filepath.Join(dir, "mnist")
	os.Mkdir(mnist, 0o755)
	if _, err := runStdout(t, "sample", "--run", cond, "--format", "idx", "--per-class", "1", "--out", filepath.Join(mnist, "train-images-idx3-ubyte")); err != nil {
		t.Fatal(err)
	}
	d2, err := data.Open(mnist, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d2.Len() != 10 || d2.Label(3) != 3 || d2.Label(9) != 9 {
		t.Errorf("the IDX folder reads back %d images, labels 3 -> %d, 9 -> %d", d2.Len(), d2.Label(3), d2.Label(9))
	}
}

// TestClassStripWalksOneClass: an interpolation of a conditional run is drawn in the
// class asked for (class 0 unless --class), from seed A's sample of it to seed B's.
func TestClassStripWalksOneClass(t *testing.T) {
	cond := conditionalRun(t)
	for _, class := range []string{"", "Bag"} {
		strip := filepath.Join(t.TempDir(), "walk.png")
		args := []string{"sample", "--run", cond, "--interpolate", "3,17", "--steps", "3", "--out", strip}
		want := "0"
		if class != "" {
			args, want = append(args, "--class", class), "8"
		}
		out, err := runStdout(t, args...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "of class "+want) {
			t.Errorf("output %q does not name class %s", out, want)
		}
		if string(grayAt(t, strip, 2, 2)) != string(oneSample(t, cond, 3, want)) || string(grayAt(t, strip, 2+2*30, 2)) != string(oneSample(t, cond, 17, want)) {
			t.Errorf("--class %q: the strip's ends are not seeds 3 and 17 of class %s", class, want)
		}
	}
}

// TestClassRefusalsNameTheFlagAndTheClasses: a class for an unconditional run, an
// unknown or out-of-range class, and counts that do not fit a conditional run are
// refused naming the flag, with the classes listed; a labelled IDX export whose
// labels could not be found beside it, or would replace a file, is refused.
func TestClassRefusalsNameTheFlagAndTheClasses(t *testing.T) {
	tiny, _ := exportRuns(t)
	cond := conditionalRun(t)
	dir := t.TempDir()
	taken := filepath.Join(dir, "t-labels-idx1-ubyte")
	if err := os.WriteFile(taken, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := []string{"sample", "--run", cond}
	for _, tc := range []struct {
		want []string
		args []string
	}{
		{[]string{"--class", `"3"`, "unconditional", "model.classes"}, []string{"sample", "--run", tiny, "--class", "3"}},
		{[]string{"--per-class", "unconditional", "--n"}, []string{"sample", "--run", tiny, "--per-class", "2"}},
		{[]string{"--class", `"Sandals"`, "neither a class name nor a class index", `0 "T-shirt/top"`, `9 "Ankle boot"`}, append(c, "--class", "Sandals")},
		{[]string{"--class", "class 10 is out of range", "want 0-9", `7 "Sneaker"`}, append(c, "--class", "10")},
		{[]string{"--class", "class -2 is out of range"}, append(c, "--class", "-2")},
		{[]string{"--n", "one row per class", "--per-class", "--class"}, append(c, "--n", "5")},
		{[]string{"--n", "--per-class", "choose one"}, append(c, "--n", "5", "--per-class", "2")},
		{[]string{"--per-class", "at least 1", "got 0"}, append(c, "--per-class", "0")},
		{[]string{"--per-class", "--interpolate", "--steps"}, append(c, "--interpolate", "1,2", "--per-class", "2")},
		{[]string{"--out", "synth.idx", `"-images-idx3-"`, `"-labels-idx1-"`}, append(c, "--format", "idx", "--out", filepath.Join(dir, "synth.idx"))},
		{[]string{"--out", taken, "exists", "--force"}, append(c, "--format", "idx", "--out", filepath.Join(dir, "t-images-idx3-ubyte"))},
		{[]string{"--class", "class 11 is out of range"}, append(c, "--format", "png-folder", "--class", "11", "--out", filepath.Join(dir, "pf"))},
	} {
		expectRefusal(t, tc.want, tc.args...)
	}
	if raw, _ := os.ReadFile(taken); string(raw) != "mine" {
		t.Errorf("a refused export changed %s", taken)
	}
	for _, p := range []string{"synth.idx", "t-images-idx3-ubyte", "pf"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			t.Errorf("a refused export wrote %s", p)
		}
	}
	// --force replaces the labels file too.
	out, err := runStdout(t, append(c, "--format", "idx", "--per-class", "1", "--force", "--out", filepath.Join(dir, "t-images-idx3-ubyte"))...)
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(taken); string(raw) == "mine" || !regexp.MustCompile(`labels: .*t-labels-idx1-ubyte`).MatchString(out) {
		t.Errorf("--force did not replace %s (output %q)", taken, out)
	}
}
