package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	"github.com/spf13/cobra"
)

type benchRow struct {
	train.StepTiming
	PeakPct    float64 `json:"peak_pct"` // achieved model GFLOP/s as a percentage of the SGEMM peak
	MsMin      float64 `json:"ms_per_it_min"`
	MsMax      float64 `json:"ms_per_it_max"`
	TorchMs    float64 `json:"torch_ms_per_it,omitempty"`
	TorchMin   float64 `json:"torch_ms_per_it_min,omitempty"`
	TorchMax   float64 `json:"torch_ms_per_it_max,omitempty"`
	TorchRatio float64 `json:"speedup_vs_torch,omitempty"` // median over rounds of the paired ratios
}

type benchReport struct {
	Backend  string `json:"backend"`
	Kernels  string `json:"kernels"` // the cpu backend's kernel set ("" for other backends)
	Cores    int    `json:"cores"`
	Size     int    `json:"size"`     // image size: 28 (28x28x1) or 64 (64x64x3)
	Channels int    `json:"channels"` // image channels: 1 or 3
	Model    string `json:"model"`    // the nets' layer widths
	// SGEMMPeak is the faster of gankit's own float32 GEMM (SGEMMOwn, on kernel set
	// SGEMMKernels) and PyTorch's torch.mm (SGEMMTorch: its BLAS, OpenBLAS on Debian,
	// when PyTorch runs) on a 1024^3 product; SGEMMPeakBy says which ("gankit" or
	// "torch").
	SGEMMPeak    float64    `json:"sgemm_peak_gflops"`
	SGEMMPeakBy  string     `json:"sgemm_peak_by"`
	SGEMMOwn     float64    `json:"sgemm_gankit_gflops"`
	SGEMMKernels string     `json:"sgemm_gankit_kernels"`
	SGEMMTorch   float64    `json:"sgemm_torch_gflops,omitempty"`
	Rounds       int        `json:"rounds"`
	Rows         []benchRow `json:"rows"`
	MaxRSSMB     float64    `json:"max_rss_mb"`
	TorchVersion string     `json:"torch_version,omitempty"`
	TorchRSSMB   float64    `json:"torch_max_rss_mb,omitempty"`
	TorchISA     string     `json:"torch_isa_env,omitempty"` // variables that kept PyTorch to gankit's instruction set
}

