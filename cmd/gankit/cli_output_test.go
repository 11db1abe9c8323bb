package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gankit/gankit/eval"
	"github.com/gankit/gankit/metrics"
)

// The checks here read what a command printed and wrote: the paths it names exist
// and hold what it says, JSON output has its documented fields, and numbers are
// numbers.

// runStdout runs the command and returns what it printed on stdout.
func runStdout(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return captureStdout(t, func() error { return run(t, args...) })
}

// field returns the value after "name:" on the printed line that starts with it.
func field(t *testing.T, out, name string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %q line in the output:\n%s", name, out)
	return ""
}

// gridSize is the pixel size sample.Grid gives n images of side s: a near-square
// grid of ceil(sqrt(n)) columns with 2-pixel borders.
func gridSize(n, s int) (w, h int) {
	cols := int(math.Ceil(math.Sqrt(float64(n))))
	rows := (n + cols - 1) / cols
	return cols*(s+2) + 2, rows*(s+2) + 2
}

// checkPNG fails unless path is a PNG of w x h pixels.
func checkPNG(t *testing.T, path string, w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Errorf("PNG %s: %v", path, err)
		return
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Errorf("%s is not a PNG: %v", path, err)
		return
	}
	if cfg.Width != w || cfg.Height != h {
		t.Errorf("%s is %dx%d, want %dx%d", path, cfg.Width, cfg.Height, w, h)
	}
}

// checkTrained checks what gankit train printed for steps first..last of the run in
// dir on the named backend: the summary line, and the sample grid (n images of side
// s), checkpoint and metrics log it names, which must exist.
func checkTrained(t *testing.T, out, dir, backendName string, first, last, n, s int) {
	t.Helper()
	want := fmt.Sprintf(`(?m)^trained steps %d-%d in %s at [0-9.]+ s/step \(backend %s`, first, last, regexp.QuoteMeta(dir), regexp.QuoteMeta(backendName))
	if !regexp.MustCompile(want).MatchString(out) {
		t.Errorf("train printed no line matching %s:\n%s", want, out)
	}
	if got, want := field(t, out, "samples"), filepath.Join(dir, "samples", fmt.Sprintf("step-%06d.png", last)); got != want {
		t.Errorf("samples: %s, want %s", got, want)
	}
	w, h := gridSize(n, s)
	checkPNG(t, field(t, out, "samples"), w, h)
	if got, want := field(t, out, "checkpoint"), filepath.Join(dir, "checkpoints", fmt.Sprintf("ckpt-%09d.bin", last)); got != want {
		t.Errorf("checkpoint: %s, want %s", got, want)
	}
	if _, err := os.Stat(field(t, out, "checkpoint")); err != nil {
		t.Error(err)
	}
	if got, want := field(t, out, "metrics"), filepath.Join(dir, "metrics.jsonl"); got != want {
		t.Errorf("metrics: %s, want %s", got, want)
	}
	if !regexp.MustCompile(`(?m)^time: .*; [0-9.]+ s per iteration after the first$`).MatchString(out) {
		t.Errorf("train printed no time split:\n%s", out)
	}
}

// checkMetricsLog checks metrics.jsonl: one JSON object per logged step, every step a
// multiple of logEvery up to last, each once, with the README's always-present
// fields finite.
func checkMetricsLog(t *testing.T, dir string, logEvery, last int) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	step := 0
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("metrics.jsonl line %q: %v", sc.Text(), err)
		}
		step += logEvery
		if got, _ := m["step"].(float64); int(got) != step {
			t.Fatalf("metrics.jsonl: step %v after %d, want %d (each logged step once, in order)", m["step"], step-logEvery, step)
		}
		for _, k := range []string{"loss_d", "loss_g", "d_real", "d_fake", "d_acc_real", "d_acc_fake", "grad_norm_d", "grad_norm_g", "sec_per_step"} {
			if v, ok := m[k].(float64); !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("metrics.jsonl step %d: %s = %v", step, k, m[k])
			}
		}
	}
	if step != last {
		t.Errorf("metrics.jsonl ends at step %d, want %d", step, last)
	}
}

