package losses

import . "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive

// Critic is D as a function of its input batch, returning one output per sample.
type Critic func(x *Node) *Node

// GradNorm is the per-sample norm of g over all but the batch axis, written
// sqrt(sum g^2 + 1e-12) so that its own gradient stays finite at g = 0 (the penalties
// are differentiated twice).
func GradNorm(g *Node) *Node {
	return Sqrt(AddScalar(sumPerSample(Square(g)), 1e-12))
}

func sumPerSample(x *Node) *Node {
	if x.Rank() == 1 {
		return x
	}
	axes := make([]int, x.Rank()-1)
	for i := range axes {
		axes[i] = i + 1
	}
	return ReduceSum(x, axes...)
}

// inputGrad is d(sum_i D(x)_i)/dx: each sample's output depends only on its input
// (no BatchNorm in D with a penalty), so row i is grad_x D(x_i).
func inputGrad(d Critic, x *Node) *Node {
	return gradAt(d(x), x)
}

// gradAt is d(sum_i logits_i)/dx for logits D has already computed from x: the
// gradient reuses that forward pass instead of running D again.
func gradAt(logits, x *Node) *Node {
	return Gradient(ReduceAllSum(logits), x)[0]
}

// perSample broadcasts a [batch] value against x's shape.
func perSample(v, x *Node) *Node {
	dims := make([]int, x.Rank())
	for i := range dims {
		dims[i] = 1
	}
	dims[0] = x.Shape().Dimensions[0]
	return Reshape(v, dims...)
}
