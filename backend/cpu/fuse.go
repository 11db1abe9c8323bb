package cpu

import (
	"runtime"
	"slices"
	"strings"
	"unsafe"

	"github.com/gankit/gankit/backend/cpu/gemm"
	"github.com/gankit/gankit/backend/cpu/internal/parallel"
	"github.com/gankit/gankit/backend/cpu/vec"
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
	ext     int  // index into the group's external inputs, or -1
	member  int  // index of the producing instruction, when ext < 0
	scalar  bool // external scalar (one element), broadcast to every element
	channel bool // external [1, ..., 1, C] value, repeated along the last axis
	isBool  bool // external bool buffer (read by ConvertDType)
}

type fuseInstr struct {
	op   string
	args []fuseArg
}

// fusedProg is a group's instructions; the last one's value is the group's. Blocks
// of blk elements (a multiple of the last axis, so a block starts on a channel
// boundary) are computed one at a time.
type fusedProg struct {
	instrs []fuseInstr
	last   int // size of the last axis of the group's shape
	blk    int
}

// operandKind says how an input of a fusable op is read: false when it cannot be.
func operandKind(in, out shapes.Shape) (scalar, channel, ok bool) {
	switch {
	case in.Size() == 1:
		return true, false, true
	case slices.Equal(in.Dimensions, out.Dimensions):
		return false, false, true
	case isChannel(in, out):
		return false, true, true
	}
	return false, false, false
}

// isChannel says whether in holds one value per index of out's last axis, broadcast
// over the other axes: [C] or [1, ..., 1, C] against [..., C].
func isChannel(in, out shapes.Shape) bool {
	r := out.Rank()
	if r < 2 || in.Size() != out.Dimensions[r-1] || in.Rank() == 0 || in.Dimensions[in.Rank()-1] != out.Dimensions[r-1] {
		return false
	}
	return in.Rank() == 1 || in.Rank() == r
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
	case n.op == "BroadcastInDim":
		// Only the per-channel broadcast, [C] or [1, ..., 1, C] -> [..., C].
		dt = out.DType
		axes := n.args[2].([]int)
		if !isChannel(n.inputs[0].shape, out) || axes[len(axes)-1] != out.Rank()-1 {
			return nil, dtypes.InvalidDType, false
		}
	default:
		return nil, dtypes.InvalidDType, false
	}
	if !isFloat(dt) {
		return nil, dtypes.InvalidDType, false
	}
	for _, in := range n.inputs {
		if _, _, ok := operandKind(in.shape, out); !ok {
			return nil, dtypes.InvalidDType, false
		}
		if in.shape.DType != dt && !(n.op == "ConvertDType" && in.shape.DType == dtypes.Bool) {
			return nil, dtypes.InvalidDType, false
		}
		if _, channel, _ := operandKind(in.shape, out); channel && in.shape.DType == dtypes.Bool {
			return nil, dtypes.InvalidDType, false
		}
	}
	return out.Dimensions, dt, true
}

// reducible says whether st is a ReduceSum over leading axes, [A..., B...] -> [B...]
// with rows of at least 8 elements, that a fused group can feed directly.
func reducible(st step) (rows, width int, ok bool) {
	n := st.n
	if n.op != "ReduceSum" || st.kernel == nil {
		return 0, 0, false
	}
	x := n.inputs[0].shape
	axes := slices.Sorted(slices.Values(n.args[1].([]int)))
	for i, a := range axes {
		if a != i {
			return 0, 0, false
		}
	}
	rows, width = 1, 1
	for i, d := range x.Dimensions {
		if i < len(axes) {
			rows *= d
		} else {
			width *= d
		}
	}
	return rows, width, len(axes) > 0 && width >= 8 && x.Rank() >= 2
}

