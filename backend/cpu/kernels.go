package cpu

import (
	"fmt"

	"github.com/gankit/gankit/backend/cpu/gemm"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// kernelFor returns this package's kernel for n, or nil to delegate it.
func (b *Backend) kernelFor(n *node) kernel {
	if len(n.outs) != 1 {
		return nil
	}
	dt := n.outs[0].shape.DType
	switch {
	case compareOps[n.op]:
		return compareKernel(n)
	case n.op == "ConvertDType":
		return convertKernel(n)
	case n.op == "Gather" || n.op == "ScatterSum": // int indices: before the dtype checks below
		return sparseRowKernel(n)
	}
	if dt != dtypes.Float32 && dt != dtypes.Float64 {
		return nil
	}
	switch n.op {
	case "Dot":
		x, w := n.inputs[0].shape, n.inputs[1].shape
		if x.Rank() == 2 && w.Rank() == 2 {
			return matmulKernel(n, gemm.Op{M: x.Dimensions[0], K: x.Dimensions[1], N: w.Dimensions[1]})
		}
	case "DotGeneral":
		return dotGeneralKernel(n)
	case "ConvGeneral":
		return convKernel(n)
	}
	for _, in := range n.inputs {
		if in.shape.DType != dt {
			return nil
		}
	}
	if k := elementwiseKernel(n); k != nil {
		return k
	}
	return nil
}

// dotGeneralKernel handles a 2-D product with one contracting axis per side and no
// batch axes, in any transposition.
func dotGeneralKernel(n *node) kernel {
	lc, lb := n.args[1].([]int), n.args[2].([]int)
	rc, rb := n.args[4].([]int), n.args[5].([]int)
	x, w := n.inputs[0].shape, n.inputs[1].shape
	if len(lb) != 0 || len(rb) != 0 || len(lc) != 1 || len(rc) != 1 || x.Rank() != 2 || w.Rank() != 2 {
		return nil
	}
	p := gemm.Op{TransA: lc[0] == 0, TransB: rc[0] == 1}
	p.K = x.Dimensions[lc[0]]
	p.M = x.Dimensions[1-lc[0]]
	p.N = w.Dimensions[1-rc[0]]
	return matmulKernel(n, p)
}

func matmulKernel(n *node, p gemm.Op) kernel {
	out := n.outs[0].shape
	return flatKernel(out, func(b *Backend, in []any, c any) error {
		p.Kernels = b.kernels
		switch c := c.(type) {
		case []float32:
			return gemm.Multiply(p, in[0].([]float32), in[1].([]float32), c)
		case []float64:
			return gemm.Multiply(p, in[0].([]float64), in[1].([]float64), c)
		}
		return fmt.Errorf("matmul: dtype %s", out.DType)
	})
}

// strides returns the row-major strides of a shape.
func strides(s shapes.Shape) []int {
	st := make([]int, s.Rank())
	acc := 1
	for i := s.Rank() - 1; i >= 0; i-- {
		st[i] = acc
		acc *= s.Dimensions[i]
	}
	return st
}

func copyFlat(dst, src any) error {
	switch d := dst.(type) {
	case []float32:
		copy(d, src.([]float32))
	case []float64:
		copy(d, src.([]float64))
	case []int32:
		copy(d, src.([]int32))
	case []int64:
		copy(d, src.([]int64))
	case []bool:
		copy(d, src.([]bool))
	case []uint8:
		copy(d, src.([]uint8))
	case []uint32:
		copy(d, src.([]uint32))
	case []uint64:
		copy(d, src.([]uint64))
	default:
		return fmt.Errorf("cpu backend: copying %T buffers is not supported", dst)
	}
	return nil
}