func benchCmd() *cobra.Command {
	var be, batches, ups, torchScript, torchISA string
	var iters, rounds, size int
	var asJSON, noTorch bool
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Time the reference DCGAN's training iteration, next to PyTorch when it is installed",
		Long: `Time one training iteration (a D step and a G step, as in training) of a DCGAN for
each batch size and both upsampling variants (transposed conv k4s2, nearest 2x + conv k3):

  --size 28 (default): the reference DCGAN of design.md §3 on 28x28x1 images,
    G 100 -> 7x7x128 -> 64 -> 1, D 64 -> 128 -> 1.
  --size 64: the 64x64x3 DCGAN of pytorch/examples' dcgan (about 15x the work per
    sample), G 100 -> 4x4x512 -> 256 -> 128 -> 64 -> 3 (BN + ReLU, tanh),
    D 3 -> 64 -> 128 -> 256 -> 512 -> 1 (BN from the second conv, LeakyReLU 0.2).
    gankit's nets at model.width 64, data.size 64, data.channels 3: G's first
    layer is a dense 100 -> 4*4*512 and D's last a dense 4*4*512 -> 1, the same
    products as pytorch/examples' ConvTranspose k4 s1 p0 on a 1x1 input and Conv
    k4 s1 p0 on a 4x4 one; every layer has a bias (PyTorch's side too).

The first line names the backend (for the cpu backend its kernel set, which
$GANKIT_CPU_KERNELS=avx512|avx2|neon|go forces, and its BLAS). Prints ms/iteration
(median), samples/s, achieved GFLOP/s of model work (counted as PyTorch does it: 3x
G's and 9x D's forward FLOPs) and its share of this machine's SGEMM peak: a 1024^3
float32 product timed on gankit's own GEMM (on the backend's kernel set) and, when
PyTorch runs, on torch.mm (its BLAS: OpenBLAS on Debian), the faster being the
peak. When /usr/bin/python3 has torch (apt-get install python3-torch), the same
model runs in PyTorch in the same invocation, with the same thread count, and the speedup is printed. Each round times
every configuration in gankit and then at once in PyTorch; times are medians over
rounds (with the range), and the speedup is the median over rounds of the
back-to-back ratios, so that a machine whose speed drifts (a shared virtual machine)
weighs on both alike. When gankit runs a smaller kernel set than the CPU has
(GANKIT_CPU_KERNELS=avx2 on an AVX-512 CPU), PyTorch is kept to the same instruction
set (--torch-isa match, the default), so that the figures stand for a machine that
has only that set; --torch-isa native lets PyTorch use everything.`,
		Example: `  gankit bench
  gankit bench --batches 64 --iters 20 --json
  gankit bench --batches 64 --upsample nearest --no-torch
  gankit bench --size 64 --batches 16,64 --iters 5
  GANKIT_CPU_KERNELS=avx2 gankit bench --batches 64`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if rounds < 1 || iters < 1 {
				return fmt.Errorf("--rounds and --iters must be at least 1")
			}
			model, ok := benchModels[size]
			if !ok {
				return fmt.Errorf("--size: %d is not 28 (the 28x28x1 reference DCGAN) or 64 (the 64x64x3 DCGAN of pytorch/examples)", size)
			}
			var bs []int
			for _, s := range strings.Split(batches, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil || n < 1 {
					return fmt.Errorf("--batches: %q is not a list of positive sizes", batches)
				}
				// Nearest upsampling holds the most activations of the variants timed.
				if err := benchConfig(model.shape, nets.UpNearest, n).CheckMemory(model.shape, sysmem.Available()); err != nil {
					return fmt.Errorf("--batches: %w", err)
				}
				bs = append(bs, n)
			}
			var variants []string
			for _, u := range strings.Split(ups, ",") {
				u = strings.TrimSpace(u)
				if u != nets.UpTransposed && u != nets.UpNearest {
					return fmt.Errorf("--upsample: %q is not %q or %q", u, nets.UpTransposed, nets.UpNearest)
				}
				variants = append(variants, u)
			}
			b, err := backend.New(backend.Resolve(be))
			if err != nil {
				return err
			}
			// The own GEMM's peak is timed on the backend's kernel set; a backend
			// without one (go, xla) gets the set the cpu backend would run.
			var kernels simd.Set
			if k, ok := b.(interface{ Kernels() simd.Set }); ok {
				kernels = k.Kernels()
			} else if kernels, err = simd.FromEnv(); err != nil {
				kernels = simd.Best()
			}
			peak := gemm.MeasurePeak(kernels, 400*time.Millisecond)
			rep := benchReport{Backend: b.Name(), Cores: runtime.GOMAXPROCS(0),
				Size: size, Channels: model.shape.Channels, Model: model.desc,
				SGEMMOwn: peak.GFLOPs, SGEMMKernels: peak.Kernels.String()}
			if _, ok := b.(interface{ Kernels() simd.Set }); ok {
				rep.Kernels = kernels.String()
			}
			shape := model.shape
			if !asJSON {
				fmt.Printf("backend: %s, %d cores\n", backend.Describe(b), rep.Cores)
				fmt.Printf("model: %s\n", model.desc)
			}
			// Rounds alternate gankit and PyTorch, so that a machine whose speed
			// drifts (a shared virtual machine) slows both alike; each figure is
			// the median over rounds of the per-round medians.
			gk := map[string][]float64{}
			tk := map[string][]float64{}
			key := func(up string, n int) string { return fmt.Sprintf("%s/%d", up, n) }
			var torchErr error
			if !noTorch {
				torchErr = checkTorch(torchScript)
			}
			torchEnv, isaNote, err := torchISAEnv(torchISA, kernels)
			if err != nil {
				return err
			}
			rep.TorchISA = strings.Join(torchEnv, " ")
			if isaNote != "" && !noTorch && !asJSON {
				fmt.Println(isaNote)
			}
			if !noTorch && torchErr == nil {
				rep.SGEMMTorch, torchErr = torchSGEMM(torchScript, rep.Cores, torchEnv)
			}
			rep.SGEMMPeak, rep.SGEMMPeakBy = rep.SGEMMOwn, "gankit"
			if rep.SGEMMTorch > rep.SGEMMOwn {
				rep.SGEMMPeak, rep.SGEMMPeakBy = rep.SGEMMTorch, "torch"
			}
			if !asJSON {
				fmt.Printf("SGEMM peak %.0f GFLOP/s (%s)\n", rep.SGEMMPeak, peakNote(rep))
			}
			pairs := map[string][]float64{} // per round: PyTorch's time / gankit's, timed back to back
			for round := range rounds {
				for _, up := range variants {
					for _, n := range bs {
						cfg := benchConfig(shape, up, n)
						t, err := train.BenchStep(b, cfg, shape, 3, iters)
						if err != nil {
							return err
						}
						// Memory is measured per configuration: hand back what this one
						// kept for reuse before the next (PyTorch's process runs one).
						if tr, ok := b.(interface{ Trim() }); ok {
							tr.Trim()
						}
						runtime.GC()
						debug.FreeOSMemory()
						gk[key(up, n)] = append(gk[key(up, n)], t.MsPerIt)
						if round == 0 {
							rep.Rows = append(rep.Rows, benchRow{StepTiming: t})
						}
						if noTorch || torchErr != nil {
							continue
						}
						var rows []torchRow
						rows, torchErr = runTorch(torchScript, rep.Cores, strconv.Itoa(n), up, iters, size, torchEnv)
						for _, r := range rows {
							if r.Size != 0 && r.Size != size {
								torchErr = fmt.Errorf("%s timed a %dx%d model, not %dx%d (an older script without --size?)", torchScript, r.Size, r.Size, size, size)
								break
							}
							tk[key(r.Upsample, r.Batch)] = append(tk[key(r.Upsample, r.Batch)], r.Ms)
							pairs[key(r.Upsample, r.Batch)] = append(pairs[key(r.Upsample, r.Batch)], r.Ms/t.MsPerIt)
							rep.TorchVersion, rep.TorchRSSMB = r.Torch, max(rep.TorchRSSMB, r.RSS)
						}
					}
				}
			}
			rep.Rounds = rounds
			for i := range rep.Rows {
				r := &rep.Rows[i]
				ms := gk[key(r.Upsample, r.Batch)]
				r.MsPerIt, r.MsMin, r.MsMax = median(ms), slices.Min(ms), slices.Max(ms)
				sec := r.MsPerIt / 1e3
				r.Samples, r.GFLOPs = float64(r.Batch)/sec, r.ModelGF/sec
				if rep.SGEMMPeak > 0 {
					r.PeakPct = 100 * r.GFLOPs / rep.SGEMMPeak
				}
				if t := tk[key(r.Upsample, r.Batch)]; len(t) > 0 {
					r.TorchMs, r.TorchMin, r.TorchMax = median(t), slices.Min(t), slices.Max(t)
					r.TorchRatio = median(pairs[key(r.Upsample, r.Batch)])
				}
			}
			rep.MaxRSSMB = maxRSSMB()
			if !asJSON {
				for _, r := range rep.Rows {
					fmt.Printf("gankit  %s  %3.0f%% of peak  (%.1f-%.1f ms over %d rounds)\n", r.StepTiming, r.PeakPct, r.MsMin, r.MsMax, rounds)
				}
				for _, r := range rep.Rows {
					if r.TorchMs > 0 {
						fmt.Printf("torch   %-10s batch %4d  %9.2f ms/it  %8.0f samples/s  %7.1f GFLOP/s  (%.1f-%.1f)  -> gankit is %.2fx PyTorch %s\n",
							r.Upsample, r.Batch, r.TorchMs, float64(r.Batch)/r.TorchMs*1e3, r.ModelGF/r.TorchMs*1e3, r.TorchMin, r.TorchMax, r.TorchRatio, rep.TorchVersion)
					}
				}
				if torchErr != nil {
					fmt.Printf("PyTorch reference not run: %v\n", torchErr)
				}
			}
			if asJSON {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			fmt.Printf("peak RSS: gankit %.0f MB", rep.MaxRSSMB)
			if rep.TorchRSSMB > 0 {
				fmt.Printf(", PyTorch %.0f MB", rep.TorchRSSMB)
			}
			fmt.Println()
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&be, "backend", "", "backend to time (default $GOMLX_BACKEND, else cpu)")
	fl.IntVar(&size, "size", 28, "image size: 28 (the 28x28x1 reference DCGAN) or 64 (the 64x64x3 DCGAN of pytorch/examples)")
	fl.StringVar(&batches, "batches", "16,64,128", "batch sizes")
	fl.StringVar(&ups, "upsample", nets.UpTransposed+","+nets.UpNearest, "upsampling variants to time")
	fl.IntVar(&iters, "iters", 10, "timed iterations per configuration (after 3 warm-up ones)")
	fl.IntVar(&rounds, "rounds", 3, "rounds, each timing every configuration in gankit and then, back to back, in PyTorch")
	fl.BoolVar(&asJSON, "json", false, "print one JSON document")
	fl.BoolVar(&noTorch, "no-torch", false, "skip the PyTorch reference")
	fl.StringVar(&torchISA, "torch-isa", "match", "match: when gankit runs a smaller kernel set than the CPU has (GANKIT_CPU_KERNELS=avx2 on AVX-512), keep PyTorch to it too; native: let PyTorch use everything")
	fl.StringVar(&torchScript, "torch-script", filepath.Join("scripts", "reference", "torch_dcgan_bench.py"), "the PyTorch reference script")
	return cmd
}

