package serve

import (
	"bytes"
	"image"
	"image/png"

	"github.com/gankit/gankit/sample"
)

// scatterSize is the side of a toy run's scatter plot, in pixels.
const scatterSize = 512

// imagePNG encodes one generated image (flat, channels-last, in [-1, 1]) as a PNG of
// the image's own size: sample.Grid's one-tile grid without its border.
func (s *Server) imagePNG(x []float32) ([]byte, error) {
	g, err := sample.Grid(x, s.shape)
	if err != nil {
		return nil, err
	}
	const border = 2 // sample.Grid's
	img := g.SubImage(image.Rect(border, border, border+s.shape.Size, border+s.shape.Size))
	return encodePNG(img)
}

// scatterPNG plots toy points (flat x,y pairs) over the mixture's modes, framed as
// the training run's scatter plots are.
func (s *Server) scatterPNG(points []float32) ([]byte, error) {
	return encodePNG(sample.Scatter(points, s.toy.Modes, sample.ToyExtent(s.toy), scatterSize))
}

func encodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
