package sample

import (
	"encoding/json"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// fashion are Fashion-MNIST's classes in label order (Xiao et al. 2017, Table 1).
var fashion = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

func TestParseClassReadsANameFirstThenAnIndex(t *testing.T) {
	numbered := []string{"1", "2", "3"} // class folders named by numbers
	for _, tc := range []struct {
		in      string
		classes []string
		want    int32
		err     string // "" = accepted
	}{
		{"Sneaker", fashion, 7, ""},
		{"7", fashion, 7, ""},
		{"0", fashion, 0, ""},
		{"Ankle boot", fashion, 9, ""},
		{"T-shirt/top", fashion, 0, ""},
		{"1", numbered, 0, ""}, // the folder "1", not index 1
		{"3", numbered, 2, ""},
		{"0", numbered, 0, ""}, // no class "0": index 0
		{"10", fashion, 0, `class 10 is out of range: want 0-9; the run's 10 classes are 0 "T-shirt/top", 1 "Trouser"`},
		{"-1", fashion, 0, "class -1 is out of range: want 0-9"},
		{"sneaker", fashion, 0, `"sneaker" is neither a class name nor a class index; the run's 10 classes are 0 "T-shirt/top"`},
		{"2.5", fashion, 0, `"2.5" is neither a class name nor a class index`},
		{"1", []string{"only"}, 0, `class 1 is out of range: want 0-0; the run's 1 class is 0 "only"`},
		{"3", nil, 0, "the run is unconditional (model.classes is empty)"},
	} {
		got, err := ParseClass(tc.in, tc.classes)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseClass(%q, %v) = %d, %v; want %d", tc.in, tc.classes, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseClass(%q, %v) = %d, %v; want an error with %q", tc.in, tc.classes, got, err, tc.err)
		}
	}
}

func TestDescribeClassesListsTwentyAndCountsTheRest(t *testing.T) {
	many := make([]string, 25)
	for i := range many {
		many[i] = string(rune('a' + i))
	}
	got := DescribeClasses(many)
	if !strings.HasPrefix(got, `25 classes are 0 "a", 1 "b", `) || !strings.HasSuffix(got, `19 "t", and 5 more`) {
		t.Errorf("DescribeClasses of 25: %q", got)
	}
}

// TestClassDirsSortInClassOrder: a reader of class folders numbers the folders in
// sorted order, so the folder names must sort as the class indices do; names that
// would not (Fashion-MNIST's), that collide ignoring case, or that are empty or
// hidden are prefixed with their zero-padded index.
func TestClassDirsSortInClassOrder(t *testing.T) {
	twelve := make([]string, 12)
	for i := range twelve {
		twelve[i] = "x"
	}
	for _, tc := range []struct {
		name    string
		classes []string
		want    []string
	}{
		{"sorted names are kept", []string{"cat", "dog", "emu"}, []string{"cat", "dog", "emu"}},
		{"fashion-mnist's are not sorted", fashion, []string{"0-T-shirt_top", "1-Trouser", "2-Pullover", "3-Dress", "4-Coat", "5-Sandal", "6-Shirt", "7-Sneaker", "8-Bag", "9-Ankle_boot"}},
		{"unsorted", []string{"dog", "cat"}, []string{"0-dog", "1-cat"}},
		{"a case collision", []string{"A", "a"}, []string{"0-A", "1-a"}},
		{"a slash and a space", []string{"a/b", "c d"}, []string{"a_b", "c_d"}},
		{"empty and hidden", []string{"", ".x"}, []string{"_", "_.x"}},
		{"empty and hidden, unsorted", []string{".x", ""}, []string{"0-_.x", "1-_"}},
		{"twelve, padded to two digits", twelve, []string{"00-x", "01-x", "02-x", "03-x", "04-x", "05-x", "06-x", "07-x", "08-x", "09-x", "10-x", "11-x"}},
		{"numbers", []string{"0", "1", "2"}, []string{"0", "1", "2"}},
	} {
		got := ClassDirs(tc.classes)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: ClassDirs(%q) = %q, want %q", tc.name, tc.classes, got, tc.want)
		}
		if !sort.StringsAreSorted(got) {
			t.Errorf("%s: %q do not sort in class order", tc.name, got)
		}
	}
}

