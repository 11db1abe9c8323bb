package train

import (
	"math"
	"testing"

	"github.com/gankit/gankit/doctor"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/run"
)

// TestProxyFIDKeepsTheBestCheckpoint: with doctor.fid_every 2 the proxy FID is logged at
// steps 2, 4 and 6; best.json names the step of the lowest, whose checkpoint exists
// although train.keep_checkpoints is 1 and newer ones are written after it.
func TestProxyFIDKeepsTheBestCheckpoint(t *testing.T) {
	cfg := microConfig(t)
	cfg.Doctor.FIDEvery, cfg.Doctor.FIDSamples = 2, 32
	cfg.Train.CheckpointEvery, cfg.Train.KeepCheckpoints = 1, 1
	dir := t.TempDir()
	if _, err := Run(cfg, Options{RunDir: dir, Backend: testutil.Backend(t, "cpu")}); err != nil {
		t.Fatal(err)
	}
	best, lowest := math.Inf(1), 0
	for _, m := range readMetrics(t, dir) {
		fid, ok := m.Get(doctor.SignalFID)
		if ok != (m.Step%2 == 0) {
			t.Fatalf("step %d: proxy FID logged %v, want at every second step", m.Step, ok)
		}
		if ok && fid < best {
			best, lowest = fid, m.Step
		}
	}
	b, ok, err := run.ReadBest(dir)
	if err != nil || !ok {
		t.Fatalf("best.json: %v, %v", ok, err)
	}
	if b.Step != lowest || b.FID != best || b.Samples != 32 {
		t.Fatalf("best.json %+v, want step %d with FID %g of 32 samples", b, lowest, best)
	}
	// Four more steps without the proxy: each writes a checkpoint and prunes to one,
	// but the best stays.
	more := cfg
	more.Train.Steps, more.Doctor.FIDEvery = 10, 0
	if _, err := Run(more, Options{RunDir: dir, Backend: testutil.Backend(t, "cpu"), Resume: true}); err != nil {
		t.Fatal(err)
	}
	steps, _ := run.CheckpointSteps(dir)
	if len(steps) != 2 || steps[0] != b.Step || steps[1] != 10 {
		t.Fatalf("checkpoints %v: want the best, step %d, and the last, 10", steps, b.Step)
	}
}
