package featnet

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gankit/gankit/data"
)

// TestSplitByNameHashesTheName checks the rule on names whose FNV-1a hashes are
// known: "a" hashes to 0xaf63dc4c8601ec8c (the FNV reference's test vector), 0.6851
// of 2^64; "people/1F600.png" to 0x6505c59a64ecd533, 0.3946 of 2^64.
func TestSplitByNameHashesTheName(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fraction float64
		heldOut  bool
	}{
		{"a", 0.69, true},
		{"a", 0.68, false},
		{"people/1F600.png", 0.40, true},
		{"people/1F600.png", 0.39, false},
	} {
		_, test := splitByName([]string{tc.name}, tc.fraction)
		if got := len(test) == 1; got != tc.heldOut {
			t.Errorf("%q at fraction %g: held out %v, want %v", tc.name, tc.fraction, got, tc.heldOut)
		}
	}
	names := make([]string, 10000)
	for i := range names {
		names[i] = fmt.Sprintf("class%d/%05d.png", i%7, i)
	}
	train, test := splitByName(names, 0.2)
	if len(train)+len(test) != len(names) || len(test) < 1800 || len(test) > 2200 {
		t.Errorf("10,000 names at 0.2: %d kept, %d held out", len(train), len(test))
	}
}

// writeClassFolder writes n one-colour 4x4 PNGs into each class's sub-folder of
// root, named from first on.
func writeClassFolder(t *testing.T, root string, classes []string, first, n int) {
	t.Helper()
	for c, class := range classes {
		dir := filepath.Join(root, class)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		img := image.NewRGBA(image.Rect(0, 0, 4, 4))
		for i := range img.Pix {
			img.Pix[i] = uint8(40 * (c + 1))
		}
		img.Set(0, 0, color.RGBA{A: 255})
		for i := first; i < first+n; i++ {
			fh, err := os.Create(filepath.Join(dir, fmt.Sprintf("%03d.png", i)))
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(fh, img); err != nil {
				t.Fatal(err)
			}
			fh.Close()
		}
	}
}

// sides maps each held-out or training image of a split folder to its side and
// checks that its label is its class folder's.
func sides(t *testing.T, root string) map[string]bool {
	t.Helper()
	f, err := data.ReadFolder(root, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	train, test, err := HoldOut(f, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	classes := f.Classes()
	for _, part := range []struct {
		set     data.Dataset
		heldOut bool
	}{{train, false}, {test, true}} {
		s := part.set.(*subset)
		for i, j := range s.idx {
			rel, _ := filepath.Rel(root, f.Files()[j])
			rel = filepath.ToSlash(rel)
			if _, dup := out[rel]; dup {
				t.Fatalf("%s is on both sides", rel)
			}
			out[rel] = part.heldOut
			if class := classes[part.set.Label(i)]; !strings.HasPrefix(rel, class+"/") {
				t.Errorf("%s has label %s", rel, class)
			}
		}
	}
	if len(out) != f.Len() {
		t.Errorf("%d images split, folder has %d", len(out), f.Len())
	}
	return out
}

// TestHoldOutDependsOnTheFileNameAlone splits a folder and the same files, in
// another folder, among as many more: every file stays on its side.
func TestHoldOutDependsOnTheFileNameAlone(t *testing.T) {
	small, large := t.TempDir(), t.TempDir()
	writeClassFolder(t, small, []string{"b", "c"}, 10, 20)
	writeClassFolder(t, large, []string{"a", "b", "c"}, 0, 40)
	a, b := sides(t, small), sides(t, large)
	held := 0
	for name, heldOut := range a {
		if b[name] != heldOut {
			t.Errorf("%s: held out %v alone, %v among more files", name, heldOut, b[name])
		}
		if heldOut {
			held++
		}
	}
	if held == 0 || held == len(a) {
		t.Errorf("%d of %d images held out at 0.3", held, len(a))
	}
}

func TestHoldOutRefusesEmptySides(t *testing.T) {
	root := t.TempDir()
	writeClassFolder(t, root, []string{"x", "y"}, 0, 1)
	f, err := data.ReadFolder(root, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, fraction := range []float64{0, 1, -0.5, 1e-9} {
		if _, _, err := HoldOut(f, fraction); err == nil || !strings.Contains(err.Error(), "--test-fraction") {
			t.Errorf("fraction %g on 2 images: error %v, want one naming --test-fraction", fraction, err)
		}
	}
}
