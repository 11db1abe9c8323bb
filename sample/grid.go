package sample

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/fsutil"
)

// pixel maps a value in [-1, 1] back to [0, 255], clamping.
func pixel(v float32) uint8 {
	p := math.Round((float64(v) + 1) * 127.5)
	return uint8(max(0, min(255, p)))
}

// Grid tiles n images (flat, channels-last, values in [-1, 1]) into a near-square
// grid with a 2-pixel gray border.
func Grid(images []float32, shape data.Shape) (*image.RGBA, error) {
	n, err := count(images, shape)
	if err != nil {
		return nil, fmt.Errorf("grid: %w", err)
	}
	return tile(images, shape, n, int(math.Ceil(math.Sqrt(float64(n))))), nil
}

// Strip tiles n images into one row with a 2-pixel gray border: an interpolation path
// read from left to right.
func Strip(images []float32, shape data.Shape) (*image.RGBA, error) {
	n, err := count(images, shape)
	if err != nil {
		return nil, fmt.Errorf("strip: %w", err)
	}
	return tile(images, shape, n, n), nil
}

// Image is one image (flat, channels-last, values in [-1, 1]) without a border.
func Image(x []float32, shape data.Shape) (*image.RGBA, error) {
	if n, err := count(x, shape); err != nil || n != 1 {
		return nil, fmt.Errorf("image: %d values, want one %v image of %d", len(x), shape, shape.Len())
	}
	img := image.NewRGBA(image.Rect(0, 0, shape.Size, shape.Size))
	draw(img, 0, 0, x, shape)
	return img, nil
}

// count is how many whole images of shape the values hold.
func count(images []float32, shape data.Shape) (int, error) {
	k := shape.Len()
	if shape.Dim > 0 || k == 0 || len(images)%k != 0 || len(images) == 0 {
		return 0, fmt.Errorf("%d values are not whole %v images", len(images), shape)
	}
	return len(images) / k, nil
}

// tile lays n images out in rows of cols with a 2-pixel gray border.
func tile(images []float32, shape data.Shape, n, cols int) *image.RGBA {
	rows := (n + cols - 1) / cols
	const pad = 2
	s, k := shape.Size, shape.Len()
	img := image.NewRGBA(image.Rect(0, 0, cols*(s+pad)+pad, rows*(s+pad)+pad))
	for i := range img.Pix {
		img.Pix[i] = 128 // opaque mid-gray border
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	for i := range n {
		draw(img, pad+(i%cols)*(s+pad), pad+(i/cols)*(s+pad), images[i*k:(i+1)*k], shape)
	}
	return img
}

// draw puts one image's pixels at (x0, y0).
func draw(img *image.RGBA, x0, y0 int, im []float32, shape data.Shape) {
	s := shape.Size
	for y := range s {
		for x := range s {
			o := (y*s + x) * shape.Channels
			var c color.RGBA
			if shape.Channels == 1 {
				g := pixel(im[o])
				c = color.RGBA{g, g, g, 255}
			} else {
				c = color.RGBA{pixel(im[o]), pixel(im[o+1]), pixel(im[o+2]), 255}
			}
			img.SetRGBA(x0+x, y0+y, c)
		}
	}
}

// WritePNG encodes img to path atomically.
func WritePNG(path string, img image.Image) error {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, b.Bytes())
}
