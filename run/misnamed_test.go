package run

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestReadCheckpointChecksTheStepAgainstTheName: the bytes of a step-6 checkpoint read
// back under its own name and under a name that is not a checkpoint's, and are refused
// with a MisnamedError under another step's name.
func TestReadCheckpointChecksTheStepAgainstTheName(t *testing.T) {
	b := encodeTest(t, 6, 1)
	dir := t.TempDir()
	for _, tc := range []struct {
		name     string
		ok       bool // read back: the name is the step's, or not a checkpoint's
		nameStep int
	}{
		{"ckpt-000000006.bin", true, 0},
		{"ckpt-backup.bin", true, 0},
		{"ckpt-000000006.bin.old", true, 0},
		{"ckpt-000000999.bin", false, 999},
		{"ckpt-000000000.bin", false, 0},
		{"ckpt-000000005.bin", false, 5},
	} {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ck, err := ReadCheckpoint(path)
		verr := VerifyCheckpoint(path)
		if tc.ok {
			if err != nil || verr != nil || ck.Step != 6 {
				t.Errorf("%s: %v, %v", tc.name, err, verr)
			}
			continue
		}
		for _, e := range []error{err, verr} {
			var m *MisnamedError
			if !errors.As(e, &m) || m.Step != 6 || m.NameStep != tc.nameStep || m.Path != path {
				t.Errorf("%s: %v, want a MisnamedError of step 6 named %d", tc.name, e, tc.nameStep)
			}
		}
		if err != nil && !strings.Contains(err.Error(), tc.name+" holds step 6, not step") {
			t.Errorf("%s: the error does not say what the file holds: %v", tc.name, err)
		}
	}
}

// TestMisnamedCheckpointIsNeitherUsedNorPruned: in a run with checkpoints 3 and 6
// (keep 2), a copy of step 3 named ckpt-000000099.bin is reported and passed over by
// LatestCheckpoint and Resume, which use step 6. Saving 9 and then 12 prunes 3 and then
// 6, never the copy, which is left byte for byte and reported once per writer.
func TestMisnamedCheckpointIsNeitherUsedNorPruned(t *testing.T) {
	dir, cfg := newRun(t)
	copied, err := os.ReadFile(CheckpointPath(dir, 3))
	if err != nil {
		t.Fatal(err)
	}
	misnamed := CheckpointPath(dir, 99)
	if err := os.WriteFile(misnamed, copied, 0o644); err != nil {
		t.Fatal(err)
	}
	const report = "ckpt-000000099.bin holds step 3, not step 99"
	var log strings.Builder
	ck, err := LatestCheckpoint(dir, &log)
	if err != nil || ck.Step != 6 || !strings.Contains(log.String(), report) {
		t.Fatalf("LatestCheckpoint: %v, %v\n%s", ck, err, log.String())
	}

	log.Reset()
	w, ck, err := Resume(dir, cfg, Options{Log: &log})
	if err != nil || ck.Step != 6 || w.StartStep() != 6 {
		t.Fatalf("Resume: %v, %v", ck, err)
	}
	defer w.Close()
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		step int
		kept []int
	}{
		{9, []int{6, 9, 99}},
		{12, []int{9, 12, 99}},
	} {
		if _, err := w.SaveCheckpoint(testContext(float32(tc.step)), tc.step, 2); err != nil {
			t.Fatal(err)
		}
		if steps, _ := CheckpointSteps(dir); !slices.Equal(steps, tc.kept) {
			t.Errorf("after saving %d: checkpoint files %v, want %v", tc.step, steps, tc.kept)
		}
	}
	if got, err := os.ReadFile(misnamed); err != nil || !bytes.Equal(got, copied) {
		t.Errorf("the misnamed copy was changed or removed: %v", err)
	}
	if n := strings.Count(log.String(), report); n != 1 {
		t.Errorf("the misnamed copy was reported %d times, want once:\n%s", n, log.String())
	}

	// A writer that has not read the files (as a new process's prune, for a copy
	// older by name than its resumed checkpoint) reports and keeps it too.
	w.Close()
	w, _, err = Resume(dir, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	log.Reset()
	w.log = &log
	w.verified = map[int]error{}
	if err := w.prune(1); err != nil {
		t.Fatal(err)
	}
	if steps, _ := CheckpointSteps(dir); !slices.Equal(steps, []int{12, 99}) {
		t.Errorf("prune to 1: checkpoint files %v, want [12 99]", steps)
	}
	if !strings.Contains(log.String(), report) {
		t.Errorf("prune did not report the misnamed copy:\n%s", log.String())
	}
}

// TestSavingOverAMisnamedCheckpointSaysSo: when training reaches the step a misnamed
// copy is named for, the checkpoint the run writes there replaces it, and the log says
// which step the replaced file held.
func TestSavingOverAMisnamedCheckpointSaysSo(t *testing.T) {
	dir, cfg := newRun(t)
	copied, _ := os.ReadFile(CheckpointPath(dir, 3))
	if err := os.WriteFile(CheckpointPath(dir, 9), copied, 0o644); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	w, ck, err := Resume(dir, cfg, Options{Log: &log})
	if err != nil || ck.Step != 6 {
		t.Fatalf("Resume: %v, %v", ck, err)
	}
	defer w.Close()
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.SaveCheckpoint(testContext(9), 9, 2); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "replaced "+CheckpointPath(dir, 9)+", which held step 3") {
		t.Errorf("the replacement was not reported:\n%s", log.String())
	}
	if ck, err := ReadCheckpoint(CheckpointPath(dir, 9)); err != nil || ck.Step != 9 {
		t.Errorf("step 9 after the save: %v, %v", ck, err)
	}
}
