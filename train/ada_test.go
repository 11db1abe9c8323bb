package train

import (
	"math"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/losses"
)

// adaConfig is the micro DCGAN with ADA adjusting p every 2 iterations at a speed
// that moves it visibly in 6 steps of 8 images (0.016 kimg: 2·8/16 = 1 per
// adjustment), starting at 0.3 so that the first steps augment too.
func adaConfig(t *testing.T) config.Config {
	cfg := microConfig(t)
	cfg.Train.ADA, cfg.Train.ADAInterval, cfg.Train.ADAKimg, cfg.Train.ADAP = "bgc", 2, 0.016, 0.3
	return cfg
}

// TestResumeWithADA: stopped at step 3, in the middle of an adjustment interval (its
// accumulator holds one step's signs), and resumed to 6, an ADA run gives bitwise the
// weights, the controller's variables and the p and r_t trajectory of 6 uninterrupted
// steps; p moved, so the comparison covers a trajectory, not a constant.
func TestResumeWithADA(t *testing.T) {
	cfg := adaConfig(t)
	testResume(t, testutil.Backend(t, "cpu"), cfg)
	dir := t.TempDir()
	if _, err := Run(cfg, Options{RunDir: dir, Backend: testutil.Backend(t, "cpu")}); err != nil {
		t.Fatal(err)
	}
	ms := readMetrics(t, dir)
	ps := map[float64]bool{}
	for _, m := range ms {
		p, ok := m.Get("ada_p")
		if _, okr := m.Get("ada_rt"); !ok || !okr {
			t.Fatalf("step %d logs no ada_p or ada_rt: %+v", m.Step, m.Stats)
		}
		ps[p] = true
	}
	if len(ps) < 2 {
		t.Errorf("p never moved in %d steps: %v", len(ms), ps)
	}
	vars := checkpointBytes(t, dir)
	for _, name := range adaVariables() {
		if _, ok := vars[ADAScope+"\x00"+name]; !ok {
			t.Errorf("the checkpoint has no %s/%s", ADAScope, name)
		}
	}
}

// TestADAStepsFollowTheController checks p in metrics.jsonl against the heuristic
// replayed from the logged r_t: p moves by ±1 (clamped at 0) after every second
// iteration, in the direction of r_t - 0.6, and stays put in between.
func TestADAStepsFollowTheController(t *testing.T) {
	cfg := adaConfig(t)
	cfg.Train.Steps = 8
	dir := t.TempDir()
	if _, err := Run(cfg, Options{RunDir: dir, Backend: testutil.Backend(t, "cpu")}); err != nil {
		t.Fatal(err)
	}
	ms := readMetrics(t, dir)
	p := 0.3
	for i, m := range ms {
		got, _ := m.Get("ada_p")
		if got != p {
			t.Fatalf("step %d used p = %v, the heuristic gives %v", m.Step, got, p)
		}
		if (i+1)%2 == 0 {
			// r_t is the mean sign of D on the interval's reals: 2·d_acc_real - 1 of
			// each of its two steps (d_acc_real is the share of D(x) > 0).
			rt, _ := m.Get("ada_rt")
			if want := (2*ms[i-1].DAccReal - 1 + 2*m.DAccReal - 1) / 2; math.Abs(rt-want) > 1e-6 {
				t.Fatalf("step %d: r_t = %v, the interval's d_acc_real give %v", m.Step, rt, want)
			}
			switch {
			case rt > 0.6:
				p++
			case rt < 0.6:
				p = math.Max(p-1, 0)
			}
		}
	}
}

