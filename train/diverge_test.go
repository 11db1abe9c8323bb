package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gankit/gankit/run"
)

// TestDivergedRunSaysWhereItsLastCheckpointIs: a run that diverges names its newest
// checkpoint, or says it has none. Before, it pointed at a checkpoints folder that did
// not exist when the divergence came before the first checkpoint.
func TestDivergedRunSaysWhereItsLastCheckpointIs(t *testing.T) {
	dir := t.TempDir()
	if got := lastCheckpointNote(dir); !strings.Contains(got, "before its first checkpoint, so none was written") {
		t.Errorf("no checkpoint: %q", got)
	}
	if err := os.MkdirAll(filepath.Join(dir, run.CheckpointDir), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range []int{10, 20} {
		if err := os.WriteFile(run.CheckpointPath(dir, s), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := lastCheckpointNote(dir); !strings.Contains(got, "step 20") || !strings.Contains(got, run.CheckpointPath(dir, 20)) {
		t.Errorf("checkpoints 10 and 20: %q", got)
	}
}
