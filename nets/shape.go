package nets

import (
	"slices"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// shapeWith is x's shape with dimension axis replaced by size.
func shapeWith(x *graph.Node, axis, size int) shapes.Shape {
	s := x.Shape().Clone()
	s.Dimensions = slices.Clone(s.Dimensions)
	s.Dimensions[axis] = size
	return s
}
