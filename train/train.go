package train

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/fsutil"
	"github.com/gankit/gankit/internal/sysmem"
	"github.com/gankit/gankit/nets"
	"github.com/gankit/gankit/sample"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/schollz/progressbar/v3"
)

// Files in a run directory.
const (
	ConfigFile  = "config.yaml"
	MetricsFile = "metrics.jsonl"
	SamplesDir  = "samples"
)

// Latent streams: each use of randomness draws from its own PCG stream of the run seed.
const (
	streamTrainLatents = 1 << 40 // + step
	streamSampleGrid   = 1 << 41
)

// Options are the parts of a run that are not in its config.
type Options struct {
	RunDir string
	// Resume continues the run in RunDir from its latest checkpoint up to cfg.Train.Steps.
	Resume bool
	// Progress receives a progress bar (a terminal); nil prints plain progress lines to Log.
	Progress io.Writer
	// Log receives messages (backend, where files went); nil discards them.
	Log io.Writer
	// Backend, when set, is used instead of the one cfg names (tests share one).
	Backend backends.Backend
}

// Result says what a run left behind.
type Result struct {
	RunDir      string
	Backend     string
	StartStep   int
	Steps       int
	Checkpoint  string
	Samples     string
	SecPerStep  float64 // mean wall time per iteration over this invocation, everything included
	LastMetrics Metrics
	Timing      Timing
}

// Timing splits a run's training loop by where its wall time went.
type Timing struct {
	First       time.Duration // the first iteration: it compiles the step's graphs
	Steps       time.Duration // the other iterations, their waits for data included
	DataWait    time.Duration // of all iterations: waiting for a batch (reading runs ahead)
	Logging     time.Duration // reading each step's scalars, metrics.jsonl, the progress bar
	Samples     time.Duration // sample grids
	Checkpoints time.Duration
}

// StepSec is the mean time of an iteration after the first.
func (t Timing) StepSec(iters int) float64 {
	if iters < 2 {
		return t.First.Seconds()
	}
	return t.Steps.Seconds() / float64(iters-1)
}

func (t Timing) String() string {
	r := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	return fmt.Sprintf("first iteration (compiles) %s, other iterations %s (waiting for data %s), logging %s, sample grids %s, checkpoints %s",
		r(t.First), r(t.Steps), r(t.DataWait), r(t.Logging), r(t.Samples), r(t.Checkpoints))
}

// Metrics is one line of metrics.jsonl.
type Metrics struct {
	Step       int     `json:"step"`
	LossD      float64 `json:"loss_d"`
	LossG      float64 `json:"loss_g"`
	DReal      float64 `json:"d_real"`                // mean sigmoid(D(x)) on the real batch (raw mean D(x) for lsgan, wgan, hinge)
	DFake      float64 `json:"d_fake"`                // the same on the fake batch, before D's update
	DAccReal   float64 `json:"d_acc_real"`            // share of real samples D scores above 0 (ganhacks #10)
	DAccFake   float64 `json:"d_acc_fake"`            // share of fake samples D scores below 0
	GradNormD  float64 `json:"grad_norm_d"`           // L2 norm of D's gradient in its last step
	GradNormG  float64 `json:"grad_norm_g"`           // L2 norm of G's gradient
	Penalty    float64 `json:"penalty,omitempty"`     // gradient penalty and drift, included in loss_d
	NoiseSigma float64 `json:"noise_sigma,omitempty"` // instance-noise sigma at this step
	SecPerStep float64 `json:"sec_per_step"`
}

// OpenSource returns the training batches a config names.
func OpenSource(cfg config.Config) (data.Source, error) {
	if cfg.IsToy() {
		return data.NewToy(cfg.Data.Path, uint64(cfg.Train.Seed))
	}
	d, err := data.Open(cfg.Data.Path, data.Options{Split: cfg.Data.Split, Size: cfg.Data.Size, Channels: cfg.Data.Channels, Limit: cfg.Data.Limit,
		SkipBadImages: cfg.Data.SkipBadImages, MaxImagePixels: cfg.Data.MaxImagePixels})
	if err != nil {
		return nil, err
	}
	return data.NewShuffled(d, uint64(cfg.Train.Seed)), nil
}

