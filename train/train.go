package train

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/doctor"
	"github.com/gankit/gankit/internal/sysmem"
	"github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/schollz/progressbar/v3"
)

// Latent streams: each use of randomness draws from its own PCG stream of the run seed.
const (
	streamTrainLatents = 1 << 40 // + step
	streamSampleGrid   = 1 << 41
)

// Metrics is one line of the run's metrics.jsonl (run.Metrics).
type Metrics = run.Metrics

// Options are the parts of a run that are not in its config.
type Options struct {
	RunDir string
	// Resume continues the run in RunDir from its latest checkpoint up to cfg.Train.Steps.
	Resume bool
	// AllowChange lets a resume change keys of the training rule (run.KindOf); they are
	// recorded in the run's changes.jsonl.
	AllowChange bool
	// Stop, when it closes, ends the run after the current step with a checkpoint
	// (Result.Stopped): how a signal stops training cleanly.
	Stop <-chan struct{}
	// Progress receives a progress bar (a terminal); nil prints plain progress lines to Log.
	Progress io.Writer
	// Log receives messages (backend, where files went); nil discards them.
	Log io.Writer
	// Backend, when set, is used instead of the one cfg names (tests share one).
	Backend backends.Backend

	// cause is recorded with a resume's config changes: a rollback's.
	cause string
	// poison, when > 0, sets a weight of G to NaN after that step (the tests' way to
	// make a run diverge; see poisonG). A rollback clears it: one step is poisoned.
	poison int
}

// Result says what a run left behind.
type Result struct {
	RunDir      string
	Backend     string
	StartStep   int
	Steps       int
	Checkpoint  string
	Samples     string  // the newest sample grid this invocation wrote ("" when none could be)
	Stopped     bool    // Stop closed: the run ended early, at Steps, with a checkpoint there
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
	Doctor      time.Duration // the training doctor: its measures and detectors
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
	return fmt.Sprintf("first iteration (compiles) %s, other iterations %s (waiting for data %s), logging %s, doctor %s, sample grids %s, checkpoints %s",
		r(t.First), r(t.Steps), r(t.DataWait), r(t.Logging), r(t.Doctor), r(t.Samples), r(t.Checkpoints))
}

// Run trains cfg into opt.RunDir (or continues it, with opt.Resume). The run
// directory is locked for the whole run and written through package run. Everything
// that can refuse a new run is checked before its directory is made (prepare), and a
// resume's checks before anything is written, so a refused run leaves the directory as
// it was; a new run that fails later, before it records anything (at step 1: a step
// that cannot be built or run), takes back what its start wrote (run.Writer.Discard),
// so that --out is free for the fixed command.
//
// A divergence under train.on_divergence rollback ends a pass with a *rollback; Run
// then resumes the run from the checkpoint rolled back to, with the lowered learning
// rates, as `gankit train --resume --allow-change` would (the change is recorded in
// changes.jsonl), so that a later resume reproduces it.
func Run(cfg config.Config, opt Options) (*Result, error) {
	for {
		res, err := runPass(cfg, opt)
		rb, ok := isRollback(err)
		if !ok {
			return res, err
		}
		cfg = rb.cfg
		opt.Resume, opt.AllowChange, opt.poison = true, true, 0
		opt.cause = fmt.Sprintf("rollback: divergence at step %d (%s)", rb.diag.Step, rb.diag.Seen)
	}
}

// runPass is one pass of Run: a new run or a resume, up to the end or a rollback.
func runPass(cfg config.Config, opt Options) (res *Result, err error) {
	logw := opt.Log
	if logw == nil {
		logw = io.Discard
	}
	var w *run.Writer
	var ck *run.Checkpoint
	defer func() {
		if w == nil {
			return
		}
		if _, rb := isRollback(err); err != nil && !opt.Resume && !rb {
			if derr := w.Discard(); derr != nil {
				err = fmt.Errorf("%w (and removing what the failed start wrote: %v)", err, derr)
			}
		}
		if cerr := w.Close(); err == nil && cerr != nil {
			res, err = nil, cerr
		}
	}()
	// A conditional run's classes are part of its config, and come from the data.
	var opened data.Source // the source resolveClasses opened, for prepare to reuse
	if cfg, opened, err = resolveClasses(cfg); err != nil {
		return nil, err
	}
	// A resume's own checks come first: they name what its --set may not change.
	if opt.Resume {
		if w, ck, err = openRunDir(cfg, opt, logw); err != nil {
			return nil, err
		}
	}
	src, b, dataNote, err := prepare(cfg, opt, opened)
	if err != nil {
		return nil, err
	}
	if !opt.Resume {
		if w, ck, err = openRunDir(cfg, opt, logw); err != nil {
			return nil, err
		}
	}
	// The first line of every run: the backend, with the cpu backend's kernel set and BLAS.
	fmt.Fprintf(logw, "backend: %s\n", backend.Describe(b))
	for _, w := range cfg.Warnings() {
		fmt.Fprintf(logw, "warning: %s\n", w)
	}
	fmt.Fprintf(logw, "data: %s, %v\n", src.Name(), src.Shape())
	if dataNote != "" {
		fmt.Fprintf(logw, "data: %s\n", dataNote)
	}

	ctx := run.NewContext(cfg)
	if ck != nil {
		ck.Attach(ctx)
	}
	// The doctor's checks (doctor.off, the proxy FID's data, the held-out images) come
	// before Start too: a run they refuse is left as it was.
	gen, err := sample.NewGenerator(b, run.SamplingContext(ctx, cfg), cfg.Model, src.Shape())
	if err != nil {
		return nil, err
	}
	doc, err := prepareDoctor(b, ctx, cfg, src, gen, opt.RunDir)
	if err != nil {
		return nil, err
	}
	if err := w.Start(); err != nil {
		return nil, err
	}
	return loop(cfg, opt, w, ctx, src, b, logw, gen, doc)
}

