package bench

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/backend/cpu/gemm"
	"github.com/gankit/gankit/backend/cpu/simd"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/sysmem"
	"github.com/gankit/gankit/nets"
	"github.com/gankit/gankit/train"
	"github.com/gomlx/gomlx/backends"
)

// warmup is the number of untimed iterations before each configuration's timed ones,
// in gankit and in the PyTorch script alike.
const warmup = 3

// peakTime is how long gankit's own GEMM is timed for the SGEMM peak (the PyTorch
// script times torch.mm for as long).
const peakTime = 400 * time.Millisecond

// Model is a model gankit bench times: the default preset's DCGAN (model.width 64,
// z 100, BatchNorm in G and D, LeakyReLU 0.2) or the r3gan preset (its nets, RpGAN +
// R1 + R2), on images of Shape.
type Model struct {
	Arch  string // nets.ArchDCGAN or nets.ArchR3GAN
	Shape data.Shape
	Desc  string // the nets' layer widths
}

// Archs gankit bench times.
var benchArchs = []string{nets.ArchDCGAN, nets.ArchR3GAN}

// ModelFor is the model --arch and --size pick: for dcgan, 28, the reference DCGAN
// of docs/protocols.md on 28x28x1 images, or 64, pytorch/examples' 64x64x3 DCGAN;
// for r3gan, 28, the r3gan preset on 28x28x1 images.
func ModelFor(arch string, size int) (Model, error) {
	switch {
	case arch == nets.ArchDCGAN && size == 28:
		return Model{arch, data.Shape{Size: 28, Channels: 1}, "28x28x1 reference DCGAN: G 100 -> 7x7x128 -> 64 -> 1, D 1 -> 64 -> 128 -> 1"}, nil
	case arch == nets.ArchDCGAN && size == 64:
		return Model{arch, data.Shape{Size: 64, Channels: 3}, "64x64x3 DCGAN (pytorch/examples' shapes): G 100 -> 4x4x512 -> 256 -> 128 -> 64 -> 3, D 3 -> 64 -> 128 -> 256 -> 512 -> 1"}, nil
	case arch == nets.ArchDCGAN:
		return Model{}, fmt.Errorf("%d is not 28 (the 28x28x1 reference DCGAN) or 64 (the 64x64x3 DCGAN of pytorch/examples)", size)
	case arch == nets.ArchR3GAN && size == 28:
		return Model{arch, data.Shape{Size: 28, Channels: 1}, "28x28x1 r3gan preset: stages at 7, 14, 28 of one ResNeXt block (64 -> 128 in 8 groups of 16 -> 64), RpGAN + R1 + R2"}, nil
	case arch == nets.ArchR3GAN:
		return Model{}, fmt.Errorf("%d: the r3gan model is timed at 28 (28x28x1) only", size)
	}
	return Model{}, fmt.Errorf("%q is not one of %s", arch, strings.Join(benchArchs, ", "))
}

// Variants are the configurations of m timed for each batch size: the upsampling
// variants asked for (ups) for a DCGAN, the preset as it is ("") for R3GAN.
func (m Model) Variants(ups []string) []string {
	if m.Arch == nets.ArchR3GAN {
		return []string{""}
	}
	return ups
}

// Config is the model's preset with upsampling up (DCGAN) and batch n.
func (m Model) Config(up string, n int) config.Config {
	if m.Arch == nets.ArchR3GAN {
		cfg, _ := config.FromPreset("r3gan")
		cfg.Data.Size, cfg.Data.Channels = m.Shape.Size, m.Shape.Channels
		cfg.Train.Batch = n
		return cfg
	}
	cfg, _ := config.FromPreset(config.DefaultPreset)
	cfg.Data.Size, cfg.Data.Channels = m.Shape.Size, m.Shape.Channels
	cfg.Model.Upsample, cfg.Train.Batch = up, n
	return cfg
}

