package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gankit/gankit/ablate"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/eval"
	"github.com/gankit/gankit/internal/fsutil"
	"github.com/gankit/gankit/internal/sysmem"
	"github.com/gankit/gankit/metrics/featnet"
	"github.com/gankit/gankit/report"
	rundir "github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
	"github.com/gankit/gankit/train"
	"github.com/spf13/cobra"
)

// ablateFlags are the flags of gankit ablate.
type ablateFlags struct {
	preset, out, emit, backend  string
	featureNet, real            string
	vary, sets, variants        []string
	seeds, steps, workers, cell int
	evalN                       int
	firstSeed                   int64
}

func ablateCmd() *cobra.Command {
	var f ablateFlags
	cmd := &cobra.Command{
		Use:   "ablate",
		Short: "Train a grid of runs that vary config keys over seeds, evaluate each, and write a report",
		Long: `Expand every combination of the --vary values (for each --variant, a named set of
changes such as "pack4:model.pack=4", when given), train each with --seeds seeds
(0, 1, ...) for --steps iterations in OUT/cells/<setting>/seed-<s>, evaluate it like
gankit eval (2,500 points for toy data, else FID, KID, precision/recall,
density/coverage, IS and the spectral score on --eval-n samples, through --feature-net
against --real as gankit eval does), and write
OUT/report.html: a table of means ± standard errors, plots, training curves and sample
grids side by side.

The grid is resumable: rerunning the same command (or gankit ablate --out OUT alone)
skips finished cells and continues interrupted ones from their checkpoints, bitwise as
if never stopped. Flags that would make another plan than OUT/plan.json (another
--vary, --seeds, --set, ...) are refused, naming what differs. --workers trains
several cells at once.

SIGINT, SIGTERM or SIGHUP let each cell in training finish its step and write a
checkpoint, start no other cell, print the command that continues the grid and exit
with status 75; a second signal exits at once (128 + its number), leaving each cell's
last complete checkpoint. gankit listens for these signals even when its parent
started it with them ignored (a shell script without job control starts background
jobs with SIGINT ignored; nohup ignores SIGHUP), so kill -INT stops it the same way. --emit slurm writes OUT/ablate.sbatch instead of running:
a job array with one cell per task (gankit ablate --out OUT --cell $SLURM_ARRAY_TASK_ID);
gankit report OUT then gathers the cells.`,
		Example: `  gankit ablate --preset grid25 --vary train.label_smoothing=0,0.1 --seeds 5 --steps 10000 --out abl/ls
  gankit ablate --preset dcgan-fmnist --vary model.upsample=transposed,transposed-k3,nearest,bilinear,pixelshuffle --seeds 3 --out abl/up
  gankit ablate --preset ring8 --vary model.pack=1,2,4 --seeds 5 --out abl/pack --emit slurm
  gankit ablate --preset grid25 --variant vanilla: --variant pack4:model.pack=4 --variant r1:train.penalty=r1 --seeds 5 --out abl/tricks
  gankit ablate --preset small-64 --set data.path=~/emoji --set data.size=32 --vary train.ada=false,true \
    --feature-net metrics/featnet/emojione32.gob.gz --seeds 3 --out abl/emoji-ada`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.ablate(cmd) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.preset, "preset", config.DefaultPreset, "base configuration")
	fl.StringArrayVar(&f.sets, "set", nil, "override a key of the base config (repeatable)")
	fl.StringArrayVar(&f.vary, "vary", nil, "key=v1,v2,... to vary (repeatable: the grid is every combination)")
	fl.StringArrayVar(&f.variants, "variant", nil, "name:key=value,key=value — a named setting to compare (repeatable; combined with every --vary)")
	fl.IntVar(&f.seeds, "seeds", 3, "seeds per setting (--first-seed .. --first-seed+N-1)")
	fl.Int64Var(&f.firstSeed, "first-seed", 0, "first seed")
	fl.IntVar(&f.steps, "steps", 0, "iterations per run (default: the preset's)")
	fl.IntVar(&f.evalN, "eval-n", 0, "generated samples per evaluation (default 2,500 points or 10,000 images)")
	fl.StringVar(&f.featureNet, "feature-net", "", "feature network model file the cells are evaluated with, from gankit classifier train (default: the committed Fashion-MNIST one)")
	fl.StringVar(&f.real, "real", "", "real dataset the cells are compared with (default: each cell's data, test split)")
	fl.StringVar(&f.out, "out", "", "ablation directory")
	fl.IntVar(&f.workers, "workers", 1, "cells trained at once")
	fl.IntVar(&f.cell, "cell", 0, "run only this cell (what a job-array task does)")
	fl.StringVar(&f.emit, "emit", "", "write a cluster script instead of running: slurm")
	fl.StringVar(&f.backend, "backend", "", "backend for every cell (default: the preset's)")
	return cmd
}

