package train

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gankit/gankit/internal/testutil"
)

// TestKeepCheckpointsPrunesTheOldest trains 12 steps with a checkpoint every 3
// (steps 3, 6, 9, 12) and train.keep_checkpoints 1, 2 and 5: only the newest that
// many are left, and a file of the user's in the checkpoints folder is never touched.
func TestKeepCheckpointsPrunesTheOldest(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	for _, tc := range []struct {
		keep int
		want []string
	}{
		{1, []string{"ckpt-000000012.bin"}},
		{2, []string{"ckpt-000000009.bin", "ckpt-000000012.bin"}},
		{5, []string{"ckpt-000000003.bin", "ckpt-000000006.bin", "ckpt-000000009.bin", "ckpt-000000012.bin"}},
	} {
		dir := filepath.Join(t.TempDir(), "run")
		// A run of 3 steps first, resumed to 12 below: gankit writes only into new
		// directories or its own runs, so the user's file goes into a run's folder.
		first := microConfig(t)
		first.Train.Steps, first.Train.CheckpointEvery, first.Train.KeepCheckpoints = 3, 3, 10
		if _, err := Run(first, Options{RunDir: dir, Backend: b}); err != nil {
			t.Fatal(err)
		}
		mine := filepath.Join(dir, "checkpoints", "notes.txt")
		if err := os.MkdirAll(filepath.Dir(mine), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(mine, []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := microConfig(t)
		cfg.Train.Steps, cfg.Train.LogEvery, cfg.Train.CheckpointEvery, cfg.Train.KeepCheckpoints = 12, 6, 3, tc.keep
		if _, err := Run(cfg, Options{RunDir: dir, Backend: b, Resume: true}); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(filepath.Join(dir, "checkpoints"))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
		}
		if want := append(slices.Clone(tc.want), "notes.txt"); !slices.Equal(got, want) {
			t.Errorf("keep_checkpoints %d: checkpoints/ holds %v, want %v", tc.keep, got, want)
		}
	}
}
