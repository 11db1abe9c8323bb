package run

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// NonFiniteError is a checkpoint refused because a variable holds a NaN or an
// infinity: a diverged state is never written, so the newest checkpoint of a run is
// always one it can be rolled back or resumed to.
type NonFiniteError struct {
	Step     int
	Variable string // scope/name of the first such variable, in checkpoint order
	Value    float64
	Count    int // how many variables hold one
}

func (e *NonFiniteError) Error() string {
	more := ""
	if e.Count > 1 {
		more = fmt.Sprintf(" (and %d more variables)", e.Count-1)
	}
	return fmt.Sprintf("the state at step %d holds %g in %s%s: a checkpoint of a diverged state is not written", e.Step, e.Value, e.Variable, more)
}

// checkFinite returns a *NonFiniteError when a float variable holds a NaN or an
// infinity. It reads every value once: the cost of a checkpoint's own encoding.
func checkFinite(step int, vars []variable) error {
	var first *NonFiniteError
	for _, v := range vars {
		bad, val, err := nonFinite(v.t)
		if err != nil {
			return fmt.Errorf("variable %s: %w", strings.ReplaceAll(v.key, "\x00", "/"), err)
		}
		if !bad {
			continue
		}
		if first == nil {
			first = &NonFiniteError{Step: step, Variable: strings.ReplaceAll(v.key, "\x00", "/"), Value: val}
		}
		first.Count++
	}
	if first == nil {
		return nil
	}
	return first
}

// nonFinite reports the first NaN or infinity of a float tensor.
func nonFinite(t *tensors.Tensor) (bool, float64, error) {
	var bad bool
	var val float64
	err := t.ConstFlatData(func(flat any) {
		switch xs := flat.(type) {
		case []float32:
			for _, x := range xs {
				if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
					bad, val = true, f
					return
				}
			}
		case []float64:
			for _, x := range xs {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					bad, val = true, x
					return
				}
			}
		}
	})
	return bad, val, err
}

// CheckFinite returns a *NonFiniteError when a variable of the checkpoint holds a NaN
// or an infinity (a checkpoint written before gankit refused such states).
func (c *Checkpoint) CheckFinite() error {
	vars := make([]variable, 0, len(c.vars))
	for k, t := range c.vars {
		vars = append(vars, variable{k, t})
	}
	sort.Slice(vars, func(i, j int) bool { return vars[i].key < vars[j].key })
	return checkFinite(c.Step, vars)
}
