package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	rundir "github.com/gankit/gankit/run"
	"github.com/gankit/gankit/train"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type trainFlags struct {
	preset, configFile, data, out, backend, resume string
	steps, batch                                   int
	seed                                           int64
	sets                                           []string
	allowChange                                    bool
	skipBadImages                                  bool
}

// exitStopped is the exit status of a run stopped by SIGINT, SIGTERM or SIGHUP after
// it wrote a checkpoint: EX_TEMPFAIL of sysexits.h, "try again later", which is what
// --resume does. A second signal ends the process at once with 128 + its number.
const exitStopped = 75

func trainCmd() *cobra.Command {
	var f trainFlags
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train a GAN (default: the DCGAN baseline on embedded Fashion-MNIST)",
		Long: `Train a GAN and write the run to a directory.

The config is built in layers: the preset, then --config FILE (YAML, any subset of
keys), then the flags below, then each --set key=value. Unknown keys and bad values
are errors that name the key. config.yaml in the run directory is the result.

Presets:
` + presetHelp() + `
Config keys (for --config files and --set):
  ` + strings.Join(config.Keys(), "\n  ") + `

Data (--data): ` + data.Formats + `; without --data,
the first 10,000 Fashion-MNIST training images built into gankit. Every image of a
folder is decoded (once) before training starts: one that does not decode, or is
larger than data.max_image_pixels (default ` + fmt.Sprint(data.DefaultMaxImagePixels) + `), stops the run with a list,
unless --skip-bad-images leaves such images out.

Sizes are checked against the memory available (MemAvailable in /proc/meminfo)
before anything is allocated: train.batch, train.sample_count, train.replay and the
model's size; the error says the largest value that fits.

Backends (--backend, or $GOMLX_BACKEND): ` + strings.Join(backend.Names(), ", ") + `.

--resume continues a run from its newest checkpoint that reads back whole. --set may
change bookkeeping keys (train.steps, the logging, sampling and checkpoint intervals,
backend) freely; keys of the training rule (train.seed, train.loss, learning rates,
tricks, model.spectral_norm, ...) only with --allow-change, which records them in
RUN/changes.jsonl; keys that change the networks' shapes or the data (model.width,
model.z_dim, data.path, train.batch, ...) never.

One process writes a run at a time (RUN/lock names it). SIGINT, SIGTERM or SIGHUP
finish the current step, write a checkpoint, print the command that resumes the run
and exit with status 75; a second signal exits at once (status 128 + its number),
leaving the last complete checkpoint. A sample grid that cannot be written (a full
disk) is reported and skipped, and training goes on; a checkpoint that cannot be
written stops the run with the command that resumes it from the last one, and exit
status 74.`,
		Example: `  gankit train --preset tiny --out runs/tiny
  gankit train --data /usr/share/datasets/fashion-mnist --steps 5000 --out runs/fm
  gankit train --preset ring8 --set train.lr_d=2e-4 --out runs/ring8
  gankit train --resume runs/fm --steps 8000
  gankit train --resume runs/fm --set train.lr_d=1e-4 --allow-change`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runTrain(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.preset, "preset", config.DefaultPreset, "starting configuration (see above)")
	fl.StringVar(&f.configFile, "config", "", "YAML config file applied over the preset")
	fl.StringVar(&f.data, "data", "", "training data path, or ring8/grid25 (default: embedded Fashion-MNIST 10k)")
	fl.StringVar(&f.out, "out", "", "run directory (default: runs/<preset>-<time>)")
	fl.IntVar(&f.steps, "steps", 0, "training iterations in total (with --resume: the new total)")
	fl.IntVar(&f.batch, "batch", 0, "batch size")
	fl.Int64Var(&f.seed, "seed", 0, "seed for weights, data order and latents")
	fl.StringVar(&f.backend, "backend", "", strings.Join(backend.Names(), " | ")+" (default $GOMLX_BACKEND, else cpu)")
	fl.StringVar(&f.resume, "resume", "", "continue the run in this directory from its latest checkpoint")
	fl.StringArrayVar(&f.sets, "set", nil, "override one config key, e.g. --set train.lr_d=1e-4 (repeatable)")
	fl.BoolVar(&f.allowChange, "allow-change", false, "with --resume: accept --set changes to the training rule (recorded in RUN/changes.jsonl)")
	fl.BoolVar(&f.skipBadImages, "skip-bad-images", false, "image folders: leave out (and count) images that do not decode or exceed data.max_image_pixels, instead of stopping (data.skip_bad_images)")
	return cmd
}

func presetHelp() string {
	var b strings.Builder
	for _, p := range config.Presets() {
		fmt.Fprintf(&b, "  %-14s %s\n", p.Name, p.Summary)
	}
	return b.String()
}

// runTrain builds the run's config from the flags (or the resumed run's), trains
// until done or stopped by a signal, and says where it wrote.
func runTrain(cmd *cobra.Command, f trainFlags) error {
	changed := cmd.Flags().Changed
	var cfg config.Config
	var err error
	opt := train.Options{Log: os.Stderr}
	if f.resume != "" {
		if cfg, err = f.resumedConfig(changed); err != nil {
			return err
		}
		opt.RunDir, opt.Resume, opt.AllowChange = f.resume, true, f.allowChange
	} else if cfg, opt.RunDir, err = f.newConfig(changed); err != nil {
		return err
	}
	if err := f.override(&cfg, changed); err != nil {
		return err
	}
	if term.IsTerminal(int(os.Stderr.Fd())) {
		opt.Progress = os.Stderr
	}
	stop, sig, release := stopOnSignal(resumeCommand(opt.RunDir))
	defer release()
	opt.Stop = stop
	res, err := train.Run(cfg, opt)
	if err != nil {
		return withResumeHint(err)
	}
	if res.Stopped {
		fmt.Printf("stopped by %s after step %d of %d\n", sig(), res.Steps, cfg.Train.Steps)
		fmt.Printf("checkpoint: %s\n", res.Checkpoint)
		fmt.Printf("resume with: %s\n", resumeCommand(opt.RunDir))
		return &stoppedError{sig: sig(), step: res.Steps, resume: resumeCommand(opt.RunDir)}
	}
	printTrained(res)
	return nil
}

