package data

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// formatsFixture is data/testdata/formats.json, written with the images beside it by
// scripts/reference/make_image_fixtures.py.
type formatsFixture struct {
	Width, Height int
	Files         map[string]struct {
		RGBA      string // straight 8-bit RGBA, hex, rows top to bottom
		Tolerance int
	}
}

func readFormatsFixture(t *testing.T) formatsFixture {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "formats.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx formatsFixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	return fx
}

// over is c over an opaque background: round((c·a + bg·(255 - a)) / 255).
func over(c, a, bg uint8) int { return (int(c)*int(a) + int(bg)*(255-int(a)) + 127) / 255 }

// TestEveryFormatDecodesToItsPicture: every PNG colour type and bit depth (grey
// 1/2/4/8/16, grey + alpha 8/16, RGB 8/16, RGBA 8/16, palette 1/2/4/8, tRNS on grey,
// RGB and palettes), a GIF with a transparent index, a lossless WebP with alpha, a
// BMP, a TIFF and a JPEG, read as one folder, come out as the pictures the script
// that wrote them says they hold, composited onto white and onto orange (a
// background whose channels differ, so a channel mix-up shows).
func TestEveryFormatDecodesToItsPicture(t *testing.T) {
	fx := readFormatsFixture(t)
	if len(fx.Files) < 24 {
		t.Fatalf("formats.json lists %d files, want the 24 the script writes", len(fx.Files))
	}
	for _, bg := range []struct {
		name    string
		r, g, b uint8
	}{{"white", 255, 255, 255}, {"#ff8000", 255, 128, 0}} {
		d, err := Open(filepath.Join("testdata", "formats"), Options{Size: fx.Width, Channels: 3, Background: bg.name})
		if err != nil {
			t.Fatal(err)
		}
		f := d.(*Folder)
		if d.Len() != len(fx.Files) {
			t.Fatalf("the folder holds %d images, formats.json %d", d.Len(), len(fx.Files))
		}
		if _, err := Check(d); err != nil {
			t.Fatal(err)
		}
		x := make([]float32, d.Shape().Len())
		for i, path := range f.Files() {
			name := filepath.Base(path)
			want, ok := fx.Files[name]
			if !ok {
				t.Fatalf("%s is not in formats.json", name)
			}
			rgba, err := hex.DecodeString(want.RGBA)
			if err != nil || len(rgba) != 4*fx.Width*fx.Height {
				t.Fatalf("%s: %d bytes of pixels in formats.json (%v)", name, len(rgba), err)
			}
			if err := d.Read(i, x); err != nil {
				t.Fatal(err)
			}
			bgc := [3]uint8{bg.r, bg.g, bg.b}
			bad := 0
			for p := range fx.Width * fx.Height {
				for k := range 3 {
					exp := over(rgba[4*p+k], rgba[4*p+3], bgc[k])
					got := int((x[3*p+k]+1)*127.5 + 0.5)
					if diff := got - exp; diff > want.Tolerance || -diff > want.Tolerance {
						if bad++; bad <= 3 {
							t.Errorf("%s on %s: pixel %d channel %d is %d, want %d (straight RGBA %v)", name, bg.name, p, k, got, exp, rgba[4*p:4*p+4])
						}
					}
				}
			}
		}
	}
}