// ablate loads or creates the plan, then writes the slurm script, runs one cell, or
// runs the grid and writes its report.
func (f *ablateFlags) ablate(cmd *cobra.Command) error {
	if f.out == "" {
		return fmt.Errorf("--out DIR is required")
	}
	if f.workers < 1 {
		return fmt.Errorf("--workers %d: want at least 1 cell at a time", f.workers)
	}
	p, err := f.plan(cmd.Flags().Changed)
	if err != nil {
		return err
	}
	o := ablate.RunOptions{Workers: f.workers, Log: os.Stdout, Backend: f.backend, Train: trainCell}
	oneCell := cmd.Flags().Changed("cell")
	switch {
	case f.emit == "slurm":
		return writeSlurm(p, f.out)
	case f.emit != "":
		return fmt.Errorf("--emit %q: the only format is slurm", f.emit)
	case oneCell && (f.cell < 0 || f.cell >= len(p.Cells())):
		return fmt.Errorf("--cell %d: the grid has cells 0..%d", f.cell, len(p.Cells())-1)
	}
	again := f.continueCommand(oneCell)
	stop, sig, release := stopOnSignal(again)
	defer release()
	o.Stop = stop
	if oneCell {
		return stoppedGrid(p.RunCell(p.Cells()[f.cell], o), sig, again)
	}
	fmt.Printf("%d settings x %d seeds = %d runs in %s\n", len(p.Settings()), len(p.Seeds), len(p.Cells()), f.out)
	runErr := p.Run(o)
	var se *ablate.StoppedError
	if errors.As(runErr, &se) {
		// The report waits for the grid: gankit report OUT gathers what is finished.
		return stoppedGrid(runErr, sig, again)
	}
	path, err := writeReport(p)
	if err != nil {
		return err
	}
	fmt.Printf("report: %s\n", path)
	return runErr
}

// plan is the ablation in --out: the saved one, which the grid's flags may repeat
// (the same command continues the grid) but not change, or a new one made from them
// and saved.
func (f *ablateFlags) plan(changed func(string) bool) (ablate.Plan, error) {
	p, err := ablate.Load(f.out)
	if err == nil {
		var given []string // the flags that make a plan (the rest say how it runs)
		for _, name := range []string{"preset", "set", "vary", "variant", "seeds", "first-seed", "steps", "eval-n", "feature-net", "real"} {
			if changed(name) {
				given = append(given, "--"+name)
			}
		}
		if len(given) == 0 {
			return p, nil
		}
		refused := fmt.Sprintf("%s already holds an ablation (%s)", f.out, ablate.PlanFile)
		hint := fmt.Sprintf("run the command that made it, or gankit ablate --out %s, to continue it, or choose another --out", f.out)
		if len(f.vary) == 0 && len(f.variants) == 0 {
			return p, fmt.Errorf("%s; %s without --vary or --variant makes no plan to compare it with: %s", refused, strings.Join(given, ", "), hint)
		}
		again, err := newPlan(f.preset, f.sets, f.vary, f.variants, f.firstSeed, f.seeds, f.steps, f.evalN, f.out)
		if err != nil {
			return p, err
		}
		if again, err = f.withEval(again); err != nil {
			return p, err
		}
		diffs, err := p.Differences(again)
		if err != nil {
			return p, fmt.Errorf("comparing the flags' plan with %s: %w", filepath.Join(f.out, ablate.PlanFile), err)
		}
		if len(diffs) > 0 {
			return p, fmt.Errorf("%s, and these flags make another (saved, then flags): %s; %s", refused, strings.Join(diffs, "; "), hint)
		}
		return p, nil
	}
	if len(f.vary) == 0 && len(f.variants) == 0 {
		return p, fmt.Errorf("%s holds no ablation yet: give at least one --vary key=v1,v2 or --variant name:key=value", f.out)
	}
	if p, err = newPlan(f.preset, f.sets, f.vary, f.variants, f.firstSeed, f.seeds, f.steps, f.evalN, f.out); err != nil {
		return p, err
	}
	if p, err = f.withEval(p); err != nil {
		return p, err
	}
	return p, p.Save()
}