// resumedConfig is the config of the run --resume names, refusing the flags that
// would change it.
func (f trainFlags) resumedConfig(changed func(string) bool) (config.Config, error) {
	for _, name := range []string{"preset", "config", "data", "batch", "seed", "out", "skip-bad-images"} {
		if changed(name) {
			return config.Config{}, fmt.Errorf("--%s cannot change a run being resumed (%s keeps its config.yaml); only --steps, --backend and --set apply", name, f.resume)
		}
	}
	cfg, err := rundir.ReadConfig(f.resume)
	if err != nil {
		return cfg, fmt.Errorf("resuming: %w", err)
	}
	return cfg, nil
}

// newConfig is a new run's config (--preset, then --config, then the flags that set
// a key) and its directory: --out, or runs/PRESET-TIME.
func (f trainFlags) newConfig(changed func(string) bool) (cfg config.Config, runDir string, err error) {
	if f.allowChange {
		return cfg, "", fmt.Errorf("--allow-change applies to --resume only (a new run takes any config)")
	}
	if cfg, err = config.FromPreset(f.preset); err != nil {
		return cfg, "", err
	}
	if f.configFile != "" {
		if cfg, err = config.Load(f.configFile, cfg); err != nil {
			return cfg, "", err
		}
	}
	if changed("data") {
		cfg.Data.Path = f.data
	}
	if changed("batch") {
		cfg.Train.Batch = f.batch
	}
	if changed("seed") {
		cfg.Train.Seed = f.seed
	}
	if changed("skip-bad-images") {
		cfg.Data.SkipBadImages = f.skipBadImages
	}
	runDir = f.out
	if runDir == "" {
		runDir = filepath.Join("runs", cfg.Preset+"-"+time.Now().Format("20060102-150405"))
	}
	return cfg, runDir, nil
}

// override applies what a new and a resumed run both take: --steps, --backend and
// each --set key=value.
func (f trainFlags) override(cfg *config.Config, changed func(string) bool) error {
	if changed("steps") {
		cfg.Train.Steps = f.steps
	}
	if changed("backend") {
		cfg.Backend = f.backend
	}
	for _, kv := range f.sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("--set %q: want key=value", kv)
		}
		if err := cfg.Set(k, v); err != nil {
			return fmt.Errorf("--set: %w", err)
		}
	}
	return nil
}

// printTrained says what a finished run did and where it wrote it.
func printTrained(res *train.Result) {
	fmt.Printf("trained steps %d-%d in %s at %.3f s/step (backend %s)\n", res.StartStep+1, res.Steps, res.RunDir,
		res.SecPerStep, res.Backend)
	iters := res.Steps - res.StartStep
	fmt.Printf("time:       %s; %.3f s per iteration after the first\n", res.Timing, res.Timing.StepSec(iters))
	samples := res.Samples
	if samples == "" {
		samples = "none written (see the warnings above)"
	}
	fmt.Printf("samples:    %s\n", samples)
	fmt.Printf("checkpoint: %s\n", res.Checkpoint)
	fmt.Printf("metrics:    %s\n", filepath.Join(res.RunDir, rundir.MetricsFile))
}

// stopOnSignal turns the first SIGINT, SIGTERM or SIGHUP into a closed stop channel
// (the run finishes its step and writes a checkpoint) and a second one into an
// immediate exit: every file gankit writes is replaced atomically, so the run keeps its
// last complete checkpoint, which the command resume continues. Notify installs the
// handler even where the parent started gankit with a signal ignored (a shell script's
// background job ignores SIGINT; nohup ignores SIGHUP), so kill -INT stops such a run
// the same way. sig reports the first signal; release stops listening.
func stopOnSignal(resume string) (stop <-chan struct{}, sig func() os.Signal, release func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	stopc, done := make(chan struct{}), make(chan struct{})
	var first os.Signal
	got := make(chan struct{})
	go func() {
		select {
		case first = <-sigs:
		case <-done:
			return
		}
		close(got)
		fmt.Fprintf(os.Stderr, "\ngankit: %s: finishing this step and writing a checkpoint (a second signal stops at once)\n", first)
		close(stopc)
		select {
		case s := <-sigs:
			fmt.Fprintf(os.Stderr, "gankit: %s again: stopping now; the newest complete checkpoint resumes with: %s\n", s, resume)
			code := 1
			if n, ok := s.(syscall.Signal); ok {
				code = 128 + int(n)
			}
			os.Exit(code)
		case <-done:
		}
	}()
	sig = func() os.Signal {
		select {
		case <-got:
			return first
		default:
			return nil
		}
	}
	return stopc, sig, func() {
		signal.Stop(sigs)
		close(done)
	}
}

// stoppedError is a run stopped by a signal with a checkpoint: exit status 75.
type stoppedError struct {
	sig    os.Signal
	step   int
	resume string
}

func (e *stoppedError) Error() string {
	return fmt.Sprintf("stopped by %s after step %d, with a checkpoint; resume with: %s", e.sig, e.step, e.resume)
}

func (e *stoppedError) ExitCode() int { return exitStopped }

// resumeCommand is the command line that continues the run in dir.
func resumeCommand(dir string) string { return "gankit train --resume " + shellQuote(dir) }

// shellQuote quotes s for a POSIX shell when it holds anything but plain path characters.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
