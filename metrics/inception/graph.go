package inception

import (
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// graph builds pytorch-fid's FIDInceptionV3 up to the global average pool: input x
// [N, 299, 299, 3] in [-1, 1], output [N, 2048].
func (n *Net) graph(x *Node) (out *Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(weightError); ok {
				out, err = nil, e
				return
			}
			panic(r)
		}
	}()
	x = n.conv(x, "Conv2d_1a_3x3", 32, 3, 3, 2, 0, 0)
	x = n.conv(x, "Conv2d_2a_3x3", 32, 3, 3, 1, 0, 0)
	x = n.conv(x, "Conv2d_2b_3x3", 64, 3, 3, 1, 1, 1)
	x = maxPool(x, 2, false)
	x = n.conv(x, "Conv2d_3b_1x1", 80, 1, 1, 1, 0, 0)
	x = n.conv(x, "Conv2d_4a_3x3", 192, 3, 3, 1, 0, 0)
	x = maxPool(x, 2, false)
	x = n.inceptionA(x, "Mixed_5b", 32)
	x = n.inceptionA(x, "Mixed_5c", 64)
	x = n.inceptionA(x, "Mixed_5d", 64)
	x = n.inceptionB(x, "Mixed_6a")
	x = n.inceptionC(x, "Mixed_6b", 128)
	x = n.inceptionC(x, "Mixed_6c", 160)
	x = n.inceptionC(x, "Mixed_6d", 160)
	x = n.inceptionC(x, "Mixed_6e", 192)
	x = n.inceptionD(x, "Mixed_7a")
	x = n.inceptionE(x, "Mixed_7b", false)
	x = n.inceptionE(x, "Mixed_7c", true)
	return ReduceMean(x, 1, 2), nil
}

type weightError struct{ error }

// conv is BasicConv2d: a bias-free convolution, BatchNorm with its running statistics
// (folded into a scale and a shift), ReLU.
func (n *Net) conv(x *Node, name string, out, kh, kw, stride, padH, padW int) *Node {
	in := x.Shape().Dimensions[3]
	w := n.weight(name+".conv.weight", out, in, kh, kw)
	// PyTorch [out, in, kh, kw] -> [kh, kw, in, out].
	k := make([]float32, len(w))
	for o := range out {
		for i := range in {
			for a := range kh {
				for b := range kw {
					k[((a*kw+b)*in+i)*out+o] = w[((o*in+i)*kh+a)*kw+b]
				}
			}
		}
	}
	gamma, beta := n.weight(name+".bn.weight", out), n.weight(name+".bn.bias", out)
	mean, variance := n.weight(name+".bn.running_mean", out), n.weight(name+".bn.running_var", out)
	scale, shift := make([]float32, out), make([]float32, out)
	for o := range out {
		s := float64(gamma[o]) / math.Sqrt(float64(variance[o])+bnEpsilon)
		scale[o], shift[o] = float32(s), float32(float64(beta[o])-float64(mean[o])*s)
	}
	g := x.Graph()
	kn := Const(g, tensors.FromFlatDataAndDimensions(k, kh, kw, in, out))
	y := Convolve(x, kn).StridePerAxis(stride, stride).DilationPerAxis(1, 1).
		PaddingPerDim([][2]int{{padH, padH}, {padW, padW}}).Done()
	y = Add(Mul(y, Const(g, tensors.FromFlatDataAndDimensions(scale, 1, 1, 1, out))), Const(g, tensors.FromFlatDataAndDimensions(shift, 1, 1, 1, out)))
	return Max(y, ScalarZero(g, y.DType()))
}

// weight returns the named array's values, which must have the given shape.
func (n *Net) weight(name string, shape ...int) []float32 {
	v, err := n.weights.Get(name, shape)
	if err != nil {
		panic(weightError{err})
	}
	return v
}

// maxPool is a 3x3 max pool with the given stride; same padding keeps the size.
func maxPool(x *Node, stride int, same bool) *Node {
	p := MaxPool(x).Window(3).Strides(stride)
	if same {
		p = p.PadSame()
	}
	return p.Done()
}

// avgPool is avg_pool2d(3, stride 1, padding 1, count_include_pad=False).
func avgPool(x *Node) *Node { return MeanPool(x).Window(3).Strides(1).PadSame().Done() }

func cat(xs ...*Node) *Node { return Concatenate(xs, 3) }

