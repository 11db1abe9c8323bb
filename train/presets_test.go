package train

import (
	"math"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/internal/testutil"
)

// TestEveryPresetTrains runs each preset for 20 iterations on small data with narrow
// nets, on the backend CI uses (cpu): every trick a preset turns on must build, run
// and keep its losses finite.
func TestEveryPresetTrains(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	for _, p := range config.Presets() {
		t.Run(p.Name, func(t *testing.T) {
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
			m := res.LastMetrics
			if m.Step != 20 || math.IsNaN(m.LossD) || math.IsNaN(m.LossG) {
				t.Errorf("after 20 steps: %+v", m)
			}
		})
	}
}
