package ablate

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/eval"
	"github.com/gankit/gankit/run"
	"github.com/gomlx/gomlx/backends"
)

// EvalFile is a cell's evaluation, written when the cell is finished (in the cell's
// run directory, where gankit serve shows it too).
const EvalFile = run.EvalFile

// RunOptions say how cells run.
type RunOptions struct {
	Workers int       // cells trained at once (in this process)
	Log     io.Writer // one line per cell started and finished
	Backend string    // overrides the config's backend when set
	// On is the backend every cell uses; Run builds it once (one GPU client for all
	// the workers) when nil.
	On backends.Backend
	// Train trains a cell's run, or continues it: the caller passes the trainer
	// (train.Run), so that ablate reads runs without importing it.
	Train func(TrainJob) error
	// Stop, when it closes, ends the grid early: each cell in training finishes its
	// step and writes a checkpoint (TrainJob.Stop), no other cell starts, and Run
	// returns a *StoppedError. Running the plan again continues it bitwise.
	Stop <-chan struct{}
}

// TrainJob is one cell's training: its config, its run directory, whether the run is
// continued from its checkpoint, the backend to train on, and the channel that stops
// it early: when Stop closes, the trainer ends the run after its current step with a
// checkpoint and returns nil (train.Options.Stop), leaving the cell unfinished.
type TrainJob struct {
	Config  config.Config
	Dir     string
	Resume  bool
	Backend backends.Backend
	Stop    <-chan struct{}
}

// StoppedError is Run's (or RunCell's) error when RunOptions.Stop closed before every
// cell was finished: the cells whose training stopped, each with a checkpoint, and
// how many cells were not started. Running the plan again continues every one.
type StoppedError struct {
	Stopped    []CellStop
	NotStarted int
}

// CellStop is a cell whose training stopped early, with its checkpoint at Step.
type CellStop struct {
	Cell Cell
	Dir  string
	Step int
}

func (e *StoppedError) Error() string {
	var parts []string
	for _, s := range e.Stopped {
		parts = append(parts, fmt.Sprintf("cell %d (%s, seed %d) stopped after step %d with a checkpoint in %s", s.Cell.Index, s.Cell.Setting, s.Cell.Seed, s.Step, s.Dir))
	}
	if e.NotStarted > 0 {
		parts = append(parts, fmt.Sprintf("%d unfinished cells not started", e.NotStarted))
	}
	if len(parts) == 0 {
		return "stopped"
	}
	return "stopped: " + strings.Join(parts, "; ")
}

// stopped says whether stop has closed (never, for a nil channel).
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// Done says whether a cell is finished (trained and evaluated).
func (p Plan) Done(c Cell) bool {
	_, err := os.Stat(filepath.Join(p.CellDir(c), EvalFile))
	return err == nil
}