// fuse merges elementwise steps into fused ones (see above), and a group whose value
// is only summed over its leading axes into the sum. It runs before last uses are
// computed.
func (e *Executable) fuse() {
	f := e.newFusion()
	f.groupElementwise()
	members := map[int][]int{}
	for i := range e.steps {
		r := f.find(i)
		members[r] = append(members[r], i)
	}
	reduces, absorbed := f.reductions()
	var steps []step
	for i, st := range e.steps {
		if r, ok := reduces[i]; ok {
			steps = append(steps, e.fusedReduceStep(members[r], st))
			continue
		}
		r := f.find(i)
		if absorbed[r] {
			continue // runs inside the ReduceSum that reads it
		}
		ms := members[r]
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

// fusion is fuse's view of the steps: who writes and how often is read each slot,
// and the groups found so far, as a union-find forest over step indices.
type fusion struct {
	e        *Executable
	producer map[int]int // slot -> step writing it
	readers  map[int]int // slot -> reads; a graph output counts twice
	group    []int       // step -> parent in its group's tree
}

func (e *Executable) newFusion() *fusion {
	f := &fusion{e: e, producer: map[int]int{}, readers: map[int]int{}, group: make([]int, len(e.steps))}
	for i, st := range e.steps {
		for _, s := range st.outs {
			f.producer[s] = i
		}
		for _, s := range st.inputs {
			f.readers[s]++
		}
	}
	for _, s := range e.outputs {
		f.readers[s] += 2 // graph outputs must be materialised
	}
	for i := range f.group {
		f.group[i] = i
	}
	return f
}

// find is the root of step i's group (with path halving).
func (f *fusion) find(i int) int {
	for f.group[i] != i {
		f.group[i] = f.group[f.group[i]]
		i = f.group[i]
	}
	return i
}

// soleProducer is the step writing slot s when that step's value is read by s's one
// reader only.
func (f *fusion) soleProducer(s int) (int, bool) {
	p, has := f.producer[s]
	return p, has && f.readers[s] == 1
}

// groupElementwise joins each fusable step with the fusable producers of its inputs
// that nothing else reads, when they have its dimensions and type (a Bool value only
// into a ConvertDType).
func (f *fusion) groupElementwise() {
	steps := f.e.steps
	for i, st := range steps {
		dims, dt, ok := fusableOp(st)
		if !ok {
			continue
		}
		for _, s := range st.inputs {
			p, ok := f.soleProducer(s)
			if !ok {
				continue
			}
			pd, pdt, pok := fusableOp(steps[p])
			if !pok || pdt != dt || !slices.Equal(pd, dims) || steps[p].n.outs[0].shape.DType == dtypes.Bool && st.n.op != "ConvertDType" {
				continue
			}
			f.group[f.find(p)] = f.find(i)
		}
	}
}

// reductions finds each ReduceSum whose input is a group's value, read by nothing
// else: the ReduceSum takes the group in, and the group's values are summed block by
// block, never stored. reduces maps the ReduceSum's step to the group's root;
// absorbed holds those roots.
func (f *fusion) reductions() (reduces map[int]int, absorbed map[int]bool) {
	steps := f.e.steps
	reduces, absorbed = map[int]int{}, map[int]bool{}
	for i, st := range steps {
		if _, _, ok := reducible(st); !ok {
			continue
		}
		p, ok := f.soleProducer(st.inputs[0])
		if !ok {
			continue
		}
		if _, dt, ok := fusableOp(steps[p]); !ok || steps[p].n.outs[0].shape.DType != dt {
			continue
		}
		reduces[i] = f.find(p)
		absorbed[f.find(p)] = true
	}
	return reduces, absorbed
}

// compile turns the member steps (in order) into a program, and lists the external
// values it reads.
func (e *Executable) compile(ms []int) (fusedProg, []int, string) {
	root := e.steps[ms[len(ms)-1]]
	out := root.n.outs[0].shape
	memberOf := map[int]int{} // out slot -> instruction index
	var ext []int
	prog := fusedProg{instrs: make([]fuseInstr, len(ms)), last: 1}
	if out.Rank() > 0 {
		prog.last = out.Dimensions[out.Rank()-1]
	}
	prog.blk = max(prog.last, fuseBlock/prog.last*prog.last)
	ops := make([]string, len(ms))
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
			}
			sh := st.n.inputs[k].shape
			scalar, channel, _ := operandKind(sh, out)
			ins.args = append(ins.args, fuseArg{ext: idx, scalar: scalar && out.Size() != 1, channel: channel, isBool: sh.DType == dtypes.Bool})
		}
		prog.instrs[j] = ins
		memberOf[st.outs[0]] = j
		ops[j] = ins.op
	}
	return prog, ext, strings.Join(ops, ",")
}

// fusedStep builds the step that runs the member steps (in order) as one kernel.
func (e *Executable) fusedStep(ms []int) step {
	root := e.steps[ms[len(ms)-1]]
	prog, ext, names := e.compile(ms)
	n := *root.n
	n.op = "Fused(" + names + ")"
	out := root.n.outs[0].shape
	return step{n: &n, inputs: ext, outs: root.outs, kernel: flatKernel(out, func(b *Backend, in []any, y any) error {
		switch y := y.(type) {
		case []float32:
			runFused(b, prog, in, y)
		case []float64:
			runFused(b, prog, in, y)
		}
		return nil
	})}
}

// fusedReduceStep builds the step that computes the member steps' value and sums it
// over its leading axes, as the ReduceSum step red would: the same row partition and
// order (reduceInto), so the sums are bitwise those of the unfused steps.
func (e *Executable) fusedReduceStep(ms []int, red step) step {
	prog, ext, names := e.compile(ms)
	rows, width, _ := reducible(red)
	prog.blk = max(1, fuseBlock/width) * width // whole rows (so whole channel runs) per block
	n := *red.n
	n.op = "FusedReduceSum(" + names + ")"
	return step{n: &n, inputs: ext, outs: red.outs, kernel: flatKernel(red.n.outs[0].shape, func(b *Backend, in []any, y any) error {
		switch y := y.(type) {
		case []float32:
			runFusedReduce(b, prog, in, y, rows, width)
		case []float64:
			runFusedReduce(b, prog, in, y, rows, width)
		}
		return nil
	})}
}

