package train

import (
	"testing"

	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/run"
)

// TestStopEndsAfterTheStepWithACheckpoint: with Stop closed before the first step, the
// run does that one step, writes its checkpoint (checkpoint_every is 3) and reports the
// stop; resuming continues from step 1.
func TestStopEndsAfterTheStepWithACheckpoint(t *testing.T) {
	dir := t.TempDir()
	b := testutil.Backend(t, "go")
	stop := make(chan struct{})
	close(stop)
	res, err := Run(microConfig(t), Options{RunDir: dir, Backend: b, Stop: stop})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Stopped || res.Steps != 1 || res.Checkpoint != run.CheckpointPath(dir, 1) {
		t.Fatalf("stopped %v at %d, checkpoint %s", res.Stopped, res.Steps, res.Checkpoint)
	}
	if steps, _ := run.CheckpointSteps(dir); len(steps) != 1 || steps[0] != 1 {
		t.Errorf("checkpoints %v, want [1]", steps)
	}
	res, err = Run(microConfig(t), Options{RunDir: dir, Backend: b, Resume: true})
	if err != nil || res.StartStep != 1 || res.Stopped || res.Steps != 6 {
		t.Fatalf("resume: %+v, %v", res, err)
	}
}
