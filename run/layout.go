package run

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/fsutil"
	"github.com/gankit/gankit/nets"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Files and folders in a run directory.
const (
	ConfigFile    = "config.yaml"     // the resolved config; `--config` accepts it back
	MetricsFile   = "metrics.jsonl"   // one JSON object per logged step
	ChangesFile   = "changes.jsonl"   // config changes accepted on resume, one per line
	SamplesDir    = "samples"         // sample grids, samples/step-NNNNNN.png
	CheckpointDir = "checkpoints"     // checkpoints/ckpt-NNNNNNNNN.bin
	EvalFile      = "eval.json"       // the run's evaluation (eval.Result), when something evaluated it: gankit ablate does for its cells
	DiagnosesFile = "diagnoses.jsonl" // the training doctor's diagnoses, one per line (Diagnosis)
	BestFile      = "best.json"       // the best checkpoint by the doctor's quality proxy (Best)
)

// EMAScope is where the generator's exponential moving average lives in a
// checkpoint: /ema/g/... mirrors /g/..., so nets.Generator built in this scope is G_ema.
const EMAScope = "/ema"

// checkpointName is the file for a step; names sort in step order up to 10^9 steps.
func checkpointName(step int) string { return fmt.Sprintf("ckpt-%09d.bin", step) }

// checkpointStep parses a checkpoint file name. Only the exact names checkpointName
// makes count: ckpt-backup.bin or ckpt-000000030.bin.old are a user's, not gankit's.
func checkpointStep(name string) (int, bool) {
	digits, ok := strings.CutPrefix(name, "ckpt-")
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, ".bin"); !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	step, err := strconv.Atoi(digits)
	if err != nil || checkpointName(step) != name {
		return 0, false
	}
	return step, true
}

// CheckpointPath is where the checkpoint of a step goes.
func CheckpointPath(runDir string, step int) string {
	return filepath.Join(runDir, CheckpointDir, checkpointName(step))
}

// SamplePath is where the sample grid of a training step goes.
func SamplePath(runDir string, step int) string {
	return filepath.Join(runDir, SamplesDir, fmt.Sprintf("step-%06d.png", step))
}

// CheckpointSteps lists the steps of a run's checkpoints, oldest first, from their
// file names alone (nothing is read); other files in checkpoints/ are ignored.
func CheckpointSteps(runDir string) ([]int, error) {
	entries, err := os.ReadDir(filepath.Join(runDir, CheckpointDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var steps []int
	for _, e := range entries {
		if step, ok := checkpointStep(e.Name()); ok && e.Type().IsRegular() {
			steps = append(steps, step)
		}
	}
	sort.Ints(steps)
	return steps, nil
}

// LastCheckpointStep is the step of a run's newest checkpoint by its file name (0 and
// false when there is none), without reading it.
func LastCheckpointStep(runDir string) (int, bool) {
	steps, err := CheckpointSteps(runDir)
	if err != nil || len(steps) == 0 {
		return 0, false
	}
	return steps[len(steps)-1], true
}

// IsRun says whether dir holds a gankit run: it has a config.yaml.
func IsRun(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, ConfigFile))
	return err == nil && st.Mode().IsRegular()
}

// ReadConfig reads a run's config.yaml.
func ReadConfig(dir string) (config.Config, error) {
	if _, err := os.Stat(dir); err != nil {
		return config.Config{}, fmt.Errorf("reading run %s: %w", dir, err)
	}
	if !IsRun(dir) {
		return config.Config{}, fmt.Errorf("%s is not a gankit run: it has no %s (the directory `gankit train --out` wrote)", dir, ConfigFile)
	}
	cfg, err := config.Load(filepath.Join(dir, ConfigFile), config.Config{})
	if err != nil {
		return config.Config{}, fmt.Errorf("reading run %s: %w", dir, err)
	}
	return cfg, nil
}

// ownTemp says whether name, in folder sub of a run ("" for the top), is a temporary
// file that one of gankit's own atomic writes left behind when it was stopped.
func ownTemp(sub, name string) bool {
	target, ok := fsutil.TempTarget(name)
	if !ok {
		return false
	}
	switch sub {
	case "":
		return target == ConfigFile || target == MetricsFile || target == ChangesFile
	case CheckpointDir:
		_, ok := checkpointStep(target)
		return ok
	case SamplesDir:
		var step int
		n, err := fmt.Sscanf(target, "step-%06d.png", &step)
		return err == nil && n == 1 && filepath.Base(SamplePath("", step)) == target
	}
	return false
}

// removeOwnTemps removes the temporary files of interrupted writes (gankit's own name
// pattern only) and returns their names.
func removeOwnTemps(runDir string) ([]string, error) {
	var removed []string
	for _, sub := range []string{"", CheckpointDir, SamplesDir} {
		dir := filepath.Join(runDir, sub)
		if st, err := os.Stat(dir); err == nil && !st.IsDir() {
			continue // a file in a folder's place holds no temporary file of ours
		}
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return removed, err
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || !ownTemp(sub, e.Name()) {
				continue
			}
			path := filepath.Join(dir, e.Name())
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return removed, err
			}
			removed = append(removed, path)
		}
	}
	return removed, nil
}

// OpenSource returns the training batches a config names.
func OpenSource(cfg config.Config) (data.Source, error) {
	if cfg.IsToy() {
		return data.NewToy(cfg.Data.Path, uint64(cfg.Train.Seed))
	}
	cache, err := data.CacheDir(cfg.Data.Cache)
	if err != nil {
		return nil, err
	}
	d, err := data.Open(cfg.Data.Path, data.Options{Split: cfg.Data.Split, Size: cfg.Data.Size, Channels: cfg.Data.Channels, Limit: cfg.Data.Limit,
		SkipBadImages: cfg.Data.SkipBadImages, MaxImagePixels: cfg.Data.MaxImagePixels, Background: cfg.Data.Background, CacheDir: cache})
	if err != nil {
		return nil, err
	}
	return data.NewShuffled(d, uint64(cfg.Train.Seed)), nil
}

// NewContext is an empty model context seeded for cfg.
func NewContext(cfg config.Config) *context.Context {
	ctx := context.New()
	ctx.SetParam(nets.ParamSeed, cfg.Train.Seed)
	return ctx
}

// SamplingContext is the context whose "g" scope holds the generator to sample and
// evaluate: G_ema when the config keeps one, else G.
func SamplingContext(ctx *context.Context, cfg config.Config) *context.Context {
	if cfg.Train.EMA > 0 {
		return ctx.InAbsPath(EMAScope)
	}
	return ctx
}