// pngOf encodes img as a PNG.
func pngOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestTransparencyIsCompositedOntoTheBackground: out = c·a + bg·(1 - a) per channel,
// rounded, worked by hand for a straight-alpha RGBA image and a palette image whose
// tRNS chunk gives its entries alpha. E.g. (200, 100, 50) at alpha 128 on white:
// R = (200·128 + 255·127)/255 = 227.39 -> 227, G = (100·128 + 255·127)/255 = 177.20
// -> 177, B = (50·128 + 255·127)/255 = 152.10 -> 152; on #ff8000, G = (100·128 +
// 128·127)/255 = 113.95 -> 114 and B = 50·128/255 = 25.10 -> 25.
func TestTransparencyIsCompositedOntoTheBackground(t *testing.T) {
	straight := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	straight.SetNRGBA(0, 0, color.NRGBA{200, 100, 50, 128})
	straight.SetNRGBA(1, 0, color.NRGBA{0, 0, 0, 0})
	straight.SetNRGBA(0, 1, color.NRGBA{10, 20, 30, 255})
	straight.SetNRGBA(1, 1, color.NRGBA{255, 0, 0, 64})
	// image/png writes a palette with non-opaque entries as PLTE plus tRNS.
	paletted := image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{
		color.NRGBA{200, 100, 50, 128}, color.NRGBA{0, 0, 255, 0}, color.NRGBA{90, 60, 30, 255}, color.NRGBA{255, 255, 0, 51},
	})
	copy(paletted.Pix, []uint8{0, 1, 2, 3})
	for _, tc := range []struct {
		name, background string
		file             []byte
		want             [4][3]int // pixels (0,0), (1,0), (0,1), (1,1)
	}{
		{"RGBA on white", "white", pngOf(t, straight), [4][3]int{{227, 177, 152}, {255, 255, 255}, {10, 20, 30}, {255, 191, 191}}},
		// (255, 0, 0) at 64: G = 128·191/255 = 95.87 -> 96.
		{"RGBA on #ff8000", "#ff8000", pngOf(t, straight), [4][3]int{{227, 114, 25}, {255, 128, 0}, {10, 20, 30}, {255, 96, 0}}},
		// (255, 255, 0) at 51: B = 255·204/255 = 204 on white; G = (255·51 + 128·204)/255 = 153.40 -> 153 on orange.
		{"palette with tRNS on white", "white", pngOf(t, paletted), [4][3]int{{227, 177, 152}, {255, 255, 255}, {90, 60, 30}, {255, 255, 204}}},
		{"palette with tRNS on #FF8000", "#FF8000", pngOf(t, paletted), [4][3]int{{227, 114, 25}, {255, 128, 0}, {90, 60, 30}, {255, 153, 0}}},
		{"RGBA on black", "black", pngOf(t, straight), [4][3]int{{100, 50, 25}, {0, 0, 0}, {10, 20, 30}, {64, 0, 0}}},
	} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "a.png"), tc.file)
		d, err := Open(dir, Options{Size: 2, Channels: 3, Background: tc.background})
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, 12)
		if err := d.Read(0, x); err != nil {
			t.Fatal(err)
		}
		for p := range 4 {
			for k := range 3 {
				if got := int((x[3*p+k]+1)*127.5 + 0.5); got != tc.want[p][k] {
					t.Errorf("%s: pixel %d channel %d is %d, want %d", tc.name, p, k, got, tc.want[p][k])
				}
			}
		}
	}
}

// TestCompositingComesBeforeResizing: a white disc's transparent surroundings often
// hold black (0, 0, 0, 0). Resized before compositing, the black bleeds into the
// disc's edge (a dark halo); composited first, a white picture on white stays 255
// everywhere at any size. And premultiplied decoding with alpha dropped, gankit's
// old behaviour, made the surroundings black.
func TestCompositingComesBeforeResizing(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 12, 12))
	for y := range 12 {
		for x := range 12 {
			if (x-6)*(x-6)+(y-6)*(y-6) < 16 {
				img.SetNRGBA(x, y, color.NRGBA{255, 255, 255, 255})
			}
		}
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "disc.png"), pngOf(t, img))
	for _, size := range []int{5, 12, 17} {
		d, err := Open(dir, Options{Size: size, Channels: 1, Background: "white"})
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, size*size)
		if err := d.Read(0, x); err != nil {
			t.Fatal(err)
		}
		for p, v := range x {
			if v != 1 {
				t.Fatalf("size %d: pixel %d is %g, want 1 (white) everywhere", size, p, v)
			}
		}
	}
}

// TestBackgroundNamesAndHexColours: data.background takes white, black, grey/gray
// and #rrggbb (or rrggbb, as YAML reads # as a comment) in any case; anything else
// is refused naming the key.
func TestBackgroundNamesAndHexColours(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want color.RGBA
		err  bool
	}{
		{"", color.RGBA{255, 255, 255, 255}, false},
		{"white", color.RGBA{255, 255, 255, 255}, false},
		{"Black", color.RGBA{0, 0, 0, 255}, false},
		{"grey", color.RGBA{128, 128, 128, 255}, false},
		{"GRAY", color.RGBA{128, 128, 128, 255}, false},
		{"#ff8000", color.RGBA{255, 128, 0, 255}, false},
		{"#0A0b0C", color.RGBA{10, 11, 12, 255}, false},
		{"pink", color.RGBA{}, true},
		{"#fff", color.RGBA{}, true},
		{"#ff80zz", color.RGBA{}, true},
		{"ff8000", color.RGBA{255, 128, 0, 255}, false},
		{"#ff800", color.RGBA{}, true},
		{"#+f8000", color.RGBA{}, true},
	} {
		got, err := ParseBackground(tc.in)
		switch {
		case tc.err && (err == nil || !strings.Contains(err.Error(), "data.background")):
			t.Errorf("%q: %v, %v; want an error naming data.background", tc.in, got, err)
		case !tc.err && (err != nil || got != tc.want):
			t.Errorf("%q: %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	_, err := Open(t.TempDir(), Options{Size: 4, Channels: 3, Background: "pink"})
	if err == nil || !strings.Contains(err.Error(), `"pink"`) {
		t.Errorf("a folder opened with background pink: %v", err)
	}
}
