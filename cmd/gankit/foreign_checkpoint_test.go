package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rundir "github.com/gankit/gankit/run"
)

// TestForeignCheckpointIsPassedOverAndKept: a checkpoint copied from another run
// (model.width 16 where this run's is 8) under a name that matches its own step, 40,
// sorts after this run's newest, 30. sample and resume report it, naming the key, and
// use step 30; pruning keeps the two newest real checkpoints and never deletes the
// copy, which is left byte for byte as it was. Before, sample used the other run's
// model and the resume was refused: "model.width cannot change on resume".
func TestForeignCheckpointIsPassedOverAndKept(t *testing.T) {
	dir := trainTiny(t, "--set", "train.checkpoint_every=10", "--set", "train.keep_checkpoints=2")
	other := trainTiny(t, "--set", "train.checkpoint_every=10", "--steps", "40", "--set", "model.width=16")
	copied, err := os.ReadFile(rundir.CheckpointPath(other, 40))
	if err != nil {
		t.Fatal(err)
	}
	foreign := rundir.CheckpointPath(dir, 40)
	if err := os.WriteFile(foreign, copied, 0o644); err != nil {
		t.Fatal(err)
	}
	const report = "ckpt-000000040.bin (step 40) was trained with another structure than this run (model.width 8 -> 16"

	code, stdout, stderr := gankitRun(t, "sample", "--run", dir, "--n", "4", "--out", filepath.Join(t.TempDir(), "s.png"))
	if code != 0 || !strings.Contains(stdout, "(step 30)") || !strings.Contains(stderr, report) {
		t.Fatalf("sample: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = gankitRun(t, "train", "--resume", dir, "--steps", "35")
	if code != 0 || !strings.Contains(stdout, "trained steps 31-35") || !strings.Contains(stderr, report) {
		t.Fatalf("resume --steps 35: exit %d\n%s\n%s", code, stdout, stderr)
	}
	steps, _ := rundir.CheckpointSteps(dir)
	if want := []int{30, 35, 40}; !slices.Equal(steps, want) {
		t.Errorf("checkpoint files %v, want %v (the real 30 and 35, and the copy)", steps, want)
	}
	if got, err := os.ReadFile(foreign); err != nil || !bytes.Equal(got, copied) {
		t.Errorf("the copied checkpoint was changed or removed: %v", err)
	}
	code, stdout, stderr = gankitRun(t, "sample", "--run", dir, "--n", "4", "--out", filepath.Join(t.TempDir(), "s.png"))
	if code != 0 || !strings.Contains(stdout, "(step 35)") || !strings.Contains(stderr, report) {
		t.Fatalf("sample after the resume: exit %d\n%s\n%s", code, stdout, stderr)
	}
}
