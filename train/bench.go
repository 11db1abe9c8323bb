package train

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/run"
	"github.com/gomlx/gomlx/backends"
)

// TimeSteps times the training iteration of cfg (images only) on b, on random data
// from a fixed seed: warmup untimed iterations, then iters timed ones, whose
// seconds it returns in order. Package bench reduces them to its figures
// (docs/protocols.md, "Speed").
func TimeSteps(b backends.Backend, cfg config.Config, shape data.Shape, warmup, iters int) ([]float64, error) {
	if warmup < 0 || iters < 1 {
		return nil, fmt.Errorf("timing steps: %d warm-up and %d timed iterations, want at least 0 and 1", warmup, iters)
	}
	ctx := run.NewContext(cfg)
	step, err := newStepper(b, ctx, cfg, shape)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(1, 2))
	real := realBatch{x: make([]float32, cfg.Train.Batch*shape.Len())}
	for i := range real.x {
		real.x[i] = 2*r.Float32() - 1
	}
	if cfg.Model.Conditional() {
		real.y = fakeClasses(1, cfg.Train.Batch, len(cfg.Model.Classes))
	}
	times := make([]float64, 0, iters)
	for i := range warmup + iters {
		z := make([]float32, cfg.Train.Batch*cfg.Model.ZDim)
		for j := range z {
			z[j] = float32(r.NormFloat64())
		}
		t0 := time.Now()
		if _, err := step.run(i, func(int) (realBatch, error) { return real, nil }, func(int) []float32 { return z }); err != nil {
			return nil, err
		}
		if i >= warmup {
			times = append(times, time.Since(t0).Seconds())
		}
	}
	return times, nil
}
