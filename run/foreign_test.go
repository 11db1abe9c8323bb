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

// TestForeignCheckpointIsNeitherUsedNorPruned: in a run with checkpoints 3 and 6
// (keep 2), a checkpoint of step 9 copied from a run of another model.width is
// reported and passed over by LatestCheckpoint and Resume, which use step 6. A second
// copy dropped in while the writer runs (step 100, which the writer has not read) is
// found foreign by the writer's own config when it prunes. Saving 12 prunes 3, never
// a copy; both are left byte for byte.
func TestForeignCheckpointIsNeitherUsedNorPruned(t *testing.T) {
	dir, cfg := newRun(t)
	otherCfg := cfg
	otherCfg.Model.Width = 2 * cfg.Model.Width
	other := filepath.Join(t.TempDir(), "other")
	ow, err := Create(other, otherCfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ow.Start(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []int{9, 100} {
		if _, err := ow.SaveCheckpoint(testContext(float32(s)), s, 5); err != nil {
			t.Fatal(err)
		}
	}
	ow.Close()
	copyCheckpoint := func(step int) []byte {
		b, err := os.ReadFile(CheckpointPath(other, step))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(CheckpointPath(dir, step), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return b
	}
	copied9 := copyCheckpoint(9)
	const report = "ckpt-000000009.bin (step 9) was trained with another structure than this run (model.width"
	var log strings.Builder
	ck, err := LatestCheckpoint(dir, &log)
	if err != nil || ck.Step != 6 || !strings.Contains(log.String(), report) {
		t.Fatalf("LatestCheckpoint: %v, %v\n%s", ck, err, log.String())
	}

	log.Reset()
	w, ck, err := Resume(dir, cfg, Options{Log: &log})
	if err != nil || ck.Step != 6 || w.StartStep() != 6 || !strings.Contains(log.String(), report) {
		t.Fatalf("Resume: %v, %v\n%s", ck, err, log.String())
	}
	defer w.Close()
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	copied100 := copyCheckpoint(100)
	if _, err := w.SaveCheckpoint(testContext(12), 12, 2); err != nil {
		t.Fatal(err)
	}
	steps, _ := CheckpointSteps(dir)
	if want := []int{6, 9, 12, 100}; !slices.Equal(steps, want) {
		t.Errorf("checkpoint files %v, want %v (the real 6 and 12, and both copies)", steps, want)
	}
	for step, want := range map[int][]byte{9: copied9, 100: copied100} {
		if got, err := os.ReadFile(CheckpointPath(dir, step)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("the copy at step %d was changed or removed: %v", step, err)
		}
	}
	var f *ForeignError
	if err := w.verify(CheckpointPath(dir, 100)); !errors.As(err, &f) || f.Step != 100 || len(f.Changes) != 1 || f.Changes[0].Key != "model.width" {
		t.Errorf("verify of the copy at 100: %v, want a ForeignError naming model.width", err)
	}
	// The run reaching a copy's step replaces it, and says so.
	log.Reset()
	if _, err := w.SaveCheckpoint(testContext(100), 100, 2); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "note: replaced "+CheckpointPath(dir, 100)+", a checkpoint of another structure (model.width") {
		t.Errorf("saving over the copy at 100 logged:\n%s", log.String())
	}
	if steps, _ := CheckpointSteps(dir); !slices.Equal(steps, []int{9, 12, 100}) {
		t.Errorf("after saving 100: checkpoint files %v, want [9 12 100]", steps)
	}
}
