package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/losses"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// streamTricks + k seeds the host-drawn randomness of D step k (label noise and
// flips, instance noise, penalty interpolations, DiffAugment, replay picks).
const streamTricks = 1 << 42

// An input names one of the step graph's host inputs. The feed that puts an input and
// the graph that reads it both name it by a constant below, or by a function below for
// a family of inputs (a penalty's draws and weight, an augmentation's parameters), so
// that a misspelled name does not compile. Reads go through stepIn, which records them:
// when the graph is built, an input fed but never read is an error (see stepIn.check),
// where it would otherwise leave its trick silently off.
type input string

// The step's inputs. Batches and latents are always fed; the others only while their
// trick is on.
const (
	inReal       input = "real"   // D's real batch
	inZ          input = "z"      // the latents of the fake batch
	inRealG      input = "real_g" // G's real batch, with realInG
	inTargetReal input = "target_real"
	inTargetFake input = "target_fake"
	inNoiseSigma input = "noise_sigma"
	inNoiseReal  input = "noise_real"
	inNoiseFake  input = "noise_fake"
	inReplayPick input = "replay_pick"
	inReplayMask input = "replay_mask"
	inReplayPut  input = "replay_put"
	inLRD        input = "lr_d"
	inLRG        input = "lr_g"
	inBeta2      input = "beta2"
	inEMABeta    input = "ema_beta"
	// A conditional GAN's classes (int32 [batch]): of D's real batch, of the fakes
	// (balanced, see fakeClasses), and of G's real batch with realInG.
	inClassReal  input = "class_real"
	inClassFake  input = "class_fake"
	inClassRealG input = "class_real_g"
)

// fakeClasses are the classes of D step k's fakes: (k*n + j) mod K for sample j, so
// that each class gets n/K of every batch (one more for some when K does not divide
// n), and the classes cycle on across batches. Drawing nothing, they leave the random
// streams as an unconditional run's.
func fakeClasses(k, n, classes int) []int32 {
	y := make([]int32, n)
	for j := range y {
		y[j] = int32((k*n + j) % classes)
	}
	return y
}

// The augmentation's parameter groups, one per batch D sees (their inputs are augParam's).
const (
	augReal  input = "aug_real"   // D's real batch
	augFake  input = "aug_fake"   // D's fake batch
	augG     input = "aug_g"      // G's fake batch
	augGReal input = "aug_g_real" // G's real batch, with realInG
)

// augParam names the augmentation's j-th parameter tensor of group.
func augParam(group input, j int) input { return input(fmt.Sprintf("%s/%d", group, j)) }

// penaltyDraw names the draw d of penalty p: <penalty>/<draw>.
func penaltyDraw(p config.Penalty, d losses.Draw) input { return input(p.Name() + "/" + d.Name) }

// penaltyWeight names penalty p's scheduled weight: weight_<penalty>.
func penaltyWeight(p config.Penalty) input { return input("weight_" + p.Name()) }

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
	{"augmentation", func(s *stepper) bool { return s.augmenter() != nil }, feedAugment},
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
	names []input
	vals  []*tensors.Tensor
	stats map[string]float64
}

func (f *feeding) put(name input, t *tensors.Tensor) {
	f.names = append(f.names, name)
	f.vals = append(f.vals, t)
}

// scalar feeds v as a float32 scalar and reports it under the same name.
func (f *feeding) scalar(name input, v float64) {
	f.put(name, tensors.FromScalar(float32(v)))
	f.stats[string(name)] = v
}

