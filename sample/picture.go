package sample

import (
	"math"

	"github.com/gankit/gankit/data"
)

// WriteSamples writes generated samples (flat) as a picture: an image grid, or for a
// toy mixture a scatter over its modes.
func WriteSamples(path string, x []float32, src data.Source) error {
	if toy, ok := src.(*data.Toy); ok {
		return WritePNG(path, Scatter(x, toy.Modes, ToyExtent(toy), 512))
	}
	img, err := Grid(x, src.Shape())
	if err != nil {
		return err
	}
	return WritePNG(path, img)
}

// ToyExtent is the half-width of the square that frames a toy mixture's plots.
func ToyExtent(t *data.Toy) float64 {
	e := 0.0
	for _, m := range t.Modes {
		e = math.Max(e, math.Max(math.Abs(m[0]), math.Abs(m[1])))
	}
	return 1.5 * e
}