// CheckBatch refuses a batch size below 1 or one whose training step would not fit
// in the memory available now.
func (m Model) CheckBatch(n int) error {
	if n < 1 {
		return fmt.Errorf("batch %d is not a positive size", n)
	}
	// Nearest upsampling holds the most activations of the DCGAN variants timed.
	return m.Config(nets.UpNearest, n).CheckMemory(m.Shape, sysmem.Available())
}

// CheckUpsample refuses an upsampling mode the PyTorch reference does not build.
func CheckUpsample(u string) error {
	if u != nets.UpTransposed && u != nets.UpNearest {
		return fmt.Errorf("%q is not %q or %q", u, nets.UpTransposed, nets.UpNearest)
	}
	return nil
}

// Options say what a Run times.
type Options struct {
	Backend  backends.Backend
	Models   []Model  // each timed at every batch size and variant
	Batches  []int    // batch sizes
	Upsample []string // the DCGAN's upsampling variants, each checked by CheckUpsample
	Iters    int      // timed iterations per configuration and round, after the warm-up ones
	Rounds   int      // rounds, each timing every configuration in gankit, then in PyTorch
	Torch    bool     // run the PyTorch reference when /usr/bin/python3 has torch
	TorchISA string   // ISAMatch or ISANative
	// TorchScript is a PyTorch reference file to run for the DCGAN instead of the
	// copy built into the binary ("").
	TorchScript string
}

// check refuses options Run cannot time.
func (o Options) check() error {
	switch {
	case o.Backend == nil:
		return fmt.Errorf("bench: no backend")
	case o.Rounds < 1 || o.Iters < 1:
		return fmt.Errorf("bench: rounds %d and iters %d must both be at least 1", o.Rounds, o.Iters)
	case len(o.Models) == 0 || len(o.Batches) == 0 || len(o.Upsample) == 0:
		return fmt.Errorf("bench: %d models, %d batch sizes and %d upsampling variants, want at least one of each", len(o.Models), len(o.Batches), len(o.Upsample))
	}
	for _, m := range o.Models {
		if _, err := ModelFor(m.Arch, m.Shape.Size); err != nil {
			return fmt.Errorf("bench: %s size %w", m.Arch, err)
		}
		for _, n := range o.Batches {
			if err := m.CheckBatch(n); err != nil {
				return fmt.Errorf("bench: %s: %w", m.Arch, err)
			}
		}
	}
	for _, u := range o.Upsample {
		if err := CheckUpsample(u); err != nil {
			return fmt.Errorf("bench: upsample %w", err)
		}
	}
	if o.Torch {
		if err := CheckTorchISA(o.TorchISA); err != nil {
			return fmt.Errorf("bench: torch ISA %w", err)
		}
	}
	return nil
}

// Run times every configuration of o in o.Rounds rounds. It writes what it learns
// before the rounds (backend, model, SGEMM peak) to log as it goes, since the
// rounds take a while; Report.WriteText prints the rest.
func Run(o Options, log io.Writer) (Report, error) {
	if err := o.check(); err != nil {
		return Report{}, err
	}
	rep, kernels := measurePeak(o, log)
	peer := prepareTorch(o, kernels, &rep, log)
	fmt.Fprintf(log, "SGEMM peak %.0f GFLOP/s (%s)\n", rep.SGEMMPeak, peakNote(rep))
	got, err := timeRounds(o, &peer, &rep)
	if err != nil {
		return Report{}, err
	}
	summarise(&rep, o.Models, got)
	if peer.err != nil {
		rep.TorchNotRun = peer.err.Error()
	}
	rep.MaxRSSMB = maxRSSMB()
	return rep, nil
}

