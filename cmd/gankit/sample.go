package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gankit/gankit/internal/fsutil"
	"github.com/gankit/gankit/internal/sysmem"
	rundir "github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// sampleFlags are the flags of gankit sample.
type sampleFlags struct {
	run, out, backend, truncMode string
	format, interpolate, path    string
	class                        string
	n, steps, perClass           int
	seed                         int64
	trunc                        float64
	noEMA, force                 bool
}

func sampleCmd() *cobra.Command {
	var f sampleFlags
	cmd := &cobra.Command{
		Use:   "sample",
		Short: "Draw samples from a trained run: a PNG grid, a synthetic dataset, or an interpolation strip",
		Long: `Load a run's latest checkpoint and draw samples from it. The generator runs in inference
mode (BatchNorm running statistics), so a sample depends only on its latent z ~ N(0, I),
and the latent only on its seed: --seed S --n N draws the seeds S, S+1, ..., S+N-1, and
sample i is the same image in a grid, in an export of any size and in the HTTP server.
G runs on batches of 64 latents (a short last batch is filled up with the next seeds),
so not even rounding depends on --n. A run trained with train.ema samples from G_ema
unless --no-ema.

Three outputs:
  (default)                      --n samples as one PNG grid (for ring8/grid25: a scatter
                                 plot over the mixture's modes)
  --format png-folder|idx|csv    a synthetic dataset of --n samples, written a batch at a
                                 time (memory does not grow with --n), and a manifest
                                 (JSON: seeds, truncation, run, step, G_ema or G, format,
                                 count, gankit version), written last:
                                   png-folder: OUT/000000.png, 000001.png, ... and
                                               OUT/manifest.json
                                   idx: one IDX images file (grayscale runs), which
                                        gankit train --data reads, and OUT.manifest.json
                                   csv: for toy runs (ring8, grid25), whose samples are
                                        2-D points, not images: one "x,y" line per point
                                        and OUT.manifest.json; png-folder and idx are
                                        refused for them, csv for image runs
  --interpolate A,B --steps K    one row of K images walking from seed A's latent to seed
                                 B's, both ends included, along --path slerp (the great
                                 circle, White 2016; the default) or lerp

A conditional run (trained with data.labels, or a conditional preset such as
cond-fmnist) draws each sample from a class, by index or by name (gankit data inspect
and the run's config.yaml, model.classes, list them). A sample is named by its seed
and its class:
  (default grid)                 one row per class, --per-class samples in each (8
                                 unless set), the seeds SEED, SEED+1, ... in every row:
                                 a column is one latent drawn as every class, and the
                                 class names are written beside the rows
  --class k|name                 only that class: a grid of --n samples, an export, or
                                 a strip (which otherwise walks class 0)
  --format png-folder|idx        a labelled dataset: --per-class N samples of each class
                                 (or --n in all), sample i of seed SEED+i and class
                                 i mod K; the manifest lists the classes and how many
                                 of each:
                                   png-folder: one sub-folder per class, OUT/CLASS/NNNNNN.png
                                     (sample i's number), which gankit train --data and
                                     torchvision's ImageFolder read labels from; the
                                     manifest lists each file's label and class name
                                   idx: the images file and, beside it, an IDX labels file
                                     (idx1-ubyte) named with -labels-idx1- where the
                                     images' name has -images-idx3-, as Fashion-MNIST's
                                     are: gankit's IDX reader finds it there

No output (a grid, an export or a strip, at --out or at its default path) writes over
an existing file or into a non-empty folder unless --force (which, for a folder, first
removes the samples and manifest of an earlier export from it). Every path written is
printed.

Truncation trades diversity for quality, at sampling time only:
  --truncation-mode resample --truncation t   redraw each |z_i| > t (BigGAN)
  --truncation-mode clip     --truncation t   clamp z_i to [-t, t]
  --truncation-mode psi      --truncation psi z' = psi * z, 0 <= psi <= 1 (StyleGAN's psi)
It is refused for generators that pixel-normalise z (model.pixel_norm), where scaling
or clipping z changes nothing or little. An interpolation truncates its two ends.`,
		Example: `  gankit sample --run runs/tiny --out grid.png
  gankit sample --run runs/fm --n 100 --seed 7 --out fm-seed7.png
  gankit sample --run runs/fm --truncation-mode resample --truncation 0.5
  gankit sample --run runs/fm --format png-folder --n 10000 --out synth-fm
  gankit sample --run runs/fm --format idx --n 60000 --out synth-images-idx3-ubyte
  gankit train --data synth-images-idx3-ubyte --out runs/on-synth   # train on the export
  gankit sample --run runs/ring8 --format csv --n 2500 --out ring8.csv
  gankit sample --run runs/fm --interpolate 3,17 --steps 10 --out walk.png
  gankit sample --run runs/fm --interpolate 3,17 --steps 10 --path lerp --force --out walk.png
  gankit train --preset cond-fmnist --out runs/cfm                    # a conditional run
  gankit sample --run runs/cfm --per-class 10 --out classes.png      # 10 rows of 10
  gankit sample --run runs/cfm --class Sneaker --n 36 --out sneakers.png
  gankit sample --run runs/cfm --class 7 --n 36 --force --out sneakers.png
  gankit sample --run runs/cfm --format png-folder --per-class 1000 --out synth-cfm
  gankit sample --run runs/cfm --format idx --per-class 6000 --out synth-train-images-idx3-ubyte`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.sample(cmd) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.run, "run", "", "run directory written by gankit train (required)")
	fl.IntVar(&f.n, "n", 64, "number of samples (grid or export)")
	fl.StringVar(&f.class, "class", "", "conditional runs: draw only this class, by index (0, 1, ...) or name (default: every class)")
	fl.IntVar(&f.perClass, "per-class", 0, "conditional runs: samples of each class, the columns of the grid (default 8) or an export's count per class")
	fl.Int64Var(&f.seed, "seed", 0, "seed of the first sample: sample i has seed SEED+i")
	fl.StringVar(&f.out, "out", "", "PNG, folder or file to write (default: under RUN/samples/, named after the step and seeds)")
	fl.StringVar(&f.backend, "backend", "", "backend (default: the run's)")
	fl.StringVar(&f.truncMode, "truncation-mode", "", "truncation: resample | clip | psi (default: none)")
	fl.Float64Var(&f.trunc, "truncation", 0, "truncation threshold t (resample, clip) or psi")
	fl.BoolVar(&f.noEMA, "no-ema", false, "sample G itself in a run that keeps G_ema")
	fl.StringVar(&f.format, "format", "", "export a dataset instead of a grid: png-folder | idx | csv (toy runs)")
	fl.StringVar(&f.interpolate, "interpolate", "", "SEED_A,SEED_B: write an interpolation strip between two seeds' latents")
	fl.IntVar(&f.steps, "steps", 8, "images in the interpolation strip, both ends included (at least 2)")
	fl.StringVar(&f.path, "path", "slerp", "interpolation path: slerp | lerp")
	fl.BoolVar(&f.force, "force", false, "write a grid, export or strip over an existing file, or an export into a non-empty folder")
	return cmd
}

