package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gankit/gankit/backend"
)

func run(t *testing.T, args ...string) error {
	t.Helper()
	root := newRoot()
	root.SetArgs(args)
	return root.Execute()
}

func TestMissingOrWrongDataNamesPathAndFormats(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.txt")
	_ = os.WriteFile(junk, []byte("hello"), 0o644)
	for _, p := range []string{filepath.Join(dir, "no-such-dir"), junk} {
		err := run(t, "train", "--preset", "tiny", "--data", p, "--out", filepath.Join(dir, "run"))
		if err == nil {
			t.Fatalf("--data %s: no error", p)
		}
		for _, want := range []string{p, "IDX", "CIFAR-10", "PNG/JPEG"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("--data %s: error %q lacks %q", p, err, want)
			}
		}
	}
}

// TestTinyTrainResumeSample is the README's smoke path: train the tiny preset, resume
// it for more steps, and sample a grid from it.
func TestTinyTrainResumeSample(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	out, err := runStdout(t, "train", "--preset", "tiny", "--out", dir, "--backend", "go")
	if err != nil {
		t.Fatal(err)
	}
	checkTrained(t, out, dir, "go", 1, 30, 16, 28)
	for _, f := range []string{"config.yaml", "metrics.jsonl", "samples/step-000030.png", "checkpoints/ckpt-000000030.bin"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	if err := run(t, "train", "--resume", dir, "--batch", "8"); err == nil || !strings.Contains(err.Error(), "--batch") {
		t.Errorf("resume with --batch: error %v, want a refusal naming --batch", err)
	}
	if out, err = runStdout(t, "train", "--resume", dir, "--steps", "35"); err != nil {
		t.Fatal(err)
	}
	checkTrained(t, out, dir, "go", 31, 35, 16, 28)
	checkMetricsLog(t, dir, 5, 35)
	png := filepath.Join(t.TempDir(), "x.png")
	if out, err = runStdout(t, "sample", "--run", dir, "--n", "9", "--out", png); err != nil {
		t.Fatal(err)
	}
	if want := "9 samples from " + dir + " (step 35) -> " + png + "\n"; out != want {
		t.Errorf("sample printed %q, want %q", out, want)
	}
	checkPNG(t, png, 92, 92) // 3x3 images of 28 pixels, 2-pixel borders
	if err := run(t, "sample", "--run", filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "reading run "+filepath.Join(dir, "nope")) {
		t.Errorf("sample from a missing run: %v, want an error naming the run", err)
	}
	if out, err = runStdout(t, "eval", "--run", dir, "--n", "300", "--metrics", "fid,pr,is,spectrum", "--json"); err != nil {
		t.Errorf("eval: %v", err)
	}
	checkEvalJSON(t, out, dir, 35, 300, []string{"fid", "pr", "is", "spectrum"})
	// The run keeps its latest evaluation (what serve's page shows): the same document.
	if saved, err := os.ReadFile(filepath.Join(dir, "eval.json")); err != nil || !bytes.Equal(bytes.TrimSpace(saved), bytes.TrimSpace([]byte(out))) {
		t.Errorf("eval --run saved %q (%v), printed %q", saved, err, out)
	}
	// The sweep evaluates 23 settings: on the cpu backend (the go one takes minutes).
	if out, err = runStdout(t, "eval", "--run", dir, "--n", "200", "--truncation-sweep", "--plot", filepath.Join(t.TempDir(), "sweep.png"), "--json", "--backend", "cpu"); err != nil {
		t.Errorf("truncation sweep: %v", err)
	}
	checkSweepJSON(t, out, dir, 35, 200)
	if err := run(t, "eval", "--images", dir); err == nil || !strings.Contains(err.Error(), "--real") {
		t.Errorf("eval --images without --real: %v", err)
	}
	if out, err = runStdout(t, "sample", "--run", dir, "--n", "4", "--out", png, "--force", "--truncation-mode", "resample", "--truncation", "0.5"); err != nil || !strings.HasSuffix(out, " -> "+png+"\n") {
		t.Errorf("truncated sampling: %v, printed %q", err, out)
	}
	checkPNG(t, png, 62, 62) // 2x2 images
	if err := run(t, "sample", "--run", dir, "--truncation", "0.5"); err == nil || !strings.Contains(err.Error(), "--truncation-mode") {
		t.Errorf("--truncation without a mode: %v", err)
	}
	// A generator that pixel-normalises z: truncation is refused before anything loads.
	pn := t.TempDir()
	cfg, _ := os.ReadFile(filepath.Join(dir, "config.yaml"))
	cfg = []byte(strings.Replace(string(cfg), "pixel_norm: false", "pixel_norm: true", 1))
	_ = os.WriteFile(filepath.Join(pn, "config.yaml"), cfg, 0o644)
	if err := run(t, "sample", "--run", pn, "--truncation-mode", "psi", "--truncation", "0.7"); err == nil || !strings.Contains(err.Error(), "pixel") {
		t.Errorf("truncation with a pixel-normalised z: %v", err)
	}
}

func TestDataInspectEmbedded(t *testing.T) {
	if err := run(t, "data", "inspect"); err != nil {
		t.Fatal(err)
	}
	if err := run(t, "data", "inspect", "/no/such/path"); err == nil || !strings.Contains(err.Error(), "/no/such/path") {
		t.Errorf("inspect missing path: %v", err)
	}
}

func TestUnknownBackendIsRefused(t *testing.T) {
	// Built with cgo, an unknown backend lists the XLA ones and a missing plugin names
	// the variable that finds it; without cgo, both say how to build XLA in.
	wantUnknown, wantXLA := "xla:cuda", "PJRT_PLUGIN_LIBRARY_PATH"
	if !backend.XLABuiltIn {
		wantUnknown, wantXLA = "CGO_ENABLED=1", "CGO_ENABLED=1 go build ./cmd/gankit"
	}
	err := run(t, "train", "--preset", "tiny", "--backend", "tpu9000", "--out", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), wantUnknown) {
		t.Errorf("unknown backend: %v", err)
	}
	// A plugin no machine has (xla:cuda would load where a CUDA plugin is installed).
	err = run(t, "train", "--preset", "tiny", "--backend", "xla:gankit-test-no-such-plugin", "--out", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), wantXLA) {
		t.Errorf("missing plugin: %v", err)
	}
}