// prepare checks everything about cfg that would otherwise fail at step 1, before
// the run directory is made: the config against the data's shape, the memory it
// needs, every image of a folder (decoded now, so a bad one stops nothing mid-run),
// the batch against the data left, and the backend. It returns the training source,
// the backend, and what the data check has to say (images skipped).
func prepare(cfg config.Config, opt Options, src data.Source) (data.Source, backends.Backend, string, error) {
	var err error
	if src == nil {
		if src, err = run.OpenSource(cfg); err != nil {
			return nil, nil, "", err
		}
	}
	shape := src.Shape()
	if err := cfg.Validate(shape); err != nil {
		return nil, nil, "", err
	}
	if err := cfg.CheckMemory(shape, sysmem.Available()); err != nil {
		return nil, nil, "", err
	}
	note, err := data.CheckSource(src)
	if err != nil {
		return nil, nil, "", err
	}
	if err := checkBatch(src, cfg.Train.Batch, note); err != nil {
		return nil, nil, "", err
	}
	b := opt.Backend
	if b == nil {
		if b, err = backend.New(backend.Resolve(cfg.Backend)); err != nil {
			return nil, nil, "", err
		}
	}
	return src, b, note, nil
}

// resolveClasses sets model.classes from the training data's class names when
// data.labels is on (config.ResolveClasses), reading the data's labels. It returns
// the source it opened (nil when it opened none), so that the data are opened once.
func resolveClasses(cfg config.Config) (config.Config, data.Source, error) {
	if !cfg.Data.Labels || cfg.IsToy() {
		return cfg, nil, nil
	}
	src, err := run.OpenSource(cfg)
	if err != nil {
		return cfg, nil, err
	}
	sh, ok := src.(*data.Shuffled)
	if !ok {
		return cfg, nil, fmt.Errorf("data.labels: %s has no labels", src.Name())
	}
	names, err := data.ClassNames(sh.Data)
	if err != nil {
		return cfg, nil, fmt.Errorf("data.labels: %w", err)
	}
	cfg, err = cfg.ResolveClasses(names, sh.Name())
	return cfg, src, err
}

// checkBatch refuses a batch larger than a dataset: a shuffled source draws each batch
// whole from one epoch and drops the epoch's incomplete rest (data.Shuffled), so the
// first step would find no batch at all. A toy source draws without end.
func checkBatch(src data.Source, batch int, note string) error {
	sh, ok := src.(*data.Shuffled)
	if !ok || sh.Data.Len() >= batch {
		return nil
	}
	n := sh.Data.Len()
	if note != "" {
		note = " once it " + strings.SplitN(note, ":", 2)[0]
	}
	return fmt.Errorf("train.batch %d: %s holds %d examples%s, fewer than one batch; set train.batch (--batch) to at most %d, or train on more data",
		batch, sh.Name(), n, note, n)
}

// openRunDir locks and checks the run directory: a new run, or the run to resume and
// its checkpoint (nil when it stopped before its first).
func openRunDir(cfg config.Config, opt Options, logw io.Writer) (*run.Writer, *run.Checkpoint, error) {
	o := run.Options{Log: logw, AllowChange: opt.AllowChange, Cause: opt.cause}
	if !opt.Resume {
		w, err := run.Create(opt.RunDir, cfg, o)
		return w, nil, err
	}
	w, ck, err := run.Resume(opt.RunDir, cfg, o)
	if err != nil {
		return nil, nil, err
	}
	if ck != nil {
		fmt.Fprintf(logw, "resuming from %s (step %d)\n", ck.Path, ck.Step)
	} else {
		fmt.Fprintf(logw, "%s stopped before its first checkpoint: training from step 0 with its %s\n", opt.RunDir, run.ConfigFile)
	}
	for _, c := range w.Changes() {
		fmt.Fprintf(logw, "config change (%s): %s\n", c.Kind, c)
	}
	return w, ck, nil
}

