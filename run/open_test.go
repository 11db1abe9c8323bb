package run

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/sample"
)

func TestCheckTruncationRefusesPixelNorm(t *testing.T) {
	cfg := testConfig(t)
	pn := cfg
	pn.Model.PixelNorm = true
	for _, tc := range []struct {
		name string
		pn   bool
		tr   sample.Truncation
		ok   bool
	}{
		{"none, pixel norm", true, sample.Truncation{}, true},
		{"psi, plain", false, sample.Truncation{Mode: sample.TruncPsi, Value: 0.7}, true},
		{"psi, pixel norm", true, sample.Truncation{Mode: sample.TruncPsi, Value: 0.7}, false},
		{"clip, pixel norm", true, sample.Truncation{Mode: sample.TruncClip, Value: 1}, false},
		{"resample, pixel norm", true, sample.Truncation{Mode: sample.TruncResample, Value: 0.5}, false},
	} {
		c := cfg
		if tc.pn {
			c = pn
		}
		err := CheckTruncation(c, tc.tr)
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), "model.pixel_norm")) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestOpenTakesTheCheckpointsConfigAndFindsEMA: Open uses the config the checkpoint
// recorded, not an edited config.yaml, and reports G_ema only when /ema/g holds it.
func TestOpenTakesTheCheckpointsConfigAndFindsEMA(t *testing.T) {
	dir, cfg := newRun(t)
	edited := cfg
	edited.Model.Width = 64
	y, _ := edited.YAML()
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), y, 0o644); err != nil {
		t.Fatal(err)
	}
	b := testutil.Backend(t, "go")
	tg, err := Open(dir, OpenOptions{On: b})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Step != 6 || tg.Config.Model.Width != cfg.Model.Width || tg.HasEMA() {
		t.Errorf("step %d, width %d, EMA %v: want 6, %d, false (/ema/count is not G_ema)", tg.Step, tg.Config.Model.Width, tg.HasEMA(), cfg.Model.Width)
	}
	ctx := testContext(1)
	ctx.InAbsPath(EMAScope+"/g/dense").VariableWithValue("weights", []float32{1, 2})
	w, _, err := Resume(dir, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.SaveCheckpoint(ctx, 9, 2); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if tg, err = Open(dir, OpenOptions{On: b}); err != nil || !tg.HasEMA() || tg.Step != 9 {
		t.Errorf("after a checkpoint with /ema/g: %v, %v", tg, err)
	}
}
