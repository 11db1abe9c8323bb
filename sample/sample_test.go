package sample

import (
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gankit/gankit/data"
)

func TestLatentsAreSeededStandardNormal(t *testing.T) {
	a, b := Latents(3, 1, 2000, 5), Latents(3, 1, 2000, 5)
	c := Latents(3, 2, 2000, 5)
	var sum, sq float64
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed and stream gave different latents")
		}
		sum += float64(a[i])
		sq += float64(a[i]) * float64(a[i])
	}
	if a[0] == c[0] && a[1] == c[1] {
		t.Error("different streams gave the same latents")
	}
	n := float64(len(a))
	if mean, v := sum/n, sq/n-(sum/n)*(sum/n); math.Abs(mean) > 0.05 || math.Abs(v-1) > 0.05 {
		t.Errorf("mean %g, variance %g: not N(0, 1)", mean, v)
	}
}

func TestGridTilesImagesAndMapsValuesBackToPixels(t *testing.T) {
	// Three 2x2 grayscale images: all -1, all 1, and a 0 / 0.5 ramp. A 2x2 grid of
	// 2-pixel tiles with 2-pixel borders is 10x10.
	imgs := []float32{-1, -1, -1, -1, 1, 1, 1, 1, 0, 0.5, 0, 0.5}
	g, err := Grid(imgs, data.Shape{Size: 2, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	if b := g.Bounds(); b.Dx() != 10 || b.Dy() != 10 {
		t.Fatalf("grid is %v, want 10x10", b)
	}
	for _, tc := range []struct {
		x, y int
		want uint8
	}{{2, 2, 0}, {6, 2, 255}, {2, 6, 128}, {3, 6, 191}, {0, 0, 128}, {6, 6, 128}} {
		if got := g.RGBAAt(tc.x, tc.y); got != (color.RGBA{tc.want, tc.want, tc.want, 255}) {
			t.Errorf("pixel (%d,%d) = %v, want gray %d", tc.x, tc.y, got, tc.want)
		}
	}
	if _, err := Grid(imgs[:5], data.Shape{Size: 2, Channels: 1}); err == nil {
		t.Error("a partial image was accepted")
	}
	out := filepath.Join(t.TempDir(), "g.png")
	if err := WritePNG(out, g); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(out)
	defer f.Close()
	if back, err := png.Decode(f); err != nil || back.Bounds() != g.Bounds() {
		t.Errorf("written PNG: %v", err)
	}
}

func TestScatterMarksPointsAndModes(t *testing.T) {
	img := Scatter([]float32{0.5, 0.5}, [][2]float64{{-1, 0}}, 2, 101)
	// (0.5, 0.5) lands at pixel (62.5 -> 63, 37.5 -> 38): blue.
	if c := img.RGBAAt(63, 38); c.B < 150 || c.R > 100 {
		t.Errorf("point pixel %v is not blue", c)
	}
	// Mode (-1, 0) at pixel (25, 50): red ring of radius 6 around it.
	if c := img.RGBAAt(31, 50); c.R < 150 || c.B > 100 {
		t.Errorf("mode ring pixel %v is not red", c)
	}
}