// TestADAWithEveryLoss trains a few steps with ADA on each adversarial loss (RpGAN
// included, whose G step reads a real batch of its own through the augmentation) and
// with R1 + R2, whose R2 differentiates D(augment(x)) with respect to x.
func TestADAWithEveryLoss(t *testing.T) {
	for _, name := range losses.Names() {
		t.Run(name, func(t *testing.T) {
			cfg := adaConfig(t)
			cfg.Train.Steps, cfg.Train.CheckpointEvery = 2, 0
			cfg.Train.Loss = name
			loss, err := losses.ByName(name)
			if err != nil {
				t.Fatal(err)
			}
			if loss.Traits().Lipschitz {
				cfg.Train.Clip = 0.01
			}
			if name == losses.NameRpGAN {
				cfg.Model.BND = false
				cfg.Train.Penalties = []config.PenaltyTerm{{Name: losses.PenaltyR1, Weight: 1}, {Name: losses.PenaltyR2, Weight: 1}}
			}
			ms := runMetrics(t, cfg)
			for _, m := range ms {
				if math.IsNaN(m.LossD) || math.IsNaN(m.LossG) {
					t.Fatalf("step %d: loss_d %v loss_g %v", m.Step, m.LossD, m.LossG)
				}
			}
		})
	}
}

func runMetrics(t *testing.T, cfg config.Config) []Metrics {
	t.Helper()
	dir := t.TempDir()
	if _, err := Run(cfg, Options{RunDir: dir, Backend: testutil.Backend(t, "cpu")}); err != nil {
		t.Fatal(err)
	}
	return readMetrics(t, dir)
}

// TestADAAtZeroIsNoAugmentationAndAtOneIsSome: with p fixed at 0, an ADA run's
// losses are bitwise those of a run without augmentation (every transform is the
// identity, exactly); with p fixed at 1, D's first loss already differs.
func TestADAAtZeroIsNoAugmentationAndAtOneIsSome(t *testing.T) {
	base := microConfig(t)
	base.Train.Steps, base.Train.CheckpointEvery = 3, 0
	plain := runMetrics(t, base)
	at := func(p float64) []Metrics {
		cfg := base
		cfg.Train.ADA, cfg.Train.ADATarget, cfg.Train.ADAP = "bgc", 0, p
		return runMetrics(t, cfg)
	}
	zero, one := at(0), at(1)
	for i := range plain {
		if zero[i].LossD != plain[i].LossD || zero[i].LossG != plain[i].LossG {
			t.Errorf("step %d: p = 0 gives loss_d %v loss_g %v, no augmentation %v %v", i+1, zero[i].LossD, zero[i].LossG, plain[i].LossD, plain[i].LossG)
		}
	}
	if one[0].LossD == plain[0].LossD {
		t.Errorf("p = 1 leaves D's first loss as it is without augmentation: %v", one[0].LossD)
	}
}

// TestR3GANPresetWithADA: the r3gan preset (its nets, RpGAN + R1 + R2 and schedules)
// trains with ADA, as R3GAN's own recipe augments, its p moving.
func TestR3GANPresetWithADA(t *testing.T) {
	cfg, err := config.FromPreset("r3gan")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Data.Limit, cfg.Model.ZDim, cfg.Model.R3GAN.Width, cfg.Model.R3GAN.Groups = 64, 8, 16, 2
	cfg.Train.Steps, cfg.Train.Batch, cfg.Train.LogEvery, cfg.Train.SampleEvery, cfg.Train.CheckpointEvery = 4, 8, 1, 0, 0
	cfg.Train.ADA, cfg.Train.ADAInterval, cfg.Train.ADAKimg, cfg.Train.ADAP = "bgc", 1, 0.08, 0.5
	ms := runMetrics(t, cfg)
	ps := map[float64]bool{}
	for _, m := range ms {
		if math.IsNaN(m.LossD) || math.IsNaN(m.LossG) {
			t.Fatalf("step %d: loss_d %v loss_g %v", m.Step, m.LossD, m.LossG)
		}
		p, _ := m.Get("ada_p")
		ps[p] = true
	}
	if len(ms) != 4 || len(ps) < 2 {
		t.Errorf("%d steps, p took %d values", len(ms), len(ps))
	}
}
