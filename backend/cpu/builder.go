package cpu

import (
	"fmt"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// value is one output of a recorded node; it is what this backend's Ops are.
type value struct {
	node  *node
	index int
	shape shapes.Shape
	// shadow is the same value in the shape-inference graph.
	shadow backends.Op
}

// replayFn rebuilds an op on another builder, given its arguments with every value
// replaced by that builder's Ops.
type replayFn func(sb backends.Builder, args []any) ([]backends.Op, error)

type node struct {
	id     int
	op     string
	args   []any    // as recorded: values, []values, and plain parameters
	inputs []*value // the values among args, in order
	outs   []*value
	replay replayFn
	param  int // Parameter index, -1 otherwise
}

// Builder records a graph.
type Builder struct {
	backend *Backend
	name    string
	shadow  backends.Builder // shape inference and argument checking
	nodes   []*node
	params  []*value
	names   []string
}

var _ backends.Builder = (*Builder)(nil)

func (b *Builder) Name() string { return b.name }

// OpShape returns the shape of one of this builder's values.
func (b *Builder) OpShape(op backends.Op) (shapes.Shape, error) {
	v, err := b.value(op)
	if err != nil {
		return shapes.Shape{}, err
	}
	return v.shape, nil
}

func (b *Builder) value(op backends.Op) (*value, error) {
	v, ok := op.(*value)
	if !ok || v == nil {
		return nil, fmt.Errorf("cpu backend: op %v (%T) is not from this backend", op, op)
	}
	return v, nil
}

// substitute replaces every value (alone or in a slice of Ops) in args by f(value).
func substitute(args []any, f func(*value) backends.Op) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch t := a.(type) {
		case *value:
			out[i] = f(t)
		case []backends.Op:
			s := make([]backends.Op, len(t))
			for j, o := range t {
				s[j] = f(o.(*value))
			}
			out[i] = s
		default:
			out[i] = a
		}
	}
	return out
}

// record adds a node, after replaying it on the shadow builder (which checks the
// arguments and infers the output shapes).
func (b *Builder) record(op string, args []any, replay replayFn) ([]backends.Op, error) {
	n := &node{id: len(b.nodes), op: op, args: args, replay: replay, param: -1}
	// backends.Op is `any`: values are recognised by type; every other argument
	// (ints, shapes, slices) is a parameter of the op.
	for _, a := range args {
		switch t := a.(type) {
		case *value:
			n.inputs = append(n.inputs, t)
		case []backends.Op:
			for _, o := range t {
				v, err := b.value(o)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", op, err)
				}
				n.inputs = append(n.inputs, v)
			}
		}
	}
	shadowOuts, err := replay(b.shadow, substitute(args, func(v *value) backends.Op { return v.shadow }))
	if err != nil {
		return nil, err
	}
	ops := make([]backends.Op, len(shadowOuts))
	for i, so := range shadowOuts {
		s, err := b.shadow.OpShape(so)
		if err != nil {
			return nil, err
		}
		v := &value{node: n, index: i, shape: s, shadow: so}
		n.outs = append(n.outs, v)
		ops[i] = v
	}
	b.nodes = append(b.nodes, n)
	return ops, nil
}

// Parameter adds a graph input.
func (b *Builder) Parameter(name string, shape shapes.Shape, sharding *backends.ShardingSpec) (backends.Op, error) {
	if sharding != nil {
		return nil, fmt.Errorf("cpu backend: sharding is not supported")
	}
	so, err := b.shadow.Parameter(name, shape, nil)
	if err != nil {
		return nil, err
	}
	n := &node{id: len(b.nodes), op: "Parameter", param: len(b.params)}
	v := &value{node: n, shape: shape, shadow: so}
	n.outs = []*value{v}
	b.nodes = append(b.nodes, n)
	b.params = append(b.params, v)
	b.names = append(b.names, name)
	return v, nil
}

// Constant records a constant; it is computed once, at compile time.
func (b *Builder) Constant(flat any, dims ...int) (backends.Op, error) {
	outs, err := b.record("Constant", []any{flat, dims}, func(sb backends.Builder, in []any) ([]backends.Op, error) {
		o, err := sb.Constant(in[0], in[1].([]int)...)
		return []backends.Op{o}, err
	})
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

func (b *Builder) DistributedSPMD(int) error {
	return fmt.Errorf("cpu backend: distributed execution is not supported")
}
func (b *Builder) DistributedAutoSharding(...backends.Mesh) error {
	return fmt.Errorf("cpu backend: distributed execution is not supported")
}
func (b *Builder) DeviceAssignment(devices ...backends.DeviceNum) error {
	for _, d := range devices {
		if d != 0 {
			return fmt.Errorf("cpu backend: only device 0 exists, got %d", d)
		}
	}
	return nil
}

// AllReduce is a collective op; there is one device.
func (b *Builder) AllReduce(operands []backends.Op, _ backends.ReduceOpType, _ [][]int) ([]backends.Op, error) {
	return nil, fmt.Errorf("cpu backend: AllReduce: distributed execution is not supported")
}

// signature identifies a delegated op for the executable cache: the op, its
// input shapes and its other parameters.
func (n *node) signature() string {
	var s strings.Builder
	s.WriteString(n.op)
	for _, a := range substitute(n.args, func(v *value) backends.Op { return v.shape.String() }) {
		fmt.Fprintf(&s, "|%v", a)
	}
	return s.String()
}