// sample checks every flag, then opens the run and writes one of the three outputs.
func (f *sampleFlags) sample(cmd *cobra.Command) error {
	changed := cmd.Flags().Changed
	if f.run == "" {
		return fmt.Errorf("--run DIR is required: the directory `gankit train --out` wrote")
	}
	if f.n < 1 {
		return fmt.Errorf("--n: want at least 1, got %d", f.n)
	}
	if changed("per-class") && f.perClass < 1 {
		return fmt.Errorf("--per-class: want at least 1, got %d", f.perClass)
	}
	if changed("per-class") && changed("n") {
		return fmt.Errorf("--n and --per-class: choose one (--per-class N draws N samples of each class)")
	}
	tr := sample.Truncation{Mode: f.truncMode, Value: f.trunc}
	if f.truncMode == "" && changed("truncation") {
		return fmt.Errorf("--truncation needs --truncation-mode (one of %v)", sample.TruncModes())
	}
	if err := tr.Validate(); err != nil {
		return fmt.Errorf("--truncation-mode/--truncation: %w", err)
	}
	var format sample.Format
	var ends [2]int64
	var path sample.Path
	var err error
	switch {
	case f.format != "" && f.interpolate != "":
		return fmt.Errorf("--format and --interpolate: choose one (an export of --n samples, or a strip between two seeds)")
	case f.format != "":
		format, err = f.checkExport()
	case f.interpolate != "":
		ends, path, err = f.checkStrip(changed)
	default:
		err = f.checkGrid(changed)
	}
	if err != nil {
		return err
	}
	// The refusals need only the config: check them before loading anything.
	cfg, err := rundir.ReadConfig(f.run)
	if err != nil {
		return err
	}
	if err := rundir.CheckTruncation(cfg, tr); err != nil {
		return fmt.Errorf("--truncation-mode: %w", err)
	}
	d, err := f.draw(changed, cfg.Model.Classes)
	if err != nil {
		return err
	}
	if f.interpolate == "" { // a strip's seeds are its two ends, not --seed and --n
		if err := sample.CheckSeeds(f.seed, d.seeds); err != nil {
			return fmt.Errorf("--seed/%s: %w", d.countFlag, err)
		}
	}
	if f.format != "" && f.out != "" {
		if err := sample.CheckLabels(format, f.out, f.force, cfg.Model.Classes); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	tg, err := rundir.Open(f.run, rundir.OpenOptions{Backend: f.backend, Log: os.Stderr})
	if err != nil {
		return err
	}
	switch {
	case f.format != "":
		return f.export(tg, format, tr, d)
	case f.interpolate != "":
		return f.strip(tg, ends, path, tr, d)
	}
	return f.grid(tg, tr, d)
}

// classDraw is what the class flags ask of a run: which class (nil: every class,
// or none for an unconditional run), and how many samples.
type classDraw struct {
	classes   []string // the run's; nil when unconditional
	class     *int32   // --class; nil for every class
	n         int      // samples in all (a grid, an export)
	perClass  int      // a conditional run's grid of one row per class: its columns; 0 otherwise
	seeds     int      // seeds drawn: SEED, ..., SEED+seeds-1
	countFlag string   // the flag that set the count, for messages
}

// draw reads --class and --per-class against the run's classes.
func (f *sampleFlags) draw(changed func(string) bool, classes []string) (classDraw, error) {
	d := classDraw{classes: classes, n: f.n, seeds: f.n, countFlag: "--n"}
	if len(classes) == 0 {
		switch {
		case f.class != "":
			return d, fmt.Errorf("--class %q: the run is unconditional (model.classes is empty: trained without data.labels), so it has no classes to choose from; sample it without --class", f.class)
		case changed("per-class"):
			return d, fmt.Errorf("--per-class: the run is unconditional (model.classes is empty: trained without data.labels); use --n for the number of samples")
		}
		return d, nil
	}
	if f.class != "" {
		c, err := sample.ParseClass(f.class, classes)
		if err != nil {
			return d, fmt.Errorf("--class: %w", err)
		}
		d.class = &c
	}
	if changed("per-class") {
		d.n, d.countFlag = f.perClass, "--per-class"
		if d.class == nil {
			d.n = f.perClass * len(classes)
		}
		d.seeds = d.n
	}
	if f.format == "" && f.interpolate == "" && d.class == nil { // a grid of one row per class
		if changed("n") {
			return d, fmt.Errorf("--n: a conditional run's grid has one row per class (%s); --per-class sets how many samples each row has, or --class k draws --n samples of one class", sample.DescribeClasses(classes))
		}
		d.perClass = 8
		if changed("per-class") {
			d.perClass = f.perClass
		}
		d.n, d.seeds, d.countFlag = d.perClass*len(classes), d.perClass, "--per-class"
	}
	if f.interpolate != "" && changed("per-class") {
		return d, fmt.Errorf("--per-class does not apply to --interpolate: --steps sets how many images the strip has")
	}
	return d, nil
}

// className is " of class c (name)" for messages, or "".
func (d classDraw) className() string {
	if d.class == nil {
		return ""
	}
	return fmt.Sprintf(" of class %d (%s)", *d.class, d.classes[*d.class])
}

// nameTag is "-classC" for default file names, or "".
func (d classDraw) nameTag() string {
	if d.class == nil {
		return ""
	}
	return fmt.Sprintf("-class%d", *d.class)
}

// of is the draw's classes for sample.RunEach: nil draws an unconditional run's
// samples, or a conditional run's with balanced classes.
func (d classDraw) of() sample.ClassOf {
	if d.class == nil {
		return nil
	}
	return sample.OnlyClass(*d.class)
}

// checkExport reads --format and checks that --out may take the export.
func (f *sampleFlags) checkExport() (sample.Format, error) {
	format, err := sample.ParseFormat(f.format)
	if err != nil {
		return format, fmt.Errorf("--format: %w", err)
	}
	if f.out != "" {
		if err := sample.CheckTarget(format, f.out, f.force); err != nil {
			return format, fmt.Errorf("--out: %w", err)
		}
	}
	return format, nil
}

// checkStrip reads --interpolate's seeds and --path, and checks --steps and --out.
func (f *sampleFlags) checkStrip(changed func(string) bool) ([2]int64, sample.Path, error) {
	var path sample.Path
	ends, err := parseSeedPair(f.interpolate)
	if err != nil {
		return ends, path, err
	}
	if f.steps < 2 {
		return ends, path, fmt.Errorf("--steps: want at least 2 (both ends of the strip), got %d", f.steps)
	}
	if changed("n") {
		return ends, path, fmt.Errorf("--n does not apply to --interpolate: --steps sets how many images the strip has")
	}
	if path, err = sample.ParsePath(f.path); err != nil {
		return ends, path, fmt.Errorf("--path: %w", err)
	}
	if f.out != "" {
		if err := checkNewFile(f.out, f.force); err != nil {
			return ends, path, fmt.Errorf("--out: %w", err)
		}
	}
	return ends, path, nil
}

// checkGrid refuses the strip's flags for a grid and checks --out as a strip's is
// checked: an existing file is replaced only with --force.
func (f *sampleFlags) checkGrid(changed func(string) bool) error {
	for _, name := range []string{"steps", "path"} {
		if changed(name) {
			return fmt.Errorf("--%s applies only to --interpolate SEED_A,SEED_B", name)
		}
	}
	if f.out != "" {
		if err := checkNewFile(f.out, f.force); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	return nil
}

// perSample is the memory one sample in flight takes.
func perSample(tg *rundir.Trained) float64 {
	return tg.Config.SamplingBytesPerSample(tg.Source.Shape())
}

func (f *sampleFlags) grid(tg *rundir.Trained, tr sample.Truncation, d classDraw) error {
	// G runs on a whole batch however few are asked for.
	need := sysmem.Need{What: d.countFlag, N: d.n, Unit: "sample", PerItem: perSample(tg), Fixed: sample.Batch * perSample(tg)}
	if err := sysmem.Available().Check(need); err != nil {
		return err
	}
	out := f.out
	if out == "" {
		// The name leaves out truncation and --no-ema: another grid may take it.
		name := fmt.Sprintf("sample-step%d-seed%d-n%d%s.png", tg.Step, f.seed, d.n, d.nameTag())
		if d.perClass > 0 {
			name = fmt.Sprintf("sample-step%d-seed%d-perclass%d.png", tg.Step, f.seed, d.perClass)
		}
		out = filepath.Join(tg.Dir, rundir.SamplesDir, name)
		if err := checkNewFile(out, f.force); err != nil {
			return fmt.Errorf("--out (default): %w", err)
		}
	}
	gen, err := tg.Generator(!f.noEMA)
	if err != nil {
		return err
	}
	if d.perClass > 0 {
		x, err := gen.ClassRows(f.seed, d.perClass, tr)
		if err != nil {
			return err
		}
		img, err := sample.ClassGrid(x, tg.Source.Shape(), d.classes, d.perClass)
		if err != nil {
			return err
		}
		if err := sample.WritePNG(out, img); err != nil {
			return err
		}
		fmt.Printf("%d classes x %d samples (one row per class, seeds %d-%d in every row) from %s (step %d) -> %s\n",
			len(d.classes), d.perClass, f.seed, f.seed+int64(d.perClass)-1, tg.Dir, tg.Step, out)
		return nil
	}
	x, err := gen.Seeds(f.seed, d.n, tr, d.of())
	if err != nil {
		return err
	}
	if err := sample.WriteSamples(out, x, tg.Source); err != nil {
		return err
	}
	fmt.Printf("%d samples%s from %s (step %d) -> %s\n", d.n, d.className(), tg.Dir, tg.Step, out)
	return nil
}

func (f *sampleFlags) export(tg *rundir.Trained, format sample.Format, tr sample.Truncation, d classDraw) error {
	shape := tg.Source.Shape()
	if err := format.Fits(shape); err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	if format == sample.IDX && d.n > sample.MaxIDXCount {
		return fmt.Errorf("%s %d: an IDX file that gankit reads back holds at most %d images; use --format png-folder", d.countFlag, d.n, sample.MaxIDXCount)
	}
	// Only one batch is in memory at a time, whatever --n is.
	need := sysmem.Need{What: d.countFlag + " (exported a batch at a time)", N: min(d.n, sample.Batch), Unit: "sample", PerItem: perSample(tg)}
	if err := sysmem.Available().Check(need); err != nil {
		return err
	}
	out := f.out
	if out == "" {
		name := fmt.Sprintf("export-step%d-seed%d-n%d%s", tg.Step, f.seed, d.n, d.nameTag())
		switch format {
		case sample.IDX:
			name += "-images-idx3-ubyte"
		case sample.CSV:
			name += ".csv"
		}
		out = filepath.Join(tg.Dir, rundir.SamplesDir, name)
		if err := sample.CheckTarget(format, out, f.force); err != nil {
			return fmt.Errorf("--out (default): %w", err)
		}
		if err := sample.CheckLabels(format, out, f.force, d.classes); err != nil {
			return fmt.Errorf("--out (default): %w", err)
		}
	}
	gen, err := tg.Generator(!f.noEMA)
	if err != nil {
		return err
	}
	m := sample.Manifest{
		Run: absPath(tg.Dir), Step: tg.Step, Checkpoint: absPath(tg.Checkpoint),
		Generator: generatorName(tg, !f.noEMA), Gankit: gankitVersion(),
	}
	bar := newSampleBar(d.n, "exporting")
	w, err := sample.Export(gen, format, out, sample.Draw{First: f.seed, N: d.n, Truncation: tr, Class: d.class}, m, bar.add)
	bar.finish()
	if err != nil {
		return err
	}
	labelled := ""
	if len(d.classes) > 0 {
		labelled = ", labelled"
		if d.class == nil {
			labelled = fmt.Sprintf(", labelled, class i mod %d", len(d.classes))
		}
	}
	fmt.Printf("%d samples%s (seeds %d-%d%s) from %s (step %d) as %s -> %s\n", d.n, d.className(), f.seed, f.seed+int64(d.n)-1, labelled, tg.Dir, tg.Step, format, w.Data)
	if w.Labels != "" {
		fmt.Printf("labels: %s\n", w.Labels)
	}
	fmt.Printf("manifest: %s\n", w.Manifest)
	return nil
}

func (f *sampleFlags) strip(tg *rundir.Trained, ends [2]int64, path sample.Path, tr sample.Truncation, d classDraw) error {
	if tg.Source.Shape().Dim > 0 {
		return fmt.Errorf("--interpolate draws a row of images, and this run's samples are %d-D points (a toy mixture): export them with --format csv instead", tg.Source.Shape().Dim)
	}
	need := sysmem.Need{What: "--steps", N: f.steps, Unit: "image", PerItem: perSample(tg), Fixed: sample.Batch * perSample(tg)}
	if err := sysmem.Available().Check(need); err != nil {
		return err
	}
	zd := tg.Config.Model.ZDim
	zs, err := sample.Interpolate(path, sample.SeedLatent(ends[0], zd, tr), sample.SeedLatent(ends[1], zd, tr), f.steps)
	if err != nil {
		return err
	}
	out := f.out
	if out == "" {
		out = filepath.Join(tg.Dir, rundir.SamplesDir, fmt.Sprintf("interpolate-step%d-seed%d-seed%d-%s-k%d%s.png", tg.Step, ends[0], ends[1], path, f.steps, d.nameTag()))
		if err := checkNewFile(out, f.force); err != nil {
			return fmt.Errorf("--out (default): %w", err)
		}
	}
	gen, err := tg.Generator(!f.noEMA)
	if err != nil {
		return err
	}
	if len(d.classes) > 0 && d.class == nil {
		d.class = new(int32) // a strip walks the latent in one class: class 0 unless --class
	}
	if err := sample.WriteStrip(gen, out, zs, d.class); err != nil {
		return err
	}
	fmt.Printf("%d images%s from seed %d to seed %d (%s) from %s (step %d) -> %s\n", f.steps, d.className(), ends[0], ends[1], path, tg.Dir, tg.Step, out)
	return nil
}

// parseSeedPair reads --interpolate's "SEED_A,SEED_B".
func parseSeedPair(s string) ([2]int64, error) {
	var ends [2]int64
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return ends, fmt.Errorf("--interpolate %q: want two seeds SEED_A,SEED_B (e.g. 3,17)", s)
	}
	for i, v := range []string{a, b} {
		seed, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return ends, fmt.Errorf("--interpolate %q: %q is not a whole-number seed; want SEED_A,SEED_B (e.g. 3,17)", s, v)
		}
		ends[i] = seed
	}
	return ends, nil
}