// withEval sets the plan's --feature-net and --real, as absolute paths (a grid may be
// continued from another directory), after checking that the feature network loads
// and takes the images every cell makes, so that a mismatch stops the grid before it
// trains, not after.
func (f *ablateFlags) withEval(p ablate.Plan) (ablate.Plan, error) {
	for _, pf := range []struct {
		flag string
		val  *string
		to   *string
	}{{"--feature-net", &f.featureNet, &p.FeatureNet}, {"--real", &f.real, &p.Real}} {
		if *pf.val == "" {
			continue
		}
		abs, err := filepath.Abs(*pf.val)
		if err != nil {
			return p, fmt.Errorf("%s %s: %w", pf.flag, *pf.val, err)
		}
		*pf.to = abs
	}
	if p.FeatureNet == "" {
		return p, nil
	}
	m, err := featnet.Load(p.FeatureNet)
	if err != nil {
		return p, fmt.Errorf("--feature-net: %w", err)
	}
	for _, c := range p.Cells() {
		cfg, err := p.CellConfig(c)
		if err != nil {
			return p, err
		}
		if cfg.IsToy() {
			return p, fmt.Errorf("--feature-net %s: setting %s trains on 2-D points (%s), which are measured by mode coverage, not by a feature network", f.featureNet, c.Setting, cfg.Data.Path)
		}
		src, err := trainSource(cfg)
		if err != nil {
			return p, err
		}
		if src != m.Shape {
			return p, fmt.Errorf("--feature-net %s takes %v; setting %s makes %v", f.featureNet, m.Shape, c.Setting, src)
		}
	}
	return p, nil
}

// continueCommand is the command line that continues this grid (or this --cell): the
// plan is in --out, and --backend and --workers say how it ran.
func (f *ablateFlags) continueCommand(oneCell bool) string {
	c := "gankit ablate --out " + shellQuote(f.out)
	if f.backend != "" {
		c += " --backend " + shellQuote(f.backend)
	}
	if f.workers != 1 {
		c += fmt.Sprintf(" --workers %d", f.workers)
	}
	if oneCell {
		c += fmt.Sprintf(" --cell %d", f.cell)
	}
	return c
}

// stoppedGrid turns a grid stopped by a signal (an *ablate.StoppedError in err) into
// what train prints for a stopped run, and exit status 75; other errors pass as they
// are.
func stoppedGrid(err error, sig func() os.Signal, again string) error {
	var se *ablate.StoppedError
	if !errors.As(err, &se) {
		return err
	}
	fmt.Printf("stopped by %s\n", sig())
	for _, c := range se.Stopped {
		fmt.Printf("cell %d (%s, seed %d): stopped after step %d; checkpoint: %s\n", c.Cell.Index+1, c.Cell.Setting, c.Cell.Seed, c.Step, rundir.CheckpointPath(c.Dir, c.Step))
	}
	if se.NotStarted > 0 {
		fmt.Printf("%d unfinished cells not started\n", se.NotStarted)
	}
	fmt.Printf("continue with: %s\n", again)
	return &gridStoppedError{err: err, again: again}
}

