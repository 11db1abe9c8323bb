package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
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
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/nets"
	"github.com/gankit/gankit/train"
	"github.com/spf13/cobra"
)

type benchRow struct {
	train.StepTiming
	MsMin      float64 `json:"ms_per_it_min"`
	MsMax      float64 `json:"ms_per_it_max"`
	TorchMs    float64 `json:"torch_ms_per_it,omitempty"`
	TorchMin   float64 `json:"torch_ms_per_it_min,omitempty"`
	TorchMax   float64 `json:"torch_ms_per_it_max,omitempty"`
	TorchRatio float64 `json:"speedup_vs_torch,omitempty"` // median over rounds of the paired ratios
}

type benchReport struct {
	Backend      string     `json:"backend"`
	BLAS         string     `json:"blas"`
	Cores        int        `json:"cores"`
	SGEMMPeak    float64    `json:"sgemm_peak_gflops"`
	Rounds       int        `json:"rounds"`
	Rows         []benchRow `json:"rows"`
	MaxRSSMB     float64    `json:"max_rss_mb"`
	TorchVersion string     `json:"torch_version,omitempty"`
	TorchRSSMB   float64    `json:"torch_max_rss_mb,omitempty"`
}

func benchCmd() *cobra.Command {
	var be, batches, ups, torchScript string
	var iters, rounds int
	var asJSON, noTorch bool
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Time the reference DCGAN's training iteration, next to PyTorch when it is installed",
		Long: `Time one training iteration (a D step and a G step, as in training) of the reference
DCGAN (design.md §3: 28x28, G 100 -> 7x7x128 -> 64 -> 1, D 64 -> 128 -> 1) for each
batch size and both upsampling variants (transposed conv k4s2, nearest 2x + conv k3).
Prints ms/iteration (median), samples/s, achieved GFLOP/s of model work (counted as
PyTorch does it: 3x G's and 9x D's forward FLOPs) and this machine's measured SGEMM
peak. When /usr/bin/python3 has torch (apt-get install python3-torch), the same model
runs in PyTorch in the same invocation, with the same thread count, and the speedup
is printed. Each round times every configuration in gankit and then at once in
PyTorch; times are medians over rounds (with the range), and the speedup is the
median over rounds of the back-to-back ratios, so that a machine whose speed drifts
(a shared virtual machine) weighs on both alike.`,
		Example: `  gankit bench
  gankit bench --batches 64 --iters 20 --json
  gankit bench --batches 64 --upsample nearest --no-torch`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if rounds < 1 || iters < 1 {
				return fmt.Errorf("--rounds and --iters must be at least 1")
			}
			var bs []int
			for _, s := range strings.Split(batches, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil || n < 1 {
					return fmt.Errorf("--batches: %q is not a list of positive sizes", batches)
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
			rep := benchReport{Backend: b.Name(), BLAS: gemm.Library(), Cores: runtime.GOMAXPROCS(0), SGEMMPeak: sgemmPeak()}
			shape := data.Shape{Size: 28, Channels: 1}
			if !asJSON {
				fmt.Printf("backend %s, BLAS %s, %d cores, SGEMM peak %.0f GFLOP/s\n", rep.Backend, rep.BLAS, rep.Cores, rep.SGEMMPeak)
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
			pairs := map[string][]float64{} // per round: PyTorch's time / gankit's, timed back to back
			for round := range rounds {
				for _, up := range variants {
					for _, n := range bs {
						cfg, _ := config.FromPreset(config.DefaultPreset)
						cfg.Model.Upsample, cfg.Train.Batch = up, n
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
						rows, torchErr = runTorch(torchScript, rep.Cores, strconv.Itoa(n), up, iters)
						for _, r := range rows {
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
				if t := tk[key(r.Upsample, r.Batch)]; len(t) > 0 {
					r.TorchMs, r.TorchMin, r.TorchMax = median(t), slices.Min(t), slices.Max(t)
					r.TorchRatio = median(pairs[key(r.Upsample, r.Batch)])
				}
			}
			rep.MaxRSSMB = maxRSSMB()
			if !asJSON {
				for _, r := range rep.Rows {
					fmt.Printf("gankit  %s   (%.1f-%.1f over %d rounds)\n", r.StepTiming, r.MsMin, r.MsMax, rounds)
				}
				for _, r := range rep.Rows {
					if r.TorchMs > 0 {
						fmt.Printf("torch   %-10s batch %4d  %9.2f ms/it  %8.0f samples/s  (%.1f-%.1f)  -> gankit is %.2fx PyTorch %s\n",
							r.Upsample, r.Batch, r.TorchMs, float64(r.Batch)/r.TorchMs*1e3, r.TorchMin, r.TorchMax, r.TorchRatio, rep.TorchVersion)
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
	fl.StringVar(&batches, "batches", "16,64,128", "batch sizes")
	fl.StringVar(&ups, "upsample", nets.UpTransposed+","+nets.UpNearest, "upsampling variants to time")
	fl.IntVar(&iters, "iters", 10, "timed iterations per configuration (after 3 warm-up ones)")
	fl.IntVar(&rounds, "rounds", 3, "rounds, each timing every configuration in gankit and then, back to back, in PyTorch")
	fl.BoolVar(&asJSON, "json", false, "print one JSON document")
	fl.BoolVar(&noTorch, "no-torch", false, "skip the PyTorch reference")
	fl.StringVar(&torchScript, "torch-script", filepath.Join("scripts", "reference", "torch_dcgan_bench.py"), "the PyTorch reference script")
	return cmd
}

// sgemmPeak times a 1024^3 single-precision product for about half a second.
func sgemmPeak() float64 {
	const n = 1024
	r := rand.New(rand.NewPCG(1, 1))
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = r.Float32(), r.Float32()
	}
	p := gemm.Op{M: n, N: n, K: n}
	_ = gemm.Multiply(p, a, b, c)
	best := 0.0
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		t0 := time.Now()
		_ = gemm.Multiply(p, a, b, c)
		best = max(best, 2*n*n*n/time.Since(t0).Seconds()/1e9)
	}
	return best
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
func runTorch(script string, threads int, batches, variants string, iters int) ([]torchRow, error) {
	py := torchPython
	out, err := exec.Command(py, script, strconv.Itoa(threads), batches, strconv.Itoa(iters), variants).Output()
	if err != nil {
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

// median of values (not empty).
func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
