package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// formatsFolder is data's fixture folder: every PNG colour type and bit depth, a
// GIF, a WebP, a BMP, a TIFF and a JPEG (scripts/reference/make_image_fixtures.py).
func formatsFolder(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "data", "testdata", "formats"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestEveryImageFormatTrains is issue 19's data test: a folder holding every PNG
// colour type, a GIF, a WebP, a BMP and a TIFF trains the tiny preset in colour,
// the first start decodes and caches the images, and the resume reads them from the
// cache instead of decoding them again.
func TestEveryImageFormatTrains(t *testing.T) {
	if testing.Short() {
		t.Skip("runs gankit train twice")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // whatever happens, not the user's cache
	dir, cache := t.TempDir(), t.TempDir()
	out := filepath.Join(dir, "run")
	code, text := runGankit(t, "train", "--preset", "tiny", "--data", formatsFolder(t), "--set", "data.size=28", "--set", "data.channels=3",
		"--set", "data.cache="+cache, "--batch", "8", "--steps", "4", "--out", out)
	if code != 0 || !strings.Contains(text, "28x28x3 images") || !strings.Contains(text, "kept 24 decoded images in the cache "+cache) {
		t.Fatalf("train: exit %d\n%s", code, text)
	}
	code, text = runGankit(t, "train", "--resume", out, "--steps", "6")
	if code != 0 || !strings.Contains(text, "read 24 decoded images from the cache "+cache) || strings.Contains(text, "kept") {
		t.Fatalf("resume: exit %d\n%s", code, text)
	}
}

// TestDataInspectReportsFormatsTransparencyDuplicatesAndClasses: gankit data
// inspect on the fixture folder counts its 24 images, the 11 with transparency,
// the groups of files that decode alike; on a StyleGAN2-ADA zip, its classes from
// dataset.json and a file that does not decode, which then fails the command as it
// would fail training.
func TestDataInspectReportsFormatsTransparencyDuplicatesAndClasses(t *testing.T) {
	out, err := runStdout(t, "data", "inspect", formatsFolder(t), "--size", "8", "--background", "#ff8000")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"images":       "24",
		"transparency": "11 images have pixels with alpha < 255, composited onto #ff8000",
		"unusable":     "none",
		"classes":      "none",
	} {
		if got := field(t, out, name); !strings.HasPrefix(got, want) {
			t.Errorf("%s: %q, want %q\n%s", name, got, want, out)
		}
	}
	for _, want := range []string{"png palette (2 colours): 1", "gif palette (16 colours): 1", "webp RGBA: 1", "tiff RGBA: 1", "bmp RGB(A): 1", "jpeg YCbCr: 1"} {
		if !strings.Contains(field(t, out, "formats"), want) {
			t.Errorf("formats lack %q:\n%s", want, out)
		}
	}
	if f := field(t, out, "duplicates"); !strings.HasPrefix(f, "6 groups") || !strings.Contains(out, "rgb.bmp = ") {
		t.Errorf("duplicates: %q\n%s", f, out)
	}

	path := filepath.Join(t.TempDir(), "set.zip")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(fh)
	for name, body := range map[string][]byte{
		"00000/img00000000.png": pngBytes(t, 6, 6),
		"00000/img00000001.png": pngBytes(t, 8, 6),
		"00000/img00000002.png": []byte("broken"),
		"dataset.json":          []byte(`{"labels": [["00000/img00000000.png", 1], ["00000/img00000001.png", 1], ["00000/img00000002.png", 0]]}`),
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	out, err = runStdout(t, "data", "inspect", path, "--size", "4")
	if err == nil || !strings.Contains(err.Error(), "1 of 3 images cannot be used") {
		t.Errorf("a zip with a broken image: error %v, want one saying 1 of 3 cannot be used", err)
	}
	if got, want := field(t, out, "classes"), "2 from "+path+"/dataset.json; 0: 1, 1: 2"; got != want {
		t.Errorf("classes: %q, want %q", got, want)
	}
	if got := field(t, out, "unusable"); !strings.HasPrefix(got, "1 image training would refuse") || !strings.Contains(out, path+"/00000/img00000002.png") {
		t.Errorf("unusable: %q\n%s", got, out)
	}
	if got := field(t, out, "sizes"); got != "6x6: 1, 8x6: 1" {
		t.Errorf("sizes: %q", got)
	}
}