// SamplingContext is the context whose "g" scope holds the generator to sample and
// evaluate: G_ema when the config keeps one, else G.
func SamplingContext(ctx *context.Context, cfg config.Config) *context.Context {
	if cfg.Train.EMA > 0 {
		return ctx.InAbsPath(EMAScope)
	}
	return ctx
}

// NewContext is an empty model context seeded for cfg.
func NewContext(cfg config.Config) *context.Context {
	ctx := context.New()
	ctx.SetParam(nets.ParamSeed, cfg.Train.Seed)
	return ctx
}

// Run trains cfg into opt.RunDir (or continues it, with opt.Resume).
func Run(cfg config.Config, opt Options) (*Result, error) {
	logw := opt.Log
	if logw == nil {
		logw = io.Discard
	}
	src, err := OpenSource(cfg)
	if err != nil {
		return nil, err
	}
	shape := src.Shape()
	if err := cfg.Validate(shape); err != nil {
		return nil, err
	}
	if err := cfg.CheckMemory(shape, sysmem.Available()); err != nil {
		return nil, err
	}
	// Every image of a folder is decoded now, so a bad one stops nothing mid-run.
	dataNote, err := data.CheckSource(src)
	if err != nil {
		return nil, err
	}
	b := opt.Backend
	if b == nil {
		if b, err = backend.New(backend.Resolve(cfg.Backend)); err != nil {
			return nil, err
		}
	}
	// The first line of every run: the backend, with the cpu backend's kernel set and BLAS.
	fmt.Fprintf(logw, "backend: %s\n", backend.Describe(b))
	for _, w := range cfg.Warnings() {
		fmt.Fprintf(logw, "warning: %s\n", w)
	}
	fmt.Fprintf(logw, "data: %s, %v\n", src.Name(), shape)
	if dataNote != "" {
		fmt.Fprintf(logw, "data: %s\n", dataNote)
	}

	ctx := NewContext(cfg)
	start, err := prepareRunDir(cfg, opt, ctx)
	if err != nil {
		return nil, err
	}
	if start >= cfg.Train.Steps {
		return nil, fmt.Errorf("run %s is at step %d already; ask for more with --steps N (N > %d)", opt.RunDir, start, start)
	}

	step, err := newStepper(b, ctx, cfg, shape)
	if err != nil {
		return nil, err
	}
	gen, err := sample.NewGenerator(b, SamplingContext(ctx, cfg), cfg.Model, shape)
	if err != nil {
		return nil, err
	}
	mf, err := os.OpenFile(filepath.Join(opt.RunDir, MetricsFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	defer mf.Close()
	mw := bufio.NewWriter(mf)
	defer mw.Flush()

	res := &Result{RunDir: opt.RunDir, Backend: b.Name(), StartStep: start, Steps: cfg.Train.Steps}
	bar := newProgress(opt.Progress, logw, start, cfg.Train.Steps)
	prefetch := prefetcher(src, cfg.Train.Batch)
	lastBatch := cfg.Train.Steps*cfg.Train.NCritic - 1
	tm := &res.Timing
	fetch := func(k int) ([]float32, error) {
		t := time.Now()
		defer func() { tm.DataWait += time.Since(t) }()
		return prefetch(k, k < lastBatch)
	}
	latents := func(k int) []float32 {
		return sample.Latents(cfg.Train.Seed, streamTrainLatents+uint64(k), cfg.Train.Batch, cfg.Model.ZDim)
	}
	t0 := time.Now()
	tLog, sLog := t0, start
	// lap adds the time since the last lap to d; each iteration's laps cover it whole.
	ts := t0
	lap := func(d *time.Duration) {
		now := time.Now()
		*d += now.Sub(ts)
		ts = now
	}
	for i := start; i < cfg.Train.Steps; i++ {
		out, err := step.run(i, fetch, latents)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i+1, err)
		}
		if i == start {
			lap(&tm.First)
		} else {
			lap(&tm.Steps)
		}
		m := Metrics{Step: i + 1, LossD: scalar(out[outLossD]), LossG: scalar(out[outLossG]),
			DReal: scalar(out[outDReal]), DFake: scalar(out[outDFake]),
			DAccReal: scalar(out[outAccReal]), DAccFake: scalar(out[outAccFake]),
			GradNormD: scalar(out[outGradNormD]), GradNormG: scalar(out[outGradNormG]),
			Penalty: scalar(out[outPenalty]), NoiseSigma: step.noise.Sigma(i)}
		if math.IsNaN(m.LossD) || math.IsNaN(m.LossG) || math.IsInf(m.LossD, 0) || math.IsInf(m.LossG, 0) {
			return nil, fmt.Errorf("step %d: training diverged (loss_d %g, loss_g %g); the last good checkpoint is kept in %s",
				i+1, m.LossD, m.LossG, filepath.Join(opt.RunDir, CheckpointDir))
		}
		done := i+1 == cfg.Train.Steps
		if (i+1)%cfg.Train.LogEvery == 0 || done {
			now := time.Now()
			m.SecPerStep = now.Sub(tLog).Seconds() / float64(i+1-sLog)
			tLog, sLog = now, i+1
			if err := writeMetrics(mw, m); err != nil {
				return nil, err
			}
			res.LastMetrics = m
			bar.describe(m)
		}
		lap(&tm.Logging)
		if every(i+1, cfg.Train.SampleEvery) || done {
			if res.Samples, err = writeSamples(gen, cfg, src, opt.RunDir, i+1); err != nil {
				return nil, err
			}
		}
		lap(&tm.Samples)
		if every(i+1, cfg.Train.CheckpointEvery) || done {
			if err := mw.Flush(); err != nil {
				return nil, err
			}
			if res.Checkpoint, err = SaveCheckpoint(ctx, opt.RunDir, i+1, cfg.Train.KeepCheckpoints); err != nil {
				return nil, err
			}
		}
		lap(&tm.Checkpoints)
		bar.add()
		lap(&tm.Logging)
	}
	bar.finish()
	res.SecPerStep = time.Since(t0).Seconds() / float64(cfg.Train.Steps-start)
	return res, mw.Flush()
}