// checkNewFile refuses an existing file unless force.
func checkNewFile(path string, force bool) error {
	if err := fsutil.CheckReplaceable(path); err != nil {
		return err
	}
	if _, err := os.Lstat(path); err == nil && !force {
		return fmt.Errorf("%s exists: choose another path, or pass --force to replace it", path)
	}
	return nil
}

func generatorName(tg *rundir.Trained, ema bool) string {
	if ema && tg.HasEMA() {
		return "G_ema"
	}
	return "G"
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// gankitVersion is the module version and VCS revision the binary was built from,
// when the build recorded them ("" otherwise).
func gankitVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	v := bi.Main.Version
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		v = strings.TrimSpace(v + " " + rev + dirty)
	}
	return v
}

// sampleBar is a progress bar on a terminal for exports of more than one batch.
type sampleBar struct{ bar *progressbar.ProgressBar }

func newSampleBar(n int, what string) sampleBar {
	if n <= sample.Batch || !term.IsTerminal(int(os.Stderr.Fd())) {
		return sampleBar{}
	}
	return sampleBar{progressbar.NewOptions(n,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("sample"),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionFullWidth(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(os.Stderr) }),
	)}
}

func (b sampleBar) add() {
	if b.bar != nil {
		_ = b.bar.Add(1)
	}
}

func (b sampleBar) finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
	}
}
