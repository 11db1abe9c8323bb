package train

import (
	"fmt"

	"github.com/gankit/gankit/augment"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ADAScope holds ADA's state in the run's context, and so in its checkpoints: the
// controller's p, its sign accumulator and the last r_t, as float64 scalars, so that
// a resume continues p's trajectory bitwise (p reset to 0 on resume is a known
// StyleGAN2-ADA complaint: stylegan2-ada-pytorch #81).
const ADAScope = "/ada"

// adaVariables are the names of the controller's fields in ADAScope, in the order
// of ada.fields.
func adaVariables() [4]string { return [4]string{"p", "sign_sum", "sign_count", "r_t"} }

// augmenter is what D's inputs go through: DiffAugment or ADA, whichever is on
// (config refuses both at once).
type augmenter interface {
	Inputs() int
	Apply(x *Node, in []*Node) *Node
}

// ada is adaptive discriminator augmentation in a run: its pipeline, its controller,
// and the context variables that carry the controller across checkpoints.
type ada struct {
	pipeline augment.Pipeline
	ctl      augment.Controller
	vars     [4]*context.Variable
}

// newADA makes ADA's state for cfg, nil when train.ada is off. The variables take
// their values from the checkpoint attached to ctx when resuming, else p starts at
// train.ada_p and the accumulator empty.
func newADA(ctx *context.Context, cfg config.Config) (*ada, error) {
	t := cfg.Train
	pl, err := augment.Parse(t.ADA)
	if err != nil || !pl.On() {
		return nil, err
	}
	a := &ada{pipeline: pl, ctl: augment.Controller{Target: t.ADATarget, Kimg: t.ADAKimg, Interval: t.ADAInterval, Batch: t.Batch}}
	sc := ctx.InAbsPath(ADAScope).Checked(false) // created, or loaded from a checkpoint
	init := [4]float64{t.ADAP, 0, 0, 0}
	for i, name := range adaVariables() {
		a.vars[i] = sc.VariableWithValue(name, init[i]).SetTrainable(false)
		v, err := a.vars[i].Value()
		if err != nil {
			return nil, fmt.Errorf("ADA's %s: %w", name, err)
		}
		x, ok := v.Value().(float64)
		if !ok {
			return nil, fmt.Errorf("ADA's %s in %s is %s, want a float64 scalar", name, ADAScope, v.Shape())
		}
		*a.fields()[i] = x
	}
	return a, nil
}

func (a *ada) fields() [4]*float64 {
	return [...]*float64{&a.ctl.P, &a.ctl.SignSum, &a.ctl.SignCount, &a.ctl.RT}
}

// store writes the controller into its variables, which the next checkpoint saves.
func (a *ada) store() error {
	for i, f := range a.fields() {
		if err := a.vars[i].SetValue(tensors.FromScalar(*f)); err != nil {
			return fmt.Errorf("storing ADA's %s: %w", adaVariables()[i], err)
		}
	}
	return nil
}

// tensors draws one batch's transforms at the current p and lays them out for Apply.
func (a *ada) tensors(f *feeding, shape data.Shape) []*tensors.Tensor {
	ps := a.pipeline.Draw(f.r, a.ctl.P, f.n, shape.Size, shape.Channels)
	return a.pipeline.Tensors(ps, shape.Size, shape.Channels)
}
