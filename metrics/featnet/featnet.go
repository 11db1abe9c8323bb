// Package featnet is gankit's feature network: a small CNN classifier whose
// penultimate layer embeds images for FID, KID, precision/recall and density/coverage,
// and whose class probabilities give the Inception Score and the stacked
// Fashion-MNIST labels. The Fashion-MNIST model trained by `gankit classifier train`
// is committed (fmnist.gob.gz) with its SHA-256, so every FID in the project is
// computed by the same network. A colour model for 32x32 images, trained on the
// emoji of Debian's ruby-gemojione (emojione32.gob.gz, made as `gankit classifier
// train --help` says), is committed beside it for --feature-net; it is not built in.
package featnet

import (
	"github.com/gankit/gankit/nets"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Width is the embedding dimension (the penultimate layer).
const Width = 128

// convs are the network's convolutions: kernel, stride, output channels.
var convs = [][3]int{{3, 1, 32}, {4, 2, 64}, {4, 2, 64}}

// Net maps images x [N, H, W, C] in [-1, 1] to class logits [N, classes] and the
// embedding [N, Width]: three convolutions with ReLU (the last two stride 2), a dense
// layer of Width units with ReLU — the embedding — and a dense output layer. Built
// from nets' layers (PyTorch's default initialisation), so it runs and
// differentiates on every backend.
func Net(ctx *context.Context, x *Node, classes int) (logits, features *Node) {
	ctx = ctx.In("featnet")
	for i, c := range convs {
		k, s, out := c[0], c[1], c[2]
		pad := (k - 1) / 2
		if s == 2 {
			pad = 1
		}
		in := x.Shape().Dimensions[3]
		x = nets.ReLU(nets.Conv2D(ctx.Inf("conv%d", i), x, out, k, s, [2][2]int{{pad, pad}, {pad, pad}}, nets.Uniform(1/sqrt(float64(k*k*in)))))
	}
	d := x.Shape().Dimensions
	x = Reshape(x, d[0], d[1]*d[2]*d[3])
	in := x.Shape().Dimensions[1]
	features = nets.ReLU(nets.Dense(ctx.In("hidden"), x, Width, nets.Uniform(1/sqrt(float64(in)))))
	logits = nets.Dense(ctx.In("out"), features, classes, nets.Uniform(1/sqrt(float64(Width))))
	return logits, features
}