// benchModel is a model gankit bench times.
type benchModel struct {
	shape data.Shape
	desc  string
}

// benchModels are the models --size picks. Both are the default preset's nets
// (model.width 64, z 100, BN in G and D, LeakyReLU 0.2) on images of the size.
var benchModels = map[int]benchModel{
	28: {data.Shape{Size: 28, Channels: 1}, "28x28x1 reference DCGAN: G 100 -> 7x7x128 -> 64 -> 1, D 1 -> 64 -> 128 -> 1"},
	64: {data.Shape{Size: 64, Channels: 3}, "64x64x3 DCGAN (pytorch/examples' shapes): G 100 -> 4x4x512 -> 256 -> 128 -> 64 -> 3, D 3 -> 64 -> 128 -> 256 -> 512 -> 1"},
}

// benchConfig is the default preset on images of shape with upsampling up and batch n.
func benchConfig(shape data.Shape, up string, n int) config.Config {
	cfg, _ := config.FromPreset(config.DefaultPreset)
	cfg.Data.Size, cfg.Data.Channels = shape.Size, shape.Channels
	cfg.Model.Upsample, cfg.Train.Batch = up, n
	return cfg
}

// peakNote says which GEMM gave the SGEMM peak and what the other one measured.
func peakNote(r benchReport) string {
	own := fmt.Sprintf("gankit's own GEMM, %s", r.SGEMMKernels)
	switch {
	case r.SGEMMTorch == 0:
		return own + "; PyTorch's torch.mm not timed"
	case r.SGEMMPeakBy == "torch":
		return fmt.Sprintf("PyTorch's torch.mm; %s: %.0f GFLOP/s", own, r.SGEMMOwn)
	}
	return fmt.Sprintf("%s; PyTorch's torch.mm: %.0f GFLOP/s", own, r.SGEMMTorch)
}

