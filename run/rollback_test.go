package run

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestSetAsideAfterMovesTheDivergedStretchBestIncluded: checkpoints 3, 6 and 9 with the
// best at 9, and a divergence whose onset is 6: the rollback goes to 3, 6 and 9 go into
// checkpoints/diverged-at-11 (9 with best.json saying where), a resume takes up 3, and
// a second rollback diverging at the same step gets a folder of its own.
func TestSetAsideAfterMovesTheDivergedStretchBestIncluded(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t)
	w, err := Create(dir, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []int{3, 6, 9} {
		if _, err := w.SaveCheckpoint(testContext(float32(s)), s, 5); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.SetBest(Best{Step: 9, FID: 12.5, Samples: 32, FeatureNet: "f"}); err != nil {
		t.Fatal(err)
	}
	to, err := w.SetAsideAfter(5, 11)
	if err != nil || to != 3 {
		t.Fatalf("SetAsideAfter(5, 11) = %d, %v; want 3", to, err)
	}
	if steps, _ := CheckpointSteps(dir); !slices.Equal(steps, []int{3}) {
		t.Errorf("checkpoints/ holds %v, want [3]", steps)
	}
	aside := filepath.Join(dir, CheckpointDir, "diverged-at-11")
	for _, s := range []int{6, 9} {
		if _, err := os.Stat(filepath.Join(aside, checkpointName(s))); err != nil {
			t.Errorf("step %d not set aside: %v", s, err)
		}
	}
	b, ok, err := ReadBest(dir)
	if err != nil || !ok || b.Step != 9 || b.File(dir) != filepath.Join(aside, checkpointName(9)) {
		t.Fatalf("best.json %+v (%v, %v): want step 9 at %s", b, ok, err, filepath.Join(aside, checkpointName(9)))
	}
	if _, err := ReadCheckpoint(b.File(dir)); err != nil {
		t.Errorf("the moved best does not read back: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, ck, err := Resume(dir, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ck == nil || ck.Step != 3 {
		t.Fatalf("the resume takes up %+v, want step 3", ck)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SaveCheckpoint(testContext(7), 6, 5); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetAsideAfter(4, 11); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(aside+"-2", checkpointName(6))); err != nil {
		t.Errorf("the second rollback at step 11 did not get diverged-at-11-2: %v", err)
	}
	if _, err := os.Stat(filepath.Join(aside, checkpointName(6))); err != nil {
		t.Errorf("the first rollback's step 6 was overwritten or moved: %v", err)
	}
	r.Close()
}