// gridStoppedError is a grid stopped by a signal, its cells checkpointed: exit
// status 75, as for a stopped training run.
type gridStoppedError struct {
	err   error
	again string
}

func (e *gridStoppedError) Error() string {
	return fmt.Sprintf("%v; continue with: %s", e.err, e.again)
}

func (e *gridStoppedError) Unwrap() error { return e.err }

func (e *gridStoppedError) ExitCode() int { return exitStopped }

// writeSlurm writes OUT/ablate.sbatch, the job array that runs p one cell per task.
func writeSlurm(p ablate.Plan, out string) error {
	exe, _ := os.Executable()
	path := filepath.Join(out, "ablate.sbatch")
	err := fsutil.WriteAtomic(path, func(f *os.File) error {
		if err := f.Chmod(0o755); err != nil {
			return err
		}
		_, err := f.WriteString(p.Slurm(exe))
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d cells; submit with sbatch %s, then run gankit report %s\n", path, len(p.Cells()), path, out)
	return nil
}

func newPlan(preset string, sets, vary, variants []string, firstSeed int64, seeds, steps, evalN int, out string) (ablate.Plan, error) {
	base, err := config.FromPreset(preset)
	if err != nil {
		return ablate.Plan{}, err
	}
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return ablate.Plan{}, fmt.Errorf("--set %q: want key=value", kv)
		}
		if err := base.Set(k, v); err != nil {
			return ablate.Plan{}, fmt.Errorf("--set: %w", err)
		}
	}
	switch {
	case steps < 0:
		return ablate.Plan{}, fmt.Errorf("--steps %d: want at least 1 (0 keeps the preset's)", steps)
	case evalN < 0:
		return ablate.Plan{}, fmt.Errorf("--eval-n %d: want at least 1 (0 picks the default: 2,500 points or 10,000 images)", evalN)
	}
	if steps > 0 {
		base.Train.Steps = steps
	}
	p := ablate.Plan{Dir: out, Base: base, EvalN: evalN}
	for _, v := range variants {
		vr, err := ablate.ParseVariant(v)
		if err != nil {
			return p, err
		}
		p.Variants = append(p.Variants, vr)
	}
	for _, v := range vary {
		a, err := ablate.ParseAxis(v)
		if err != nil {
			return p, err
		}
		p.Axes = append(p.Axes, a)
	}
	if seeds < 1 {
		return p, fmt.Errorf("--seeds: want at least 1, got %d", seeds)
	}
	if err := sample.CheckSeeds(firstSeed, seeds); err != nil { // the seeds would wrap to negative ones
		return p, fmt.Errorf("--first-seed %d --seeds %d: %w", firstSeed, seeds, err)
	}
	// Each cell costs memory while the grid is planned, checked and reported.
	perSeed := float64(len(p.Settings())) * bytesPerCell
	if err := sysmem.Available().Check(sysmem.Need{What: "--seeds", N: seeds, Unit: "seed", PerItem: perSeed}); err != nil {
		return p, err
	}
	for s := range seeds {
		p.Seeds = append(p.Seeds, firstSeed+int64(s))
	}
	// Every cell's config must be valid, and fit in memory, before anything trains.
	mem := sysmem.Available()
	for _, c := range p.Cells() {
		cfg, err := p.CellConfig(c)
		if err != nil {
			return p, err
		}
		src, err := trainSource(cfg)
		if err != nil {
			return p, err
		}
		if err := cfg.Validate(src); err != nil {
			return p, fmt.Errorf("setting %s: %w", c.Setting, err)
		}
		if err := cfg.CheckMemory(src, mem); err != nil {
			return p, fmt.Errorf("setting %s: %w", c.Setting, err)
		}
		if evalN > 0 {
			if err := eval.CheckSampleCount("--eval-n", evalN, src, cfg.Model.ZDim, eval.OwnFeatures); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

// bytesPerCell is what one cell of an ablation grid takes in memory while it is
// planned (its Cell, its config while validated, its row in the report): an
// estimate with room to spare.
const bytesPerCell = 4 << 10

func reportCmd() *cobra.Command {
	var best, asJSON bool
	cmd := &cobra.Command{
		Use:   "report DIR",
		Short: "Gather an ablation's finished cells into DIR/report.html",
		Long: `Read the cells of an ablation directory (gankit ablate --out DIR, possibly run as a
cluster job array) and write DIR/report.html with its plots in DIR/report_files.
Unfinished cells are shown as such. --best prints the best setting's name (toy data:
most modes, then high-quality share, then reverse KL; images: lowest FID); --json
prints every setting's means and standard errors.`,
		Example: `  gankit report abl/upsampling
  gankit report abl/grid25 --best`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			p, err := ablate.Load(args[0])
			if err != nil {
				return err
			}
			path, err := writeReport(p)
			if err != nil {
				return err
			}
			res, err := ablate.Gather(p)
			if err != nil {
				return err
			}
			switch {
			case asJSON:
				type row struct {
					Setting string                 `json:"setting"`
					Stats   map[string]ablate.Stat `json:"stats"`
				}
				var rows []row
				for _, g := range res.Groups {
					rows = append(rows, row{g.Setting.String(), g.Stats})
				}
				return printJSON(map[string]any{"report": path, "settings": rows})
			case best:
				g, ok := res.Best()
				if !ok {
					return fmt.Errorf("%s: no setting has all its cells finished", args[0])
				}
				fmt.Printf("report: %s\n%s\n", path, g.Setting.String())
				return nil
			}
			fmt.Printf("report: %s\n", path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&best, "best", false, "print the best setting's name (last line)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print every setting's statistics as JSON")
	return cmd
}

func writeReport(p ablate.Plan) (string, error) {
	res, err := ablate.Gather(p)
	if err != nil {
		return "", err
	}
	extra, err := spectraFor(p, res)
	if err != nil {
		return "", err
	}
	return report.Write(res, extra)
}

// trainCell trains one cell of an ablation (ablate reads runs but does not train them itself).
func trainCell(j ablate.TrainJob) error {
	_, err := train.Run(j.Config, train.Options{RunDir: j.Dir, Resume: j.Resume, Backend: j.Backend, Stop: j.Stop})
	return err
}

// trainSource is the data shape a config trains on.
func trainSource(cfg config.Config) (data.Shape, error) {
	src, err := rundir.OpenSource(cfg)
	if err != nil {
		return data.Shape{}, err
	}
	return src.Shape(), nil
}

// spectraFor computes the power spectra of each setting's first finished run when the
// grid varies the upsampling (the checkerboard comparison).
func spectraFor(p ablate.Plan, res ablate.Results) (report.Extra, error) {
	varies := false
	for _, a := range p.Axes {
		varies = varies || a.Key == "model.upsample"
	}
	if !varies || p.Base.IsToy() {
		return report.Extra{}, nil
	}
	var names, dirs []string
	for _, g := range res.Groups {
		for _, c := range g.Cells {
			if c.Done {
				names, dirs = append(names, g.Setting.String()), append(dirs, c.Dir)
				break
			}
		}
	}
	spectra, err := eval.Spectra(names, dirs, 1000)
	if err != nil {
		return report.Extra{}, err
	}
	var extra report.Extra
	for _, s := range spectra {
		se := report.Series{Name: s.Name}
		for r, v := range s.Power {
			se.X = append(se.X, float64(r))
			se.Y = append(se.Y, math.Log10(max(v, 1e-12)))
		}
		extra.Spectra = append(extra.Spectra, se)
	}
	return extra, nil
}