func runFused[T gemm.Float](b *Backend, prog fusedProg, in []any, y []T) {
	nblk := (len(y) + prog.blk - 1) / prog.blk
	parallelFor(nblk, func(lo, hi int) {
		ar := newArena[T](&b.scratch, b.kernels)
		defer ar.release()
		scr := ar.get(len(prog.instrs) * prog.blk)
		for bi := lo; bi < hi; bi++ {
			e0, e1 := bi*prog.blk, min(len(y), (bi+1)*prog.blk)
			evalBlock(prog, in, scr, e0, y[e0:e1])
		}
	})
}

// runFusedReduce sums the group's values over rows of width elements: each worker
// takes a fixed range of rows (as reduceInto splits them), computes them a block at
// a time and adds them in order into its partial sums; the partials are then added
// in worker order.
func runFusedReduce[T gemm.Float](b *Backend, prog fusedProg, in []any, y []T, rows, width int) {
	workers := min(runtime.GOMAXPROCS(0), rows/8)
	if rows*width < 1<<15 {
		workers = 1
	}
	workers = max(1, workers)
	partial := make([]T, workers*width)
	_ = parallel.Workers(rows, workers, func(wid, lo, hi int) error {
		acc := partial[wid*width : (wid+1)*width]
		clear(acc)
		ar := newArena[T](&b.scratch, b.kernels)
		defer ar.release()
		scr := ar.get((len(prog.instrs) + 1) * prog.blk)
		val := scr[len(prog.instrs)*prog.blk:]
		for e0 := lo * width; e0 < hi*width; e0 += prog.blk {
			dst := val[:min(prog.blk, hi*width-e0)]
			evalBlock(prog, in, scr, e0, dst)
			for k := 0; k < len(dst); k += width {
				addRow(acc, dst[k:k+width])
			}
		}
		return nil
	})
	copy(y, partial[:width])
	for w := 1; w < workers; w++ {
		addRow(y, partial[w*width:(w+1)*width])
	}
}

// evalBlock computes the group's values for elements e0 .. e0+len(dst) into dst;
// e0 is a multiple of the last axis. scr holds one block per instruction.
func evalBlock[T gemm.Float](prog fusedProg, in []any, scr []T, e0 int, dst []T) {
	m, blk := len(dst), prog.blk
	for j, ins := range prog.instrs {
		out := scr[j*blk : j*blk+m]
		if j == len(prog.instrs)-1 {
			out = dst
		}
		// operand gives the data, offset and step of argument a for the elements
		// starting at e0+s.
		operand := func(a fuseArg, s int) ([]T, int, int) {
			switch {
			case a.ext < 0:
				return scr[a.member*blk:], s, 1
			case a.scalar:
				return in[a.ext].([]T), 0, 0
			case a.channel:
				return in[a.ext].([]T), 0, 1 // s is a multiple of the channel count
			}
			return in[a.ext].([]T), e0 + s, 1
		}
		// A channel operand restarts at every row of the last axis: run row by row.
		rowLen := m
		for _, a := range ins.args {
			if a.channel {
				rowLen = prog.last
			}
		}
		for s := 0; s < m; s += rowLen {
			d := out[s:min(m, s+rowLen)]
			switch {
			case ins.op == "ConvertDType":
				a := ins.args[0]
				if a.isBool {
					b := in[a.ext].([]bool)
					u := unsafe.Slice((*uint8)(unsafe.Pointer(&b[0])), len(b))
					if a.scalar {
						for k := range d {
							d[k] = T(u[0])
						}
					} else if d32, ok := any(d).([]float32); ok {
						vec.FromBytes(d32, u[e0+s:])
					} else {
						for k := range d {
							d[k] = T(u[e0+s+k])
						}
					}
				} else {
					// A member's value (a comparison's 0/1, already of type T) or a
					// float input: a copy, or a fill for a scalar.
					x, off, st := operand(a, s)
					switch st {
					case 1:
						copy(d, x[off:off+len(d)])
					case 0:
						for k := range d {
							d[k] = x[off]
						}
					default:
						for k := range d {
							d[k] = x[off+k*st]
						}
					}
				}
			case ins.op == "BroadcastInDim":
				x, off, st := operand(ins.args[0], s)
				if st == 0 { // a scalar (of any rank) broadcast
					for k := range d {
						d[k] = x[off]
					}
					continue
				}
				copy(d, x[off:off+len(d)])
			case len(ins.args) == 1:
				x, off, st := operand(ins.args[0], s)
				unaryRow(ins.op, d, x, off, st)
			default:
				x, xo, xs := operand(ins.args[0], s)
				z, zo, zs := operand(ins.args[1], s)
				if compareOps[ins.op] {
					compareRow(ins.op, d, x, xo, xs, z, zo, zs)
					continue
				}
				rowOp(ins.op, binaryFns[ins.op], d, x, xo, xs, z, zo, zs)
			}
		}
	}
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
		if d32, ok := any(dst).([]float32); ok {
			vec.GreaterScalar(d32, any(xv).([]float32), any(c).(float32))
			return
		}
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
