package train

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/doctor"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/run"
)

func rollbackConfig(t *testing.T) config.Config {
	cfg := microConfig(t)
	cfg.Train.Steps = 12
	cfg.Train.OnDivergence, cfg.Train.RollbackLR, cfg.Train.Rollbacks = config.OnDivergenceRollback, 0.5, 3
	return cfg
}

// TestRollbackAfterAPoisonedStepResumesBitwise: G's weights poisoned after step 7 make
// step 8 diverge; the run rolls back to its checkpoint at step 6, halves both
// learning rates, finishes, and ends bitwise where a run stopped at 6 and resumed with
// the halved rates (--allow-change) ends, and where the poisoned run stopped at 9 and
// resumed ends: the rollback is a resume, and a resume reproduces it.
func TestRollbackAfterAPoisonedStepResumesBitwise(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	cfg := rollbackConfig(t)
	rolled := t.TempDir()
	if _, err := Run(cfg, Options{RunDir: rolled, Backend: b, poison: 7}); err != nil {
		t.Fatal(err)
	}
	ds, _, err := run.ReadDiagnoses(rolled)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Symptom != doctor.Divergence || ds[0].Step != 8 || !strings.HasPrefix(ds[0].Action, "rollback 1 of 3: to step 6") {
		t.Fatalf("diagnoses %+v, want one divergence at step 8 rolled back to step 6", ds)
	}
	got, err := run.ReadConfig(rolled)
	if err != nil {
		t.Fatal(err)
	}
	if got.Train.LRD != cfg.Train.LRD/2 || got.Train.LRG != cfg.Train.LRG/2 {
		t.Errorf("config.yaml after the rollback: lr_d %g, lr_g %g; want half of %g, %g", got.Train.LRD, got.Train.LRG, cfg.Train.LRD, cfg.Train.LRG)
	}
	changes, err := os.ReadFile(filepath.Join(rolled, run.ChangesFile))
	if err != nil || !bytes.Contains(changes, []byte(`"cause":"rollback: divergence at step 8`)) || bytes.Count(changes, []byte("\n")) != 2 {
		t.Errorf("changes.jsonl should record lr_d and lr_g with the rollback's cause: %s (%v)", changes, err)
	}
	ms := readMetrics(t, rolled)
	for i, m := range ms {
		if m.Step != i+1 {
			t.Fatalf("metrics.jsonl line %d is step %d: the diverged stretch's lines must go", i+1, m.Step)
		}
	}

	// The same by hand: 6 steps, then a resume with the halved rates.
	byHand := t.TempDir()
	six := cfg
	six.Train.Steps = 6
	if _, err := Run(six, Options{RunDir: byHand, Backend: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(lowerRates(cfg, 0.5), Options{RunDir: byHand, Backend: b, Resume: true, AllowChange: true}); err != nil {
		t.Fatal(err)
	}

	// The poisoned run stopped at 9, after its rollback, and resumed from config.yaml.
	split := t.TempDir()
	nine := cfg
	nine.Train.Steps = 9
	if _, err := Run(nine, Options{RunDir: split, Backend: b, poison: 7}); err != nil {
		t.Fatal(err)
	}
	resumed, err := run.ReadConfig(split)
	if err != nil {
		t.Fatal(err)
	}
	resumed.Train.Steps = 12
	if _, err := Run(resumed, Options{RunDir: split, Backend: b, Resume: true}); err != nil {
		t.Fatal(err)
	}
	want := checkpointBytes(t, rolled)
	if len(want) < 20 {
		t.Fatalf("the checkpoint holds %d variables", len(want))
	}
	for name, dir := range map[string]string{"resumed by hand": byHand, "stopped at 9 and resumed": split} {
		got := checkpointBytes(t, dir)
		if len(got) != len(want) {
			t.Fatalf("%s: %d variables, the rolled-back run %d", name, len(got), len(want))
		}
		for k, v := range want {
			if !bytes.Equal(v, got[k]) {
				t.Errorf("%s: variable %s differs from the rolled-back run's", name, strings.ReplaceAll(k, "\x00", "/"))
			}
		}
		gm := readMetrics(t, dir)
		for i := range ms {
			if gm[i].Step != ms[i].Step || gm[i].LossD != ms[i].LossD || gm[i].LossG != ms[i].LossG {
				t.Errorf("%s: metrics line %d %+v, the rolled-back run's %+v", name, i+1, gm[i], ms[i])
				break
			}
		}
	}
}

// TestNoCheckpointHoldsANaN: poisoned right before its checkpoint at step 6, the run
// refuses to write that checkpoint, diagnoses the divergence there and rolls back to
// step 3; every checkpoint it leaves is finite.
func TestNoCheckpointHoldsANaN(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	dir := t.TempDir()
	var log strings.Builder
	if _, err := Run(rollbackConfig(t), Options{RunDir: dir, Backend: b, poison: 6, Log: &log}); err != nil {
		t.Fatal(err)
	}
	ds, _, _ := run.ReadDiagnoses(dir)
	if len(ds) != 1 || ds[0].Step != 6 || !strings.Contains(ds[0].Seen, "NaN") || !strings.HasPrefix(ds[0].Action, "rollback 1 of 3: to step 3") {
		t.Fatalf("diagnoses %+v, want the refused checkpoint at step 6 rolled back to step 3", ds)
	}
	if !strings.Contains(log.String(), "doctor: step 6: divergence") {
		t.Errorf("the log does not show the diagnosis:\n%s", log.String())
	}
	steps, _ := run.CheckpointSteps(dir)
	if len(steps) != 2 || steps[1] != 12 {
		t.Fatalf("checkpoints %v, want the last two up to step 12", steps)
	}
	for _, s := range steps {
		ck, err := run.ReadCheckpoint(run.CheckpointPath(dir, s))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range ck.Variables() {
			v.MustConstFlatData(func(flat any) {
				if xs, ok := flat.([]float32); ok {
					for _, x := range xs {
						if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
							t.Fatalf("checkpoint %d: %s holds %g", s, strings.ReplaceAll(k, "\x00", "/"), x)
						}
					}
				}
			})
		}
	}
}

// TestDivergenceStopsOrIsSpent: under on_divergence stop, and under rollback with no
// rollbacks left, the poisoned run ends with an error naming the divergence, and its
// diagnosis says it stopped.
func TestDivergenceStopsOrIsSpent(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	for _, tc := range []struct {
		name, policy string
		rollbacks    int
		action       string
	}{
		{"stop", config.OnDivergenceStop, 3, "stopped (train.on_divergence stop)"},
		{"rollbacks spent", config.OnDivergenceRollback, 0, "stopped: train.rollbacks (0) are spent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := rollbackConfig(t)
			cfg.Train.OnDivergence, cfg.Train.Rollbacks = tc.policy, tc.rollbacks
			dir := t.TempDir()
			_, err := Run(cfg, Options{RunDir: dir, Backend: b, poison: 7})
			if err == nil || !strings.Contains(err.Error(), "step 8: training diverged") || !strings.Contains(err.Error(), "step 6, is kept") {
				t.Fatalf("error %v, want the divergence at step 8 and the kept checkpoint", err)
			}
			ds, _, _ := run.ReadDiagnoses(dir)
			if len(ds) != 1 || ds[0].Action != tc.action {
				t.Fatalf("diagnoses %+v, want one with action %q", ds, tc.action)
			}
		})
	}
}

