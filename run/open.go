package run

import (
	"fmt"
	"io"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/sample"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Trained is a run's newest good checkpoint, loaded for sampling and evaluation.
type Trained struct {
	Dir        string
	Config     config.Config // the config the checkpoint was trained with
	Step       int
	Checkpoint string // its file
	Source     data.Source
	Backend    backends.Backend
	ctx        *context.Context
	hasEMA     bool
}

// OpenOptions say how to open a run for reading.
type OpenOptions struct {
	Backend string           // replaces the run's backend when not empty
	On      backends.Backend // when set, used instead (several runs can share one GPU client)
	Log     io.Writer        // told when a damaged checkpoint is passed over (nil: discarded)
}

// Open loads a run for inference: its newest checkpoint that reads back whole (a
// damaged newer one is reported to o.Log), with the config that trained it.
// It takes no lock: checkpoints are replaced only by atomic renames, so a run can be
// read while it trains.
func Open(dir string, o OpenOptions) (*Trained, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	ck, err := LatestCheckpoint(dir, o.Log)
	if err != nil {
		return nil, err
	}
	if ck.Config != nil {
		// config.yaml may have been edited since; the checkpoint knows its shapes.
		cfg = *ck.Config
	}
	if o.Backend != "" {
		cfg.Backend = o.Backend
	}
	src, err := OpenSource(cfg)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", dir, err)
	}
	b := o.On
	if b == nil {
		if b, err = backend.New(backend.Resolve(cfg.Backend)); err != nil {
			return nil, err
		}
	}
	ctx := NewContext(cfg)
	hasEMA := ck.hasScope(EMAScope + "/g")
	ck.Attach(ctx)
	return &Trained{Dir: dir, Config: cfg, Step: ck.Step, Checkpoint: ck.Path, Source: src, Backend: b, ctx: ctx, hasEMA: hasEMA}, nil
}

// HasEMA says whether the checkpoint holds G_ema.
func (t *Trained) HasEMA() bool { return t.hasEMA }

// Generator compiles the run's generator in inference mode (BatchNorm with its
// running statistics): G_ema when ema is true and the checkpoint holds it, else G.
func (t *Trained) Generator(ema bool) (*sample.Generator, error) {
	gctx := t.ctx
	if ema && t.hasEMA {
		gctx = t.ctx.InAbsPath(EMAScope)
	}
	return sample.NewGenerator(t.Backend, gctx, t.Config.Model, t.Source.Shape())
}

// CheckTruncation refuses truncation for a generator that pixel-normalises z
// (model.pixel_norm): the normalisation undoes psi's scaling entirely and most of
// clipping or resampling, so the "truncated" samples would be mislabelled untruncated
// ones. `sample` and `eval` both ask.
func CheckTruncation(cfg config.Config, tr sample.Truncation) error {
	if tr.Mode != sample.TruncNone && cfg.Model.PixelNorm {
		return fmt.Errorf("truncation %s: the run's generator pixel-normalises z (model.pixel_norm), which undoes psi and most of clipping or resampling; use no truncation", tr.Mode)
	}
	return nil
}
