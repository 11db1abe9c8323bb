package data

import (
	"archive/zip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ada writes n grey PNGs named as StyleGAN2-ADA's dataset_tool.py names them
// (00000/img00000000.png, ...; image i's pixels start at 10i) and dataset.json, into
// a .zip (ZIP_STORED, as dataset_tool.py writes it) or a folder; json "" writes none.
func ada(t *testing.T, asZip bool, n int, json string) string {
	t.Helper()
	files := map[string][]byte{}
	for i := range n {
		files[fmt.Sprintf("%05d/img%08d.png", i/1000, i)] = grayPNG(t, 4, 4, uint8(10*i))
	}
	if json != "" {
		files["dataset.json"] = []byte(json)
	}
	dir := t.TempDir()
	if !asZip {
		for name, b := range files {
			write(t, filepath.Join(dir, filepath.FromSlash(name)), b)
		}
		return dir
	}
	path := filepath.Join(dir, "set.zip")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(fh)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// labelsJSON is dataset.json for images 0..len(classes)-1 with those classes.
func labelsJSON(classes ...int) string {
	var e []string
	for i, c := range classes {
		e = append(e, fmt.Sprintf(`["%05d/img%08d.png", %d]`, i/1000, i, c))
	}
	return `{"labels": [` + strings.Join(e, ", ") + `]}`
}

// TestStyleGAN2ADADatasetReadsBackItsLabels: a dataset_tool.py zip, or the same as a
// folder, reads back each image's class from dataset.json and its pixels from the
// archive; the classes are named by their numbers; "labels": null means none, and
// the 00000/ folder is then not a class.
func TestStyleGAN2ADADatasetReadsBackItsLabels(t *testing.T) {
	for _, asZip := range []bool{true, false} {
		path := ada(t, asZip, 5, labelsJSON(2, 0, 2, 1, 0))
		d, err := Open(path, Options{Size: 4, Channels: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Check(d); err != nil {
			t.Fatal(err)
		}
		f := d.(*Folder)
		var got []int
		x := make([]float32, 16)
		for i := range d.Len() {
			got = append(got, d.Label(i))
			if err := d.Read(i, x); err != nil {
				t.Fatal(err)
			}
			if p := int((x[0]+1)*127.5 + 0.5); p != 10*i {
				t.Errorf("zip %v: image %d's first pixel is %d, want %d (its own file's)", asZip, i, p, 10*i)
			}
		}
		if want := []int{2, 0, 2, 1, 0}; !slices.Equal(got, want) {
			t.Errorf("zip %v: labels %v, want %v", asZip, got, want)
		}
		if c := f.Classes(); !slices.Equal(c, []string{"0", "1", "2"}) {
			t.Errorf("zip %v: classes %q, want 0 1 2", asZip, c)
		}
		if from := f.LabelsFrom(); !strings.HasSuffix(from, "dataset.json") {
			t.Errorf("zip %v: labels from %q, want the dataset.json", asZip, from)
		}
		if asZip {
			if files := f.Files(); files[1] != path+"/00000/img00000001.png" {
				t.Errorf("zip entry named %q in messages, want %q", files[1], path+"/00000/img00000001.png")
			}
		}

		null, err := Open(ada(t, asZip, 3, `{"labels": null}`), Options{Size: 4, Channels: 1})
		if err != nil {
			t.Fatal(err)
		}
		if l, c := null.Label(0), null.(*Folder).Classes(); l != -1 || c != nil {
			t.Errorf("zip %v: labels null gave label %d, classes %q; want -1, none", asZip, l, c)
		}
	}
}

// TestDatasetJSONMismatchesAreErrorsNamingTheEntry: each way dataset.json and the
// images can disagree is refused when the dataset is opened, naming dataset.json
// (inside the zip) and the entry.
func TestDatasetJSONMismatchesAreErrorsNamingTheEntry(t *testing.T) {
	for _, tc := range []struct {
		name string
		json string
		want []string
	}{
		{"a label for a file that is not there", `{"labels": [["00000/img00000000.png", 0], ["00000/img00000001.png", 1], ["00000/img00000009.png", 1]]}`,
			[]string{"entry 2 labels 00000/img00000009.png, which is not an image in"}},
		{"an image with no label", labelsJSON(0, 1),
			[]string{"gives labels, but none for 00000/img00000002.png"}},
		{"a file labelled twice", `{"labels": [["00000/img00000000.png", 0], ["00000/img00000001.png", 1], ["00000/img00000002.png", 1], ["00000/img00000001.png", 0]]}`,
			[]string{"entry 3 labels 00000/img00000001.png a second time"}},
		{"a fractional label", `{"labels": [["00000/img00000000.png", 0], ["00000/img00000001.png", 6.5], ["00000/img00000002.png", 1]]}`,
			[]string{"entry 1 (00000/img00000001.png): the class is 6.5, not a non-negative integer"}},
		{"a string label", `{"labels": [["00000/img00000000.png", "cat"], ["00000/img00000001.png", 1], ["00000/img00000002.png", 1]]}`,
			[]string{`entry 0 (00000/img00000000.png): the class is "cat"`}},
		{"a vector label", `{"labels": [["00000/img00000000.png", [0.5, 0.5]], ["00000/img00000001.png", 1], ["00000/img00000002.png", 1]]}`,
			[]string{"entry 0 (00000/img00000000.png): the class is [0.5, 0.5]"}},
		{"a negative label", `{"labels": [["00000/img00000000.png", -1], ["00000/img00000001.png", 1], ["00000/img00000002.png", 1]]}`,
			[]string{"entry 0 (00000/img00000000.png): the class is -1"}},
		{"an entry that is not a pair", `{"labels": [["00000/img00000000.png"], ["00000/img00000001.png", 1], ["00000/img00000002.png", 1]]}`,
			[]string{`entry 0 is ["00000/img00000000.png"], not [path, class]`}},
		{"no labels key", `{"classes": 3}`, []string{`no "labels" key`}},
		{"not JSON", `{"labels": [`, []string{"not StyleGAN2-ADA's"}},
	} {
		for _, asZip := range []bool{true, false} {
			path := ada(t, asZip, 3, tc.json)
			_, err := Open(path, Options{Size: 4, Channels: 1})
			json := filepath.Join(path, "dataset.json")
			if asZip {
				json = path + "/dataset.json"
			}
			if err == nil {
				t.Errorf("%s (zip %v): opened", tc.name, asZip)
				continue
			}
			for _, want := range append(tc.want, json) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s (zip %v): error %q lacks %q", tc.name, asZip, err, want)
				}
			}
		}
	}
}

// TestZipIsReadInPlace: a zip's images are read from the archive, deflated entries
// too, and a broken entry is a bad image named by zip and entry.
func TestZipIsReadInPlace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mixed.zip")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(fh)
	for _, e := range []struct {
		name   string
		method uint16
		body   []byte
	}{
		{"a.png", zip.Deflate, grayPNG(t, 4, 4, 50)},
		{"b.png", zip.Store, []byte("not a PNG")},
		{"notes.txt", zip.Deflate, []byte("ignored")},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.body)
	}
	zw.Close()
	fh.Close()
	d, err := Open(path, Options{Size: 4, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2 {
		t.Fatalf("%d images, want a.png and b.png", d.Len())
	}
	x := make([]float32, 16)
	if err := d.Read(0, x); err != nil || int((x[0]+1)*127.5+0.5) != 50 {
		t.Errorf("a.png (deflated): first pixel %g, %v; want 50", x[0], err)
	}
	_, err = Check(d)
	if err == nil || !strings.Contains(err.Error(), path+"/b.png") {
		t.Errorf("broken entry: %v, want an error naming %s/b.png", err, path)
	}
}
