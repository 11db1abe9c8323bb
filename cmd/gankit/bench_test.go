package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/gankit/gankit/backend/cpu/simd"
	"github.com/gankit/gankit/nets"
	"github.com/gankit/gankit/train"
)

// benchJSON runs gankit bench --json with args and decodes its report.
func benchJSON(t *testing.T, args ...string) benchReport {
	t.Helper()
	out, err := captureStdout(t, func() error {
		return run(t, append([]string{"bench", "--backend", "cpu", "--no-torch", "--json"}, args...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("bench --json printed %q: %v", out, err)
	}
	// The fields the JSON must carry, by name.
	var fields map[string]any
	_ = json.Unmarshal([]byte(out), &fields)
	for _, f := range []string{"kernels", "size", "channels", "sgemm_peak_gflops", "sgemm_peak_by", "sgemm_gankit_gflops", "sgemm_gankit_kernels", "rows"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("bench --json lacks %q: %s", f, out)
		}
	}
	return rep
}

func TestBenchJSONAndFlagChecks(t *testing.T) {
	rep := benchJSON(t, "--batches", "2", "--iters", "1", "--rounds", "2", "--upsample", "nearest")
	if rep.Rounds != 2 || len(rep.Rows) != 1 || rep.Rows[0].Upsample != "nearest" || rep.Rows[0].Batch != 2 {
		t.Fatalf("report %+v: want 2 rounds and one row (nearest, batch 2)", rep)
	}
	if rep.Size != 28 || rep.Channels != 1 {
		t.Errorf("default size %dx%dx%d, want 28x28x1", rep.Size, rep.Size, rep.Channels)
	}
	want, err := simd.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kernels != want.String() || rep.SGEMMKernels == "" {
		t.Errorf("kernels %q (own GEMM on %q), want %q", rep.Kernels, rep.SGEMMKernels, want)
	}
	r := rep.Rows[0]
	if !(r.MsMin > 0 && r.MsMin <= r.MsPerIt && r.MsPerIt <= r.MsMax) || r.Samples <= 0 || r.ModelGF <= 0 || rep.SGEMMPeak <= 0 {
		t.Fatalf("row %+v: times, throughput or peak not measured", r)
	}
	if math.Abs(r.PeakPct-100*r.GFLOPs/rep.SGEMMPeak) > 1e-9 || r.PeakPct <= 0 {
		t.Errorf("peak_pct %g, want 100 * %g / %g", r.PeakPct, r.GFLOPs, rep.SGEMMPeak)
	}
	switch {
	case rep.SGEMMOwn <= 0:
		t.Errorf("own GEMM not timed: %+v", rep)
	case rep.SGEMMPeakBy != "gankit" || rep.SGEMMPeak != rep.SGEMMOwn || rep.SGEMMTorch != 0:
		t.Errorf("peak %g by %q: own %g, torch %g; without PyTorch the peak is gankit's", rep.SGEMMPeak, rep.SGEMMPeakBy, rep.SGEMMOwn, rep.SGEMMTorch)
	}
	for _, args := range [][]string{{"--upsample", "bilinear"}, {"--rounds", "0"}, {"--batches", "x"}} {
		if err := run(t, append([]string{"bench", "--no-torch"}, args...)...); err == nil {
			t.Errorf("bench %v: no error", args)
		}
	}
	for _, size := range []string{"65", "32", "0"} {
		err := run(t, "bench", "--no-torch", "--size", size)
		if err == nil || !strings.Contains(err.Error(), "--size") || !strings.Contains(err.Error(), size) {
			t.Errorf("bench --size %s: error %v, want a refusal naming --size", size, err)
		}
	}
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median of 3 values = %g", got)
	}
	if got := median([]float64{4, 1, 2, 3}); got != 2.5 {
		t.Errorf("median of 4 values = %g", got)
	}
}

// TestBenchSize64 times one iteration of the 64x64x3 DCGAN at batch 2 and checks its
// FLOP count against pytorch/examples' layers.
func TestBenchSize64(t *testing.T) {
	if testing.Short() {
		t.Skip("the 64x64 DCGAN takes a few seconds")
	}
	rep := benchJSON(t, "--size", "64", "--batches", "2", "--iters", "1", "--rounds", "1", "--upsample", "transposed")
	if rep.Size != 64 || rep.Channels != 3 || len(rep.Rows) != 1 {
		t.Fatalf("report %+v: want size 64, 3 channels, one row", rep)
	}
	if want := torchFLOPs(64, nets.UpTransposed, 2) / 1e9; math.Abs(rep.Rows[0].ModelGF-want) > 1e-9*want {
		t.Errorf("model GFLOP %g, want %g", rep.Rows[0].ModelGF, want)
	}
}

// layer is one convolution of the PyTorch models, per sample: a transposed one reads
// in x in pixels, a plain one writes out x out pixels.
type layer struct {
	transposed         bool
	cin, cout, k, side int // side: the input's side for transposed, the output's otherwise
}

func (l layer) macs() float64 { return float64(l.side * l.side * l.cin * l.cout * l.k * l.k) }

// torchFLOPs counts one training iteration of scripts/reference/torch_dcgan_bench.py's
// model as `gankit bench` does (3x G's forward, 9x D's, 2 FLOPs per multiply-add),
// layer by layer from the PyTorch shapes, independently of train.ModelFLOPs.
func torchFLOPs(size int, up string, batch int) float64 {
	var g, d []layer
	stage := func(cin, cout, side int) layer { // side: the output's
		if up == nets.UpTransposed {
			return layer{true, cin, cout, 4, side / 2}
		}
		return layer{false, cin, cout, 3, side}
	}
	switch size {
	case 28:
		g = []layer{{false, 100, 128 * 7 * 7, 1, 1}, stage(128, 64, 14), stage(64, 1, 28)}
		d = []layer{{false, 1, 64, 4, 14}, {false, 64, 128, 4, 7}, {false, 128 * 7 * 7, 1, 1, 1}}
	case 64:
		g = []layer{{true, 100, 512, 4, 1}, stage(512, 256, 8), stage(256, 128, 16), stage(128, 64, 32), stage(64, 3, 64)}
		d = []layer{{false, 3, 64, 4, 32}, {false, 64, 128, 4, 16}, {false, 128, 256, 4, 8}, {false, 256, 512, 4, 4}, {false, 512, 1, 4, 1}}
	}
	sum := func(ls []layer) (s float64) {
		for _, l := range ls {
			s += l.macs()
		}
		return s
	}
	return 2 * float64(batch) * (3*sum(g) + 9*sum(d))
}

func TestModelFLOPsMatchThePyTorchLayers(t *testing.T) {
	for _, size := range []int{28, 64} {
		shape := benchModels[size].shape
		for _, up := range []string{nets.UpTransposed, nets.UpNearest} {
			got, want := train.ModelFLOPs(benchConfig(shape, up, 16), shape), torchFLOPs(size, up, 16)
			if math.Abs(got-want) > 1e-12*want {
				t.Errorf("size %d %s: ModelFLOPs %g, PyTorch layers %g", size, up, got, want)
			}
		}
	}
}