// loop runs the training iterations from the writer's start step.
func loop(cfg config.Config, opt Options, w *run.Writer, ctx *context.Context, src data.Source, b backends.Backend, logw io.Writer,
	gen *sample.Generator, doc *runDoctor) (*Result, error) {
	start := w.StartStep()
	step, err := newStepper(b, ctx, cfg, src.Shape())
	if err != nil {
		return nil, err
	}
	res := &Result{RunDir: opt.RunDir, Backend: b.Name(), StartStep: start, Steps: cfg.Train.Steps}
	if err := doc.replay(opt.RunDir, start); err != nil {
		return nil, err
	}
	l := &trainLoop{cfg: cfg, opt: opt, w: w, ctx: ctx, src: src, gen: gen, res: res, log: logw, doc: doc,
		bar: newProgress(opt.Progress, logw, start, cfg.Train.Steps)}
	prefetch := prefetcher(src, cfg.Train.Batch, cfg.Model.Conditional())
	lastBatch := cfg.Train.Steps*step.batchesPerIteration() - 1
	tm := &res.Timing
	fetch := func(k int) (realBatch, error) {
		t := time.Now()
		defer func() { tm.DataWait += time.Since(t) }()
		return prefetch(k, k < lastBatch)
	}
	latents := func(k int) []float32 {
		return sample.Latents(cfg.Train.Seed, streamTrainLatents+uint64(k), cfg.Train.Batch, cfg.Model.ZDim)
	}
	t0 := time.Now()
	l.tLog, l.sLog, l.ts = t0, start, t0
	for i := start; i < cfg.Train.Steps; i++ {
		stats, err := step.run(i, fetch, latents)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i+1, err)
		}
		if i == start {
			l.lap(&tm.First)
		} else {
			l.lap(&tm.Steps)
		}
		if dv := l.nonFinite(i+1, stats); dv != nil {
			return nil, l.onDivergence(dv)
		}
		if i+1 == opt.poison {
			if err := poisonG(ctx); err != nil {
				return nil, err
			}
		}
		m := Metrics{Step: i + 1}
		for name, v := range stats {
			m.Set(name, v)
		}
		stop, err := l.afterStep(i, m)
		var dv *diverged
		if errors.As(err, &dv) {
			return nil, l.onDivergence(dv)
		}
		if err != nil {
			return nil, err
		}
		if stop {
			res.Stopped, res.Steps = true, i+1
			break
		}
	}
	l.bar.finish()
	res.SecPerStep = time.Since(t0).Seconds() / float64(max(1, res.Steps-start))
	return res, nil
}

// trainLoop is what loop's iterations share: where they write, the result they
// fill in, and the clocks of the last log line and of the last lap.
type trainLoop struct {
	cfg  config.Config
	opt  Options
	w    *run.Writer
	ctx  *context.Context
	src  data.Source
	gen  *sample.Generator
	res  *Result
	log  io.Writer
	bar  *progress
	doc  *runDoctor
	tLog time.Time // when the last metrics were logged, at step sLog
	sLog int
	ts   time.Time // the end of the last lap
}

// lap adds the time since the last lap to d; each iteration's laps cover it whole.
func (l *trainLoop) lap(d *time.Duration) {
	now := time.Now()
	*d += now.Sub(l.ts)
	l.ts = now
}

// afterStep does iteration i's periodic work once its step ran: the metrics line,
// the sample grid and the checkpoint when each is due (all three after the last
// step, and a checkpoint when opt.Stop is closed, which ends the run: stop). A
// checkpoint or metrics line that cannot be written ends the run with a *StateError;
// a sample grid is skipped (writeGrid).
func (l *trainLoop) afterStep(i int, m Metrics) (stop bool, err error) {
	cfg, res, tm := l.cfg, l.res, &l.res.Timing
	done := i+1 == cfg.Train.Steps
	if (i+1)%cfg.Train.LogEvery == 0 || done || l.doc.due(i+1) {
		now := time.Now()
		m.SecPerStep = now.Sub(l.tLog).Seconds() / float64(i+1-l.sLog)
		l.tLog, l.sLog = now, i+1
		l.lap(&tm.Logging)
		if dv := l.doc.measure(&m, i+1, tm.DataWait, l.log); dv != nil {
			return false, dv
		}
		l.lap(&tm.Doctor)
		if err := l.w.LogMetrics(m); err != nil {
			return false, l.stateError(i+1, err)
		}
		res.LastMetrics = m
		l.bar.describe(m)
		l.lap(&tm.Logging)
		if err := l.observe(m); err != nil {
			return false, err
		}
		l.lap(&tm.Doctor)
	}
	l.lap(&tm.Logging)
	if every(i+1, cfg.Train.SampleEvery) || done {
		if err := l.writeGrid(i + 1); err != nil {
			return false, err
		}
	}
	l.lap(&tm.Samples)
	stop = stopped(l.opt.Stop) && !done
	if every(i+1, cfg.Train.CheckpointEvery) || done || stop || l.doc.bestDue(i+1) {
		if res.Checkpoint, err = l.w.SaveCheckpoint(l.ctx, i+1, cfg.Train.KeepCheckpoints); err != nil {
			if nf := (*run.NonFiniteError)(nil); errors.As(err, &nf) {
				return false, &diverged{diag: doctor.NonFinite(i+1, err, l.doc.set)}
			}
			return false, l.stateError(i+1, err)
		}
		if err := l.keepBest(i + 1); err != nil {
			return false, err
		}
	}
	l.lap(&tm.Checkpoints)
	l.bar.add()
	l.lap(&tm.Logging)
	return stop, nil
}

