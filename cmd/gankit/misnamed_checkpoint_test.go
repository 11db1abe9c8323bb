//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	rundir "github.com/gankit/gankit/run"
)

// TestMisnamedCheckpointIsPassedOverAndKept: a copy of the step-20 checkpoint named
// ckpt-000000999.bin sorts after the real ones. sample, eval, serve and resume report
// it and use the real newest checkpoint (step 30, then 40); pruning keeps the two
// newest real checkpoints and never deletes the misnamed file (a user's copy), which
// is left byte for byte as it was. Before, every command said "(step 20)", every
// resume restarted from step 20, and pruning deleted the real ckpt-30 and then ckpt-40.
func TestMisnamedCheckpointIsPassedOverAndKept(t *testing.T) {
	dir := trainTiny(t, "--set", "train.checkpoint_every=10", "--set", "train.keep_checkpoints=2")
	old, err := os.ReadFile(rundir.CheckpointPath(dir, 20))
	if err != nil {
		t.Fatal(err)
	}
	misnamed := rundir.CheckpointPath(dir, 999)
	if err := os.WriteFile(misnamed, old, 0o644); err != nil {
		t.Fatal(err)
	}
	const report = "ckpt-000000999.bin holds step 20"

	code, stdout, stderr := gankitRun(t, "sample", "--run", dir, "--n", "4", "--out", filepath.Join(t.TempDir(), "s.png"))
	if code != 0 || !strings.Contains(stdout, "(step 30)") || !strings.Contains(stderr, report) {
		t.Fatalf("sample: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = gankitRun(t, "eval", "--run", dir, "--n", "200", "--json")
	var res struct {
		Step int `json:"step"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); code != 0 || err != nil || res.Step != 30 || !strings.Contains(stderr, report) {
		t.Fatalf("eval: exit %d, step %d (%v)\n%s\n%s", code, res.Step, err, stdout, stderr)
	}
	srv := startGankit(t, "serve", "--run", dir, "--addr", "127.0.0.1:0")
	waitFor(t, "serve to listen", func() bool {
		select {
		case <-srv.done:
			return true
		default:
			return strings.Contains(srv.stdout.String(), "serving")
		}
	})
	srv.signal(t, syscall.SIGINT)
	srv.wait(t)
	if out := srv.stdout.String(); !strings.Contains(out, "(step 30)") || !strings.Contains(srv.stderr.String(), report) {
		t.Fatalf("serve:\n%s\n%s", out, srv.stderr.String())
	}

	for _, tc := range []struct {
		steps   string
		trained string
		kept    []int
	}{
		{"40", "trained steps 31-40", []int{30, 40}},
		{"50", "trained steps 41-50", []int{40, 50}},
	} {
		code, stdout, stderr = gankitRun(t, "train", "--resume", dir, "--steps", tc.steps)
		if code != 0 || !strings.Contains(stdout, tc.trained) || !strings.Contains(stderr, report) {
			t.Fatalf("resume --steps %s: exit %d\n%s\n%s", tc.steps, code, stdout, stderr)
		}
		for _, s := range tc.kept {
			if err := rundir.VerifyCheckpoint(rundir.CheckpointPath(dir, s)); err != nil {
				t.Errorf("after --steps %s, step %d: %v", tc.steps, s, err)
			}
		}
		steps, _ := rundir.CheckpointSteps(dir)
		if want := append(tc.kept, 999); !slices.Equal(steps, want) {
			t.Errorf("after --steps %s: checkpoint files %v, want %v", tc.steps, steps, want)
		}
		if got, err := os.ReadFile(misnamed); err != nil || !bytes.Equal(got, old) {
			t.Errorf("after --steps %s: the misnamed file was changed or removed: %v", tc.steps, err)
		}
	}
}
