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
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
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

// ClassGrid tiles a per-class grid (ClassRows' samples: one row of cols images per
// class, in class order) with each row's class name in a margin on its left, in
// basicfont's 7x13 face: the PNG says which row is which class. Names longer than
// MaxLabel characters are cut.
func ClassGrid(images []float32, shape data.Shape, classes []string, cols int) (*image.RGBA, error) {
	n, err := count(images, shape)
	if err != nil {
		return nil, fmt.Errorf("class grid: %w", err)
	}
	if cols < 1 || n != len(classes)*cols {
		return nil, fmt.Errorf("class grid: %d images are not %d classes x %d", n, len(classes), cols)
	}
	labels, margin := classLabels(classes)
	tiles := tile(images, shape, n, cols)
	b := tiles.Bounds()
	img := image.NewRGBA(image.Rect(0, 0, margin+b.Dx(), b.Dy()))
	for i := range img.Pix {
		img.Pix[i] = 128 // the tiles' border gray
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	for y := range b.Dy() {
		copy(img.Pix[y*img.Stride+margin*4:], tiles.Pix[y*tiles.Stride:(y+1)*tiles.Stride])
	}
	const pad = 2
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.RGBA{255, 255, 255, 255}), Face: basicfont.Face7x13}
	for c, name := range labels {
		mid := pad + c*(shape.Size+pad) + shape.Size/2 // the row's middle
		d.Dot = fixed.P(pad+2, mid+basicfont.Face7x13.Ascent/2)
		d.DrawString(name)
	}
	return img, nil
}

// MaxLabel is the most characters of a class name a class grid shows.
const MaxLabel = 24

// ClassGridMargin is the width of a class grid's margin of names: its images start
// at this x, plus the tiles' 2-pixel border.
func ClassGridMargin(classes []string) int {
	_, m := classLabels(classes)
	return m
}

// classLabels are the names a class grid shows (cut to MaxLabel characters) and the
// margin they take.
func classLabels(classes []string) ([]string, int) {
	labels := make([]string, len(classes))
	widest := 0
	for c, name := range classes {
		if r := []rune(name); len(r) > MaxLabel {
			name = string(r[:MaxLabel-3]) + "..."
		}
		labels[c] = name
		widest = max(widest, font.MeasureString(basicfont.Face7x13, name).Ceil())
	}
	return labels, widest + 6
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
