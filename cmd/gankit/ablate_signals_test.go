//go:build unix

package main

// Tests of gankit ablate stopped by signals and continued, through real gankit
// processes (startGankit): a stopped grid keeps its running cell's checkpoint and
// continues bitwise, as gankit train does.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gankit/gankit/ablate"
	rundir "github.com/gankit/gankit/run"
)

// ablateGrid is a two-cell grid of the tiny preset (label smoothing 0 and 0.1, one
// seed) of the given length, with a checkpoint every 5 steps so that a cell's
// progress can be seen on disk.
func ablateGrid(dir string, steps int) []string {
	return []string{"ablate", "--preset", "tiny", "--vary", "train.label_smoothing=0,0.1", "--seeds", "1",
		"--steps", strconv.Itoa(steps), "--set", "train.checkpoint_every=5", "--eval-n", "100", "--backend", "cpu", "--out", dir}
}

// gridCells are the two cells' run directories, in the grid's order.
func gridCells(dir string) []string {
	return []string{filepath.Join(dir, "cells", "train.label_smoothing=0", "seed-0"),
		filepath.Join(dir, "cells", "train.label_smoothing=0.1", "seed-0")}
}

// signalMidCell sends sigs to the ablate process p while one of its cells is in
// training with at least `margin` steps to go: it freezes p (SIGSTOP) to look at the
// cells on disk, so that what it sees is where p is, sends sigs only when a cell has
// a checkpoint, at most steps-margin, and no eval.json, and then lets p go on
// (SIGCONT), which takes the pending signals at once. It returns that cell's index
// and the checkpoint step it saw. No clock decides when the signals land.
func signalMidCell(t *testing.T, p *proc, dir string, steps, margin int, sigs ...syscall.Signal) (cell, seen int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case <-p.done:
			t.Fatalf("ablate exited before a cell was caught in training:\n%s\n%s", p.stdout.String(), p.stderr.String())
		default:
		}
		p.signal(t, syscall.SIGSTOP)
		for i, c := range gridCells(dir) {
			last, ok := rundir.LastCheckpointStep(c)
			if _, err := os.Stat(filepath.Join(c, ablate.EvalFile)); ok && last > 0 && err != nil && last <= steps-margin {
				for _, s := range sigs {
					p.signal(t, s)
				}
				p.signal(t, syscall.SIGCONT)
				return i, last
			}
		}
		p.signal(t, syscall.SIGCONT)
		if time.Now().After(deadline) {
			t.Fatalf("waited 2 minutes for a cell in training with %d steps to go", margin)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkStoppedCell checks what a grid stopped by a signal leaves: exit status 75, the
// command that continues it, and the cell caught in training checkpointed at the step
// it stopped on (named in stdout, reading back whole, no earlier than the one seen
// before the signal, no eval.json) and unlocked, with the cells after it not started.
func checkStoppedCell(t *testing.T, p *proc, dir string, cell, seen int, sig syscall.Signal) {
	t.Helper()
	if code := p.wait(t); code != exitStopped {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitStopped, p.stdout.String(), p.stderr.String())
	}
	out := p.stdout.String()
	for _, want := range []string{"stopped by " + sig.String() + "\n", fmt.Sprintf("continue with: gankit ablate --out %s --backend cpu\n", shellQuote(dir))} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	c := gridCells(dir)[cell]
	var step int
	at := strings.Index(out, fmt.Sprintf("cell %d (", cell+1))
	if at < 0 {
		t.Fatalf("stdout names no stopped cell %d:\n%s", cell+1, out)
	}
	if _, err := fmt.Sscanf(out[at+strings.Index(out[at:], "stopped after step"):], "stopped after step %d", &step); err != nil {
		t.Fatalf("stdout %q: %v", out, err)
	}
	// The stop step may be the one seen: gankit can be frozen after that step's
	// checkpoint and before its next step starts, and then it stops right there.
	if last, _ := rundir.LastCheckpointStep(c); last != step || step < seen {
		t.Errorf("cell %d: newest checkpoint at step %d, stopped after step %d, seen at %d before the signal", cell, last, step, seen)
	}
	if err := rundir.VerifyCheckpoint(rundir.CheckpointPath(c, step)); err != nil {
		t.Error(err)
	}
	if !strings.Contains(out, rundir.CheckpointPath(c, step)) {
		t.Errorf("stdout does not name the checkpoint %s:\n%s", rundir.CheckpointPath(c, step), out)
	}
	for name, want := range map[string]bool{rundir.LockFile: false, ablate.EvalFile: false} {
		if _, err := os.Stat(filepath.Join(c, name)); (err == nil) != want {
			t.Errorf("cell %d: %s exists: %v, want %v", cell, name, err == nil, want)
		}
	}
	for _, later := range gridCells(dir)[cell+1:] {
		if _, err := os.Stat(later); err == nil {
			t.Errorf("%s was started after the signal", later)
		}
	}
}

