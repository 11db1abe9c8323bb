package sample

import (
	"image"
	"image/color"
	"math"
)

// Scatter draws 2-D points (flat x,y pairs) as blue dots over the mixture's modes
// (red rings) on a size x size white canvas spanning [-extent, extent]^2.
func Scatter(points []float32, modes [][2]float64, extent float64, size int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	toPix := func(x, y float64) (int, int) {
		px := int(math.Round((x + extent) / (2 * extent) * float64(size-1)))
		py := int(math.Round((extent - y) / (2 * extent) * float64(size-1)))
		return px, py
	}
	axis := color.RGBA{220, 220, 220, 255}
	cx, cy := toPix(0, 0)
	for i := range size {
		img.SetRGBA(i, cy, axis)
		img.SetRGBA(cx, i, axis)
	}
	dot := color.RGBA{30, 80, 200, 255}
	for i := 0; i+1 < len(points); i += 2 {
		px, py := toPix(float64(points[i]), float64(points[i+1]))
		for dx := -1; dx <= 1; dx++ {
			for dy := -1; dy <= 1; dy++ {
				if image.Pt(px+dx, py+dy).In(img.Rect) {
					img.SetRGBA(px+dx, py+dy, dot)
				}
			}
		}
	}
	ring := color.RGBA{220, 30, 30, 255}
	for _, m := range modes {
		px, py := toPix(m[0], m[1])
		for a := 0.0; a < 2*math.Pi; a += 0.05 {
			x, y := px+int(math.Round(6*math.Cos(a))), py+int(math.Round(6*math.Sin(a)))
			if image.Pt(x, y).In(img.Rect) {
				img.SetRGBA(x, y, ring)
			}
		}
	}
	return img
}
