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
	TorchMs    float64 `json:"torch_ms_per_it,omitempty"`
	TorchRatio float64 `json:"speedup_vs_torch,omitempty"`
}

type benchReport struct {
	Backend      string     `json:"backend"`
	BLAS         string     `json:"blas"`
	Cores        int        `json:"cores"`
	SGEMMPeak    float64    `json:"sgemm_peak_gflops"`
	Rows         []benchRow `json:"rows"`
	MaxRSSMB     float64    `json:"max_rss_mb"`
	TorchVersion string     `json:"torch_version,omitempty"`
	TorchRSSMB   float64    `json:"torch_max_rss_mb,omitempty"`
}

func benchCmd() *cobra.Command {
	var be, batches, ups, torchScript string
	var iters int
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
is printed.`,
		Example: `  gankit bench
  gankit bench --batches 64 --iters 20 --json
  gankit bench --batches 64 --upsample nearest --no-torch`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			b, err := backend.New(backend.Resolve(be))
			if err != nil {
				return err
			}
			rep := benchReport{Backend: b.Name(), BLAS: gemm.Library(), Cores: runtime.GOMAXPROCS(0), SGEMMPeak: sgemmPeak()}
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
			shape := data.Shape{Size: 28, Channels: 1}
			if !asJSON {
				fmt.Printf("backend %s, BLAS %s, %d cores, SGEMM peak %.0f GFLOP/s\n", rep.Backend, rep.BLAS, rep.Cores, rep.SGEMMPeak)
			}
			for _, up := range variants {
				for _, n := range bs {
					cfg, _ := config.FromPreset(config.DefaultPreset)
					cfg.Model.Upsample, cfg.Train.Batch = up, n
					t, err := train.BenchStep(b, cfg, shape, 3, iters)
					if err != nil {
						return err
					}
					rep.Rows = append(rep.Rows, benchRow{StepTiming: t})
					if !asJSON {
						fmt.Printf("gankit  %s\n", t)
					}
				}
			}
			rep.MaxRSSMB = maxRSSMB()
			if !noTorch {
				if err := runTorch(&rep, torchScript, batches, strings.Join(variants, ","), iters, asJSON); err != nil && !asJSON {
					fmt.Printf("PyTorch reference not run: %v\n", err)
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

func runTorch(rep *benchReport, script, batches, variants string, iters int, quiet bool) error {
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("script %s: %w (run from the repository root or pass --torch-script)", script, err)
	}
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import torch").Run(); err != nil {
		return fmt.Errorf("%s cannot import torch (apt-get install python3-torch)", py)
	}
	out, err := exec.Command(py, script, strconv.Itoa(rep.Cores), batches, strconv.Itoa(iters), variants).Output()
	if err != nil {
		return fmt.Errorf("%s %s: %w", py, script, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var row struct {
			Torch    string  `json:"torch"`
			Upsample string  `json:"upsample"`
			Batch    int     `json:"batch"`
			Ms       float64 `json:"ms_per_it"`
			RSS      float64 `json:"max_rss_mb"`
		}
		if json.Unmarshal(sc.Bytes(), &row) != nil {
			continue
		}
		rep.TorchVersion, rep.TorchRSSMB = row.Torch, max(rep.TorchRSSMB, row.RSS)
		for i := range rep.Rows {
			r := &rep.Rows[i]
			if r.Batch == row.Batch && r.Upsample == row.Upsample {
				r.TorchMs, r.TorchRatio = row.Ms, row.Ms/r.MsPerIt
				if !quiet {
					fmt.Printf("torch   %-10s batch %4d  %9.2f ms/it  %8.0f samples/s  -> gankit is %.2fx PyTorch %s\n",
						row.Upsample, row.Batch, row.Ms, float64(row.Batch)/row.Ms*1e3, r.TorchRatio, row.Torch)
				}
			}
		}
	}
	return nil
}