// maxRSSMB is this process's peak resident set size (VmHWM).
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

// torchRow is one line of the PyTorch script's output.
type torchRow struct {
	Torch    string  `json:"torch"`
	Size     int     `json:"size"` // 0 from a script without --size
	Upsample string  `json:"upsample"`
	Batch    int     `json:"batch"`
	Ms       float64 `json:"ms_per_it"`
	RSS      float64 `json:"max_rss_mb"`
}

// torchPython is the Python whose torch the reference uses (Debian's python3-torch).
const torchPython = "/usr/bin/python3"

// checkTorch says why the PyTorch reference cannot run, once before the rounds.
func checkTorch(script string) error {
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("script %s: %w (run from the repository root or pass --torch-script)", script, err)
	}
	if err := exec.Command(torchPython, "-c", "import torch").Run(); err != nil {
		return fmt.Errorf("%s cannot import torch (apt-get install python3-torch)", torchPython)
	}
	return nil
}

// runTorch runs the PyTorch reference once over the configurations given.
func runTorch(script string, threads int, batches, variants string, iters, size int, env []string) ([]torchRow, error) {
	py := torchPython
	cmd := exec.Command(py, script, "--size", strconv.Itoa(size), strconv.Itoa(threads), batches, strconv.Itoa(iters), variants)
	cmd.Env = torchEnviron(env)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if lines := strings.Split(strings.TrimSpace(string(ee.Stderr)), "\n"); lines[len(lines)-1] != "" {
				return nil, fmt.Errorf("%s %s: %w: %s", py, script, err, lines[len(lines)-1])
			}
		}
		return nil, fmt.Errorf("%s %s: %w", py, script, err)
	}
	var rows []torchRow
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var row torchRow
		if json.Unmarshal(sc.Bytes(), &row) == nil && row.Batch > 0 {
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// torchSGEMM times torch.mm on a 1024^3 float32 product with the reference script's
// --sgemm, under the same thread count and environment as the model runs.
func torchSGEMM(script string, threads int, env []string) (float64, error) {
	cmd := exec.Command(torchPython, script, "--sgemm", strconv.Itoa(threads), "0", "0")
	cmd.Env = torchEnviron(env)
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("%s %s --sgemm: %w", torchPython, script, err)
	}
	var r struct {
		GFLOPs float64 `json:"sgemm_gflops"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &r); err != nil || r.GFLOPs <= 0 {
		return 0, fmt.Errorf("%s --sgemm printed %q, not {\"sgemm_gflops\": ...}", script, out)
	}
	return r.GFLOPs, nil
}

// torchEnviron is this process's environment for PyTorch, without the OpenBLAS
// core-type pins some machines set (OPENBLAS_CORETYPE=Haswell here keeps OpenBLAS
// to a third of its SGEMM speed on AVX-512 CPUs; the peer should run its best), plus
// extra.
func torchEnviron(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENBLAS_CORETYPE=") && !strings.HasPrefix(kv, "OPENBLAS_L2_SIZE=") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// torchISAEnv returns the variables that keep PyTorch's kernels to the instruction
// set gankit's kernels use when --torch-isa is "match" and gankit runs a set below
// what the CPU has (GANKIT_CPU_KERNELS=avx2 on an AVX-512 CPU): the comparison then
// stands for a machine that has only that set, for both. oneDNN (PyTorch's
// convolutions) reads DNNL_MAX_CPU_ISA / ONEDNN_MAX_CPU_ISA, ATen its
// ATEN_CPU_CAPABILITY and OpenBLAS OPENBLAS_CORETYPE.
func torchISAEnv(mode string, k simd.Set) ([]string, string, error) {
	switch mode {
	case "native":
		return nil, "", nil
	case "match":
	default:
		return nil, "", fmt.Errorf("--torch-isa: %q is not match or native", mode)
	}
	if k == simd.AVX2 && simd.AVX512.Runs() {
		return []string{"DNNL_MAX_CPU_ISA=AVX2", "ONEDNN_MAX_CPU_ISA=AVX2", "ATEN_CPU_CAPABILITY=avx2", "OPENBLAS_CORETYPE=Haswell"},
			"PyTorch kept to AVX2 as well (oneDNN, ATen and OpenBLAS), as on a CPU without AVX-512; --torch-isa native lifts that", nil
	}
	return nil, "", nil
}

// median of values (not empty).
func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
