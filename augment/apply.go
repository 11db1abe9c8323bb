package augment

import (
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Inputs is how many graph inputs Apply reads: the warp's gather indices and weights
// when the pipeline moves pixels, the colour matrix and offset with colour.
func (pl Pipeline) Inputs() int {
	n := 0
	if pl.warps() {
		n += 2
	}
	if pl.Color {
		n += 2
	}
	return n
}

// Tensors lays out the transforms of a batch of images (size x size x channels,
// channels-last) as the graph inputs Apply takes, in order:
//   - when the pipeline warps: indices [n·size·size·4, 1] (int32) into the batch as
//     rows of channels, and weights [n, size, size, 4, 1]: for each output pixel the
//     four input pixels around the position Warp maps it to and their bilinear
//     weights (sampleTaps);
//   - with colour: the matrix [n, c, c] and offset [n, c] of each image's Color
//     (for one channel, augment.py's grey rule: the mean of the colour rows, its
//     three weights summed into one factor).
func (pl Pipeline) Tensors(ps []Params, size, channels int) []*tensors.Tensor {
	n := len(ps)
	var out []*tensors.Tensor
	if pl.warps() {
		hw := size * size
		idx := make([]int32, n*hw*4)
		wts := make([]float32, n*hw*4)
		for b, q := range ps {
			sampleTaps(q.Warp(), size, b*hw, idx[b*hw*4:(b+1)*hw*4], wts[b*hw*4:(b+1)*hw*4])
		}
		out = append(out, tensors.FromFlatDataAndDimensions(idx, n*hw*4, 1),
			tensors.FromFlatDataAndDimensions(wts, n, size, size, 4, 1))
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

// sampleTaps fills, for each output pixel of one size x size image (row-major), the
// flat indices (offset by base) of the four input pixels bilinear sampling reads and
// their weights. The position g maps pixel (row i, column j) to is
// g·[j - c, i - c, 1] + c, c = (size - 1)/2. Outside the image it reads the
// reflection about the edge pixels (numpy's "reflect": ..., 2, 1, | 0, 1, 2, ...),
// as augment.py pads the image by reflection, up to size - 1 pixels; a tap beyond
// that is 0, as grid_sample's zero padding beyond augment.py's pad. Flips, quarter
// turns and integer shifts have exact matrices (quarterTurns), so they land on whole
// pixels and copy them exactly.
func sampleTaps(g Mat3, size, base int, idx []int32, wts []float32) {
	c := float64(size-1) / 2
	for i := range size {
		for j := range size {
			xo, yo := float64(j)-c, float64(i)-c
			x := g[0][0]*xo + g[0][1]*yo + g[0][2] + c
			y := g[1][0]*xo + g[1][1]*yo + g[1][2] + c
			x0, y0 := math.Floor(x), math.Floor(y)
			fx, fy := x-x0, y-y0
			o := (i*size + j) * 4
			for t, tap := range [4]struct {
				dx, dy int
				w      float64
			}{{0, 0, (1 - fx) * (1 - fy)}, {1, 0, fx * (1 - fy)}, {0, 1, (1 - fx) * fy}, {1, 1, fx * fy}} {
				col, okc := reflect(int(x0)+tap.dx, size)
				row, okr := reflect(int(y0)+tap.dy, size)
				if !okc || !okr {
					idx[o+t], wts[o+t] = int32(base), 0
					continue
				}
				idx[o+t], wts[o+t] = int32(base+row*size+col), float32(tap.w)
			}
		}
	}
}

// reflect maps a pixel index k of a line of n pixels padded by reflection by n - 1 on
// each side onto the line; ok is false beyond the padding.
func reflect(k, n int) (int, bool) {
	if n == 1 {
		return 0, k == 0
	}
	switch {
	case k < -(n-1) || k > 2*(n-1):
		return 0, false
	case k < 0:
		return -k, true
	case k > n-1:
		return 2*(n-1) - k, true
	}
	return k, true
}

// Apply augments images x [n, size, size, c] with the inputs Tensors laid out: the
// warp (a gather of the four taps of every output pixel and their weighted sum), then
// the colour transform. Both are linear in x, so D's gradient flows back to the images
// (to G in G's step) through them.
func (pl Pipeline) Apply(x *Node, in []*Node) *Node {
	dt := x.DType()
	dims := x.Shape().Dimensions
	n, h, w, c := dims[0], dims[1], dims[2], dims[3]
	if pl.warps() {
		rows := Reshape(x, n*h*w, c)
		taps := Reshape(Gather(rows, in[0]), n, h, w, 4, c)
		wts := BroadcastToDims(ConvertDType(in[1], dt), n, h, w, 4, c)
		x = ReduceSum(Mul(taps, wts), 3)
		in = in[2:]
	}
	if pl.Color {
		// out[n, h, w, i] = sum_j mat[n, i, j] x[n, h, w, j] + off[n, i]
		mat, off := ConvertDType(in[0], dt), ConvertDType(in[1], dt)
		x = DotGeneral(x, []int{3}, []int{0}, mat, []int{2}, []int{0})
		x = Add(x, BroadcastToDims(Reshape(off, n, 1, 1, c), n, h, w, c))
	}
	return x
}
