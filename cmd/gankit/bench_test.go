package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/gankit/gankit/backend/cpu/simd"
	"github.com/gankit/gankit/bench"
)

// benchJSON runs gankit bench --json with args and decodes its report.
func benchJSON(t *testing.T, args ...string) bench.Report {
	t.Helper()
	out, err := captureStdout(t, func() error {
		return run(t, append([]string{"bench", "--backend", "cpu", "--no-torch", "--json"}, args...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
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
}

// TestBenchSize64 times one iteration of the 64x64x3 DCGAN at batch 2 and checks that
// its FLOP count is that model's (nets' TestIterationFLOPsMatchThePyTorchLayers
// checks the count against pytorch/examples' layers).
func TestBenchSize64(t *testing.T) {
	if testing.Short() {
		t.Skip("the 64x64 DCGAN takes a few seconds")
	}
	rep := benchJSON(t, "--size", "64", "--batches", "2", "--iters", "1", "--rounds", "1", "--upsample", "transposed")
	if rep.Size != 64 || rep.Channels != 3 || len(rep.Rows) != 1 {
		t.Fatalf("report %+v: want size 64, 3 channels, one row", rep)
	}
	// pytorch/examples' DCGAN, per sample: G 100*512*16 (k4 on 1x1) + 8*8*512*256*4
	// + 16*16*256*128*4 + 32*32*128*64*4 + 64*64*64*3*4 products, D 32*32*64*3*16
	// + 16*16*128*64*16 + 8*8*256*128*16 + 4*4*512*256*16 + 512*16; 2 FLOPs each,
	// 3x G and 9x D, batch 2.
	g := 100*512*16 + 8*8*512*256*4 + 16*16*256*128*4 + 32*32*128*64*4 + 64*64*64*3*4.0
	d := 32*32*64*3*16 + 16*16*128*64*16 + 8*8*256*128*16 + 4*4*512*256*16 + 512*16.0
	if want := 2 * 2 * (3*g + 9*d) / 1e9; math.Abs(rep.Rows[0].ModelGF-want) > 1e-9*want {
		t.Errorf("model GFLOP %g, want %g", rep.Rows[0].ModelGF, want)
	}
}
