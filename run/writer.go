package run

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/internal/fsutil"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Options say how a run is opened for writing.
type Options struct {
	// Log receives what the reader should know: a lock taken over, a damaged
	// checkpoint passed over, damaged metrics lines, temporary files removed.
	Log io.Writer
	// AllowChange lets a resume change keys of the training rule (see KindOf); the
	// changes are recorded in changes.jsonl.
	AllowChange bool
	// Cause, when set, is recorded with each change in changes.jsonl: why the
	// changes were made ("rollback: divergence at step 412"), when not by a user.
	Cause string
}

// Writer is a run directory opened for writing: it holds the run's lock from Create or
// Resume until Close. Nothing in the directory changes until Start, so a run whose
// opening is refused (by Create, Resume, or the caller's own checks between) is left
// exactly as it was.
type Writer struct {
	dir     string
	cfg     config.Config
	log     io.Writer
	lock    *Lock
	made    bool // Create made the directory
	fresh   bool // opened by Create: a new run
	start   int
	changes []Change
	cause   string
	best    int // the step of best.json's checkpoint, which pruning keeps (0: none)
	metrics *metricsLog
	// absent are the paths of a new run that did not exist when Start began: what
	// Discard may remove, and nothing else.
	absent []string
	// verified remembers which checkpoints read back whole, so that pruning reads
	// each at most once.
	verified map[int]error
	// wrap, when set, wraps each checkpoint's file writer: the tests inject faults
	// (a full disk, a short write) through it.
	wrap func(io.Writer) io.Writer
}

func (o Options) log() io.Writer {
	if o.Log == nil {
		return io.Discard
	}
	return o.Log
}

// Create opens a new run in dir for cfg. dir may not exist yet, or be empty, or hold
// only what a creation stopped before it wrote config.yaml leaves; anything else is
// refused: a run (resume it) or a directory gankit did not make.
func Create(dir string, cfg config.Config, o Options) (*Writer, error) {
	if dir == "" {
		return nil, errors.New("no run directory given (--out DIR)")
	}
	made := false
	switch st, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating run %s: %w", dir, err)
		}
		made = true
	case err != nil:
		return nil, fmt.Errorf("creating run %s: %w", dir, err)
	case !st.IsDir():
		return nil, fmt.Errorf("--out %s exists and is not a directory", dir)
	}
	w := &Writer{dir: dir, cfg: cfg, log: o.log(), made: made, fresh: true, verified: map[int]error{}}
	lock, err := LockRun(dir)
	if err != nil {
		w.undo()
		return nil, err
	}
	w.lock = lock
	if err := checkNewRunDir(dir); err != nil {
		w.Close()
		return nil, err
	}
	w.noteTakeover()
	return w, nil
}

// checkNewRunDir refuses a directory that holds anything but the leftovers of a
// creation that stopped early: the lock file and gankit's own temporary files.
func checkNewRunDir(dir string) error {
	if IsRun(dir) {
		if _, err := config.Load(filepath.Join(dir, ConfigFile), config.Config{}); err != nil {
			return fmt.Errorf("--out %s is not empty and is not a gankit run (its %s is not a gankit config: %v); choose another --out", dir, ConfigFile, err)
		}
		what := ConfigFile
		if steps, _ := CheckpointSteps(dir); len(steps) > 0 {
			what = fmt.Sprintf("%s and checkpoints up to step %d", ConfigFile, steps[len(steps)-1])
		}
		return fmt.Errorf("%s already holds a gankit run (%s); continue it with gankit train --resume %s, or choose another --out", dir, what, dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("creating run %s: %w", dir, err)
	}
	var foreign []string
	for _, e := range entries {
		if e.Name() == LockFile || (e.Type().IsRegular() && ownTemp("", e.Name())) {
			continue
		}
		if e.IsDir() && (e.Name() == SamplesDir || e.Name() == CheckpointDir) && emptyDir(filepath.Join(dir, e.Name())) {
			continue
		}
		foreign = append(foreign, e.Name())
	}
	if len(foreign) > 0 {
		if len(foreign) > 5 {
			foreign = append(foreign[:5], fmt.Sprintf("and %d more", len(foreign)-5))
		}
		return fmt.Errorf("--out %s is not empty and is not a gankit run (it has no %s; it holds %s): gankit writes runs only into new or empty directories; choose another --out",
			dir, ConfigFile, strings.Join(foreign, ", "))
	}
	return nil
}

func emptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) == 0
}

