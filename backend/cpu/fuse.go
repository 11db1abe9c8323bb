package cpu

import (
	"slices"
	"strings"
	"unsafe"

	"github.com/gankit/gankit/backend/cpu/gemm"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Elementwise fusion. A chain of elementwise ops over one shape (BatchNorm's forward
// and backward, the LeakyReLU masks, Adam's updates) is, op by op, a full pass over
// memory each. Compile groups such ops when every intermediate value has a single
// reader inside the group, and runs the group one cache-sized block of elements at a
// time: intermediates live in small per-worker scratch rows, and only the group's
// result is written out. Each element is computed by the same sequence of
// operations as without fusion, so results are bitwise the same.

const fuseBlock = 1024

// fuseArg is where an instruction reads an operand.
type fuseArg struct {
	ext    int  // index into the group's external inputs, or -1
	member int  // index of the producing instruction, when ext < 0
	scalar bool // external scalar, broadcast to every element
	isBool bool // external bool buffer (read by ConvertDType)
}

type fuseInstr struct {
	op   string
	args []fuseArg
}

// fusableOp says whether st can join a group of shape dims and float dtype dt.
func fusableOp(st step) (dims []int, dt dtypes.DType, ok bool) {
	n := st.n
	if st.kernel == nil || len(n.outs) != 1 {
		return nil, dtypes.InvalidDType, false
	}
	out := n.outs[0].shape
	isFloat := func(d dtypes.DType) bool { return d == dtypes.Float32 || d == dtypes.Float64 }
	switch {
	case unaryFns[n.op] != nil, binaryFns[n.op] != nil:
		dt = out.DType
	case compareOps[n.op]:
		dt = n.inputs[0].shape.DType
	case n.op == "ConvertDType":
		dt = out.DType
		if in := n.inputs[0].shape.DType; in != dtypes.Bool && in != dt {
			return nil, dtypes.InvalidDType, false
		}
	default:
		return nil, dtypes.InvalidDType, false
	}
	if !isFloat(dt) {
		return nil, dtypes.InvalidDType, false
	}
	for _, in := range n.inputs {
		if in.shape.Rank() != 0 && !slices.Equal(in.shape.Dimensions, out.Dimensions) {
			return nil, dtypes.InvalidDType, false
		}
		if in.shape.DType != dt && !(n.op == "ConvertDType" && in.shape.DType == dtypes.Bool) {
			return nil, dtypes.InvalidDType, false
		}
	}
	return out.Dimensions, dt, true
}

// fuse merges elementwise steps into fused ones (see above). It runs before last
// uses are computed.
func (e *Executable) fuse() {
	producer := map[int]int{}
	readers := map[int]int{}
	for i, st := range e.steps {
		for _, s := range st.outs {
			producer[s] = i
		}
		for _, s := range st.inputs {
			readers[s]++
		}
	}
	for _, s := range e.outputs {
		readers[s] += 2 // graph outputs must be materialised
	}
	group := make([]int, len(e.steps))
	for i := range group {
		group[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for group[i] != i {
			group[i] = group[group[i]]
			i = group[i]
		}
		return i
	}
	for i, st := range e.steps {
		dims, dt, ok := fusableOp(st)
		if !ok {
			continue
		}
		for _, s := range st.inputs {
			p, has := producer[s]
			if !has || readers[s] != 1 {
				continue
			}
			pd, pdt, pok := fusableOp(e.steps[p])
			if !pok || pdt != dt || !slices.Equal(pd, dims) || e.steps[p].n.outs[0].shape.DType == dtypes.Bool && st.n.op != "ConvertDType" {
				continue
			}
			group[find(p)] = find(i)
		}
	}
	members := map[int][]int{}
	for i := range e.steps {
		r := find(i)
		members[r] = append(members[r], i)
	}
	var steps []step
	for i, st := range e.steps {
		ms := members[find(i)]
		if len(ms) < 2 {
			steps = append(steps, st)
			continue
		}
		if i != ms[len(ms)-1] {
			continue // runs as part of its group, at the group's last member
		}
		steps = append(steps, e.fusedStep(ms))
	}
	e.steps = steps
}

// fusedStep builds the step that runs the member steps (in order) as one kernel.
func (e *Executable) fusedStep(ms []int) step {
	root := e.steps[ms[len(ms)-1]]
	memberOf := map[int]int{} // out slot -> instruction index
	var ext []int
	var extShapes []shapes.Shape
	prog := make([]fuseInstr, len(ms))
	for j, si := range ms {
		st := e.steps[si]
		ins := fuseInstr{op: st.n.op}
		for k, s := range st.inputs {
			if m, ok := memberOf[s]; ok {
				ins.args = append(ins.args, fuseArg{ext: -1, member: m})
				continue
			}
			idx := slices.Index(ext, s)
			if idx < 0 {
				idx = len(ext)
				ext = append(ext, s)
				extShapes = append(extShapes, st.n.inputs[k].shape)
			}
			sh := st.n.inputs[k].shape
			ins.args = append(ins.args, fuseArg{ext: idx, scalar: sh.Rank() == 0, isBool: sh.DType == dtypes.Bool})
		}
		prog[j] = ins
		memberOf[st.outs[0]] = j
	}
	n := *root.n
	ops := make([]string, len(prog))
	for j, ins := range prog {
		ops[j] = ins.op
	}
	n.op = "Fused(" + strings.Join(ops, ",") + ")"
	out := root.n.outs[0].shape
	return step{n: &n, inputs: ext, outs: root.outs, kernel: flatKernel(out, func(_ *Backend, in []any, y any) error {
		switch y := y.(type) {
		case []float32:
			runFused(prog, in, y)
		case []float64:
			runFused(prog, in, y)
		}
		return nil
	})}
}

func runFused[T gemm.Float](prog []fuseInstr, in []any, y []T) {
	nblk := (len(y) + fuseBlock - 1) / fuseBlock
	parallelFor(nblk, func(lo, hi int) {
		scr := make([]T, len(prog)*fuseBlock)
		for bi := lo; bi < hi; bi++ {
			e0, e1 := bi*fuseBlock, min(len(y), (bi+1)*fuseBlock)
			m := e1 - e0
			for j, ins := range prog {
				dst := scr[j*fuseBlock : j*fuseBlock+m]
				if j == len(prog)-1 {
					dst = y[e0:e1]
				}
				operand := func(a fuseArg) ([]T, int, int) { // data, offset, step
					if a.ext < 0 {
						return scr[a.member*fuseBlock:], 0, 1
					}
					x := in[a.ext].([]T)
					if a.scalar {
						return x, 0, 0
					}
					return x, e0, 1
				}
				switch {
				case ins.op == "ConvertDType":
					a := ins.args[0]
					if a.isBool {
						b := in[a.ext].([]bool)
						u := unsafe.Slice((*uint8)(unsafe.Pointer(&b[0])), len(b))
						if a.scalar {
							for k := range dst {
								dst[k] = T(u[0])
							}
						} else {
							for k := range dst {
								dst[k] = T(u[e0+k])
							}
						}
					} else {
						x, off, st := operand(a)
						for k := range dst {
							dst[k] = x[off+k*st]
						}
					}
				case len(ins.args) == 1:
					x, off, st := operand(ins.args[0])
					unaryRow(ins.op, dst, x, off, st)
				default:
					x, xo, xs := operand(ins.args[0])
					z, zo, zs := operand(ins.args[1])
					if compareOps[ins.op] {
						compareRow(ins.op, dst, x, xo, xs, z, zo, zs)
						continue
					}
					rowOp(ins.op, binaryFns[ins.op], dst, x, xo, xs, z, zo, zs)
				}
			}
		}
	})
}

// unaryRow applies a unary op to x[off + k*step] for each k of dst.
func unaryRow[T gemm.Float](op string, dst, x []T, off, step int) {
	if step == 1 {
		mapRow(op, unaryFns[op], x[off:off+len(dst)], dst)
		return
	}
	v := T(unaryFns[op](float64(x[off])))
	for k := range dst {
		dst[k] = v
	}
}

// compareRow writes 1 where x[xo+k*xs] op z[zo+k*zs] holds and 0 elsewhere.
func compareRow[T gemm.Float](op string, dst, x []T, xo, xs int, z []T, zo, zs int) {
	if xs == 1 && zs == 0 && op == "GreaterThan" { // the ReLU masks: x > 0
		c, xv := z[zo], x[xo:xo+len(dst)]
		for k, v := range xv {
			dst[k] = T(b2u(v > c))
		}
		return
	}
	switch op {
	case "GreaterThan":
		for k := range dst {
			dst[k] = T(b2u(x[xo+k*xs] > z[zo+k*zs]))
		}
	case "GreaterOrEqual":
		for k := range dst {
			dst[k] = T(b2u(x[xo+k*xs] >= z[zo+k*zs]))
		}
	case "LessThan":
		for k := range dst {
			dst[k] = T(b2u(x[xo+k*xs] < z[zo+k*zs]))
		}
	case "LessOrEqual":
		for k := range dst {
			dst[k] = T(b2u(x[xo+k*xs] <= z[zo+k*zs]))
		}
	}
}

// b2u is a bool as the byte Go stores, 0 or 1: no branch.
func b2u(b bool) uint8 { return *(*uint8)(unsafe.Pointer(&b)) }
