package cpu

import (
	"fmt"
	"slices"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// kernel computes a node's outputs from its input buffers with this package's code.
type kernel func(b *Backend, in []backends.Buffer) ([]backends.Buffer, error)

// delegated is a one-op executable on the pure-Go backend.
type delegated struct {
	exec backends.Executable
}

// step is one node of a compiled graph.
type step struct {
	n      *node
	inputs []int // value slots
	outs   []int // value slots
	kernel kernel
	del    *delegated
	free   []int // slots whose last use is this step
	// alias: the step's output is its input's buffer, unchanged (a Reshape whose
	// readers are all kernels, which go by the graph's shapes, not the buffer's).
	alias bool
}

// Executable runs a compiled graph.
type Executable struct {
	backend    *Backend
	names      []string
	params     []shapes.Shape
	paramSlots []int
	steps      []step
	outputs    []int
	outShapes  []shapes.Shape
	consts     map[int]backends.Buffer // slot -> constant buffer, computed at compile time
	numSlots   int
}

var _ backends.Executable = (*Executable)(nil)

// Compile prepares the nodes the outputs depend on, in recorded order.
func (b *Builder) Compile(outputs []backends.Op, shardings []*backends.ShardingSpec) (backends.Executable, error) {
	if len(shardings) != 0 {
		return nil, fmt.Errorf("cpu backend: sharding is not supported")
	}
	outVals := make([]*value, len(outputs))
	for i, o := range outputs {
		v, err := b.value(o)
		if err != nil {
			return nil, err
		}
		outVals[i] = v
	}
	e := &Executable{backend: b.backend, names: b.names, consts: map[int]backends.Buffer{}}
	sl := slotter{e: e, slot: map[*value]int{}}
	for _, p := range b.params {
		e.params = append(e.params, p.shape)
		e.paramSlots = append(e.paramSlots, sl.of(p))
	}
	if err := b.addSteps(e, &sl, b.needed(outVals)); err != nil {
		return nil, err
	}
	for _, v := range outVals {
		e.outputs = append(e.outputs, sl.of(v))
		e.outShapes = append(e.outShapes, v.shape)
	}
	if !b.backend.noFusion {
		e.fuseConvBias()
		e.fuse()
	}
	e.markAliases()
	e.markLastUses()
	return e, nil
}

// needed says, by node id, which nodes the outputs depend on.
func (b *Builder) needed(outVals []*value) []bool {
	need := make([]bool, len(b.nodes))
	var mark func(n *node)
	mark = func(n *node) {
		if need[n.id] {
			return
		}
		need[n.id] = true
		for _, in := range n.inputs {
			mark(in.node)
		}
	}
	for _, v := range outVals {
		mark(v.node)
	}
	return need
}

// slotter numbers an Executable's values in the order they are first met.
type slotter struct {
	e    *Executable
	slot map[*value]int
}

// of is v's slot, a new one the first time v is asked for.
func (sl *slotter) of(v *value) int {
	s, ok := sl.slot[v]
	if !ok {
		s = sl.e.numSlots
		sl.slot[v] = s
		sl.e.numSlots++
	}
	return s
}

// addSteps turns each needed node into a step, in recorded order: a kernel of this
// package or a delegated one-op executable. Constants are computed now, into e.consts.
func (b *Builder) addSteps(e *Executable, sl *slotter, need []bool) error {
	for _, n := range b.nodes {
		if !need[n.id] || n.param >= 0 {
			continue
		}
		st := step{n: n}
		for _, in := range n.inputs {
			st.inputs = append(st.inputs, sl.of(in))
		}
		for _, o := range n.outs {
			st.outs = append(st.outs, sl.of(o))
		}
		if n.op == "Constant" {
			bufs, err := b.backend.runConstant(n)
			if err != nil {
				return fmt.Errorf("cpu backend: constant: %w", err)
			}
			e.consts[st.outs[0]] = bufs[0]
			continue
		}
		if k := b.backend.kernelFor(n); k != nil {
			st.kernel = k
		} else {
			d, err := b.backend.delegate(n)
			if err != nil {
				return fmt.Errorf("cpu backend: %s: %w", n.op, err)
			}
			st.del = d
		}
		e.steps = append(e.steps, st)
	}
	return nil
}

// markLastUses has each step free the slots whose last use it is, unless a slot is
// an output, a parameter (owned by the caller) or a constant (owned by e).
func (e *Executable) markLastUses() {
	keep := map[int]bool{}
	for _, s := range e.outputs {
		keep[s] = true
	}
	for _, s := range e.paramSlots {
		keep[s] = true
	}
	for s := range e.consts {
		keep[s] = true
	}
	last := map[int]int{}
	for i, st := range e.steps {
		for _, s := range st.inputs {
			last[s] = i
		}
		for _, s := range st.outs {
			if _, ok := last[s]; !ok {
				last[s] = i // an output nobody reads is freed at once
			}
		}
	}
	for s, i := range last {
		if !keep[s] {
			e.steps[i].free = append(e.steps[i].free, s)
		}
	}
	for i := range e.steps {
		slices.Sort(e.steps[i].free)
	}
}

// markAliases lets a Reshape share its input's buffer when no delegated op reads the
// result and it is not a graph output (both would see the buffer's old shape), and an
// Identity share it always.
func (e *Executable) markAliases() {
	delegatedReads := map[int]bool{}
	for _, st := range e.steps {
		if st.kernel == nil {
			for _, s := range st.inputs {
				delegatedReads[s] = true
			}
		}
	}
	for _, s := range e.outputs {
		delegatedReads[s] = true
	}
	for i := range e.steps {
		st := &e.steps[i]
		switch {
		case st.n.op == "Reshape" && st.kernel != nil && !delegatedReads[st.outs[0]]:
			st.alias = true
		case st.n.op == "Identity" && st.kernel != nil: // same shape: any reader may share it
			st.alias = true
		}
	}
}

func (e *Executable) Inputs() ([]string, []shapes.Shape) { return e.names, e.params }
func (e *Executable) Outputs() []shapes.Shape            { return e.outShapes }

func (e *Executable) Finalize() {
	for _, buf := range e.consts {
		_ = e.backend.inner.BufferFinalize(buf)
	}
	e.consts = nil
}

// Execute runs the graph. Donated inputs are freed after their last use.
func (e *Executable) Execute(inputs []backends.Buffer, donate []bool, _ backends.DeviceNum) ([]backends.Buffer, error) {
	if len(inputs) != len(e.params) {
		return nil, fmt.Errorf("cpu backend: %d inputs, graph has %d parameters", len(inputs), len(e.params))
	}
	ex := &execution{e: e, slots: make([]backends.Buffer, e.numSlots), owned: make([]bool, e.numSlots),
		holders: map[backends.Buffer]int{}}
	for i, s := range e.paramSlots {
		ex.slots[s] = inputs[i]
		ex.owned[s] = i < len(donate) && donate[i]
	}
	for s, buf := range e.consts {
		ex.slots[s] = buf
	}
	for _, st := range e.steps {
		if err := ex.run(st); err != nil {
			return nil, err
		}
	}
	if e.backend.opTimes != nil {
		if err := e.backend.opTimes.write(); err != nil {
			return nil, err
		}
	}
	res, err := ex.results(inputs, donate)
	if err != nil {
		return nil, err
	}
	e.backend.buffers.tick(func(buf backends.Buffer) { _ = e.backend.inner.BufferFinalize(buf) })
	e.backend.scratch.tick()
	return res, nil
}

// execution is one Execute's state: the buffer in each slot, whether this execution
// may free it, and holders, the count of slots sharing each buffer held by more than
// one (aliases, or a delegated op handing back an input): the last one frees it.
type execution struct {
	e       *Executable
	slots   []backends.Buffer
	owned   []bool
	holders map[backends.Buffer]int
}

// share counts one more slot holding buf.
func (ex *execution) share(buf backends.Buffer) {
	if ex.holders[buf] == 0 {
		ex.holders[buf] = 1
	}
	ex.holders[buf]++
}

// release empties slot s, freeing its buffer if s was its last holder and owned it.
func (ex *execution) release(s int) {
	buf := ex.slots[s]
	ex.slots[s] = nil
	if buf == nil {
		return
	}
	if n := ex.holders[buf]; n > 1 {
		ex.holders[buf] = n - 1
		return
	}
	if ex.owned[s] {
		ex.e.backend.recycle(buf)
	}
}

// run computes one step (or shares its input, for an alias) and frees the slots
// whose last use it is.
func (ex *execution) run(st step) error {
	e := ex.e
	in := make([]backends.Buffer, len(st.inputs))
	for i, s := range st.inputs {
		in[i] = ex.slots[s]
	}
	if st.alias {
		ex.slots[st.outs[0]], ex.owned[st.outs[0]] = in[0], ex.owned[st.inputs[0]]
		ex.share(in[0])
		for _, s := range st.free {
			ex.release(s)
		}
		return nil
	}
	var out []backends.Buffer
	var err error
	t0 := time.Now()
	if st.kernel != nil {
		out, err = st.kernel(e.backend, in)
	} else {
		out, err = st.del.exec.Execute(in, nil, 0)
	}
	if e.backend.opTimes != nil {
		e.backend.opTimes.add(st, time.Since(t0))
	}
	if err != nil {
		return fmt.Errorf("cpu backend: %s: %w", st.n.op, err)
	}
	for i, s := range st.outs {
		ex.slots[s] = out[i]
		ex.owned[s] = true
		if slices.Contains(in, out[i]) {
			ex.share(out[i])
		}
	}
	for _, s := range st.free {
		ex.release(s)
	}
	return nil
}

// results hands back the outputs, which must be fresh buffers owned by the caller
// (parameters, constants and repeated outputs are copied), and frees the donated
// inputs nothing returned shares.
func (ex *execution) results(inputs []backends.Buffer, donate []bool) ([]backends.Buffer, error) {
	e := ex.e
	res := make([]backends.Buffer, len(e.outputs))
	seen := map[backends.Buffer]bool{}
	for i, s := range e.outputs {
		buf := ex.slots[s]
		if !ex.owned[s] || seen[buf] {
			c, err := e.backend.copyBuffer(buf)
			if err != nil {
				return nil, err
			}
			buf = c
		}
		seen[buf] = true
		res[i] = buf
	}
	// Donated inputs (variables the graph updates) are this execution's to free
	// once nothing returned shares them.
	for i := range e.paramSlots {
		if i < len(donate) && donate[i] && !seen[inputs[i]] {
			e.backend.recycle(inputs[i])
			seen[inputs[i]] = true // freed once, even if passed twice
		}
	}
	return res, nil
}

func (b *Backend) copyBuffer(buf backends.Buffer) (backends.Buffer, error) {
	shape, err := b.inner.BufferShape(buf)
	if err != nil {
		return nil, err
	}
	src, err := b.inner.BufferData(buf)
	if err != nil {
		return nil, err
	}
	out, dst, err := b.newBuffer(shape)
	if err != nil {
		return nil, err
	}
	if err := copyFlat(dst, src); err != nil {
		return nil, err
	}
	return out, nil
}

// delegate returns the cached one-op executable for n, compiling it on first use.
func (b *Backend) delegate(n *node) (*delegated, error) {
	key := n.signature()
	b.mu.Lock()
	defer b.mu.Unlock()
	if d, ok := b.cache[key]; ok {
		return d, nil
	}
	sb := b.inner.Builder(n.op)
	i := 0
	args := substitute(n.args, func(v *value) backends.Op {
		p, err := sb.Parameter(fmt.Sprintf("in%d", i), v.shape, nil)
		i++
		if err != nil {
			panic(err) // shapes came from the same backend's inference
		}
		return p
	})
	outs, err := n.replay(sb, args)
	if err != nil {
		return nil, err
	}
	exec, err := sb.Compile(outs, nil)
	if err != nil {
		return nil, err
	}
	d := &delegated{exec: exec}
	b.cache[key] = d
	return d, nil
}

// runConstant compiles and runs a Constant node once, without caching.
func (b *Backend) runConstant(n *node) ([]backends.Buffer, error) {
	sb := b.inner.Builder(n.op)
	outs, err := n.replay(sb, n.args)
	if err != nil {
		return nil, err
	}
	exec, err := sb.Compile(outs, nil)
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	return exec.Execute(nil, nil, 0)
}