// Resume opens the run in dir to continue it under cfg (its config.yaml with the
// caller's changes): it takes the lock, loads the newest checkpoint that reads back
// whole (nil when the run stopped before its first one, which resumes from step 0), and
// checks cfg against the config that checkpoint was trained with (see KindOf). Nothing
// is written before Start.
func Resume(dir string, cfg config.Config, o Options) (*Writer, *Checkpoint, error) {
	if _, err := ReadConfig(dir); err != nil {
		return nil, nil, fmt.Errorf("resuming: %w", err)
	}
	w := &Writer{dir: dir, cfg: cfg, log: o.log(), cause: o.Cause, verified: map[int]error{}}
	lock, err := LockRun(dir)
	if err != nil {
		return nil, nil, err
	}
	if b, ok, err := ReadBest(dir); err != nil {
		fmt.Fprintf(w.log, "warning: %v (no checkpoint is held back from pruning as the best)\n", err)
	} else if ok && b.Moved == "" {
		w.best = b.Step
	}
	w.lock = lock
	ck, err := w.resumePoint(cfg, o.AllowChange)
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	w.noteTakeover()
	return w, ck, nil
}

func (w *Writer) resumePoint(cfg config.Config, allow bool) (*Checkpoint, error) {
	ck, passed, err := latestGood(w.dir, w.log)
	if err != nil {
		return nil, err
	}
	maps.Copy(w.verified, passed) // reported already: pruning need not read them again
	var trained config.Config
	switch {
	case ck != nil && ck.Config != nil:
		trained = *ck.Config
	default:
		// No checkpoint yet, or one of format 1 that did not record its config.
		if trained, err = ReadConfig(w.dir); err != nil {
			return nil, err
		}
	}
	if ck != nil {
		w.start = ck.Step
		w.verified[ck.Step] = nil // it was just read back whole
	}
	if w.changes, err = Diff(trained, cfg); err != nil {
		return nil, err
	}
	if err := checkChanges(w.dir, w.start, w.changes, allow); err != nil {
		return nil, err
	}
	if w.start >= cfg.Train.Steps {
		return nil, fmt.Errorf("run %s is at step %d already; ask for more with --steps N (N > %d)", w.dir, w.start, w.start)
	}
	return ck, nil
}

func (w *Writer) noteTakeover() {
	if h := w.lock.TookOver; h != nil {
		fmt.Fprintf(w.log, "note: %s was left locked by %s, which is no longer running; taking it over\n", w.dir, h)
	}
}

// Start makes the run's files: it removes the temporary files interrupted writes left,
// records a resume's config changes, writes config.yaml, drops metrics lines logged
// after the resumed checkpoint, and opens metrics.jsonl for appending.
func (w *Writer) Start() error {
	w.noteAbsent(ConfigFile, MetricsFile, SamplesDir, CheckpointDir, DiagnosesFile, BestFile)
	removed, err := removeOwnTemps(w.dir)
	if err != nil {
		return fmt.Errorf("run %s: removing temporary files: %w", w.dir, err)
	}
	if len(removed) > 0 {
		fmt.Fprintf(w.log, "removed %d temporary file(s) an interrupted write left: %s\n", len(removed), strings.Join(removed, ", "))
	}
	if err := recordChanges(w.dir, w.start, w.changes, w.cause); err != nil {
		return fmt.Errorf("run %s: recording config changes: %w", w.dir, err)
	}
	y, err := w.cfg.YAML()
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(filepath.Join(w.dir, ConfigFile), y); err != nil {
		return fmt.Errorf("run %s: %w", w.dir, err)
	}
	metrics := filepath.Join(w.dir, MetricsFile)
	if w.made || w.start == 0 {
		// A new run, or one that never reached a checkpoint: no line is kept.
		if err := truncateMetrics(metrics, 0, w.log); err != nil {
			return err
		}
	} else if err := truncateMetrics(metrics, w.start, w.log); err != nil {
		return err
	}
	if err := truncateDiagnoses(w.dir, w.start); err != nil {
		return fmt.Errorf("run %s: %w", w.dir, err)
	}
	// A samples/ that cannot be made stops nothing: it is not the training state, and
	// each grid that cannot be written there is reported and skipped (package train).
	_ = os.MkdirAll(filepath.Join(w.dir, SamplesDir), 0o755)
	if w.metrics, err = openMetricsLog(metrics); err != nil {
		return fmt.Errorf("run %s: %w", w.dir, err)
	}
	return nil
}