// TestAblateSignalStopsTheCellWithACheckpoint: SIGINT, SIGTERM and SIGHUP each stop
// a grid in its first cell's training with a checkpoint at the step it was on, the
// command that continues the grid and exit status 75, the cell unlocked and the next
// one not started. Before, each signal's default action killed the process (exit 130,
// 143, 129) with no checkpoint, no hint and the cell's lock left behind.
func TestAblateSignalStopsTheCellWithACheckpoint(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "my grid")
			p := startGankit(t, ablateGrid(dir, 1000000)...)
			cell, seen := signalMidCell(t, p, dir, 1000000, 5, sig)
			checkStoppedCell(t, p, dir, cell, seen, sig)
		})
	}
}

// TestAblateSecondSignalExitsAtOnce: SIGINT and SIGTERM delivered together (sent
// while gankit is frozen) end the grid at once with 128 + the second one's number,
// saying so with the command that continues it; the cell's checkpoints all read back
// whole. Which of the two gankit sees second is the kernel's and Go's runtime's
// choice (each may land on another thread): either is right, as long as the exit
// status and the message name the same one.
func TestAblateSecondSignalExitsAtOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "grid")
	p := startGankit(t, ablateGrid(dir, 1000000)...)
	cell, _ := signalMidCell(t, p, dir, 1000000, 5, syscall.SIGINT, syscall.SIGTERM)
	code := p.wait(t)
	var second syscall.Signal
	for _, s := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		if code == 128+int(s) {
			second = s
		}
	}
	if second == 0 {
		t.Fatalf("exit %d, want %d or %d (128 + the second signal)\n%s", code, 128+int(syscall.SIGINT), 128+int(syscall.SIGTERM), p.stderr.String())
	}
	want := fmt.Sprintf("%s again: stopping now; the newest complete checkpoint resumes with: gankit ablate --out %s --backend cpu\n", second, shellQuote(dir))
	if !strings.Contains(p.stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, p.stderr.String())
	}
	c := gridCells(dir)[cell]
	steps, _ := rundir.CheckpointSteps(c)
	if len(steps) == 0 {
		t.Fatalf("%s: no checkpoint", c)
	}
	for _, s := range steps {
		if err := rundir.VerifyCheckpoint(rundir.CheckpointPath(c, s)); err != nil {
			t.Error(err)
		}
	}
}