// checkEvalJSON checks gankit eval --json of an image run at step with n samples and
// the metrics asked for: the run, the step, the reference data, the feature
// network's hash, and a finite number for every metric asked for and none other.
func checkEvalJSON(t *testing.T, out, dir string, step, n int, asked []string) {
	t.Helper()
	var res eval.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("eval --json printed %q: %v", out, err)
	}
	if res.Generated != dir || res.Step != step || res.Real == "" || res.Images == nil {
		t.Fatalf("eval --json: generated %q step %d real %q images %v; want %s at step %d", res.Generated, res.Step, res.Real, res.Images, dir, step)
	}
	im := res.Images
	if im.N != n || len(im.FeatureNet) != 64 {
		t.Errorf("eval --json: n %d, feature network %q; want %d and a SHA-256", im.N, im.FeatureNet, n)
	}
	var spectrum *float64
	if im.Spectrum != nil {
		spectrum = &im.Spectrum.Score
	}
	got := map[string]*float64{metrics.MetricFID: im.FID, "kid": im.KID, "precision": im.Precision, "recall": im.Recall,
		"density": im.Density, "coverage": im.Coverage, "is": im.IS, "spectrum": spectrum}
	want := map[string]bool{}
	for _, m := range asked {
		switch m {
		case "pr":
			want["precision"], want["recall"] = true, true
		case "dc":
			want["density"], want["coverage"] = true, true
		default:
			want[m] = true
		}
	}
	for name, v := range got {
		switch {
		case want[name] && (v == nil || math.IsNaN(*v) || math.IsInf(*v, 0)):
			t.Errorf("eval --json: %s asked for, got %v", name, v)
		case !want[name] && v != nil:
			t.Errorf("eval --json: %s = %g, not asked for", name, *v)
		}
	}
}

// checkSweepJSON checks gankit eval --truncation-sweep --json: every setting of
// eval.SweepSettings in order, with finite FIDs and precision and recall in [0, 1],
// and the plot it names written as a PNG.
func checkSweepJSON(t *testing.T, out, dir string, step, n int) {
	t.Helper()
	var res struct {
		Run    string
		Step   int
		N      int
		Points []eval.SweepPoint
		Plot   string
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("sweep --json printed %q: %v", out, err)
	}
	if res.Run != dir || res.Step != step || res.N != n {
		t.Errorf("sweep --json: run %q step %d n %d; want %s, %d, %d", res.Run, res.Step, res.N, dir, step, n)
	}
	settings := eval.SweepSettings()
	if len(res.Points) != len(settings) {
		t.Fatalf("sweep --json: %d points, want one per setting (%d)", len(res.Points), len(settings))
	}
	for i, p := range res.Points {
		if p.Mode != settings[i].Mode || p.Value != settings[i].Value {
			t.Errorf("sweep point %d is %s %g, want %s %g", i, p.Mode, p.Value, settings[i].Mode, settings[i].Value)
		}
		if !(p.FID >= 0) || math.IsInf(p.FID, 0) || !(p.Precision >= 0 && p.Precision <= 1) || !(p.Recall >= 0 && p.Recall <= 1) {
			t.Errorf("sweep point %d: %+v", i, p)
		}
	}
	if f, err := os.Open(res.Plot); err != nil {
		t.Errorf("sweep plot: %v", err)
	} else {
		if _, err := png.DecodeConfig(f); err != nil {
			t.Errorf("sweep plot %s: %v", res.Plot, err)
		}
		f.Close()
	}
}

