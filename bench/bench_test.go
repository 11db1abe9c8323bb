package bench

import (
	"bytes"
	"io"
	"math"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/nets"
)

func TestMedianIsPythonsStatisticsMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{7}, 7},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 2, 3}, 2.5}, // statistics.median([4, 1, 2, 3]) == 2.5
		{[]float64{9, 2, 1, 2}, 2},
		{[]float64{5, 1}, 3},
	} {
		in := slices.Clone(tc.in)
		if got := median(in); got != tc.want {
			t.Errorf("median(%v) = %g, want %g", tc.in, got, tc.want)
		}
		if !slices.Equal(in, tc.in) {
			t.Errorf("median(%v) reordered its argument to %v", tc.in, in)
		}
	}
}

// TestSummariseTakesMediansRangesAndPairedRatios feeds three rounds' timings by hand:
// gankit 3, 1, 2 ms and PyTorch 6, 2, 5 ms at batch 4 on the 28x28 model.
func TestSummariseTakesMediansRangesAndPairedRatios(t *testing.T) {
	m, err := ModelFor(nets.ArchDCGAN, 28)
	if err != nil {
		t.Fatal(err)
	}
	rep := Report{SGEMMPeak: 100, Rows: []Row{{Timing: Timing{Arch: nets.ArchDCGAN, Batch: 4, Upsample: nets.UpNearest}}}}
	got := map[key]*timings{{nets.ArchDCGAN, nets.UpNearest, 4}: {
		gankit: []float64{3, 1, 2}, torch: []float64{6, 2, 5}, ratio: []float64{6.0 / 3, 2.0 / 1, 5.0 / 2},
	}}
	summarise(&rep, []Model{m}, got)
	r := rep.Rows[0]
	gf := m.Config(nets.UpNearest, 4).Model.IterationFLOPs(m.Shape, 4) / 1e9
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"ms/it: the median of 3, 1, 2", r.MsPerIt, 2},
		{"fastest round", r.MsMin, 1},
		{"slowest round", r.MsMax, 3},
		{"samples/s: 4 samples in 2 ms", r.Samples, 2000},
		{"model GFLOP", r.ModelGF, gf},
		{"GFLOP/s", r.GFLOPs, gf / 2e-3},
		{"share of the 100 GFLOP/s peak", r.PeakPct, gf / 2e-3},
		{"PyTorch ms/it: the median of 6, 2, 5", r.TorchMs, 5},
		{"PyTorch's fastest", r.TorchMin, 2},
		{"PyTorch's slowest", r.TorchMax, 6},
		// The ratios 2, 2, 2.5: their median, not 5 ms / 2 ms = 2.5.
		{"speedup: the median of the paired ratios", r.TorchRatio, 2},
	} {
		if math.Abs(c.got-c.want) > 1e-9*math.Abs(c.want) {
			t.Errorf("%s: %g, want %g", c.name, c.got, c.want)
		}
	}
}

// TestSummariseDividesR3GANByTheDCGANAtItsBatch: r3gan at 40 and 90 ms, dcgan-fmnist
// (transposed) at 5 and 10 ms, nearest at 7 ms: 8x and 9x, the nearest row ignored.
func TestSummariseDividesR3GANByTheDCGANAtItsBatch(t *testing.T) {
	var models []Model
	for _, a := range []string{nets.ArchDCGAN, nets.ArchR3GAN} {
		m, err := ModelFor(a, 28)
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, m)
	}
	rows := []struct {
		k  key
		ms float64
	}{
		{key{nets.ArchDCGAN, nets.UpTransposed, 4}, 5}, {key{nets.ArchDCGAN, nets.UpNearest, 4}, 7},
		{key{nets.ArchDCGAN, nets.UpTransposed, 8}, 10}, {key{nets.ArchR3GAN, "", 4}, 40}, {key{nets.ArchR3GAN, "", 8}, 90},
	}
	rep, got := Report{}, map[key]*timings{}
	for _, r := range rows {
		rep.Rows = append(rep.Rows, Row{Timing: Timing{Arch: r.k.arch, Batch: r.k.batch, Upsample: r.k.up}})
		got[r.k] = &timings{gankit: []float64{r.ms}}
	}
	summarise(&rep, models, got)
	want := []float64{0, 0, 0, 8, 9}
	for i, r := range rep.Rows {
		if r.VsDCGAN != want[i] {
			t.Errorf("%s batch %d: %g x dcgan-fmnist, want %g", r.Label(), r.Batch, r.VsDCGAN, want[i])
		}
	}
	if r := rep.Rows[3]; r.ModelGF <= 0 {
		t.Errorf("r3gan row: %g model GFLOP, want the r3gan count", r.ModelGF)
	}
}