// TestNaNWeightsAtAProbeStepRollBack: with the doctor measuring at every step (and the
// proxy FID too), weights poisoned after step 7 meet the measures at step 7 itself,
// before any loss shows it: that is the divergence, rolled back like any other, and no
// NaN reaches metrics.jsonl.
func TestNaNWeightsAtAProbeStepRollBack(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	for _, tc := range []struct {
		name string
		fid  int
	}{{"probes", 0}, {"proxy FID", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := rollbackConfig(t)
			cfg.Doctor.Every, cfg.Doctor.HeldOut = 1, 8
			cfg.Doctor.FIDEvery, cfg.Doctor.FIDSamples = tc.fid, 16
			if tc.fid > 0 {
				cfg.Doctor.Every = 0
			}
			dir := t.TempDir()
			if _, err := Run(cfg, Options{RunDir: dir, Backend: b, poison: 7}); err != nil {
				t.Fatal(err)
			}
			all, _, _ := run.ReadDiagnoses(dir)
			var ds []run.Diagnosis // the micro nets show other symptoms at once too
			for _, d := range all {
				if d.Symptom == doctor.Divergence {
					ds = append(ds, d)
				}
			}
			if len(ds) != 1 || ds[0].Step != 7 || !strings.Contains(ds[0].Seen, "NaN or an infinity") || !strings.HasPrefix(ds[0].Action, "rollback 1 of 3: to step 6") {
				t.Fatalf("divergences %+v, want the measure at step 7 rolled back to 6", ds)
			}
			if ms := readMetrics(t, dir); len(ms) != 12 {
				t.Errorf("%d metrics lines, want 12", len(ms))
			}
		})
	}
}

