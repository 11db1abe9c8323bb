package ablate

import (
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/run"
)

// TestAStartedCellResumesUnderItsOwnConfig: a cell whose training rolled back (its
// config.yaml holds the halved learning rates) resumes under that config, with the
// plan's steps and backend, not the plan's rates: the planned ones would be a change
// of the training rule, which a resume refuses.
func TestAStartedCellResumesUnderItsOwnConfig(t *testing.T) {
	planned, err := config.FromPreset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rolled := planned
	rolled.Train.LRD, rolled.Train.LRG, rolled.Train.Steps = planned.Train.LRD/2, planned.Train.LRG/2, 12
	w, err := run.Create(dir, rolled, run.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	planned.Train.Steps, planned.Backend = 40, "go"
	got, err := resumeConfig(dir, planned)
	if err != nil {
		t.Fatal(err)
	}
	if got.Train.LRD != rolled.Train.LRD || got.Train.LRG != rolled.Train.LRG || got.Train.Steps != 40 || got.Backend != "go" {
		t.Errorf("resume config: lr_d %g lr_g %g steps %d backend %q; want the run's rates %g, %g with the plan's 40 steps and backend go",
			got.Train.LRD, got.Train.LRG, got.Train.Steps, got.Backend, rolled.Train.LRD, rolled.Train.LRG)
	}
}
