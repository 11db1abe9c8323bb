package train

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// poisonG is the tests' way to make a run diverge at a step they choose: it sets the
// first value of G's first trainable float32 variable (in name order) to NaN, as a
// step that went wrong would leave it. Options.poison calls it once, after that
// step's update.
func poisonG(ctx *context.Context) error {
	var vars []*context.Variable
	for v := range ctx.IterVariables() {
		if v.Trainable && inScope(v, "/g") {
			vars = append(vars, v)
		}
	}
	slices.SortFunc(vars, func(a, b *context.Variable) int {
		if a.ScopeAndName() < b.ScopeAndName() {
			return -1
		}
		return 1
	})
	for _, v := range vars {
		t, err := v.Value()
		if err != nil {
			return err
		}
		var flat []float32
		var ok bool
		if err := t.ConstFlatData(func(f any) {
			var src []float32
			if src, ok = f.([]float32); ok {
				flat = slices.Clone(src)
			}
		}); err != nil {
			return err
		}
		if !ok || len(flat) == 0 {
			continue
		}
		flat[0] = float32(math.NaN())
		return v.SetValue(tensors.FromFlatDataAndDimensions(flat, t.Shape().Dimensions...))
	}
	return fmt.Errorf("poison: G has no float32 variable")
}
