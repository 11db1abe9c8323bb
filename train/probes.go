package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/doctor"
	"github.com/gankit/gankit/metrics"
	"github.com/gankit/gankit/metrics/featnet"
	"github.com/gankit/gankit/nets"
	"github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// streamDoctorLatents are the fixed latents of the doctor's diversity measure.
// (Streams of their own: 1<<42 + k are the tricks' draws, 1<<43 + k evaluation's.)
const streamDoctorLatents = 1 << 44

// diversityBatch is how many samples the diversity ratio compares; toyPoints how many
// points the toy mode coverage counts.
const (
	diversityBatch = 64
	toyPoints      = 2500 // as docs/protocols.md's toy evaluation: fewer leave modes without a high-quality point by chance
)

// probes are the doctor's own measurements, every doctor.every steps: D on held-out
// images against training images (SignalHeldOutGap), and G's spread on fixed
// latents (SignalDiversity; SignalModes on a toy). They read the weights and change
// nothing: D's graph here has no running statistics or power iteration to update
// (a D with spectral norm updates its vectors at each call, so it gets no held-out
// measure), and the latents come from a stream of their own.
type probes struct {
	every int
	gen   *sample.Generator
	z     []float32
	ctx   *context.Context
	prev  []float32 // the nets' trainable weights at the last measure (nil before the first)
	// Held-out measure: D's logits on a batch, and the two fixed batches.
	d           *context.Exec
	train, held []float32
	dims        []int
	// Diversity: the features of a fixed real batch and how to embed images.
	real  []float64
	embed func(x []float32) ([]float64, int, error) // rows of features, and their width
	toy   *data.Toy
}

// newProbes prepares the probes cfg asks for (nil when doctor.every is 0).
func newProbes(b backends.Backend, ctx *context.Context, cfg config.Config, src data.Source, gen *sample.Generator) (*probes, error) {
	if cfg.Doctor.Every <= 0 || containsSymptoms(cfg.Doctor.Off, doctor.DOverfits, doctor.ModeCollapse) {
		return nil, nil
	}
	p := &probes{every: cfg.Doctor.Every, gen: gen, ctx: ctx}
	shape := src.Shape()
	if toy, ok := src.(*data.Toy); ok {
		p.toy = toy
		p.z = sample.Latents(cfg.Train.Seed, streamDoctorLatents, toyPoints, cfg.Model.ZDim)
		return p, nil
	}
	sh, ok := src.(*data.Shuffled)
	if !ok {
		return nil, nil
	}
	// A dataset smaller than the batch gives as many as it has (at least 2 for a
	// distance; a smaller one gives no diversity measure).
	n := min(diversityBatch, sh.Data.Len())
	if n < 2 {
		return nil, nil
	}
	p.z = sample.Latents(cfg.Train.Seed, streamDoctorLatents, n, cfg.Model.ZDim)
	realBatch, err := someImages(sh.Data, n, cfg.Train.Seed)
	if err != nil {
		return nil, fmt.Errorf("the doctor's real batch: %w", err)
	}
	p.embed = pixels(shape)
	if fm, err := featnet.FashionMNIST(); err == nil && fm.Shape == shape {
		e, err := featnet.NewEmbedder(b, fm, n)
		if err != nil {
			return nil, err
		}
		p.embed = func(x []float32) ([]float64, int, error) {
			f, _, err := e.Run(x)
			return f, featnet.Width, err
		}
	}
	if p.real, _, err = p.embed(realBatch); err != nil {
		return nil, err
	}
	if err := p.prepareHeldOut(b, ctx, cfg, sh.Data); err != nil {
		return nil, err
	}
	return p, nil
}

func containsSymptoms(off []string, all ...run.Symptom) bool {
	n := 0
	for _, s := range all {
		for _, o := range off {
			if o == string(s) {
				n++
			}
		}
	}
	return n == len(all)
}

// prepareHeldOut compiles D for the held-out measure when the data have held-out
// images and D can be called without side effects (no spectral norm) on its own
// (unconditional: a conditional D would need the held-out images' classes).
func (p *probes) prepareHeldOut(b backends.Backend, ctx *context.Context, cfg config.Config, train data.Dataset) error {
	// D takes whole packs, and whole minibatch-stddev groups of them.
	unit := max(1, cfg.Model.PackDegree())
	if cfg.Model.MBStd {
		unit *= max(1, cfg.Model.MBStdGroup)
	}
	n := cfg.Doctor.HeldOut - cfg.Doctor.HeldOut%unit
	// With data.skip_bad_images the images training skips move its data past
	// data.limit, into what would be held out, and a held-out image may itself be
	// bad: there is no held-out measure then.
	if n <= 0 || cfg.Model.SpectralNorm || cfg.Model.Conditional() || cfg.Data.SkipBadImages {
		return nil
	}
	held, err := run.OpenHeldOut(cfg, n)
	if err != nil || held == nil {
		return err
	}
	if held.Shape() != train.Shape() || train.Len() < n {
		return nil
	}
	if p.held, err = firstImages(held, n); err != nil {
		return fmt.Errorf("held-out images %s: %w", held.Name(), err)
	}
	if p.train, err = someImages(train, n, cfg.Train.Seed); err != nil {
		return err
	}
	p.dims = append([]int{n}, train.Shape().Dims()...)
	shape := train.Shape()
	p.d, err = context.NewExec(b, ctx, func(ctx *context.Context, x *Node) *Node {
		return ReduceAllMean(Sign(nets.ConditionalDiscriminator(ctx, cfg.Model, shape, x, nil).Logits))
	})
	return err
}