// RunCell trains a cell — continuing from its latest checkpoint if an earlier attempt
// stopped — and evaluates it. A finished cell is left alone. When o.Stop closes, the
// cell is not started, or its training stops with a checkpoint and it is not
// evaluated: a *StoppedError.
func (p Plan) RunCell(c Cell, o RunOptions) error {
	if p.Done(c) {
		return nil
	}
	if stopped(o.Stop) {
		return &StoppedError{NotStarted: 1}
	}
	dir := p.CellDir(c)
	cfg, err := p.CellConfig(c)
	if err != nil {
		return err
	}
	if o.Backend != "" {
		cfg.Backend = o.Backend
	}
	// The step from the newest checkpoint's name: nothing is read to learn it.
	if step, _ := run.LastCheckpointStep(dir); step < cfg.Train.Steps {
		if o.Train == nil {
			return errors.New("ablate: RunOptions.Train is not set: no trainer to train cells with")
		}
		// A cell with a config.yaml was started before: continue it (from step 0 if it
		// stopped before its first checkpoint), under its own config.yaml — which holds
		// what its training changed on the way (a rollback's lowered learning rates) —
		// for the planned number of steps.
		resume := run.IsRun(dir)
		if resume {
			if cfg, err = resumeConfig(dir, cfg); err != nil {
				return fmt.Errorf("cell %d (%s, seed %d): %w", c.Index, c.Setting, c.Seed, err)
			}
		}
		if err := o.Train(TrainJob{Config: cfg, Dir: dir, Resume: resume, Backend: o.On, Stop: o.Stop}); err != nil {
			return fmt.Errorf("cell %d (%s, seed %d): %w", c.Index, c.Setting, c.Seed, err)
		}
		// The trainer returns early only when o.Stop closed; its checkpoint says where.
		if step, _ := run.LastCheckpointStep(dir); step < cfg.Train.Steps {
			return &StoppedError{Stopped: []CellStop{{Cell: c, Dir: dir, Step: step}}}
		}
	}
	res, err := eval.Run(dir, eval.Options{N: p.EvalN, FeatureNet: p.FeatureNet, Real: p.Real, Backend: o.Backend, On: o.On, Log: o.Log})
	if err != nil {
		return fmt.Errorf("cell %d (%s, seed %d): evaluating: %w", c.Index, c.Setting, c.Seed, err)
	}
	_, err = res.Save(dir)
	return err
}

// Run runs every unfinished cell, o.Workers at a time, and returns the failures
// joined (the other cells still run). When o.Stop closes, the cells in training stop
// with a checkpoint, no other cell starts, and the error holds a *StoppedError that
// names them.
func (p Plan) Run(o RunOptions) error {
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	if o.On == nil {
		spec := o.Backend
		if spec == "" {
			spec = p.Base.Backend
		}
		b, err := backend.New(backend.Resolve(spec))
		if err != nil {
			return err
		}
		o.On = b
	}
	cells := p.Cells()
	work := make(chan Cell)
	var mu sync.Mutex
	var errs []error
	stop := &StoppedError{}
	var wg sync.WaitGroup
	for range max(1, o.Workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				mu.Lock()
				fmt.Fprintf(log, "cell %d/%d: %s, seed %d\n", c.Index+1, len(cells), c.Setting, c.Seed)
				mu.Unlock()
				err := p.RunCell(c, o)
				var se *StoppedError
				mu.Lock()
				switch {
				case errors.As(err, &se):
					stop.Stopped = append(stop.Stopped, se.Stopped...)
					stop.NotStarted += se.NotStarted
				case err != nil:
					errs = append(errs, err)
					fmt.Fprintf(log, "cell %d failed: %v\n", c.Index+1, err)
				}
				mu.Unlock()
			}
		}()
	}
	skipped := 0
	for _, c := range cells {
		switch {
		case p.Done(c):
			skipped++
		case stopped(o.Stop):
			mu.Lock()
			stop.NotStarted++
			mu.Unlock()
		default:
			select {
			case work <- c:
			case <-o.Stop: // no worker is free: the cell waits for the next run
				mu.Lock()
				stop.NotStarted++
				mu.Unlock()
			}
		}
	}
	close(work)
	wg.Wait()
	if skipped > 0 {
		fmt.Fprintf(log, "%d finished cells were not rerun\n", skipped)
	}
	sort.Slice(stop.Stopped, func(i, j int) bool { return stop.Stopped[i].Cell.Index < stop.Stopped[j].Cell.Index })
	if len(stop.Stopped) > 0 || stop.NotStarted > 0 {
		errs = append([]error{stop}, errs...)
	}
	return errors.Join(errs...)
}

// resumeConfig is the config a started cell continues under: its run's config.yaml,
// with the planned config's length and backend.
func resumeConfig(dir string, planned config.Config) (config.Config, error) {
	cfg, err := run.ReadConfig(dir)
	if err != nil {
		return config.Config{}, err
	}
	cfg.Train.Steps, cfg.Backend = planned.Train.Steps, planned.Backend
	return cfg, nil
}
