package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// streamTricks + k seeds the host-drawn randomness of D step k (label noise and
// flips, instance noise, penalty interpolations, DiffAugment, replay picks).
const streamTricks = 1 << 42

// A feed is a trick's share of the step graph's host inputs: named tensors it draws
// (from the D step's random stream) or computes (a schedule's value) for every D step.
// The step graph reads them by name; a trick that is off adds none.
type feed struct {
	name string
	on   func(s *stepper) bool
	add  func(s *stepper, f *feeding)
}

// feeds are every trick that feeds the step, in the order they draw from a D step's
// random stream. The order is part of a run's numbers: a run, its resume and a run
// made before a feed was added draw the same values only if a new feed goes after the
// ones that draw (or draws nothing).
var feeds = []feed{
	{"labels", func(s *stepper) bool { return s.labels.Active() }, feedLabels},
	{"instance_noise", func(s *stepper) bool { return s.noise.Sigma0 > 0 }, feedNoise},
	{"penalties", func(s *stepper) bool { return len(s.penalties) > 0 }, feedPenalties},
	{"diffaugment", func(s *stepper) bool { return s.aug.On() }, feedAugment},
	{"replay", func(s *stepper) bool { return s.replay > 0 }, feedReplay},
	{"schedules", func(*stepper) bool { return true }, feedSchedules},
}

// feeding collects one D step's host inputs, by name, and the host-side statistics
// the feeds report for it.
type feeding struct {
	k, i  int // the D step and the iteration it belongs to
	n     int // batch
	dims  []int
	r     *rand.Rand
	names []string
	vals  []*tensors.Tensor
	stats map[string]float64
}

func (f *feeding) put(name string, t *tensors.Tensor) {
	f.names = append(f.names, name)
	f.vals = append(f.vals, t)
}

// scalar feeds v as a float32 scalar and reports it under the same name.
func (f *feeding) scalar(name string, v float64) {
	f.put(name, tensors.FromScalar(float32(v)))
	f.stats[name] = v
}

// uniform draws U[0, 1): one per sample, or per element of the batch.
func (f *feeding) uniform(name string, perElement bool) {
	size, dims := f.n, []int{f.n}
	if perElement {
		size, dims = f.n*prod(f.dims[1:]), f.dims
	}
	v := make([]float32, size)
	for i := range v {
		v[i] = f.r.Float32()
	}
	f.put(name, tensors.FromFlatDataAndDimensions(v, dims...))
}

// normal draws N(0, 1) shaped as the batch.
func (f *feeding) normal(name string) {
	v := make([]float32, prod(f.dims))
	for i := range v {
		v[i] = float32(f.r.NormFloat64())
	}
	f.put(name, tensors.FromFlatDataAndDimensions(v, f.dims...))
}

func prod(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}

// stepIn are a step graph's inputs by name; those of a trick that is off are absent
// (nil).
type stepIn map[string]*Node

// group is the inputs name/0 .. name/n-1, nil when absent.
func (in stepIn) group(name string, n int) []*Node {
	if in[name+"/0"] == nil {
		return nil
	}
	out := make([]*Node, n)
	for i := range out {
		out[i] = in[fmt.Sprintf("%s/%d", name, i)]
	}
	return out
}

func feedLabels(s *stepper, f *feeding) {
	nd := f.n / s.cfg.Model.PackDegree() // one target per D output
	tr, tf := s.labels.Draw(f.r, nd)
	f.put("target_real", tensors.FromFlatDataAndDimensions(tr, nd))
	f.put("target_fake", tensors.FromFlatDataAndDimensions(tf, nd))
}

func feedNoise(s *stepper, f *feeding) {
	f.scalar("noise_sigma", s.noise.Sigma(f.i))
	f.normal("noise_real")
	f.normal("noise_fake")
}

func feedPenalties(s *stepper, f *feeding) {
	for _, p := range s.penalties {
		for _, d := range p.Draws() {
			f.uniform(p.Name()+"/"+d.Name, d.PerElement)
		}
	}
}

func feedAugment(s *stepper, f *feeding) {
	for _, group := range s.augGroups() {
		for j, t := range s.aug.Tensors(s.aug.Draw(f.r, f.n, s.shape), f.n, s.shape) {
			f.put(fmt.Sprintf("%s/%d", group, j), t)
		}
	}
}

// feedReplay draws which fakes D sees from the buffer: one-hot matrices (plain
// products on every backend), pick [n, cap] takes buffer rows for the replayed
// samples, put [cap, n] writes this step's fakes.
func feedReplay(s *stepper, f *feeding) {
	n, c := f.n, s.replay
	filled := min(f.k*n, c) // rows of the buffer written by earlier D steps
	pick, mask, put := make([]float32, n*c), make([]float32, n), make([]float32, c*n)
	for i := range n {
		if filled > 0 && f.r.Float64() < s.cfg.Train.ReplayProb {
			pick[i*c+f.r.IntN(filled)], mask[i] = 1, 1
		}
		put[((f.k*n+i)%c)*n+i] = 1
	}
	f.put("replay_pick", tensors.FromFlatDataAndDimensions(pick, n, c))
	f.put("replay_mask", tensors.FromFlatDataAndDimensions(mask, n))
	f.put("replay_put", tensors.FromFlatDataAndDimensions(put, c, n))
}

// feedSchedules feeds the scheduled hyperparameters at the iteration's image count
// (R3GAN's cur_nimg: images seen before it), each only when its schedule is on, so
// that the graph keeps its constants otherwise. They depend on the iteration alone:
// a resumed run feeds the values of the step it resumes at.
func feedSchedules(s *stepper, f *feeding) {
	t := s.cfg.Train
	nimg, total := float64(f.i*t.Batch), float64(t.Steps*t.Batch)
	if t.LRSchedule.On() {
		f.scalar("lr_d", t.LRSchedule.At(t.LRD, nimg, total))
		f.scalar("lr_g", t.LRSchedule.At(t.LRG, nimg, total))
	}
	if t.Beta2Schedule.On() {
		f.scalar("beta2", t.Beta2Schedule.At(t.Beta2, nimg, total))
	}
	for _, p := range s.penalties {
		if p.Schedule.On() {
			f.scalar("weight_"+p.Name(), p.Schedule.At(p.Weight, nimg, total))
		}
	}
	if s.cfg.EMAByHalfLife() {
		// R3GAN's training_loop.py: beta = 0.5^(batch / max(half-life in images, 1e-8)).
		hl := t.EMASchedule.At(t.EMAHalfLife, nimg, total) * 1000
		f.stats["ema_half_life_kimg"] = hl / 1000
		f.scalar("ema_beta", math.Pow(0.5, float64(t.Batch)/max(hl, 1e-8)))
	}
}
