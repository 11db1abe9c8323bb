package data

import (
	"image"
	"image/color"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestInspectCountsFormatsTransparencyDuplicatesBadImagesAndClasses: one pass over
// a folder of two classes finds its formats and original sizes, the one image with
// transparency, the PNG and BMP that decode to the same pixels (a duplicate across
// formats) but not the PNG that differs by one pixel, the file that does not decode,
// and the images per class.
func TestInspectCountsFormatsTransparencyDuplicatesBadImagesAndClasses(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "cat", "a.png"), grayPNG(t, 6, 4, 10))
	write(t, filepath.Join(dir, "cat", "b.bmp"), bmpOfGray(t, 6, 4, 10))
	near := image.NewGray(image.Rect(0, 0, 6, 4))
	for y := range 4 {
		for x := range 6 {
			near.SetGray(x, y, color.Gray{Y: 10 + uint8(x+2*y)})
		}
	}
	near.SetGray(5, 3, color.Gray{Y: 0})
	write(t, filepath.Join(dir, "cat", "c.png"), pngOf(t, near))
	clear := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	clear.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255})
	write(t, filepath.Join(dir, "dog", "d.png"), pngOf(t, clear))
	write(t, filepath.Join(dir, "dog", "e.png"), []byte("not a PNG"))

	d, err := Open(dir, Options{Size: 4, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	in := d.(*Folder).Inspect()
	if in.Images != 5 || in.Transparent != 1 {
		t.Errorf("%d images, %d transparent; want 5, 1", in.Images, in.Transparent)
	}
	if got, want := strings.Join(Counted(in.Formats), ", "), "png grey: 2, bmp palette (256 colours): 1, png RGBA: 1"; got != want {
		t.Errorf("formats %s, want %s", got, want)
	}
	if got, want := strings.Join(Counted(in.Sizes), ", "), "6x4: 3, 8x8: 1"; got != want {
		t.Errorf("sizes %s, want %s", got, want)
	}
	if len(in.Duplicates) != 1 || !slices.Equal(in.Duplicates[0], []string{filepath.Join(dir, "cat", "a.png"), filepath.Join(dir, "cat", "b.bmp")}) {
		t.Errorf("duplicates %q, want cat/a.png = cat/b.bmp", in.Duplicates)
	}
	if len(in.Bad) != 1 || in.Bad[0].Path != filepath.Join(dir, "dog", "e.png") {
		t.Errorf("bad images %v, want dog/e.png", in.Bad)
	}
	if !slices.Equal(in.ClassCounts, []int{3, 2}) {
		t.Errorf("class counts %v, want cat 3, dog 2", in.ClassCounts)
	}
	// d.png on white is white but for one red pixel; the grey images are dark.
	if in.Max != 1 || in.Min > -0.9 {
		t.Errorf("values [%g, %g], want up to 1 (white) and down to dark grey", in.Min, in.Max)
	}
}

// bmpOfGray is grayPNG's picture as an 8-bit BMP.
func bmpOfGray(t *testing.T, w, h int, seed uint8) []byte {
	t.Helper()
	img, _, err := image.Decode(strings.NewReader(string(grayPNG(t, w, h, seed))))
	if err != nil {
		t.Fatal(err)
	}
	return encodeBMP(t, img)
}