// measurePeak starts the report: the backend, the model and gankit's own GEMM
// peak, timed on the backend's kernel set (a backend without one, go or xla, gets
// the set the cpu backend would run), which it also returns.
func measurePeak(o Options, log io.Writer) (Report, simd.Set) {
	b := o.Backend
	kernels, own := simd.Set(0), false
	if k, ok := b.(interface{ Kernels() simd.Set }); ok {
		kernels, own = k.Kernels(), true
	} else if k, err := simd.FromEnv(); err == nil {
		kernels = k
	} else {
		kernels = simd.Best()
	}
	var descs []string
	for _, m := range o.Models {
		descs = append(descs, m.Desc)
	}
	first := o.Models[0].Shape
	rep := Report{Backend: b.Name(), Cores: runtime.GOMAXPROCS(0), Rounds: o.Rounds,
		Size: first.Size, Channels: first.Channels, Model: strings.Join(descs, "; ")}
	if own {
		rep.Kernels = kernels.String()
	}
	fmt.Fprintf(log, "backend: %s, %d cores\n", backend.Describe(b), rep.Cores)
	for _, m := range o.Models {
		fmt.Fprintf(log, "model: %s\n", m.Desc)
	}
	peak := gemm.MeasurePeak(kernels, peakTime)
	rep.SGEMMOwn, rep.SGEMMKernels = peak.GFLOPs, peak.Kernels.String()
	rep.SGEMMPeak, rep.SGEMMPeakBy = rep.SGEMMOwn, "gankit"
	return rep, kernels
}

// peer is the PyTorch side of a run: its script and environment, and why it does
// not run (nil while it does, and when it was not asked for: off).
type peer struct {
	off    bool
	script torchScript
	env    []string
	err    error
}

// runs says whether PyTorch is timed next to gankit.
func (p peer) runs() bool { return !p.off && p.err == nil }

// prepareTorch checks that PyTorch can run, sets the instruction set it may use
// and times its torch.mm, the other candidate for the SGEMM peak.
func prepareTorch(o Options, kernels simd.Set, rep *Report, log io.Writer) peer {
	if !o.Torch {
		return peer{off: true}
	}
	p := peer{script: torchScript{path: o.TorchScript}}
	env, note, err := torchISAEnv(o.TorchISA, kernels)
	if err != nil {
		return peer{err: err}
	}
	p.env, rep.TorchISA = env, strings.Join(env, " ")
	if note != "" {
		fmt.Fprintln(log, note)
	}
	if p.err = p.script.check(); p.err != nil {
		return p
	}
	if rep.SGEMMTorch, p.err = p.script.sgemm(rep.Cores, p.env); p.err != nil {
		return p
	}
	if rep.SGEMMTorch > rep.SGEMMOwn {
		rep.SGEMMPeak, rep.SGEMMPeakBy = rep.SGEMMTorch, "torch"
	}
	return p
}

// timings are one configuration's figures over the rounds, in ms per iteration.
type timings struct {
	gankit, torch []float64
	ratio         []float64 // per round: PyTorch's time / gankit's, timed back to back
}

// key names a configuration.
type key struct {
	arch, up string
	batch    int
}

// timeRounds times every configuration, round by round. Rounds alternate gankit
// and PyTorch, so that a machine whose speed drifts (a shared virtual machine)
// slows both alike; each round's gankit figure is the median of its timed
// iterations, as the PyTorch script's is.
func timeRounds(o Options, p *peer, rep *Report) (map[key]*timings, error) {
	got := map[key]*timings{}
	for round := range o.Rounds {
		for _, m := range o.Models {
			for _, up := range m.Variants(o.Upsample) {
				for _, n := range o.Batches {
					k := key{m.Arch, up, n}
					if got[k] == nil {
						got[k] = &timings{}
						rep.Rows = append(rep.Rows, Row{Timing: Timing{Arch: m.Arch, Batch: n, Upsample: up}})
					}
					secs, err := train.TimeSteps(o.Backend, m.Config(up, n), m.Shape, warmup, o.Iters)
					if err != nil {
						return nil, fmt.Errorf("round %d, %s batch %d: %w", round+1, k.label(), n, err)
					}
					trim(o.Backend)
					ms := 1e3 * median(secs)
					got[k].gankit = append(got[k].gankit, ms)
					if p.runs() {
						p.err = timeTorch(o, *p, rep, got, ms, m, k)
					}
				}
			}
		}
	}
	return got, nil
}