// TestPrintResultShowsEveryFigure checks gankit eval's text output on hand-made
// results: every metric present is printed with its value, and the line that
// names the run, the reference data and the feature network.
func TestPrintResultShowsEveryFigure(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	for _, tc := range []struct {
		name string
		res  eval.Result
		want string
	}{
		{"images", eval.Result{Generated: "runs/fm", Real: "fashion-mnist test", RealNote: "a note", Images: &metrics.ImageResult{
			N: 300, FeatureNet: "abc", FID: v(12.5), FIDFloor: v(1.25), KID: v(0.01), KIDStd: v(0.002), Precision: v(0.75),
			Recall: v(0.5), Density: v(0.9), Coverage: v(0.8), IS: v(4.5), ISStd: v(0.25),
			Spectrum: &metrics.Checkerboard{Score: 0.125, PeakHalf: 2, PeakQuarter: 1.5}}},
			"runs/fm: 300 generated vs fashion-mnist test; a note\nfeature network sha256 abc\n" +
				"  FID           12.5000   (real-vs-real floor 1.2500)\n" +
				"  KID            0.0100 ± 0.0020\n" +
				"  precision      0.7500\n" +
				"  recall         0.5000\n" +
				"  density        0.9000\n" +
				"  coverage       0.8000\n" +
				"  IS             4.5000 ± 0.2500\n" +
				"  spectrum       0.1250   (power at N/2: 2.000x real, at N/4: 1.500x)\n"},
		{"only FID", eval.Result{Generated: "g", Real: "r", Images: &metrics.ImageResult{N: 10, FeatureNet: "h", FID: v(3)}},
			"g: 10 generated vs r\nfeature network sha256 h\n  FID            3.0000\n"},
		{"toy", eval.Result{Generated: "runs/ring8", Step: 500, Points: 2500, ModeCount: 8, Modes: &metrics.ModeCoverage{Modes: 7, HQ: 0.875, ReverseKL: 0.0625}},
			"runs/ring8 (step 500), 2500 points: 7 of 8 modes, 87.5% high quality, reverse KL 0.0625\n"},
		{"stacked", eval.Result{Generated: "runs/st", Step: 9, Stacked: &eval.StackedResult{N: 26000, Modes: 990, KL: 0.125, RealModes: 1000, RealKL: 0.0625, FeatureNet: "h"}},
			"runs/st (step 9), 26000 stacked samples: 990 of 1000 modes, KL 0.125 (real stacked images: 1000 modes, KL 0.062)\nfeature network sha256 h\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := captureStdout(t, func() error { printResult(tc.res); return nil })
			if got != tc.want {
				t.Errorf("printed\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestDataInspectDescribesTheEmbeddedSubset checks gankit data inspect's figures
// for the embedded data (10,000 Fashion-MNIST images in 10 classes) and a toy mixture.
func TestDataInspectDescribesTheEmbeddedSubset(t *testing.T) {
	out, err := runStdout(t, "data", "inspect")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"examples": "10000", "size": "28x28", "channels": "1", "labels": "10 classes"} {
		if got := field(t, out, name); got != want {
			t.Errorf("data inspect: %s %q, want %q", name, got, want)
		}
	}
	// Pixels p/127.5 - 1 of 8-bit images span [-1, 1] exactly.
	if got := field(t, out, "values"); !strings.HasPrefix(got, "[-1, 1] after scaling") {
		t.Errorf("data inspect: values %q, want [-1, 1]", got)
	}
	out, err = runStdout(t, "data", "inspect", "ring8")
	if err != nil {
		t.Fatal(err)
	}
	if want := "ring8: mixture of 8 2-D Gaussians, std 0.01, sampled on the fly\n"; out != want {
		t.Errorf("data inspect ring8: %q, want %q", out, want)
	}
}

// TestReportJSONAndBestName gathers a finished two-setting toy grid: report --json
// gives each setting's statistics over its two seeds, and report --best names the
// setting with the most modes.
func TestReportJSONAndBestName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "abl")
	out, err := runStdout(t, "ablate", "--preset", "ring8", "--variant", "vanilla:", "--variant", "wide:model.width=24",
		"--seeds", "2", "--steps", "10", "--set", "model.width=8", "--set", "train.sample_every=0", "--eval-n", "200", "--out", dir, "--backend", "cpu")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "2 settings x 2 seeds = 4 runs in "+dir) || field(t, out, "report") != filepath.Join(dir, "report.html") {
		t.Errorf("ablate printed:\n%s", out)
	}
	out, err = runStdout(t, "report", dir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Report   string
		Settings []struct {
			Setting string
			Stats   map[string]struct {
				Mean, SE *float64
				N        int
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report --json printed %q: %v", out, err)
	}
	if rep.Report != filepath.Join(dir, "report.html") || len(rep.Settings) != 2 || rep.Settings[0].Setting != "vanilla" || rep.Settings[1].Setting != "wide" {
		t.Fatalf("report --json: %+v", rep)
	}
	best, bestModes := "", -1.0
	for _, s := range rep.Settings {
		for _, k := range []string{"modes", "hq", "sec_per_step"} {
			st, ok := s.Stats[k]
			if !ok || st.N != 2 || st.Mean == nil || st.SE == nil {
				t.Errorf("report --json: %s %s = %+v, want a mean and an s.e. over 2 seeds", s.Setting, k, st)
			}
		}
		if m := *s.Stats["modes"].Mean; m > bestModes || (m == bestModes && best == "") {
			best, bestModes = s.Setting, m
		}
	}
	out, err = runStdout(t, "report", dir, "--best")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || lines[0] != "report: "+filepath.Join(dir, "report.html") {
		t.Fatalf("report --best printed %q", out)
	}
	// On equal modes the high-quality share decides; only check the name when the
	// modes alone decide.
	if m0, m1 := *rep.Settings[0].Stats["modes"].Mean, *rep.Settings[1].Stats["modes"].Mean; m0 != m1 && lines[1] != best {
		t.Errorf("report --best: %q, want %q (most modes)", lines[1], best)
	} else if lines[1] != "vanilla" && lines[1] != "wide" {
		t.Errorf("report --best: %q is not a setting", lines[1])
	}
}
