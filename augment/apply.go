package augment

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Inputs is how many graph inputs Apply reads: the warp's matrices when the pipeline
// moves pixels, the colour matrix and offset with colour.
func (pl Pipeline) Inputs() int {
	n := 0
	if pl.warps() {
		n++
	}
	if pl.Color {
		n += 2
	}
	return n
}

// Tensors lays out the transforms of a batch of images (size x size x channels,
// channels-last) as the graph inputs Apply takes, in order:
//   - when the pipeline warps: each image's Warp, its top two rows [n, 6], float64
//     (the sampling positions are computed from it in the graph, in float64, so that
//     they do not round to float32 before the bilinear weights are taken);
//   - with colour: the matrix [n, c, c] and offset [n, c] of each image's Color
//     (for one channel, augment.py's grey rule: the mean of the colour rows, its
//     three weights summed into one factor).
func (pl Pipeline) Tensors(ps []Params, size, channels int) []*tensors.Tensor {
	n := len(ps)
	var out []*tensors.Tensor
	if pl.warps() {
		g := make([]float64, 0, n*6)
		for _, q := range ps {
			m := q.Warp()
			g = append(g, m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2])
		}
		out = append(out, tensors.FromFlatDataAndDimensions(g, n, 6))
	}
	if pl.Color {
		c := channels
		mat, off := make([]float32, n*c*c), make([]float32, n*c)
		for b, q := range ps {
			m := q.Color()
			if c == 1 {
				var w [4]float64
				for j := range 4 {
					w[j] = (m[0][j] + m[1][j] + m[2][j]) / 3
				}
				mat[b], off[b] = float32(w[0]+w[1]+w[2]), float32(w[3])
				continue
			}
			for i := range 3 {
				for j := range 3 {
					mat[(b*3+i)*3+j] = float32(m[i][j])
				}
				off[b*3+i] = float32(m[i][3])
			}
		}
		out = append(out, tensors.FromFlatDataAndDimensions(mat, n, c, c), tensors.FromFlatDataAndDimensions(off, n, c))
	}
	return out
}

// Apply augments images x [n, size, size, c] with the inputs Tensors laid out: the
// warp (warp), then the colour transform. Both are linear in x, so D's gradient
// flows back to the images (to G in G's step) through them.
func (pl Pipeline) Apply(x *Node, in []*Node) *Node {
	dt := x.DType()
	dims := x.Shape().Dimensions
	n, h, w, c := dims[0], dims[1], dims[2], dims[3]
	if pl.warps() {
		x = warp(x, in[0])
		in = in[1:]
	}
	if pl.Color {
		// out[n, h, w, i] = sum_j mat[n, i, j] x[n, h, w, j] + off[n, i], as broadcast
		// products and a sum over j: a product per image with c = 1 or 3 terms is
		// far cheaper elementwise than as a batched matrix product.
		mat, off := ConvertDType(in[0], dt), ConvertDType(in[1], dt)
		prod := Mul(BroadcastToDims(Reshape(x, n, h, w, 1, c), n, h, w, c, c), BroadcastToDims(Reshape(mat, n, 1, 1, c, c), n, h, w, c, c))
		x = Add(ReduceSum(prod, 4), BroadcastToDims(Reshape(off, n, 1, 1, c), n, h, w, c))
	}
	return x
}

// warp samples images x [n, s, s, c] bilinearly at the positions the matrices g
// [n, 6] (each Warp's top two rows) map every output pixel to. Pixel (row i,
// column j) samples the input at g·[j - m, i - m, 1] + m, m = (s - 1)/2. Outside the
// image it reads the reflection about the edge pixels (numpy's "reflect": ..., 2, 1,
// | 0, 1, 2, ...), as augment.py pads the image by reflection, up to s - 1 pixels; a
// tap beyond that reads 0, as grid_sample's zero padding beyond augment.py's pad.
// The four taps of every output pixel are gathered from the batch as rows of
// channels and summed with their weights; positions, weights and indices are
// computed in the graph from the 6 numbers per image, in float64.
func warp(x, g *Node) *Node {
	dims := x.Shape().Dimensions
	n, s, c := dims[0], dims[1], dims[3]
	gr := x.Graph()
	g = ConvertDType(g, dtypes.Float64)
	grid := shapes.Make(dtypes.Float64, n, s, s)
	bc := func(v *Node) *Node { return BroadcastToDims(v, n, s, s) }
	coef := func(k int) *Node { return bc(Reshape(Slice(g, AxisRange(), AxisElem(k)), n, 1, 1)) }
	m := float64(s-1) / 2
	col, row := AddScalar(Iota(gr, grid, 2), -m), AddScalar(Iota(gr, grid, 1), -m)
	px := AddScalar(Add(Add(Mul(coef(0), col), Mul(coef(1), row)), coef(2)), m)
	py := AddScalar(Add(Add(Mul(coef(3), col), Mul(coef(4), row)), coef(5)), m)
	x0, y0 := Floor(px), Floor(py)
	fx, fy := Sub(px, x0), Sub(py, y0)
	one := ScalarOne(gr, dtypes.Float64)
	base := MulScalar(Iota(gr, grid, 0), float64(s*s))
	edge := float64(s - 1)
	// inside says whether tap k lies within the reflection pad; reflected folds it
	// onto the image: (s-1) - |(s-1) - |k||.
	inside := func(k *Node) *Node {
		return ConvertDType(And(GreaterOrEqual(k, Scalar(gr, dtypes.Float64, -edge)), LessOrEqual(k, Scalar(gr, dtypes.Float64, 2*edge))), dtypes.Float64)
	}
	reflected := func(k *Node) *Node { return Sub(Scalar(gr, dtypes.Float64, edge), Abs(AddScalar(Neg(Abs(k)), edge))) }
	var idx, wts []*Node
	for _, t := range [4][2]float64{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
		kx, ky := AddScalar(x0, t[0]), AddScalar(y0, t[1])
		wx, wy := fx, fy
		if t[0] == 0 {
			wx = Sub(one, fx)
		}
		if t[1] == 0 {
			wy = Sub(one, fy)
		}
		ok := Mul(inside(kx), inside(ky))
		flat := Add(base, Mul(ok, Add(MulScalar(reflected(ky), float64(s)), reflected(kx))))
		idx = append(idx, ConvertDType(flat, dtypes.Int32))
		wts = append(wts, ConvertDType(Mul(ok, Mul(wx, wy)), x.DType()))
	}
	index := Reshape(Stack(idx, 3), n*s*s*4, 1)
	weight := BroadcastToDims(Reshape(Stack(wts, 3), n, s, s, 4, 1), n, s, s, 4, c)
	taps := Reshape(Gather(Reshape(x, n*s*s, c), index), n, s, s, 4, c)
	return ReduceSum(Mul(taps, weight), 3)
}