// TestAblateInterruptedAndRerunMatchesUninterruptedGrid: a grid stopped by SIGINT in
// a cell's training, then continued by the same command, ends with every cell's final
// checkpoint and eval.json byte for byte those of the same grid run without a stop
// (in the same directory, so that eval.json's paths agree). Before, the rerun was
// refused: "already holds an ablation".
func TestAblateInterruptedAndRerunMatchesUninterruptedGrid(t *testing.T) {
	const steps = 120 // a cell trains long enough (about a second) for signalMidCell to catch it on a fast machine
	dir := filepath.Join(t.TempDir(), "grid")
	if code, stdout, stderr := gankitRun(t, ablateGrid(dir, steps)...); code != 0 {
		t.Fatalf("uninterrupted grid: exit %d\n%s\n%s", code, stdout, stderr)
	}
	ref := dir + ".ref"
	if err := os.Rename(dir, ref); err != nil {
		t.Fatal(err)
	}
	p := startGankit(t, ablateGrid(dir, steps)...)
	cell, seen := signalMidCell(t, p, dir, steps, 10, syscall.SIGINT)
	checkStoppedCell(t, p, dir, cell, seen, syscall.SIGINT)
	code, stdout, stderr := gankitRun(t, ablateGrid(dir, steps)...)
	if code != 0 || !strings.Contains(stdout, "report: ") {
		t.Fatalf("the same command again: exit %d\n%s\n%s", code, stdout, stderr)
	}
	compared := 0
	for i, c := range gridCells(dir) {
		rc := gridCells(ref)[i]
		for _, name := range []string{ablate.EvalFile, rundir.CheckpointPath("", steps)} {
			want, err := os.ReadFile(filepath.Join(rc, name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(c, name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("cell %d: %s differs from the uninterrupted grid's (%d vs %d bytes)", i, name, len(got), len(want))
			}
			compared++
		}
	}
	if compared != 4 {
		t.Fatalf("compared %d files, want 4", compared)
	}
}

// TestAblateSameCommandContinuesAnotherPlanIsRefused: the command that made a grid
// continues it (its finished cells are not rerun), while one that would make another
// plan is refused naming what differs, and the plan is left as it was.
func TestAblateSameCommandContinuesAnotherPlanIsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "grid")
	if code, stdout, stderr := gankitRun(t, ablateGrid(dir, 10)...); code != 0 {
		t.Fatalf("grid: exit %d\n%s\n%s", code, stdout, stderr)
	}
	plan, err := os.ReadFile(filepath.Join(dir, ablate.PlanFile))
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := gankitRun(t, ablateGrid(dir, 10)...)
	if code != 0 || !strings.Contains(stdout, "2 finished cells were not rerun") {
		t.Fatalf("the same command again: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{append(ablateGrid(dir, 10), "--seeds", "2"), "seeds: [0], then [0,1]"},
		{ablateGrid(dir, 12), "base train.steps: 10, then 12"},
		{append(ablateGrid(dir, 10), "--set", "train.lr_d=1e-4"), "base train.lr_d: "},
		{[]string{"ablate", "--out", dir, "--seeds", "2"}, "--seeds without --vary or --variant makes no plan"},
	} {
		code, _, stderr := gankitRun(t, tc.args...)
		if code != 1 || !strings.Contains(stderr, "already holds an ablation") || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, want 1 naming %q:\n%s", tc.args[len(tc.args)-2:], code, tc.want, stderr)
		}
	}
	if after, err := os.ReadFile(filepath.Join(dir, ablate.PlanFile)); err != nil || !bytes.Equal(after, plan) {
		t.Errorf("%s changed by a refused command: %v", ablate.PlanFile, err)
	}
}

// TestAblateStartedWithSIGINTIgnoredStopsOnSIGINT: a shell script without job control
// starts its background jobs with SIGINT ignored, and an exec'd program inherits
// that; gankit listens for SIGINT anyway, so kill -INT stops the grid as it does an
// interactive one. Before, the signal did nothing and the grid ran to its end.
func TestAblateStartedWithSIGINTIgnoredStopsOnSIGINT(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "grid")
	args := append([]string{"-c", `trap "" INT; exec "$0" "$@"`, os.Args[0], "-test.run=^TestGankitProcess$", "--"}, ablateGrid(dir, 120)...)
	p := startProc(t, exec.Command("sh", args...))
	cell, seen := signalMidCell(t, p, dir, 120, 10, syscall.SIGINT)
	checkStoppedCell(t, p, dir, cell, seen, syscall.SIGINT)
}