// measure adds the probes' signals to m when step is due.
func (p *probes) measure(m *Metrics, step int) error {
	if step%p.every != 0 {
		return nil
	}
	x, err := p.gen.Run(p.z)
	if err != nil {
		return fmt.Errorf("doctor: G on its fixed latents: %w", err)
	}
	if !allFinite(x) {
		return &nonFiniteSignal{"G's samples of the doctor's fixed latents"}
	}
	w, err := trainableWeights(p.ctx)
	if err != nil {
		return fmt.Errorf("doctor: reading the weights: %w", err)
	}
	if p.prev != nil && len(p.prev) == len(w) {
		m.Set(doctor.SignalMoved, relativeChange(w, p.prev))
	}
	p.prev = w
	if p.toy != nil {
		cov := metrics.CoverModes(toFloat64(x), p.toy.Modes, p.toy.Std)
		m.Set(doctor.SignalModes, float64(cov.Modes)/float64(len(p.toy.Modes)))
		return nil
	}
	fake, d, err := p.embed(x)
	if err != nil {
		return err
	}
	if real := meanDistance(p.real, d); real > 0 {
		m.Set(doctor.SignalDiversity, meanDistance(fake, d)/real)
	}
	if p.d == nil {
		return nil
	}
	rTrain, err := p.rt(p.train)
	if err != nil {
		return err
	}
	rHeld, err := p.rt(p.held)
	if err != nil {
		return err
	}
	m.Set(doctor.SignalRTrain, rTrain)
	m.Set(doctor.SignalHeldOutGap, rTrain-rHeld)
	return nil
}

// rt is E[sign(D(x))] over the batch x.
func (p *probes) rt(x []float32) (float64, error) {
	out, err := p.d.Exec(tensors.FromFlatDataAndDimensions(x, p.dims...))
	if err != nil {
		return 0, fmt.Errorf("doctor: D on its fixed batches: %w", err)
	}
	v := scalar(out[0])
	out[0].FinalizeAll()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, &nonFiniteSignal{"D's outputs on the doctor's fixed batches"}
	}
	return v, nil
}

// streamDoctorPick draws which training images the doctor compares against.
const streamDoctorPick = 1 << 46

// someImages reads n examples of d chosen at random (by seed; the same every time),
// flat: a folder sorted by class would make its first ones one class.
func someImages(d data.Dataset, n int, seed int64) ([]float32, error) {
	if n > d.Len() {
		return nil, fmt.Errorf("%s holds %d examples, %d wanted", d.Name(), d.Len(), n)
	}
	idx := rand.New(rand.NewPCG(uint64(seed), streamDoctorPick)).Perm(d.Len())[:n]
	per := d.Shape().Len()
	out := make([]float32, n*per)
	for i, k := range idx {
		if err := d.Read(k, out[i*per:(i+1)*per]); err != nil {
			return nil, fmt.Errorf("%s: example %d: %w", d.Name(), k, err)
		}
	}
	return out, nil
}

// firstImages reads examples 0..n-1 of d, flat (n at most d.Len()).
func firstImages(d data.Dataset, n int) ([]float32, error) {
	if n > d.Len() {
		return nil, fmt.Errorf("%s holds %d examples, %d wanted", d.Name(), d.Len(), n)
	}
	per := d.Shape().Len()
	out := make([]float32, n*per)
	for i := range n {
		if err := d.Read(i, out[i*per:(i+1)*per]); err != nil {
			return nil, fmt.Errorf("%s: example %d: %w", d.Name(), i, err)
		}
	}
	return out, nil
}

// pixels embeds images as their pixel values.
func pixels(shape data.Shape) func(x []float32) ([]float64, int, error) {
	return func(x []float32) ([]float64, int, error) { return toFloat64(x), shape.Len(), nil }
}

func toFloat64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// meanDistance is the mean Euclidean distance between the rows (width d) of f, over
// all pairs.
func meanDistance(f []float64, d int) float64 {
	n := len(f) / d
	sum, pairs := 0.0, 0
	for i := range n {
		a := f[i*d : (i+1)*d]
		for j := i + 1; j < n; j++ {
			b := f[j*d : (j+1)*d]
			s := 0.0
			for k := range a {
				s += (a[k] - b[k]) * (a[k] - b[k])
			}
			sum += math.Sqrt(s)
			pairs++
		}
	}
	if pairs == 0 {
		return 0
	}
	return sum / float64(pairs)
}

// trainableWeights are the float32 values of the trainable variables of G and D, in
// the order of their names: what the optimizers move (BatchNorm's running statistics,
// which training updates whatever the learning rate, are not trainable).
func trainableWeights(ctx *context.Context) ([]float32, error) {
	var vars []*context.Variable
	for v := range ctx.IterVariables() {
		if v.Trainable && (inScope(v, "/g") || inScope(v, "/d")) {
			vars = append(vars, v)
		}
	}
	slices.SortFunc(vars, func(a, b *context.Variable) int { return strings.Compare(a.ScopeAndName(), b.ScopeAndName()) })
	var out []float32
	for _, v := range vars {
		t, err := v.Value()
		if err != nil {
			return nil, err
		}
		if err := t.ConstFlatData(func(flat any) {
			if xs, ok := flat.([]float32); ok {
				out = append(out, xs...)
			}
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// relativeChange is ||x - prev|| / ||prev||: 0 exactly when nothing moved.
func relativeChange(x, prev []float32) float64 {
	var d, n float64
	for i, v := range x {
		e := float64(v) - float64(prev[i])
		d += e * e
		n += float64(prev[i]) * float64(prev[i])
	}
	return math.Sqrt(d / math.Max(n, 1e-300))
}