// TestClassGridPutsOneRowPerClassRightOfItsName: two classes of two 2x2 images, the
// tiles after the names' margin, each row's name in white within it.
func TestClassGridPutsOneRowPerClassRightOfItsName(t *testing.T) {
	s := data.Shape{Size: 2, Channels: 1}
	// Row 0: all -1, all 1; row 1: all 1, all -1.
	imgs := []float32{-1, -1, -1, -1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1}
	classes := []string{"Sneaker", "Bag"}
	g, err := ClassGrid(imgs, s, classes, 2)
	if err != nil {
		t.Fatal(err)
	}
	m := ClassGridMargin(classes)
	if m != 7*7+6 { // "Sneaker": 7 characters of basicfont's 7-pixel advance, and 6 pixels
		t.Errorf("margin %d, want %d", m, 7*7+6)
	}
	if b := g.Bounds(); b.Dx() != m+10 || b.Dy() != 10 {
		t.Fatalf("grid is %v, want %dx10", b, m+10)
	}
	for _, tc := range []struct {
		x, y int
		want uint8
	}{{m + 2, 2, 0}, {m + 6, 2, 255}, {m + 2, 6, 255}, {m + 7, 7, 0}, {m, 0, 128}, {m + 4, 4, 128}} {
		if got := g.RGBAAt(tc.x, tc.y); got != (color.RGBA{tc.want, tc.want, tc.want, 255}) {
			t.Errorf("pixel (%d,%d) = %v, want gray %d", tc.x, tc.y, got, tc.want)
		}
	}
	white := 0
	for y := range 10 {
		for x := range m {
			if g.RGBAAt(x, y) == (color.RGBA{255, 255, 255, 255}) {
				white++
			}
		}
	}
	if white < 20 {
		t.Errorf("%d white pixels in the names' margin: the names are not drawn", white)
	}
	if _, err := ClassGrid(imgs, s, classes, 3); err == nil {
		t.Error("4 images as 2 classes x 3 were accepted")
	}
}

