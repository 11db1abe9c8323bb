package train

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/nets"
	"github.com/gankit/gankit/run"
	"github.com/gomlx/gomlx/backends"
)

// StepTiming is the measured speed of one configuration's training iteration.
type StepTiming struct {
	Batch    int
	Upsample string
	MsPerIt  float64 // median over the timed iterations
	Samples  float64 // samples per second
	GFLOPs   float64 // model FLOPs per iteration / time, in GFLOP/s
	ModelGF  float64 // model GFLOP per iteration (PyTorch-equivalent work)
}

// BenchStep times the training iteration of cfg (images only) on b: warm-up
// iterations, then the median of iters timed ones, on random data.
func BenchStep(b backends.Backend, cfg config.Config, shape data.Shape, warmup, iters int) (StepTiming, error) {
	ctx := run.NewContext(cfg)
	step, err := newStepper(b, ctx, cfg, shape)
	if err != nil {
		return StepTiming{}, err
	}
	r := rand.New(rand.NewPCG(1, 2))
	real := make([]float32, cfg.Train.Batch*shape.Len())
	for i := range real {
		real[i] = 2*r.Float32() - 1
	}
	var times []float64
	for i := range warmup + iters {
		z := make([]float32, cfg.Train.Batch*cfg.Model.ZDim)
		for j := range z {
			z[j] = float32(r.NormFloat64())
		}
		t0 := time.Now()
		if _, err := step.run(i, func(int) ([]float32, error) { return real, nil }, func(int) []float32 { return z }); err != nil {
			return StepTiming{}, err
		}
		if i >= warmup {
			times = append(times, time.Since(t0).Seconds())
		}
	}
	sort.Float64s(times)
	sec := times[len(times)/2]
	gf := ModelFLOPs(cfg, shape) / 1e9
	return StepTiming{Batch: cfg.Train.Batch, Upsample: cfg.Model.Upsample, MsPerIt: sec * 1e3,
		Samples: float64(cfg.Train.Batch) / sec, GFLOPs: gf / sec, ModelGF: gf}, nil
}

// ModelFLOPs counts the multiply-adds (x2) of the dense and convolution layers in one
// iteration as PyTorch's reference does it: G forward and backward (3x G's forward),
// and D run on real, detached fake and fake, each forward and backward (9x D's
// forward). Elementwise work is not counted.
func ModelFLOPs(cfg config.Config, s data.Shape) float64 {
	m := cfg.Model
	b := float64(cfg.Train.Batch)
	base, stages, err := nets.DCGANPlan(s.Size)
	if err != nil {
		return 0
	}
	ch := m.Width << (stages - 1)
	g := 2 * b * float64(m.ZDim*base*base*ch)
	res := base
	for i := range stages {
		out := ch / 2
		if i == stages-1 {
			out = s.Channels
		}
		res *= 2
		taps := 9.0 // nearest / bilinear + conv k3
		switch m.Upsample {
		case nets.UpTransposed: // k4 s2: each input pixel meets 16 taps = 4 per output pixel
			taps = 4
		case nets.UpTransposedK3:
			taps = 9.0 / 4
		}
		g += 2 * b * float64(res*res*ch*out) * taps
		ch = out
	}
	d := 0.0
	res, ch = s.Size, s.Channels
	for i := range stages {
		out := m.Width << i
		res /= 2
		d += 2 * b * float64(res*res*out*ch*16)
		ch = out
	}
	d += 2 * b * float64(res*res*ch)
	return 3*g + 9*d
}

func (t StepTiming) String() string {
	return fmt.Sprintf("%-10s batch %4d  %9.2f ms/it  %8.0f samples/s  %7.1f GFLOP/s", t.Upsample, t.Batch, t.MsPerIt, t.Samples, t.GFLOPs)
}