// uniform draws U[0, 1): one per sample, or per element of the batch.
func (f *feeding) uniform(name input, perElement bool) {
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
func (f *feeding) normal(name input) {
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

// stepIn are a step graph's inputs by name, and the names the graph has read; those
// of a trick that is off are absent.
type stepIn struct {
	nodes map[input]*Node
	read  map[input]bool
}

func newStepIn(names []input, nodes []*Node) *stepIn {
	in := &stepIn{nodes: make(map[input]*Node, len(names)), read: map[input]bool{}}
	for i, name := range names {
		in.nodes[name] = nodes[i]
	}
	return in
}

// opt is input name, nil when absent: the graph then leaves the trick off (a
// schedule's input absent means the constant from the config).
func (in *stepIn) opt(name input) *Node {
	in.read[name] = true
	return in.nodes[name]
}

// need is input name, which the trick that reads it must have fed: building the graph
// fails, naming it, where it is absent. (The graph builder cannot return an error: it
// panics with one, which GoMLX's Exec returns.)
func (in *stepIn) need(name input) *Node {
	x := in.opt(name)
	if x == nil {
		panic(fmt.Errorf("step graph: input %q is read but not fed (fed: %v)", name, in.fed()))
	}
	return x
}

// group is the augmentation's n parameters of group, each needed.
func (in *stepIn) group(group input, n int) []*Node {
	out := make([]*Node, n)
	for j, name := range in.groupNames(group, n) {
		out[j] = in.need(name)
	}
	return out
}

// groupNames are the names of group's n parameters.
func (in *stepIn) groupNames(group input, n int) []input {
	names := make([]input, n)
	for j := range names {
		names[j] = augParam(group, j)
	}
	return names
}

// skip counts inputs as read that a graph is fed and has, by design, no use for.
func (in *stepIn) skip(names ...input) {
	for _, name := range names {
		if in.nodes[name] != nil {
			in.read[name] = true
		}
	}
}

// check is called once the graph is built: every input fed must have been read. An
// input fed and never read is a feed and a read that disagree on a name (or a read
// forgotten): the trick it feeds would be silently off.
func (in *stepIn) check() error {
	var unread []input
	for _, name := range in.fed() {
		if !in.read[name] {
			unread = append(unread, name)
		}
	}
	if len(unread) == 0 {
		return nil
	}
	var absent []input
	for name := range in.read {
		if in.nodes[name] == nil {
			absent = append(absent, name)
		}
	}
	slices.Sort(absent)
	return fmt.Errorf("step graph: inputs %q are fed but never read (the graph read, and found absent, %q)", unread, absent)
}

// fed lists the inputs fed, sorted.
func (in *stepIn) fed() []input {
	names := make([]input, 0, len(in.nodes))
	for name := range in.nodes {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func feedLabels(s *stepper, f *feeding) {
	nd := f.n / s.cfg.Model.PackDegree() // one target per D output
	tr, tf := s.labels.Draw(f.r, nd)
	f.put(inTargetReal, tensors.FromFlatDataAndDimensions(tr, nd))
	f.put(inTargetFake, tensors.FromFlatDataAndDimensions(tf, nd))
}

func feedNoise(s *stepper, f *feeding) {
	f.scalar(inNoiseSigma, s.noise.Sigma(f.i))
	f.normal(inNoiseReal)
	f.normal(inNoiseFake)
}

func feedPenalties(s *stepper, f *feeding) {
	for _, p := range s.penalties {
		for _, d := range p.Draws() {
			f.uniform(penaltyDraw(p, d), d.PerElement)
		}
	}
}

// feedAugment draws each augmented batch's transforms: DiffAugment's, or ADA's at
// the iteration's p (reported as ada_p).
func feedAugment(s *stepper, f *feeding) {
	for _, group := range s.augGroups() {
		var ts []*tensors.Tensor
		if s.ada != nil {
			ts = s.ada.tensors(f, s.shape)
		} else {
			ts = s.aug.Tensors(s.aug.Draw(f.r, f.n, s.shape), f.n, s.shape)
		}
		for j, t := range ts {
			f.put(augParam(group, j), t)
		}
	}
	if s.ada != nil {
		f.stats["ada_p"] = s.ada.ctl.P
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
	f.put(inReplayPick, tensors.FromFlatDataAndDimensions(pick, n, c))
	f.put(inReplayMask, tensors.FromFlatDataAndDimensions(mask, n))
	f.put(inReplayPut, tensors.FromFlatDataAndDimensions(put, c, n))
}

// feedSchedules feeds the scheduled hyperparameters at the iteration's image count
// (R3GAN's cur_nimg: images seen before it), each only when its schedule is on, so
// that the graph keeps its constants otherwise. They depend on the iteration alone:
// a resumed run feeds the values of the step it resumes at.
func feedSchedules(s *stepper, f *feeding) {
	t := s.cfg.Train
	nimg, total := float64(f.i*t.Batch), float64(t.Steps*t.Batch)
	if t.LRSchedule.On() {
		f.scalar(inLRD, t.LRSchedule.At(t.LRD, nimg, total))
		f.scalar(inLRG, t.LRSchedule.At(t.LRG, nimg, total))
	}
	if t.Beta2Schedule.On() {
		f.scalar(inBeta2, t.Beta2Schedule.At(t.Beta2, nimg, total))
	}
	for _, p := range s.penalties {
		if p.Schedule.On() {
			f.scalar(penaltyWeight(p), p.Schedule.At(p.Weight, nimg, total))
		}
	}
	if s.cfg.EMAByHalfLife() {
		// R3GAN's training_loop.py: beta = 0.5^(batch / max(half-life in images, 1e-8)).
		hl := t.EMASchedule.At(t.EMAHalfLife, nimg, total) * 1000
		f.stats["ema_half_life_kimg"] = hl / 1000
		f.scalar(inEMABeta, math.Pow(0.5, float64(t.Batch)/max(hl, 1e-8)))
	}
}
