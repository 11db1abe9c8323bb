//go:build unix

package main

// Tests of writes that are not the training state (issue 18, items 3 and 4), through
// real gankit processes (rundir_test.go's startGankit and gankitRun) on a real file
// system. A full disk is stood in for by a path that no process can write, root
// included: a regular file where a folder is wanted (ENOTDIR) or a folder where a
// file is wanted. Permission bits would not do: the tests run as root.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gankit/gankit/eval"
	rundir "github.com/gankit/gankit/run"
)

// blockSamples replaces a run's samples/ folder with a regular file, so that every
// grid written into it fails, and returns the file's content.
func blockSamples(t *testing.T, dir string) []byte {
	t.Helper()
	samples := filepath.Join(dir, rundir.SamplesDir)
	if err := os.RemoveAll(samples); err != nil {
		t.Fatal(err)
	}
	body := []byte("not a folder: every grid written into it fails with ENOTDIR\n")
	if err := os.WriteFile(samples, body, 0o644); err != nil {
		t.Fatal(err)
	}
	return body
}

// TestUnwritableSampleGridIsReportedAndTrainingGoesOn: with samples/ a file, a resume
// from step 30 to 60 cannot write its grids at steps 45 and 60; each is reported once
// on stderr, naming its file, and the run trains to the end: exit 0, checkpoints at 45
// and 60 that read back whole, a metrics line every 5 steps. Before, the first grid's
// error ended the run with exit 1, losing every step since the last checkpoint.
func TestUnwritableSampleGridIsReportedAndTrainingGoesOn(t *testing.T) {
	dir := trainTiny(t) // samples and checkpoints every 15 steps, metrics every 5
	body := blockSamples(t, dir)
	code, stdout, stderr := gankitRun(t, "train", "--resume", dir, "--steps", "60")
	if code != 0 || !strings.Contains(stdout, "trained steps 31-60") {
		t.Fatalf("resume with samples/ unwritable: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, step := range []int{45, 60} {
		grid := rundir.SamplePath(dir, step)
		want := fmt.Sprintf("warning: step %d: sample grid %s not written (skipped; training goes on): ", step, grid)
		if n := strings.Count(stderr, want); n != 1 {
			t.Errorf("stderr reports the grid of step %d %d times, want once (%q):\n%s", step, n, want, stderr)
		}
	}
	if n := strings.Count(stderr, "sample grid"); n != 2 {
		t.Errorf("stderr names a sample grid %d times, want 2 (steps 45 and 60):\n%s", n, stderr)
	}
	if steps, _ := rundir.CheckpointSteps(dir); fmt.Sprint(steps) != "[45 60]" {
		t.Errorf("checkpoints %v, want [45 60]", steps)
	}
	if err := rundir.VerifyCheckpoint(rundir.CheckpointPath(dir, 60)); err != nil {
		t.Error(err)
	}
	steps := metricsSteps(t, dir)
	var want []int
	for s := 5; s <= 60; s += 5 {
		want = append(want, s)
	}
	if fmt.Sprint(steps) != fmt.Sprint(want) {
		t.Errorf("metrics steps %v, want %v", steps, want)
	}
	if got, err := os.ReadFile(filepath.Join(dir, rundir.SamplesDir)); err != nil || !bytes.Equal(got, body) {
		t.Errorf("the file in samples/'s place was changed: %q, %v", got, err)
	}
}

// TestUnwritableCheckpointStopsTheRunWithTheResumeCommand: with a folder where step
// 45's checkpoint goes, a resume from 30 to 60 stops at step 45 with exit status 74
// (EX_IOERR), a message naming that checkpoint, the one kept (step 30) and the command
// that resumes; the checkpoints of steps 15 and 30 are left byte for byte, and once the
// folder is gone the printed command takes the run from step 30 to the end. Before,
// the error said nothing of where or how to resume.
func TestUnwritableCheckpointStopsTheRunWithTheResumeCommand(t *testing.T) {
	dir := trainTiny(t) // checkpoints at 15 and 30, keep 2
	kept := map[int][]byte{}
	for _, s := range []int{15, 30} {
		b, err := os.ReadFile(rundir.CheckpointPath(dir, s))
		if err != nil {
			t.Fatal(err)
		}
		kept[s] = b
	}
	blocked := rundir.CheckpointPath(dir, 45)
	if err := os.MkdirAll(filepath.Join(blocked, "in the way"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := gankitRun(t, "train", "--resume", dir, "--steps", "60")
	if code != exitStateWrite {
		t.Fatalf("resume with step 45's checkpoint unwritable: exit %d, want %d\n%s\n%s", code, exitStateWrite, stdout, stderr)
	}
	for _, want := range []string{"step 45: saving checkpoint " + blocked, "the last checkpoint, step 30, is kept: " + rundir.CheckpointPath(dir, 30),
		"resume with: " + resumeCommand(dir)} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for s, b := range kept {
		if got, err := os.ReadFile(rundir.CheckpointPath(dir, s)); err != nil || !bytes.Equal(got, b) {
			t.Errorf("the checkpoint of step %d was changed or removed: %v", s, err)
		}
	}
	if steps := metricsSteps(t, dir); len(steps) == 0 || steps[len(steps)-1] != 45 {
		t.Errorf("metrics steps %v: want the run stopped at step 45", steps)
	}
	if err := os.RemoveAll(blocked); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = gankitRun(t, "train", "--resume", dir, "--steps", "60")
	if code != 0 || !strings.Contains(stderr, "(step 30)") || !strings.Contains(stdout, "trained steps 31-60") {
		t.Fatalf("resume once the checkpoint can be written: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestEvalPrintsItsFiguresWhenEvalJSONCannotBeSaved: with a folder where RUN/eval.json
// goes, gankit eval --run prints its figures (as text, and as --json), then the save
// error naming eval.json, and exits 1; the sweep likewise prints its table when its
// plot cannot be written. Before, only the error was printed: the evaluation was lost.
func TestEvalPrintsItsFiguresWhenEvalJSONCannotBeSaved(t *testing.T) {
	dir := trainTiny(t)
	blocked := filepath.Join(dir, rundir.EvalFile)
	if err := os.MkdirAll(filepath.Join(blocked, "in the way"), 0o755); err != nil {
		t.Fatal(err)
	}
	evalArgs := []string{"eval", "--run", dir, "--n", "300", "--metrics", "fid,pr"}
	code, stdout, stderr := gankitRun(t, evalArgs...)
	if code != 1 || !strings.Contains(stderr, "saving the evaluation of "+dir) || !strings.Contains(stderr, blocked) {
		t.Errorf("eval: exit %d, want 1 and the save error naming %s:\n%s", code, blocked, stderr)
	}
	for _, want := range []string{"300 generated vs", "  FID ", "  precision ", "  recall "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("eval printed no %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "saved:") {
		t.Errorf("eval says it saved what it could not:\n%s", stdout)
	}
	code, stdout, stderr = gankitRun(t, append(evalArgs, "--json")...)
	if code != 1 || !strings.Contains(stderr, blocked) {
		t.Errorf("eval --json: exit %d, want 1 and the save error naming %s:\n%s", code, blocked, stderr)
	}
	checkEvalJSON(t, stdout, dir, 30, 300, []string{"fid", "pr"})

	plot := filepath.Join(t.TempDir(), "sweep.png")
	if err := os.MkdirAll(filepath.Join(plot, "in the way"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = gankitRun(t, "eval", "--run", dir, "--n", "100", "--truncation-sweep", "--plot", plot, "--backend", "cpu")
	if code != 1 || !strings.Contains(stderr, plot) {
		t.Errorf("sweep: exit %d, want 1 and the plot's error naming %s:\n%s", code, plot, stderr)
	}
	if rows := strings.Count(stdout, "\n"); rows != len(eval.SweepSettings())+1 || !strings.HasPrefix(stdout, "mode ") {
		t.Errorf("sweep printed %d lines, want its header and a row per setting (%d):\n%s", rows, len(eval.SweepSettings()), stdout)
	}
	if strings.Contains(stdout, "plot:") {
		t.Errorf("the sweep names a plot it could not write:\n%s", stdout)
	}
}
