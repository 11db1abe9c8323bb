package nets

import (
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/pkg/core/shapes"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Context parameters that change how layers make their weights. Generator and
// Discriminator set them on their scopes from Config; GetParamOr finds them from any
// layer below.
const (
	// ParamEqualizedLR (bool): PGGAN's equalized learning rate (Karras et al. 2018,
	// §4.1; networks.py get_weight with use_wscale): weights are stored ~ N(0, 1) and
	// multiplied at run time by gain/sqrt(fan_in).
	ParamEqualizedLR = "gankit_eqlr"
	// ParamGain (float64): the gain of the layers in a scope, sqrt(2) unless set
	// (PGGAN: G's first dense layer sqrt(2)/4, toRGB and D's output layer 1).
	ParamGain = "gankit_gain"
	// ParamSpectralNorm (bool): weights divided by their spectral norm (Miyato et al. 2018).
	ParamSpectralNorm = "gankit_sn"
	// ParamSpectralNormFrozen (bool): use the stored u and v without a power iteration,
	// as PyTorch's spectral_norm does in eval mode (evaluation, gradient checks).
	ParamSpectralNormFrozen = "gankit_sn_frozen"
)

// Weight returns the weights named "weights" in ctx's scope, of shape dims with the
// output channels last, as the layer should use them: the stored variable (drawn
// from init), or with equalized learning rate the N(0, 1) variable times
// gain/sqrt(fanIn), and with spectral normalisation divided by its spectral norm.
func Weight(ctx *context.Context, g *Graph, init Init, fanIn int, dims ...int) *Node {
	var w *Node
	if context.GetParamOr(ctx, ParamEqualizedLR, false) {
		gain := context.GetParamOr(ctx, ParamGain, math.Sqrt2)
		w = MulScalar(Param(ctx, "weights", Normal(0, 1), dims...).ValueGraph(g), gain/math.Sqrt(float64(fanIn)))
	} else {
		w = Param(ctx, "weights", init, dims...).ValueGraph(g)
	}
	if context.GetParamOr(ctx, ParamSpectralNorm, false) {
		w = SpectralNormalize(ctx, w)
	}
	return w
}

// snEpsilon is torch.nn.functional.normalize's floor on a vector's norm.
const snEpsilon = 1e-12

// SpectralNormalize returns w / sigma(w), sigma the largest singular value of w as
// a matrix [out, rest] (Miyato et al. 2018, Algorithm 1), estimated by power
// iteration as torch.nn.utils.spectral_norm does: u in R^out is kept in ctx
// ("sn_u", starting as a normalised N(0, 1) draw); the first use in a graph (one D
// update) runs one iteration, v = normalize(W^T u), u = normalize(W v), and stores u
// and v; later uses in the same graph (D on another batch, or after its update)
// reuse them. sigma = u^T W v; u and v carry no gradient.
func SpectralNormalize(ctx *context.Context, w *Node) *Node {
	g := w.Graph()
	out := w.Shape().Dimensions[w.Rank()-1]
	rest := w.Shape().Size() / out
	m := Reshape(w, rest, out) // W^T as [rest, out]
	uVar := Param(ctx, "sn_u", unitNormal, out).SetTrainable(false)
	vVar := Param(ctx, "sn_v", unitNormal, rest).SetTrainable(false)
	var u, v *Node
	if uVar.ChangedInGraph(g) || context.GetParamOr(ctx, ParamSpectralNormFrozen, false) {
		u, v = uVar.ValueGraph(g), vVar.ValueGraph(g)
	} else {
		mc := StopGradient(m)
		v = normalize(Reshape(Dot(mc, Reshape(uVar.ValueGraph(g), out, 1)), rest))
		u = normalize(Reshape(Dot(Reshape(v, 1, rest), mc), out))
		uVar.SetValueGraph(u)
		vVar.SetValueGraph(v)
	}
	wv := Reshape(Dot(Reshape(v, 1, rest), m), out) // W v, with gradient through W
	sigma := ReduceAllSum(Mul(u, wv))
	return Div(w, sigma)
}

func normalize(x *Node) *Node {
	n := Sqrt(ReduceAllSum(Square(x)))
	return Div(x, Max(n, Scalar(x.Graph(), x.DType(), snEpsilon)))
}

// unitNormal is a N(0, I) vector scaled to norm 1.
func unitNormal(r *rand.Rand, s shapes.Shape) []float32 {
	v := Normal(0, 1)(r, s)
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	n = math.Sqrt(n)
	for i := range v {
		v[i] = float32(float64(v[i]) / max(n, snEpsilon))
	}
	return v
}
