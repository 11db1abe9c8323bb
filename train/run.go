package train

import (
	"fmt"
	"path/filepath"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/sample"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Trained is a finished (or checkpointed) run, loaded for sampling and evaluation.
type Trained struct {
	Dir     string
	Config  config.Config
	Step    int
	Source  data.Source
	Backend backends.Backend
	ctx     *context.Context
}

// OpenRun loads a run directory's config and latest checkpoint. backendSpec, when
// not empty, replaces the run's backend.
func OpenRun(dir, backendSpec string) (*Trained, error) {
	return OpenRunOn(dir, backendSpec, nil)
}

// OpenRunOn is OpenRun on an existing backend b (when not nil), which several runs
// can share (one GPU client, not one per run).
func OpenRunOn(dir, backendSpec string, b backends.Backend) (*Trained, error) {
	cfg, err := config.Load(filepath.Join(dir, ConfigFile), config.Config{})
	if err != nil {
		return nil, fmt.Errorf("reading run %s: %w", dir, err)
	}
	if backendSpec != "" {
		cfg.Backend = backendSpec
	}
	ck, err := LatestCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	src, err := OpenSource(cfg)
	if err != nil {
		return nil, err
	}
	if b == nil {
		if b, err = backend.New(backend.Resolve(cfg.Backend)); err != nil {
			return nil, err
		}
	}
	ctx := NewContext(cfg)
	ck.Attach(ctx)
	return &Trained{Dir: dir, Config: cfg, Step: ck.Step, Source: src, Backend: b, ctx: ctx}, nil
}

// Generator compiles the run's generator in inference mode: G_ema when the run keeps
// one and ema is true, else G.
func (t *Trained) Generator(ema bool) (*sample.Generator, error) {
	gctx := t.ctx
	if ema {
		gctx = SamplingContext(t.ctx, t.Config)
	}
	return sample.NewGenerator(t.Backend, gctx, t.Config.Model, t.Source.Shape())
}