// inceptionA is FIDInceptionA: pool_features channels in the pooled branch (32 in
// Mixed_5b, 64 in 5c and 5d); the average pool leaves the padding out.
func (n *Net) inceptionA(x *Node, m string, poolFeatures int) *Node {
	b1 := n.conv(x, m+".branch1x1", 64, 1, 1, 1, 0, 0)
	b5 := n.conv(n.conv(x, m+".branch5x5_1", 48, 1, 1, 1, 0, 0), m+".branch5x5_2", 64, 5, 5, 1, 2, 2)
	b3 := n.conv(x, m+".branch3x3dbl_1", 64, 1, 1, 1, 0, 0)
	b3 = n.conv(b3, m+".branch3x3dbl_2", 96, 3, 3, 1, 1, 1)
	b3 = n.conv(b3, m+".branch3x3dbl_3", 96, 3, 3, 1, 1, 1)
	bp := n.conv(avgPool(x), m+".branch_pool", poolFeatures, 1, 1, 1, 0, 0)
	return cat(b1, b5, b3, bp)
}

// inceptionB is Mixed_6a, the grid reduction from 35x35 to 17x17.
func (n *Net) inceptionB(x *Node, m string) *Node {
	b3 := n.conv(x, m+".branch3x3", 384, 3, 3, 2, 0, 0)
	bd := n.conv(x, m+".branch3x3dbl_1", 64, 1, 1, 1, 0, 0)
	bd = n.conv(bd, m+".branch3x3dbl_2", 96, 3, 3, 1, 1, 1)
	bd = n.conv(bd, m+".branch3x3dbl_3", 96, 3, 3, 2, 0, 0)
	return cat(b3, bd, maxPool(x, 2, false))
}

// inceptionC is FIDInceptionC with c7 channels in its factorised 7x7 branches (128 in
// Mixed_6b, 160 in 6c and 6d, 192 in 6e).
func (n *Net) inceptionC(x *Node, m string, c7 int) *Node {
	b1 := n.conv(x, m+".branch1x1", 192, 1, 1, 1, 0, 0)
	b7 := n.conv(x, m+".branch7x7_1", c7, 1, 1, 1, 0, 0)
	b7 = n.conv(b7, m+".branch7x7_2", c7, 1, 7, 1, 0, 3)
	b7 = n.conv(b7, m+".branch7x7_3", 192, 7, 1, 1, 3, 0)
	bd := n.conv(x, m+".branch7x7dbl_1", c7, 1, 1, 1, 0, 0)
	bd = n.conv(bd, m+".branch7x7dbl_2", c7, 7, 1, 1, 3, 0)
	bd = n.conv(bd, m+".branch7x7dbl_3", c7, 1, 7, 1, 0, 3)
	bd = n.conv(bd, m+".branch7x7dbl_4", c7, 7, 1, 1, 3, 0)
	bd = n.conv(bd, m+".branch7x7dbl_5", 192, 1, 7, 1, 0, 3)
	bp := n.conv(avgPool(x), m+".branch_pool", 192, 1, 1, 1, 0, 0)
	return cat(b1, b7, bd, bp)
}

// inceptionD is Mixed_7a, the grid reduction from 17x17 to 8x8.
func (n *Net) inceptionD(x *Node, m string) *Node {
	b3 := n.conv(n.conv(x, m+".branch3x3_1", 192, 1, 1, 1, 0, 0), m+".branch3x3_2", 320, 3, 3, 2, 0, 0)
	b7 := n.conv(x, m+".branch7x7x3_1", 192, 1, 1, 1, 0, 0)
	b7 = n.conv(b7, m+".branch7x7x3_2", 192, 1, 7, 1, 0, 3)
	b7 = n.conv(b7, m+".branch7x7x3_3", 192, 7, 1, 1, 3, 0)
	b7 = n.conv(b7, m+".branch7x7x3_4", 192, 3, 3, 2, 0, 0)
	return cat(b3, b7, maxPool(x, 2, false))
}

// inceptionE is FIDInceptionE_1 (average pool, count_include_pad=False) or, with
// maxPooled, FIDInceptionE_2 (a 3x3 max pool, stride 1, padding 1).
func (n *Net) inceptionE(x *Node, m string, maxPooled bool) *Node {
	b1 := n.conv(x, m+".branch1x1", 320, 1, 1, 1, 0, 0)
	b3 := n.conv(x, m+".branch3x3_1", 384, 1, 1, 1, 0, 0)
	b3 = cat(n.conv(b3, m+".branch3x3_2a", 384, 1, 3, 1, 0, 1), n.conv(b3, m+".branch3x3_2b", 384, 3, 1, 1, 1, 0))
	bd := n.conv(x, m+".branch3x3dbl_1", 448, 1, 1, 1, 0, 0)
	bd = n.conv(bd, m+".branch3x3dbl_2", 384, 3, 3, 1, 1, 1)
	bd = cat(n.conv(bd, m+".branch3x3dbl_3a", 384, 1, 3, 1, 0, 1), n.conv(bd, m+".branch3x3dbl_3b", 384, 3, 1, 1, 1, 0))
	pooled := avgPool(x)
	if maxPooled {
		pooled = maxPool(x, 1, true)
	}
	bp := n.conv(pooled, m+".branch_pool", 192, 1, 1, 1, 0, 0)
	return cat(b1, b3, bd, bp)
}