func every(step, n int) bool { return n > 0 && step%n == 0 }

func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	panic(fmt.Sprintf("scalar: unexpected %T", t.Value()))
}

func writeMetrics(w io.Writer, m Metrics) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// prefetcher reads batch i+1 in the background while step i runs.
func prefetcher(src data.Source, n int) func(i int, more bool) ([]float32, error) {
	type result struct {
		x   []float32
		err error
	}
	size := n * src.Shape().Len()
	read := func(i int) result {
		x := make([]float32, size)
		return result{x, src.Batch(i, n, x)}
	}
	var next chan result
	nextStep := -1
	return func(i int, more bool) ([]float32, error) {
		var r result
		if next != nil && nextStep == i {
			r = <-next
		} else {
			r = read(i)
		}
		next = nil
		if more && r.err == nil {
			next, nextStep = make(chan result, 1), i+1
			go func(c chan result) { c <- read(i + 1) }(next)
		}
		return r.x, r.err
	}
}

// prepareRunDir creates a fresh run directory or, when resuming, loads its latest
// checkpoint into ctx and drops metrics logged after it. It returns the first step.
func prepareRunDir(cfg config.Config, opt Options, ctx *context.Context) (int, error) {
	dir := opt.RunDir
	if dir == "" {
		return 0, errors.New("no run directory given (--out DIR)")
	}
	if opt.Resume {
		ck, err := LatestCheckpoint(dir)
		if err != nil {
			return 0, err
		}
		ck.Attach(ctx)
		if err := truncateMetrics(filepath.Join(dir, MetricsFile), ck.Step); err != nil {
			return 0, err
		}
		y, err := cfg.YAML()
		if err != nil {
			return 0, err
		}
		// The config may have grown (--steps): keep config.yaml in step with the run.
		return ck.Step, fsutil.WriteFileAtomic(filepath.Join(dir, ConfigFile), y)
	}
	if names, _ := listCheckpoints(filepath.Join(dir, CheckpointDir)); len(names) > 0 {
		return 0, fmt.Errorf("%s already holds a trained run; continue it with --resume %s, or choose another --out", dir, dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, SamplesDir), 0o755); err != nil {
		return 0, err
	}
	_ = os.Remove(filepath.Join(dir, MetricsFile))
	y, err := cfg.YAML()
	if err != nil {
		return 0, err
	}
	return 0, fsutil.WriteFileAtomic(filepath.Join(dir, ConfigFile), y)
}

