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
	k := shape.Len()
	if shape.Dim > 0 || k == 0 || len(images)%k != 0 {
		return nil, fmt.Errorf("grid: %d values are not whole %v", len(images), shape)
	}
	n := len(images) / k
	cols := int(math.Ceil(math.Sqrt(float64(n))))
	rows := (n + cols - 1) / cols
	const pad = 2
	s := shape.Size
	img := image.NewRGBA(image.Rect(0, 0, cols*(s+pad)+pad, rows*(s+pad)+pad))
	for i := range img.Pix {
		img.Pix[i] = 128 // opaque mid-gray border
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	for i := range n {
		x0, y0 := pad+(i%cols)*(s+pad), pad+(i/cols)*(s+pad)
		im := images[i*k : (i+1)*k]
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
	return img, nil
}

// WritePNG encodes img to path atomically.
func WritePNG(path string, img image.Image) error {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, b.Bytes())
}
