package report_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gankit/gankit/ablate"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/report"
	"github.com/gankit/gankit/train"
)

// tinyAblation trains a 2 x 2 grid of very short ring8 runs and returns its plan.
func tinyAblation(t *testing.T) ablate.Plan {
	t.Helper()
	base, err := config.FromPreset("ring8")
	if err != nil {
		t.Fatal(err)
	}
	base.Model.Width, base.Train.Steps, base.Train.Batch = 16, 40, 64
	base.Train.LogEvery, base.Train.SampleEvery, base.Train.CheckpointEvery = 10, 0, 0
	p := ablate.Plan{Dir: t.TempDir(), Base: base, Seeds: []int64{0, 1}, EvalN: 500}
	a, err := ablate.ParseAxis("train.label_smoothing=0,0.2")
	if err != nil {
		t.Fatal(err)
	}
	p.Axes = []ablate.Axis{a}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	if err := p.Run(ablate.RunOptions{Workers: 2, Backend: "cpu", Train: trainCell}); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReportRendersInChromium writes a report for a real (tiny) ablation and loads it
// in headless Chromium: no console message, every image it references exists, and
// the results table is in the page.
func TestReportRendersInChromium(t *testing.T) {
	p := tinyAblation(t)
	res, err := ablate.Gather(p)
	if err != nil {
		t.Fatal(err)
	}
	path, err := report.Write(res, report.Extra{})
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	srcs := regexp.MustCompile(`<img src="([^"]+)"`).FindAllStringSubmatch(string(html), -1)
	if len(srcs) < 6 {
		t.Errorf("the page shows %d images, want the metric plots, curves and 4 sample grids", len(srcs))
	}
	for _, m := range srcs {
		if _, err := os.Stat(filepath.Join(p.Dir, m[1])); err != nil {
			t.Errorf("the page references %s: %v", m[1], err)
		}
	}
	for _, want := range []string{"train.label_smoothing=0.2", "modes", "reverse_kl", "2/2"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must have chromium (.ci/run installs it)")
		}
		t.Skip("chromium not installed (apt-get install chromium)")
	}
	// A hung browser must fail the test, not hold CI until go test's 10-minute panic.
	// The page renders in about a second; WaitDelay closes the pipes its helper
	// processes may keep open after the main one is killed.
	const limit = 90 * time.Second
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=3000", "--dump-dom", "file://"+path)
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("chromium did not finish within %s: %v\n%s", limit, err, stderr.String())
	}
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") {
			t.Errorf("console message: %s", line)
		}
	}
	if !strings.Contains(string(dom), "<table>") || !strings.Contains(string(dom), "label_smoothing") {
		t.Errorf("the rendered page has no results table:\n%.500s", dom)
	}
}

// TestAblationResumes: rerunning a finished grid trains nothing again.
func TestAblationResumes(t *testing.T) {
	p := tinyAblation(t)
	before := map[string]os.FileInfo{}
	for _, c := range p.Cells() {
		st, err := os.Stat(filepath.Join(p.CellDir(c), ablate.EvalFile))
		if err != nil {
			t.Fatalf("cell %d unfinished: %v", c.Index, err)
		}
		before[p.CellDir(c)] = st
	}
	back, err := ablate.Load(p.Dir)
	if err != nil {
		t.Fatal(err)
	}
	// No trainer: a finished cell must not need one.
	if err := back.Run(ablate.RunOptions{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	for dir, st := range before {
		now, _ := os.Stat(filepath.Join(dir, ablate.EvalFile))
		if !now.ModTime().Equal(st.ModTime()) {
			t.Errorf("%s was evaluated again", dir)
		}
	}
	script := back.Slurm("/usr/local/bin/gankit")
	for _, want := range []string{"#SBATCH --array=0-3", "--cell \"$SLURM_ARRAY_TASK_ID\"", "gankit report " + p.Dir} {
		if !strings.Contains(script, want) {
			t.Errorf("slurm script lacks %q:\n%s", want, script)
		}
	}
}

// trainCell is the trainer ablate is given (as the CLI gives it).
func trainCell(j ablate.TrainJob) error {
	_, err := train.Run(j.Config, train.Options{RunDir: j.Dir, Resume: j.Resume, Backend: j.Backend})
	return err
}