// noteAbsent records, for a new run, which of names do not exist in its directory yet.
func (w *Writer) noteAbsent(names ...string) {
	if !w.fresh {
		return
	}
	for _, name := range names {
		path := filepath.Join(w.dir, name)
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			w.absent = append(w.absent, path)
		}
	}
}

// Discard takes back a new run that failed before it recorded anything — no metrics
// line, checkpoint or sample grid: it removes what Start made (config.yaml,
// metrics.jsonl, an empty samples/ that was not there before), and
// nothing else, so that Close leaves the directory as Create found it (and removes it
// when Create made it). A resumed run, or one that recorded something, is kept.
func (w *Writer) Discard() error {
	if !w.fresh || w.recorded() {
		return nil
	}
	if w.metrics != nil {
		if err := w.metrics.close(); err != nil {
			return err
		}
		w.metrics = nil
	}
	var errs []error
	for i := len(w.absent) - 1; i >= 0; i-- {
		// os.Remove leaves a folder that is not empty: what is in it was not Start's.
		if err := os.Remove(w.absent[i]); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	w.absent = nil
	return errors.Join(errs...)
}

// recorded says whether the run holds anything of its training: a metrics line (on
// disk or buffered), a checkpoint (or an attempt at one) or a sample grid.
func (w *Writer) recorded() bool {
	if w.metrics != nil && w.metrics.w.Buffered() > 0 {
		return true
	}
	if st, err := os.Stat(filepath.Join(w.dir, MetricsFile)); err == nil && st.Size() > 0 {
		return true
	}
	if steps, _ := CheckpointSteps(w.dir); len(steps) > 0 {
		return true
	}
	// A checkpoints/ made since Start is a checkpoint tried after a step that ran: a
	// run that stops at a checkpoint it cannot write is resumed, not taken back.
	ckDir := filepath.Join(w.dir, CheckpointDir)
	if _, err := os.Lstat(ckDir); err == nil && slices.Contains(w.absent, ckDir) {
		return true
	}
	entries, err := os.ReadDir(filepath.Join(w.dir, SamplesDir))
	return err == nil && len(entries) > 0
}

// Dir is the run directory.
func (w *Writer) Dir() string { return w.dir }

// StartStep is the step the run continues from (0 for a new run).
func (w *Writer) StartStep() int { return w.start }

// Changes are the config changes a resume accepted.
func (w *Writer) Changes() []Change { return w.changes }

// LogMetrics appends a line to metrics.jsonl (buffered until the next checkpoint or
// Close).
func (w *Writer) LogMetrics(m Metrics) error {
	if w.metrics == nil {
		return errors.New("run: LogMetrics before Start")
	}
	return w.metrics.add(m)
}

// SaveCheckpoint writes every variable of ctx (weights, BN statistics, optimizer
// state, the tricks' state) at step, with the run's config, as checkpoints/ckpt-N.bin,
// atomically: temporary file, fsync, rename, fsync of the folder. A crash or a full
// disk leaves the previous checkpoints as they were. The metrics logged so far are
// flushed first, so the log on disk always reaches the newest checkpoint. It then
// prunes to the newest keep checkpoints that read back whole (see prune).
func (w *Writer) SaveCheckpoint(ctx *context.Context, step, keep int) (string, error) {
	if w.metrics != nil {
		if err := w.metrics.flush(); err != nil {
			return "", fmt.Errorf("run %s: %s: %w", w.dir, MetricsFile, err)
		}
	}
	path, err := w.saveCheckpoint(ctx, step)
	if err != nil {
		return "", err
	}
	return path, w.prune(keep)
}

func (w *Writer) saveCheckpoint(ctx *context.Context, step int) (string, error) {
	dir := filepath.Join(w.dir, CheckpointDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	y, err := w.cfg.YAML()
	if err != nil {
		return "", err
	}
	path := CheckpointPath(w.dir, step)
	vars, err := contextVariables(ctx)
	if err != nil {
		return "", fmt.Errorf("saving checkpoint %s: %w", path, err)
	}
	if err := checkFinite(step, vars); err != nil {
		return "", err
	}
	err = fsutil.WriteAtomic(path, func(f *os.File) error {
		var out io.Writer = f
		if w.wrap != nil {
			out = w.wrap(f)
		}
		return encodeCheckpoint(out, step, y, vars)
	})
	if err != nil {
		return "", fmt.Errorf("saving checkpoint %s: %w", path, err)
	}
	if m := (*MisnamedError)(nil); errors.As(w.verified[step], &m) {
		fmt.Fprintf(w.log, "note: replaced %s, which held step %d under this step's name\n", path, m.Step)
	}
	if f := (*ForeignError)(nil); errors.As(w.verified[step], &f) {
		fmt.Fprintf(w.log, "note: replaced %s, a checkpoint of another structure (%s)\n", path, f.Changes[0])
	}
	w.verified[step] = nil
	return path, nil
}

// verify checks a checkpoint file as VerifyCheckpoint does, and that it was trained
// with the run's structure (else a *ForeignError): the writer's config is the run's.
func (w *Writer) verify(path string) error {
	ck, err := readCheckpointFile(path, false)
	if err != nil {
		return err
	}
	changes, err := structureChanges(w.cfg, ck)
	if err != nil {
		return err
	}
	if len(changes) > 0 {
		return &ForeignError{Path: path, Step: ck.Step, Changes: changes}
	}
	return nil
}

// prune deletes checkpoints until keep remain. Damaged ones go first, then the oldest
// good ones, so a good checkpoint is never deleted while a damaged one is kept. A
// misnamed or foreign one (see MisnamedError, ForeignError) is reported, neither
// counted nor deleted: it may be a user's only copy of its step, and deleting a real
// checkpoint in its place would lose one the run made.
func (w *Writer) prune(keep int) error {
	steps, err := CheckpointSteps(w.dir)
	if err != nil || len(steps) <= keep {
		return err
	}
	var good, bad []int
	for _, s := range steps {
		if s == w.best {
			continue // the best checkpoint is never pruned, nor counted
		}
		verr, seen := w.verified[s]
		if !seen {
			verr = w.verify(CheckpointPath(w.dir, s))
			w.verified[s] = verr
		}
		switch {
		case isSetAside(verr):
			if !seen {
				fmt.Fprintf(w.log, "warning: %v\n", verr)
			}
		case verr != nil:
			bad = append(bad, s)
		default:
			good = append(good, s)
		}
	}
	remove := func(s int, why string) error {
		path := CheckpointPath(w.dir, s)
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		delete(w.verified, s)
		if why != "" {
			fmt.Fprintf(w.log, "removed %s: %s\n", path, why)
		}
		return nil
	}
	n := len(good) + len(bad)
	for _, s := range bad {
		if n <= keep {
			return nil
		}
		if err := remove(s, fmt.Sprintf("it does not read back whole (%v), and train.keep_checkpoints is %d", w.verified[s], keep)); err != nil {
			return err
		}
		n--
	}
	for _, s := range good {
		if n <= keep {
			return nil
		}
		if err := remove(s, ""); err != nil {
			return err
		}
		n--
	}
	return nil
}

// Close flushes metrics.jsonl and releases the lock. A directory Create made and the
// run never started in is removed again.
func (w *Writer) Close() error {
	var err error
	if w.metrics != nil {
		err = w.metrics.close()
		w.metrics = nil
	}
	if lerr := w.lock.Release(); err == nil {
		err = lerr
	}
	w.lock = nil
	w.undo()
	return err
}

// undo removes the directory Create made if nothing was written in it.
func (w *Writer) undo() {
	if w.made && emptyDir(w.dir) {
		_ = os.Remove(w.dir)
	}
}

// latestGood loads the newest checkpoint of runDir that reads back whole and holds
// the step its name says, reporting to log each newer one that does not; passed holds
// those, by the step of their name. It returns nil when the run has no checkpoint, and
// an error when it has some and none reads back.
func latestGood(runDir string, log io.Writer) (*Checkpoint, map[int]error, error) {
	steps, err := CheckpointSteps(runDir)
	if err != nil {
		return nil, nil, fmt.Errorf("run %s: %w", runDir, err)
	}
	passed := map[int]error{}
	var bad []string
	pass := func(step int, err error) {
		fmt.Fprintf(log, "warning: %v\n", err)
		bad = append(bad, err.Error())
		passed[step] = err
	}
	// Newer checkpoints whose structure differs from config.yaml's: foreign once an
	// older one agrees with it (see ForeignError). The newest is kept whole, for
	// when none agrees.
	runCfg, cfgErr := ReadConfig(runDir)
	var differing []*ForeignError
	var newestDiffering *Checkpoint
	for i := len(steps) - 1; i >= 0; i-- {
		path := CheckpointPath(runDir, steps[i])
		ck, err := ReadCheckpoint(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // pruned by the run's writer while we listed
		}
		if err != nil {
			pass(steps[i], err)
			continue
		}
		if cfgErr == nil {
			changes, err := structureChanges(runCfg, ck)
			if err != nil {
				return nil, nil, fmt.Errorf("run %s: %w", runDir, err)
			}
			if len(changes) > 0 {
				differing = append(differing, &ForeignError{Path: path, Step: ck.Step, Changes: changes})
				if newestDiffering == nil {
					newestDiffering = ck
				}
				continue
			}
		}
		for _, f := range differing {
			pass(f.Step, f)
		}
		return usedCheckpoint(ck, bad, log), passed, nil
	}
	if newestDiffering != nil { // none agrees with config.yaml: it was edited, not the checkpoints
		return usedCheckpoint(newestDiffering, bad, log), passed, nil
	}
	if len(bad) > 0 {
		return nil, nil, fmt.Errorf("run %s: no checkpoint reads back whole:\n  %s", runDir, strings.Join(bad, "\n  "))
	}
	return nil, passed, nil
}

// usedCheckpoint reports which checkpoint is used when newer ones were passed over
// (bad), and a format-1 checkpoint's missing checksums, and returns ck.
func usedCheckpoint(ck *Checkpoint, bad []string, log io.Writer) *Checkpoint {
	if len(bad) > 0 {
		fmt.Fprintf(log, "using %s (step %d), the newest checkpoint that reads back whole\n", ck.Path, ck.Step)
	}
	if ck.Version == 1 {
		fmt.Fprintf(log, "note: %s is of format 1 (before checkpoints had checksums): it cannot be verified\n", ck.Path)
	}
	return ck
}

// LatestCheckpoint loads the newest checkpoint of a run that reads back whole,
// reporting damaged newer ones to log (nil: discarded).
func LatestCheckpoint(runDir string, log io.Writer) (*Checkpoint, error) {
	if log == nil {
		log = io.Discard
	}
	ck, _, err := latestGood(runDir, log)
	if err != nil {
		return nil, err
	}
	if ck == nil {
		return nil, fmt.Errorf("run %s has no checkpoint in %s (was it trained with gankit train?)", runDir, filepath.Join(runDir, CheckpointDir))
	}
	return ck, nil
}
