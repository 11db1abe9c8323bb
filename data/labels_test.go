package data

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestClassFoldersLabelImagesBySortedFirstLevelFolder: a folder whose images all sit
// in first-level sub-folders is one class per sub-folder, numbered in sorted order;
// deeper folders belong to their first-level one; a single image at the root means
// no classes at all.
func TestClassFoldersLabelImagesBySortedFirstLevelFolder(t *testing.T) {
	img := grayPNG(t, 4, 4, 0)
	for _, tc := range []struct {
		name    string
		files   []string
		classes []string
		labels  []int // in the folder's sorted file order
	}{
		{"two classes", []string{"dog/b.png", "cat/a.png", "dog/a.png"}, []string{"cat", "dog"}, []int{0, 1, 1}},
		{"nested folders count as their first-level class", []string{"zebra/x/y/1.png", "ant/2.png"}, []string{"ant", "zebra"}, []int{0, 1}},
		{"one class", []string{"all/1.png", "all/2.png"}, []string{"all"}, []int{0, 0}},
		{"an image at the root: no classes", []string{"cat/a.png", "b.png"}, nil, []int{-1, -1}},
		{"flat folder: no classes", []string{"a.png", "b.png"}, nil, []int{-1, -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tc.files {
				write(t, filepath.Join(dir, filepath.FromSlash(f)), img)
			}
			f, err := ReadFolder(dir, 4, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Classes(); !slices.Equal(got, tc.classes) {
				t.Errorf("classes %q, want %q", got, tc.classes)
			}
			var got []int
			for i := range f.Len() {
				got = append(got, f.Label(i))
			}
			if !slices.Equal(got, tc.labels) {
				t.Errorf("labels %v (files %v), want %v", got, f.Files(), tc.labels)
			}
			if c := f.Classes(); len(c) > 0 {
				c[0] = "changed"
				if f.Classes()[0] == "changed" {
					t.Error("Classes returns the folder's own slice, not a copy")
				}
			}
		})
	}
}

// TestSkippedImagesTakeTheirLabelsWithThem: skipping a bad image must not shift the
// labels of the images after it onto the wrong class.
func TestSkippedImagesTakeTheirLabelsWithThem(t *testing.T) {
	dir := t.TempDir()
	good := grayPNG(t, 4, 4, 0)
	write(t, filepath.Join(dir, "a", "1.png"), good)
	write(t, filepath.Join(dir, "a", "2.png"), []byte("not a PNG"))
	write(t, filepath.Join(dir, "b", "1.png"), good)
	write(t, filepath.Join(dir, "c", "1.png"), good)
	d, err := Open(dir, Options{Size: 4, Channels: 1, SkipBadImages: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(d); err != nil {
		t.Fatal(err)
	}
	var got []int
	for i := range d.Len() {
		got = append(got, d.Label(i))
	}
	if want := []int{0, 1, 2}; !slices.Equal(got, want) {
		t.Errorf("labels after skipping a/2.png: %v, want %v", got, want)
	}
}