// truncateMetrics keeps the metrics lines up to step, so a resumed run repeats none.
func truncateMetrics(path string, step int) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var keep strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var m Metrics
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			break // a line torn by a crash ends the usable log
		}
		if m.Step > step {
			break
		}
		keep.WriteString(line + "\n")
	}
	return fsutil.WriteFileAtomic(path, []byte(keep.String()))
}

// writeSamples draws the run's fixed sample latents through G (inference mode) and
// writes samples/step-NNNNNN.png: an image grid, or a scatter over a toy's modes.
func writeSamples(gen *sample.Generator, cfg config.Config, src data.Source, runDir string, step int) (string, error) {
	z := sample.Latents(cfg.Train.Seed, streamSampleGrid, cfg.Train.SampleCount, cfg.Model.ZDim)
	x, err := gen.Run(z)
	if err != nil {
		return "", err
	}
	path := filepath.Join(runDir, SamplesDir, fmt.Sprintf("step-%06d.png", step))
	return path, WriteSamplesPNG(path, x, src)
}

// WriteSamplesPNG writes generated samples (flat) as a picture: an image grid, or for
// a toy mixture a scatter over its modes.
func WriteSamplesPNG(path string, x []float32, src data.Source) error {
	if toy, ok := src.(*data.Toy); ok {
		return sample.WritePNG(path, sample.Scatter(x, toy.Modes, ToyExtent(toy), 512))
	}
	img, err := sample.Grid(x, src.Shape())
	if err != nil {
		return err
	}
	return sample.WritePNG(path, img)
}

// ToyExtent is the half-width of the square that frames a toy mixture's plots.
func ToyExtent(t *data.Toy) float64 {
	e := 0.0
	for _, m := range t.Modes {
		e = math.Max(e, math.Max(math.Abs(m[0]), math.Abs(m[1])))
	}
	return 1.5 * e
}

type progress struct {
	bar        *progressbar.ProgressBar
	log        io.Writer
	start, end int
	cur        int
	last       Metrics
	lastPrint  time.Time
}

func newProgress(w, log io.Writer, start, end int) *progress {
	p := &progress{log: log, start: start, end: end, cur: start, lastPrint: time.Now()}
	if w != nil {
		p.bar = progressbar.NewOptions(end,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("training"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("step"),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionFullWidth(),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
		_ = p.bar.Set(start)
	}
	return p
}

func (p *progress) describe(m Metrics) {
	p.last = m
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("loss_d %.3f loss_g %.3f D(x) %.2f D(G(z)) %.2f", m.LossD, m.LossG, m.DReal, m.DFake))
	}
}

func (p *progress) add() {
	p.cur++
	if p.bar != nil {
		_ = p.bar.Add(1)
		return
	}
	// Without a terminal: a line every 10 seconds and at the end.
	if time.Since(p.lastPrint) > 10*time.Second || p.cur == p.end {
		p.lastPrint = time.Now()
		m := p.last
		fmt.Fprintf(p.log, "step %d/%d  loss_d %.3f  loss_g %.3f  D(x) %.2f  D(G(z)) %.2f  %.3fs/step\n",
			p.cur, p.end, m.LossD, m.LossG, m.DReal, m.DFake, m.SecPerStep)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
