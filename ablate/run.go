package ablate

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
}

// TrainJob is one cell's training: its config, its run directory, whether the run is
// continued from its checkpoint, and the backend to train on.
type TrainJob struct {
	Config  config.Config
	Dir     string
	Resume  bool
	Backend backends.Backend
}

// Done says whether a cell is finished (trained and evaluated).
func (p Plan) Done(c Cell) bool {
	_, err := os.Stat(filepath.Join(p.CellDir(c), EvalFile))
	return err == nil
}

// RunCell trains a cell — continuing from its latest checkpoint if an earlier attempt
// stopped — and evaluates it. A finished cell is left alone.
func (p Plan) RunCell(c Cell, o RunOptions) error {
	if p.Done(c) {
		return nil
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
		// stopped before its first checkpoint).
		if err := o.Train(TrainJob{Config: cfg, Dir: dir, Resume: run.IsRun(dir), Backend: o.On}); err != nil {
			return fmt.Errorf("cell %d (%s, seed %d): %w", c.Index, c.Setting, c.Seed, err)
		}
	}
	res, err := eval.Run(dir, eval.Options{N: p.EvalN, Backend: o.Backend, On: o.On, Log: o.Log})
	if err != nil {
		return fmt.Errorf("cell %d (%s, seed %d): evaluating: %w", c.Index, c.Setting, c.Seed, err)
	}
	_, err = res.Save(dir)
	return err
}

// Run runs every unfinished cell, o.Workers at a time, and returns the failures
// joined (the other cells still run).
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
	var wg sync.WaitGroup
	for range max(1, o.Workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				mu.Lock()
				fmt.Fprintf(log, "cell %d/%d: %s, seed %d\n", c.Index+1, len(cells), c.Setting, c.Seed)
				mu.Unlock()
				if err := p.RunCell(c, o); err != nil {
					mu.Lock()
					errs = append(errs, err)
					fmt.Fprintf(log, "cell %d failed: %v\n", c.Index+1, err)
					mu.Unlock()
				}
			}
		}()
	}
	skipped := 0
	for _, c := range cells {
		if p.Done(c) {
			skipped++
			continue
		}
		work <- c
	}
	close(work)
	wg.Wait()
	if skipped > 0 {
		fmt.Fprintf(log, "%d finished cells were not rerun\n", skipped)
	}
	return errors.Join(errs...)
}
