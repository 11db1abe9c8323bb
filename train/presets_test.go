package train

import (
	"math"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gomlx/gomlx/backends"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/internal/testutil"
)

// TestEveryPresetTrains runs each preset for 20 iterations on small data with narrow
// nets, on the backend CI uses (cpu) and those $GANKIT_TEST_BACKENDS adds: every
// trick a preset turns on must build, run and keep its losses finite.
func TestEveryPresetTrains(t *testing.T) {
	for _, name := range backend.TestBackends()[1:] { // not the slow pure-Go backend
		b := testutil.Backend(t, name)
		for _, p := range config.Presets() {
			t.Run(name+"/"+p.Name, func(t *testing.T) { trainPreset(t, b, p) })
		}
	}
}

func trainPreset(t *testing.T, b backends.Backend, p config.Preset) {
	cfg := p.Config()
	cfg.Train.Steps, cfg.Train.LogEvery, cfg.Train.SampleEvery, cfg.Train.SampleCount = 20, 5, 0, 16
	cfg.Train.CheckpointEvery = 0
	if cfg.IsToy() {
		cfg.Model.Width, cfg.Train.Batch = 16, 32
	} else {
		cfg.Data.Limit, cfg.Model.Width, cfg.Model.ZDim, cfg.Train.Batch = 128, 4, 8, 8
	}
	dir := t.TempDir()
	res, err := Run(cfg, Options{RunDir: dir, Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	if res.LastMetrics.Step != 20 {
		t.Errorf("last logged step %d, want 20", res.LastMetrics.Step)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	for _, m := range readMetrics(t, dir) { // every logged step, not only the last
		if !finite(m.LossD) || !finite(m.LossG) || !finite(m.GradNormD) || !finite(m.GradNormG) {
			t.Errorf("step %d: a loss or gradient norm is not finite: %+v", m.Step, m)
		}
	}
}