func TestRunRefusesOptionsItCannotTime(t *testing.T) {
	m, err := ModelFor(nets.ArchDCGAN, 28)
	if err != nil {
		t.Fatal(err)
	}
	good := Options{Backend: testutil.Backend(t, "go"), Models: []Model{m}, Batches: []int{2}, Upsample: []string{nets.UpNearest},
		Iters: 1, Rounds: 1, Torch: true, TorchISA: ISAMatch}
	for _, tc := range []struct {
		name, want string
		change     func(*Options)
	}{
		{"no backend", "no backend", func(o *Options) { o.Backend = nil }},
		{"rounds 0", "rounds 0", func(o *Options) { o.Rounds = 0 }},
		{"iters 0", "iters 0", func(o *Options) { o.Iters = 0 }},
		{"no batches", "0 batch sizes", func(o *Options) { o.Batches = nil }},
		{"batch 0", "batch 0", func(o *Options) { o.Batches = []int{2, 0} }},
		{"no models", "0 models", func(o *Options) { o.Models = nil }},
		{"size 32", "32 is not 28", func(o *Options) { o.Models = []Model{{Arch: nets.ArchDCGAN, Shape: data.Shape{Size: 32, Channels: 1}}} }},
		{"bilinear", `"bilinear" is not`, func(o *Options) { o.Upsample = []string{nets.UpBilinear} }},
		{"torch ISA", `"avx" is not match or native`, func(o *Options) { o.TorchISA = "avx" }},
	} {
		o := good
		tc.change(&o)
		_, err := Run(o, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	for _, tc := range []struct {
		arch string
		size int
		want string
	}{
		{nets.ArchDCGAN, 65, "65"}, {nets.ArchR3GAN, 64, "64: the r3gan model is timed at 28"}, {nets.ArchMLP, 28, `"mlp" is not one of`},
	} {
		if _, err := ModelFor(tc.arch, tc.size); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ModelFor(%s, %d): error %v, want one containing %q", tc.arch, tc.size, err, tc.want)
		}
	}
}

func TestWriteTextSaysWhyPyTorchDidNotRun(t *testing.T) {
	rep := Report{Rounds: 1, Rows: []Row{{Timing: Timing{Batch: 2, Upsample: nets.UpNearest, MsPerIt: 4}}},
		TorchNotRun: "/usr/bin/python3 cannot import torch", MaxRSSMB: 12}
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"gankit  nearest", "batch    2", "4.00 ms/it", "PyTorch reference not run: /usr/bin/python3 cannot import torch", "peak RSS: gankit 12 MB\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("WriteText printed\n%s\nwithout %q", out.String(), want)
		}
	}
	if strings.Contains(out.String(), "torch   ") {
		t.Errorf("WriteText printed a PyTorch row though PyTorch did not run:\n%s", out.String())
	}
}

func TestMissingTorchScriptNamesTheFlagAndTheFile(t *testing.T) {
	err := torchScript{path: "/nonexistent/torch_dcgan_bench.py"}.check()
	if err == nil || !strings.Contains(err.Error(), "--torch-script /nonexistent/torch_dcgan_bench.py") {
		t.Errorf("check: error %v, want one naming --torch-script and the file", err)
	}
}

// TestTorchReferenceRunsOutsideTheRepository runs the PyTorch side from an empty
// working directory, as an installed gankit does: the script must come from the
// binary, not from a path below the repository root.
func TestTorchReferenceRunsOutsideTheRepository(t *testing.T) {
	if err := exec.Command(torchPython, "-c", "import torch").Run(); err != nil {
		t.Skipf("%s cannot import torch (apt-get install python3-torch): the PyTorch reference cannot run here", torchPython)
	}
	if testing.Short() {
		t.Skip("starts PyTorch three times (10 to 50 s on 2 busy cores)")
	}
	t.Chdir(t.TempDir())
	var models []Model
	for _, a := range []string{nets.ArchDCGAN, nets.ArchR3GAN} {
		m, err := ModelFor(a, 28)
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, m)
	}
	rep, err := Run(Options{Backend: testutil.Backend(t, "cpu"), Models: models, Batches: []int{2}, Upsample: []string{nets.UpTransposed},
		Iters: 1, Rounds: 1, Torch: true, TorchISA: ISANative}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if rep.TorchNotRun != "" {
		t.Fatalf("PyTorch reference not run: %s", rep.TorchNotRun)
	}
	if len(rep.Rows) != 2 {
		t.Fatalf("%d rows, want the DCGAN's and r3gan's: %+v", len(rep.Rows), rep.Rows)
	}
	if rep.TorchVersion == "" || rep.SGEMMTorch <= 0 || rep.TorchRSSMB <= 0 {
		t.Errorf("PyTorch figures missing: version %q, torch.mm %g GFLOP/s, RSS %g MB", rep.TorchVersion, rep.SGEMMTorch, rep.TorchRSSMB)
	}
	for _, r := range rep.Rows {
		if r.TorchMs <= 0 || r.TorchRatio <= 0 {
			t.Errorf("%s: PyTorch figures missing: %g ms/it, ratio %g", r.Label(), r.TorchMs, r.TorchRatio)
		}
	}
	if r := rep.Rows[1]; r.Arch != nets.ArchR3GAN || r.VsDCGAN <= 1 {
		t.Errorf("row 2 is %s at %g x dcgan-fmnist, want r3gan, slower than the DCGAN", r.Label(), r.VsDCGAN)
	}
}