// conditionalGenerator is a randomly initialised conditional DCGAN generator (class
// embedding, or conditional BatchNorm with bn) for 28x28 grayscale images, small and
// untrained. Only the embedding's samples depend on the class before training:
// conditional BatchNorm starts as the identity (gamma 1, beta 0 for every class).
func conditionalGenerator(t *testing.T, classes []string, bn bool) *Generator {
	t.Helper()
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	tiny, err := config.FromPreset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg := tiny.Model
	cfg.ZDim, cfg.Width, cfg.BNG, cfg.Classes = 4, 4, bn, classes
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(1))
	ctx = ctx.WithInitializer(initializers.RandomNormalFn(ctx, 0.5))
	g, err := NewGenerator(b, ctx, cfg, data.Shape{Size: 28, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestRunEachDrawsSampleIOfClassIModKAcrossBatches: with no class asked, sample i is
// of class i mod K by its index in the whole run, not in its batch of 64 (sample 64
// of 3 classes is of class 1, not 0); a class asked for applies to every sample.
func TestRunEachDrawsSampleIOfClassIModKAcrossBatches(t *testing.T) {
	g := conditionalGenerator(t, []string{"a", "b", "c"}, false)
	const n = Batch + 2
	balanced, err := g.Seeds(0, n, Truncation{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	k := 28 * 28
	sampleOf := func(x []float32, i int) []float32 { return x[i*k : (i+1)*k] }
	for c := range int32(3) {
		one, err := g.Seeds(0, n, Truncation{}, OnlyClass(c))
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 1, 2, 3, 62, 63, 64, 65} {
			same := slices.Equal(sampleOf(one, i), sampleOf(balanced, i))
			if want := int32(i%3) == c; same != want {
				t.Errorf("sample %d of class %d equal to the balanced draw's: %t, want %t (class i mod 3 = %d)", i, c, same, want, i%3)
			}
		}
	}
}

// TestClassRowsShareOneLatentPerColumn: row c, column j of the per-class grid is
// seed first+j drawn as class c, the sample `Seeds(first+j, 1, OnlyClass(c))` gives.
func TestClassRowsShareOneLatentPerColumn(t *testing.T) {
	g := conditionalGenerator(t, []string{"a", "b"}, false)
	x, err := g.ClassRows(5, 3, Truncation{})
	if err != nil {
		t.Fatal(err)
	}
	k := 28 * 28
	if len(x) != 2*3*k {
		t.Fatalf("%d values, want 2 classes x 3 samples x %d", len(x), k)
	}
	for c := range 2 {
		for j := range 3 {
			want, err := g.Seeds(5+int64(j), 1, Truncation{}, OnlyClass(int32(c)))
			if err != nil {
				t.Fatal(err)
			}
			if got := x[(c*3+j)*k : (c*3+j+1)*k]; !slices.Equal(got, want) {
				t.Errorf("row %d, column %d is not seed %d of class %d", c, j, 5+j, c)
			}
		}
	}
	if slices.Equal(x[:k], x[3*k:4*k]) {
		t.Error("the two rows' first samples are equal: the class changes nothing")
	}
}

func TestAnUnconditionalGeneratorRefusesAClass(t *testing.T) {
	g := conditionalGenerator(t, nil, true)
	if _, err := g.Seeds(0, 2, Truncation{}, OnlyClass(0)); err == nil || !strings.Contains(err.Error(), "unconditional") {
		t.Errorf("a class for an unconditional generator: %v, want a refusal naming it unconditional", err)
	}
	if _, err := g.ClassRows(0, 2, Truncation{}); err == nil || !strings.Contains(err.Error(), "unconditional") {
		t.Errorf("a per-class grid of an unconditional generator: %v", err)
	}
	one := int32(0)
	if _, err := Export(g, IDX, filepath.Join(t.TempDir(), "x-images-idx3-ubyte"), Draw{N: 2, Class: &one}, Manifest{}, nil); err == nil || !strings.Contains(err.Error(), "unconditional") {
		t.Errorf("a class export of an unconditional generator: %v", err)
	}
}

// TestLabelledExportReadsBackWithItsLabels: gankit's own readers give every sample of
// a conditional export its class back, sample i of class i mod K: a png-folder export
// through the class folders (the folder's file i is the i-th in sorted order, so the
// label is read per file name), an IDX export through the labels file beside it; both
// hold the same pixels, and the png-folder manifest lists every file's label.
func TestLabelledExportReadsBackWithItsLabels(t *testing.T) {
	classes := []string{"T-shirt/top", "Trouser", "Pullover"}
	g := conditionalGenerator(t, classes, true)
	dir := t.TempDir()
	const n = 7
	d := Draw{First: 10, N: n}
	pf := filepath.Join(dir, "pf")
	w, err := Export(g, PNGFolder, pf, d, Manifest{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w.Data != pf || w.Manifest != filepath.Join(pf, "manifest.json") || w.Labels != "" {
		t.Errorf("png-folder export wrote %+v", w)
	}
	folder, err := data.Open(pf, data.Options{Size: 28, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	f := folder.(*data.Folder)
	if got, want := f.Classes(), []string{"0-T-shirt_top", "1-Trouser", "2-Pullover"}; !slices.Equal(got, want) {
		t.Errorf("the folder reader finds classes %q, want %q", got, want)
	}
	if f.Len() != n {
		t.Fatalf("the folder reader finds %d images, want %d", f.Len(), n)
	}
	// Sorted, the files are 0-T-shirt_top/000000.png, 000003.png, 000006.png, then 1-Trouser/...
	order := []int{0, 3, 6, 1, 4, 2, 5}
	for k, i := range order {
		if got := f.Label(k); got != i%3 {
			t.Errorf("folder image %d (sample %d): label %d, want %d", k, i, got, i%3)
		}
	}
	idxOut := filepath.Join(dir, "synth-images-idx3-ubyte")
	w, err = Export(g, IDX, idxOut, d, Manifest{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w.Labels != filepath.Join(dir, "synth-labels-idx1-ubyte") {
		t.Errorf("IDX labels written to %q", w.Labels)
	}
	ds, err := data.Open(idxOut, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != n {
		t.Fatalf("the IDX reader finds %d images, want %d", ds.Len(), n)
	}
	a, b := make([]float32, 28*28), make([]float32, 28*28)
	for i := range n {
		if got := ds.Label(i); got != i%3 {
			t.Errorf("IDX image %d: label %d, want %d", i, got, i%3)
		}
	}
	for k, i := range order {
		if err := f.Read(k, a); err != nil {
			t.Fatal(err)
		}
		if err := ds.Read(i, b); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a, b) {
			t.Errorf("folder image %d and IDX image %d (sample %d) differ", k, i, i)
		}
	}
	raw, err := os.ReadFile(filepath.Join(pf, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Count   int
		Classes []string
		Labels  LabelNote
		Samples []SampleNote
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest: %v\n%s", err, raw)
	}
	if m.Count != n || !slices.Equal(m.Classes, classes) || !slices.Equal(m.Labels.PerClass, []int{3, 2, 2}) || len(m.Samples) != n {
		t.Fatalf("manifest: count %d, classes %q, per class %v, %d samples", m.Count, m.Classes, m.Labels.PerClass, len(m.Samples))
	}
	want := SampleNote{File: "1-Trouser/000004.png", Seed: 14, Label: 1, Class: "Trouser"}
	if m.Samples[4] != want {
		t.Errorf("manifest sample 4: %+v, want %+v", m.Samples[4], want)
	}
	for _, s := range m.Samples {
		if _, err := os.Stat(filepath.Join(pf, filepath.FromSlash(s.File))); err != nil {
			t.Errorf("the manifest lists %s: %v", s.File, err)
		}
	}
}

// TestExportOfOneClassLabelsEverySampleWithIt: --class 2 writes only class 2's folder
// and labels every IDX image 2.
func TestExportOfOneClassLabelsEverySampleWithIt(t *testing.T) {
	classes := []string{"a", "b", "c"}
	g := conditionalGenerator(t, classes, false)
	dir := t.TempDir()
	two := int32(2)
	d := Draw{N: 3, Class: &two}
	if _, err := Export(g, PNGFolder, filepath.Join(dir, "pf"), d, Manifest{}, nil); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "pf", "c"))
	if len(ents) != 3 {
		t.Errorf("class c's folder holds %d files, want 3", len(ents))
	}
	for _, other := range []string{"a", "b"} {
		if _, err := os.Stat(filepath.Join(dir, "pf", other)); err == nil {
			t.Errorf("an export of class c made the folder %s", other)
		}
	}
	out := filepath.Join(dir, "c-images-idx3-ubyte")
	if _, err := Export(g, IDX, out, d, Manifest{}, nil); err != nil {
		t.Fatal(err)
	}
	ds, err := data.Open(out, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if ds.Label(i) != 2 {
			t.Errorf("image %d: label %d, want 2", i, ds.Label(i))
		}
	}
}

// TestLabelledIDXExportRefusesAnImagesNameWithoutItsLabelsName: the labels go where
// the IDX reader looks for them, so the images file must be named as Fashion-MNIST's.
func TestLabelledIDXExportRefusesAnImagesNameWithoutItsLabelsName(t *testing.T) {
	g := conditionalGenerator(t, []string{"a", "b"}, false)
	out := filepath.Join(t.TempDir(), "synth.idx")
	_, err := Export(g, IDX, out, Draw{N: 2}, Manifest{}, nil)
	if err == nil || !strings.Contains(err.Error(), `"-images-idx3-"`) {
		t.Errorf("export to %s: %v, want a refusal naming -images-idx3-", out, err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the refused export wrote its images")
	}
	if err := CheckLabels(CSV, "p.csv", false, []string{"a"}); err == nil || !strings.Contains(err.Error(), "unlabelled points") {
		t.Errorf("csv for a conditional run: %v", err)
	}
}

// TestForcedExportRemovesAnEarlierExportsClassFolders: an export over an earlier
// labelled one (--force) leaves none of its samples in the class folders its manifest
// names, even when the new export writes none (an unconditional run's, whose images
// at the root beside old class folders would read as one unlabelled set holding
// both), and keeps the user's other files.
func TestForcedExportRemovesAnEarlierExportsClassFolders(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pf")
	g := conditionalGenerator(t, []string{"a", "b"}, false)
	if _, err := Export(g, PNGFolder, dir, Draw{N: 4}, Manifest{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b", "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Export(conditionalGenerator(t, nil, false), PNGFolder, dir, Draw{N: 1}, Manifest{}, nil); err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if got := strings.Join(files, " "); got != "000000.png b/notes.txt manifest.json" {
		t.Errorf("after a labelled export of 4 then an unlabelled one of 1, the folder holds %s", got)
	}
}