// trim hands back what the backend kept for reuse and what the Go heap holds:
// memory is measured per configuration, as PyTorch's process runs one.
func trim(b backends.Backend) {
	if tr, ok := b.(interface{ Trim() }); ok {
		tr.Trim()
	}
	runtime.GC()
	debug.FreeOSMemory()
}

// timeTorch times configuration k in PyTorch right after gankit's ms.
func timeTorch(o Options, p peer, rep *Report, got map[key]*timings, ms float64, m Model, k key) error {
	script := p.script.forArch(m.Arch)
	rows, err := script.run(rep.Cores, strconv.Itoa(k.batch), k.up, o.Iters, m.Shape.Size, p.env)
	if err != nil {
		return err
	}
	for _, r := range rows {
		up := r.Upsample
		if m.Arch == nets.ArchR3GAN {
			up = ""
		}
		t := got[key{m.Arch, up, r.Batch}]
		if t == nil {
			return fmt.Errorf("%s timed %s batch %d, which was not asked for", script, r.Upsample, r.Batch)
		}
		t.torch = append(t.torch, r.Ms)
		t.ratio = append(t.ratio, r.Ms/ms)
		rep.TorchVersion, rep.TorchRSSMB = r.Torch, max(rep.TorchRSSMB, r.RSS)
	}
	return nil
}

// summarise turns each row's timings into its figures: the median over rounds and
// the range, throughput, GFLOP/s, share of the SGEMM peak, and the median of the
// per-round speedups.
func summarise(rep *Report, models []Model, got map[key]*timings) {
	for i := range rep.Rows {
		r := &rep.Rows[i]
		t := got[key{r.Arch, r.Upsample, r.Batch}]
		m := modelOf(models, r.Arch)
		r.MsPerIt, r.MsMin, r.MsMax = median(t.gankit), slices.Min(t.gankit), slices.Max(t.gankit)
		r.ModelGF = m.Config(r.Upsample, r.Batch).Model.IterationFLOPs(m.Shape, r.Batch) / 1e9
		sec := r.MsPerIt / 1e3
		r.Samples, r.GFLOPs = float64(r.Batch)/sec, r.ModelGF/sec
		if rep.SGEMMPeak > 0 {
			r.PeakPct = 100 * r.GFLOPs / rep.SGEMMPeak
		}
		if len(t.torch) > 0 {
			r.TorchMs, r.TorchMin, r.TorchMax = median(t.torch), slices.Min(t.torch), slices.Max(t.torch)
			r.TorchRatio = median(t.ratio)
		}
	}
	// The r3gan preset's iteration against the default preset's (dcgan-fmnist:
	// transposed upsampling) at the same batch size, when both were timed.
	for i := range rep.Rows {
		r := &rep.Rows[i]
		if r.Arch != nets.ArchR3GAN {
			continue
		}
		for _, d := range rep.Rows {
			if d.Arch == nets.ArchDCGAN && d.Upsample == nets.UpTransposed && d.Batch == r.Batch && d.MsPerIt > 0 {
				r.VsDCGAN = r.MsPerIt / d.MsPerIt
			}
		}
	}
}

// modelOf is the model of models with architecture arch.
func modelOf(models []Model, arch string) Model {
	for _, m := range models {
		if m.Arch == arch {
			return m
		}
	}
	return Model{}
}

// label names a configuration in messages: its upsampling variant, or the
// architecture where it has none.
func (k key) label() string {
	if k.up == "" {
		return k.arch
	}
	return k.up
}

// maxRSSMB is this process's peak resident set size (VmHWM), 0 where /proc has none.
func maxRSSMB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
