package losses

import . "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive

// Drift is PGGAN's drift term eps·mean(D(x)^2) on the real outputs (Karras et al. 2018,
// §A.1, eps = 1e-3; tkarras/progressive_growing_of_gans loss.py, D_wgangp_acgan's
// wgan_epsilon), which keeps a WGAN critic's outputs near 0. It is not a registered
// Penalty: train.drift sets it beside train.penalty, and it reads D's outputs, not
// its gradient.
func Drift(dReal *Node, eps float64) *Node {
	return MulScalar(ReduceAllMean(Square(dReal)), eps)
}