// TestAblateAndReport runs a two-setting toy grid through the CLI, then gathers it
// again with gankit report, and refuses to overwrite it with another grid.
func TestAblateAndReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "abl")
	args := []string{"ablate", "--preset", "ring8", "--variant", "vanilla:", "--variant", "pack2:model.pack=2",
		"--seeds", "1", "--steps", "30", "--set", "model.width=16", "--eval-n", "300", "--out", dir, "--backend", "cpu"}
	if err := run(t, args...); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.html")); err != nil {
		t.Fatal(err)
	}
	if out, err := runStdout(t, "report", dir, "--best"); err != nil {
		t.Error(err)
	} else if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || (lines[1] != "vanilla" && lines[1] != "pack2") {
		t.Errorf("report --best printed %q, want the report's path and a setting's name", out)
	}
	if err := run(t, "ablate", "--preset", "grid25", "--vary", "model.pack=1,2", "--out", dir); err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Errorf("a second grid into the same directory: %v", err)
	}
	if err := run(t, "ablate", "--out", dir, "--emit", "slurm"); err != nil {
		t.Error(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "ablate.sbatch")); err != nil || !strings.Contains(string(b), "--array=0-1") {
		t.Errorf("slurm script: %v\n%s", err, b)
	}
}

// captureStdout runs f with os.Stdout sent to a pipe and returns what it printed.
func captureStdout(t *testing.T, f func() error) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	ferr := f()
	os.Stdout = saved
	_ = w.Close()
	return <-done, ferr
}