// writeGrid draws step's sample grid and writes it. The grid is not the training
// state: one that cannot be written (a full disk, a samples/ that is not a folder) is
// reported on the log, once, and skipped, and training goes on; Result.Samples keeps
// the newest grid written. Only a failure to draw it, which is the generator's, is
// returned.
func (l *trainLoop) writeGrid(step int) error {
	x, err := drawSamples(l.gen, l.cfg)
	if err != nil {
		return fmt.Errorf("step %d: drawing the sample grid: %w", step, err)
	}
	path := run.SamplePath(l.opt.RunDir, step)
	if err := sample.WriteSamples(path, x, l.src); err != nil {
		fmt.Fprintf(l.log, "warning: step %d: sample grid %s not written (skipped; training goes on): %v\n", step, path, err)
		return nil
	}
	l.res.Samples = path
	return nil
}

// stateError is the run stopped at step because err kept its state from being written.
func (l *trainLoop) stateError(step int, err error) error {
	kept, _ := run.LastCheckpointStep(l.opt.RunDir)
	return &StateError{RunDir: l.opt.RunDir, Step: step, Kept: kept, Err: err}
}

// StateError is a write of the training state that failed: a checkpoint, or
// metrics.jsonl (which a resume cuts back to its checkpoint). The run stopped at Step,
// losing the steps after Kept, its newest checkpoint on disk (0: it has none), from
// which a resume takes it up.
type StateError struct {
	RunDir     string
	Step, Kept int
	Err        error
}

func (e *StateError) Error() string {
	kept := "it has no checkpoint yet: a resume starts it from step 0"
	if e.Kept > 0 {
		kept = fmt.Sprintf("the last checkpoint, step %d, is kept: %s", e.Kept, run.CheckpointPath(e.RunDir, e.Kept))
	}
	return fmt.Sprintf("step %d: %v; the run stopped there, and %s", e.Step, e.Err, kept)
}

func (e *StateError) Unwrap() error { return e.Err }

// stopped says whether stop has closed (never, for a nil channel).
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// lastCheckpointNote says where a diverged run can be taken up again.
func lastCheckpointNote(runDir string) string {
	if step, ok := run.LastCheckpointStep(runDir); ok {
		return fmt.Sprintf("the last checkpoint, step %d, is kept: %s", step, run.CheckpointPath(runDir, step))
	}
	return "it diverged before its first checkpoint, so none was written"
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

// realBatch is one batch of real examples, and their classes when the GAN is conditional.
type realBatch struct {
	x []float32
	y []int32 // nil: unconditional
}

// prefetcher reads batch i+1 in the background while step i runs, with its classes
// when classes is set (the source is then a data.LabelledSource, as every shuffled dataset is).
func prefetcher(src data.Source, n int, classes bool) func(i int, more bool) (realBatch, error) {
	type result struct {
		b   realBatch
		err error
	}
	size := n * src.Shape().Len()
	read := func(i int) result {
		b := realBatch{x: make([]float32, size)}
		if err := src.Batch(i, n, b.x); err != nil {
			return result{b, err}
		}
		if classes {
			b.y = make([]int32, n)
			return result{b, src.(data.LabelledSource).BatchLabels(i, n, b.y)}
		}
		return result{b, nil}
	}
	var next chan result
	nextStep := -1
	return func(i int, more bool) (realBatch, error) {
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
		return r.b, r.err
	}
}

// drawSamples draws the run's fixed sample latents through G (inference mode): what
// sample.WriteSamples writes as an image grid, or a scatter over a toy's modes.
func drawSamples(gen *sample.Generator, cfg config.Config) ([]float32, error) {
	z := sample.Latents(cfg.Train.Seed, streamSampleGrid, cfg.Train.SampleCount, cfg.Model.ZDim)
	return gen.Run(z)
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