// TestDoctorMeasuresEveryStepWithMinibatchStddev: the held-out batch is cut to whole
// minibatch-stddev groups (50 -> 48 with groups of 4), so the measure runs; it logs a
// line at each of its steps whatever train.log_every says.
func TestDoctorMeasuresEveryStepWithMinibatchStddev(t *testing.T) {
	cfg := microConfig(t)
	cfg.Model.MBStd, cfg.Model.MBStdGroup = true, 4
	cfg.Doctor.Every, cfg.Doctor.HeldOut = 2, 50
	cfg.Train.LogEvery = 4
	dir := t.TempDir()
	if _, err := Run(cfg, Options{RunDir: dir, Backend: testutil.Backend(t, "cpu")}); err != nil {
		t.Fatal(err)
	}
	var steps []int
	for _, m := range readMetrics(t, dir) {
		if _, ok := m.Get(doctor.SignalHeldOutGap); ok {
			steps = append(steps, m.Step)
		}
	}
	if want := []int{2, 4, 6}; !slices.Equal(steps, want) {
		t.Errorf("held-out gap logged at %v, want %v", steps, want)
	}
}

// TestARefusedDoctorKeyLeavesTheRunAsItWas: a resume with a misspelt doctor.off is
// refused before anything is written: config.yaml and metrics.jsonl keep their bytes.
func TestARefusedDoctorKeyLeavesTheRunAsItWas(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	cfg := microConfig(t)
	dir := t.TempDir()
	if _, err := Run(cfg, Options{RunDir: dir, Backend: b}); err != nil {
		t.Fatal(err)
	}
	before := map[string][]byte{}
	for _, f := range []string{run.ConfigFile, run.MetricsFile} {
		before[f], _ = os.ReadFile(filepath.Join(dir, f))
	}
	bad := cfg
	bad.Train.Steps, bad.Doctor.Off = 9, []string{"colapse"}
	_, err := Run(bad, Options{RunDir: dir, Backend: b, Resume: true})
	if err == nil || !strings.Contains(err.Error(), `doctor.off: "colapse" is not a symptom`) {
		t.Fatalf("error %v, want doctor.off named", err)
	}
	for f, raw := range before {
		if now, _ := os.ReadFile(filepath.Join(dir, f)); !bytes.Equal(now, raw) {
			t.Errorf("%s changed by the refused resume", f)
		}
	}
}

// TestLearningRatesZeroAreStalledAndOthersAreNot: with the doctor measuring every 2
// steps, a run whose learning rates are 0 is diagnosed stalled at its second measure
// (step 4: its weights did not move, though BatchNorm's running statistics did); the
// same run with the preset's rates is not.
func TestLearningRatesZeroAreStalledAndOthersAreNot(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	for _, lr := range []float64{0, 2e-4} {
		cfg := microConfig(t)
		cfg.Train.LRD, cfg.Train.LRG = lr, lr
		cfg.Doctor.Every = 2
		dir := t.TempDir()
		if _, err := Run(cfg, Options{RunDir: dir, Backend: b}); err != nil {
			t.Fatal(err)
		}
		ds, _, _ := run.ReadDiagnoses(dir)
		var stalled []run.Diagnosis
		for _, d := range ds {
			if d.Symptom == doctor.Stalled {
				stalled = append(stalled, d)
			}
		}
		switch {
		case lr == 0 && (len(stalled) != 1 || stalled[0].Step != 4 || !strings.Contains(stalled[0].Seen, "did not move")):
			t.Errorf("lr 0: stalled diagnoses %+v, want one at step 4", stalled)
		case lr > 0 && len(stalled) != 0:
			t.Errorf("lr %g: stalled %+v", lr, stalled)
		}
	}
}
