// Package gradcheck compares a graph's reverse-mode gradients with float64 central
// finite differences, for the inputs and for every trainable variable a loss uses.
package gradcheck

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Loss builds a scalar float64 loss from float64 inputs.
type Loss func(ctx *context.Context, inputs []*graph.Node) *graph.Node

// fdStep is the central-difference step.
const fdStep = 1e-6

// Mismatch is one coordinate where the analytic and numeric gradients disagree. It
// names what was differentiated by fields, not by a string to match: Input is the
// position in Check's inputs, or NotInput when the coordinate belongs to the trainable
// variable named by Variable.
type Mismatch struct {
	Input             int
	Variable          string // scope and name; "" for an input
	Index             int    // flat index of the coordinate
	Analytic, Numeric float64
}

// NotInput is Mismatch.Input for a trainable variable's coordinate.
const NotInput = -1

func (m Mismatch) String() string {
	where := m.Variable
	if m.Input != NotInput {
		where = fmt.Sprintf("input %d", m.Input)
	}
	return fmt.Sprintf("%s[%d]: analytic %.8g, finite differences %.8g", where, m.Index, m.Analytic, m.Numeric)
}

// Options tune Check.
type Options struct {
	Probes int     // coordinates checked per input and per variable
	Tol    float64 // abs(a-n) <= Tol * max(1, abs(a), abs(n))
	Seed   uint64
	// Jitter, when > 0, adds N(0, Jitter^2) to every trainable variable before the
	// check. Nets at their published initialisation (e.g. DCGAN's N(0, 0.02)) have
	// activations so small that a finite-difference step crosses ReLU kinks; jittered
	// weights give O(1) activations, where differences are meaningful.
	Jitter float64
}

// Check evaluates d loss / d (inputs, trainable variables) on backend b and compares
// opt.Probes random coordinates of each against (L(w+h) - L(w-h)) / 2h, h = 1e-6. It
// returns the failures and the number of coordinates checked. ctx should have
// nets.ParamFloat64 set.
func Check(b backends.Backend, ctx *context.Context, inputs []*tensors.Tensor, loss Loss, opt Options) ([]Mismatch, int, error) {
	var vars []*context.Variable
	gradExec, err := context.NewExec(b, ctx, func(ctx *context.Context, in []*graph.Node) []*graph.Node {
		l := loss(ctx, in)
		vars = vars[:0]
		wrt := append([]*graph.Node{}, in...)
		for v := range ctx.IterVariables() {
			if v.Trainable && v.InUseByGraph(l.Graph()) {
				vars = append(vars, v)
				wrt = append(wrt, v.ValueGraph(l.Graph()))
			}
		}
		return append([]*graph.Node{l}, graph.Gradient(l, wrt...)...)
	})
	if err != nil {
		return nil, 0, err
	}
	lossExec, err := context.NewExec(b, ctx, func(ctx *context.Context, in []*graph.Node) *graph.Node { return loss(ctx, in) })
	if err != nil {
		return nil, 0, err
	}
	c := &checker{lossExec: lossExec, args: make([]any, len(inputs)), r: rand.New(rand.NewPCG(opt.Seed, 7)), opt: opt}
	for i, t := range inputs {
		c.args[i] = t
	}
	if opt.Jitter > 0 {
		if _, err := lossExec.Exec(c.args...); err != nil { // creates the variables
			return nil, 0, err
		}
		if err := jitter(ctx, c.r, opt.Jitter); err != nil {
			return nil, 0, err
		}
	}
	out, err := gradExec.Exec(c.args...)
	if err != nil {
		return nil, 0, err
	}
	for i, t := range inputs {
		if err := c.probe(i, "", t, out[1+i], func(*tensors.Tensor) error { return nil }); err != nil {
			return nil, 0, err
		}
	}
	for j, v := range vars {
		val, err := v.Value()
		if err != nil {
			return nil, 0, err
		}
		t, err := val.LocalClone()
		if err != nil {
			return nil, 0, err
		}
		// SetValue finalizes the variable's previous tensor: hand it a fresh copy each time.
		set := func(t *tensors.Tensor) error {
			c, err := t.LocalClone()
			if err != nil {
				return err
			}
			return v.SetValue(c)
		}
		if err := c.probe(NotInput, v.ScopeAndName(), t, out[1+len(inputs)+j], set); err != nil {
			return nil, 0, err
		}
	}
	return c.bad, c.checked, nil
}

// jitter adds N(0, sigma^2) to every trainable variable of ctx (see Options.Jitter).
func jitter(ctx *context.Context, r *rand.Rand, sigma float64) error {
	for v := range ctx.IterVariables() {
		if !v.Trainable {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return err
		}
		t, err = t.LocalClone()
		if err != nil {
			return err
		}
		t.MustMutableFlatData(func(flat any) {
			for i := range flat.([]float64) {
				flat.([]float64)[i] += sigma * r.NormFloat64()
			}
		})
		if err := v.SetValue(t); err != nil {
			return err
		}
	}
	return nil
}

// checker probes coordinates against finite differences of the loss, collecting
// the mismatches; r draws the coordinates (after Jitter's draws, if any).
type checker struct {
	lossExec *context.Exec
	args     []any
	r        *rand.Rand
	opt      Options
	bad      []Mismatch
	checked  int
}

// eval is the loss at the current inputs and variables.
func (c *checker) eval() (float64, error) {
	o, err := c.lossExec.Exec(c.args...)
	if err != nil {
		return 0, err
	}
	return o[0].Value().(float64), nil
}

// probe compares opt.Probes random coordinates of grad, the analytic gradient of t,
// with central differences; set makes the loss see t after each nudge.
func (c *checker) probe(input int, variable string, t *tensors.Tensor, grad *tensors.Tensor, set func(*tensors.Tensor) error) error {
	var g []float64
	grad.MustConstFlatData(func(flat any) { g = append(g, flat.([]float64)...) })
	idx := c.r.Perm(t.Size())
	if len(idx) > c.opt.Probes {
		idx = idx[:c.opt.Probes]
	}
	sort.Ints(idx)
	tol := c.opt.Tol
	for _, i := range idx {
		num, err := c.central(t, i, set)
		if err != nil {
			return err
		}
		c.checked++
		if math.Abs(num-g[i]) > tol*math.Max(1, math.Max(math.Abs(num), math.Abs(g[i]))) || math.IsNaN(g[i]) {
			c.bad = append(c.bad, Mismatch{Input: input, Variable: variable, Index: i, Analytic: g[i], Numeric: num})
		}
	}
	return nil
}

// central is (L(t+h e_i) - L(t-h e_i)) / 2h, h = fdStep, leaving t (and what set
// gave the loss) as it found it.
func (c *checker) central(t *tensors.Tensor, i int, set func(*tensors.Tensor) error) (float64, error) {
	var lp, lm float64
	for k, sign := range []float64{1, -1} {
		t.MustMutableFlatData(func(flat any) { flat.([]float64)[i] += sign * fdStep })
		if err := set(t); err != nil {
			return 0, err
		}
		l, err := c.eval()
		if err != nil {
			return 0, err
		}
		if k == 0 {
			lp = l
		} else {
			lm = l
		}
		t.MustMutableFlatData(func(flat any) { flat.([]float64)[i] -= sign * fdStep })
	}
	if err := set(t); err != nil {
		return 0, err
	}
	return (lp - lm) / (2 * fdStep), nil
}
