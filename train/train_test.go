package train

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/optim"
	"github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
	"github.com/gomlx/gomlx/backends"
)

// microConfig is a DCGAN small enough to train a handful of steps in a second.
func microConfig(t testing.TB) config.Config {
	cfg, err := config.FromPreset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Data.Limit = 64
	cfg.Model.Width, cfg.Model.ZDim = 4, 8
	cfg.Train.Batch, cfg.Train.Steps = 8, 6
	cfg.Train.LogEvery, cfg.Train.SampleEvery, cfg.Train.SampleCount = 1, 0, 4
	cfg.Train.CheckpointEvery, cfg.Train.KeepCheckpoints = 3, 2
	return cfg
}

func readMetrics(t *testing.T, dir string) []Metrics {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, run.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var out []Metrics
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var m Metrics
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func checkpointBytes(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ck, err := run.LatestCheckpoint(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for k, v := range ck.Variables() {
		v.MustConstFlatData(func(flat any) {})
		_ = v.ConstBytes(func(b []byte) { out[k] = bytes.Clone(b) })
	}
	return out
}

func TestRunLeavesConfigMetricsSamplesAndCheckpoints(t *testing.T) {
	dir := t.TempDir()
	cfg := microConfig(t)
	res, err := Run(cfg, Options{RunDir: dir, Backend: testutil.Backend(t, "go")})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{run.ConfigFile, run.MetricsFile, "samples/step-000006.png", "checkpoints/ckpt-000000006.bin", "checkpoints/ckpt-000000003.bin"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run dir lacks %s: %v", f, err)
		}
	}
	ms := readMetrics(t, dir)
	if len(ms) != 6 || ms[5].Step != 6 || res.LastMetrics.Step != 6 {
		t.Fatalf("metrics: %d lines, last %+v", len(ms), ms[len(ms)-1])
	}
	for _, m := range ms {
		if m.LossD <= 0 || m.LossG <= 0 || m.DReal <= 0 || m.DReal >= 1 || m.SecPerStep <= 0 {
			t.Errorf("implausible metrics %+v", m)
		}
	}
	back, err := config.Load(filepath.Join(dir, run.ConfigFile), config.Config{})
	if err != nil || !reflect.DeepEqual(back, cfg) {
		t.Errorf("config.yaml does not round-trip: %v\n%+v\n%+v", err, back, cfg)
	}
	if _, err := Run(cfg, Options{RunDir: dir, Backend: testutil.Backend(t, "go")}); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("training over an existing run: error %v, want advice to use --resume", err)
	}
}

// TestResumeMatchesUninterruptedRun: 3 steps, stop, resume to 6 must give bitwise the
// weights, BN statistics and Adam state of 6 uninterrupted steps, and one metrics line per step.
func TestResumeMatchesUninterruptedRun(t *testing.T) {
	for _, name := range backend.TestBackends() {
		t.Run(name, func(t *testing.T) {
			b, err := backend.New(name)
			if err != nil {
				t.Fatal(err)
			}
			testResume(t, b, microConfig(t))
		})
	}
}

// TestResumeWithStatefulTricks: the same with every trick that keeps state between
// steps (spectral norm's u and v, G_ema, the replay buffer, historical averages,
// n_critic's extra D steps) and the host-drawn randomness of the others.
func TestResumeWithStatefulTricks(t *testing.T) {
	cfg := microConfig(t)
	for k, v := range map[string]string{
		"model.spectral_norm": "true", "model.mbstd": "true", "model.mbstd_group": "4", "model.mbdisc": "true",
		"train.ema": "0.999", "train.replay": "16", "train.historical_averaging": "0.01", "train.n_critic": "2",
		"train.instance_noise": "0.2", "train.instance_noise_steps": "6", "train.noisy_labels": "true", "train.label_flip": "0.1",
		"train.diffaugment": "color,translation,cutout", "train.optimizer_d": optim.NameRMSProp,
	} {
		if err := cfg.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	testResume(t, testutil.Backend(t, "cpu"), cfg)
}

func testResume(t *testing.T, b backends.Backend, cfg config.Config) {
	full, split := t.TempDir(), t.TempDir()
	if _, err := Run(cfg, Options{RunDir: full, Backend: b}); err != nil {
		t.Fatal(err)
	}
	half := cfg
	half.Train.Steps = 3
	if _, err := Run(half, Options{RunDir: split, Backend: b}); err != nil {
		t.Fatal(err)
	}
	// A crash after step 4's log line but before a checkpoint: the line must go.
	f, _ := os.OpenFile(filepath.Join(split, run.MetricsFile), os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString(`{"step":4,"loss_d":9,"loss_g":9}` + "\n")
	f.Close()
	if _, err := Run(cfg, Options{RunDir: split, Backend: b, Resume: true}); err != nil {
		t.Fatal(err)
	}
	a, c := checkpointBytes(t, full), checkpointBytes(t, split)
	if len(a) != len(c) || len(a) < 20 {
		t.Fatalf("checkpoints hold %d and %d variables", len(a), len(c))
	}
	for k, v := range a {
		if !bytes.Equal(v, c[k]) {
			t.Errorf("variable %s differs after resume", strings.ReplaceAll(k, "\x00", "/"))
		}
	}
	ma, mc := readMetrics(t, full), readMetrics(t, split)
	if len(ma) != len(mc) {
		t.Fatalf("metrics: %d lines uninterrupted, %d resumed", len(ma), len(mc))
	}
	for i := range ma {
		if ma[i].Step != mc[i].Step || ma[i].LossD != mc[i].LossD || ma[i].LossG != mc[i].LossG {
			t.Errorf("metrics line %d: %+v vs %+v", i, ma[i], mc[i])
		}
	}
}

// TestRing8GeneratedPointsMoveTowardModes trains the toy MLP GAN briefly with a fixed
// seed: the mean distance of generated points to their nearest mode must shrink to
// under half of what it is at initialisation.
func TestRing8GeneratedPointsMoveTowardModes(t *testing.T) {
	b := testutil.Backend(t, "go")
	cfg, err := config.FromPreset(data.Ring8)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Model.Width = 64
	cfg.Train.Steps, cfg.Train.Batch = 1000, 128
	cfg.Train.LRG, cfg.Train.LRD = 1e-3, 1e-3
	cfg.Train.LogEvery, cfg.Train.SampleEvery, cfg.Train.SampleCount, cfg.Train.CheckpointEvery = 100, 0, 500, 0
	toy, _ := data.NewToy(data.Ring8, 0)
	meanDist := func(dir string, steps int) float64 {
		c := cfg
		c.Train.Steps = steps
		if _, err := Run(c, Options{RunDir: dir, Backend: b}); err != nil {
			t.Fatal(err)
		}
		ck, err := run.LatestCheckpoint(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx := run.NewContext(c)
		ck.Attach(ctx)
		gen, err := sample.NewGenerator(b, ctx, c.Model, toy.Shape())
		if err != nil {
			t.Fatal(err)
		}
		pts, err := gen.Run(sample.Latents(99, 0, 1000, 2))
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for i := 0; i < len(pts); i += 2 {
			best := math.Inf(1)
			for _, m := range toy.Modes {
				best = math.Min(best, math.Hypot(float64(pts[i])-m[0], float64(pts[i+1])-m[1]))
			}
			sum += best
		}
		return sum / 1000
	}
	before := meanDist(t.TempDir(), 1)
	after := meanDist(t.TempDir(), cfg.Train.Steps)
	t.Logf("mean distance to nearest mode: %.3f after 1 step, %.3f after %d", before, after, cfg.Train.Steps)
	if after > 0.5*before {
		t.Errorf("points did not move toward the modes: %.3f -> %.3f", before, after)
	}
}

// r3ganConfig is microConfig with R3GAN's training rule: RpGAN, R1 and R2 with a
// cosine-scheduled gamma, cosine-scheduled learning rates and beta2 (Adam beta1 0),
// and G's EMA by a half-life that grows from 0, over the run's 48 images (given
// explicitly: with kimg 0 a schedule ends with train.steps, which a resume to
// more steps would change).
func r3ganConfig(t *testing.T) config.Config {
	cfg := microConfig(t)
	cfg.Model.BND = false
	cfg.Train.Loss, cfg.Train.Beta1, cfg.Train.Beta2 = "rpgan", 0, 0.9
	cfg.Train.Penalties = []config.PenaltyTerm{
		{Name: "r1", Weight: 2, Schedule: optim.Schedule{Kind: optim.Cosine, End: 0.2, Kimg: 0.048}},
		{Name: "r2", Weight: 2, Schedule: optim.Schedule{Kind: optim.Cosine, End: 0.2, Kimg: 0.048}},
	}
	cfg.Train.LRSchedule = optim.Schedule{Kind: optim.Cosine, End: 5e-5, Kimg: 0.048, WarmupKimg: 0.008, WarmupStart: 1e-5}
	cfg.Train.Beta2Schedule = optim.Schedule{Kind: optim.Cosine, End: 0.99, Kimg: 0.048}
	cfg.Train.EMASchedule = optim.Schedule{Kind: optim.Cosine, End: 0.5, Kimg: 0.048}
	return cfg
}

// TestResumeWithR3GANSchedules: with every schedule on (their values are functions
// of the step, and the EMA's of a half-life), 3 steps + resume to 6 must be bitwise
// 6 uninterrupted steps.
func TestResumeWithR3GANSchedules(t *testing.T) {
	testResume(t, testutil.Backend(t, "cpu"), r3ganConfig(t))
}

// TestMetricsCarryEveryReportedStatistic: each penalty's term, the scheduled values
// and the EMA's beta are in metrics.jsonl under their names, with the values the
// schedules give at each step (the run's 6 steps of 8 images: 48 images in all).
func TestMetricsCarryEveryReportedStatistic(t *testing.T) {
	dir := t.TempDir()
	cfg := r3ganConfig(t)
	if _, err := Run(cfg, Options{RunDir: dir, Backend: testutil.Backend(t, "cpu")}); err != nil {
		t.Fatal(err)
	}
	ms := readMetrics(t, dir)
	for i, m := range ms {
		nimg := float64(i * cfg.Train.Batch)
		want := map[string]float64{
			"lr_d":      cfg.Train.LRSchedule.At(cfg.Train.LRD, nimg, 48),
			"beta2":     cfg.Train.Beta2Schedule.At(0.9, nimg, 48),
			"weight_r2": cfg.Train.Penalties[1].Schedule.At(2, nimg, 48),
			"ema_beta":  math.Pow(0.5, 8/max(cfg.Train.EMASchedule.At(0, nimg, 48)*1000, 1e-8)),
		}
		for name, w := range want {
			if got, ok := m.Get(name); !ok || math.Abs(got-w) > 1e-12*max(1, math.Abs(w)) {
				t.Errorf("step %d: %s = %v (logged %v), want %v", m.Step, name, got, ok, w)
			}
		}
		r1, ok1 := m.Get("penalty_r1")
		r2, ok2 := m.Get("penalty_r2")
		if !ok1 || !ok2 || r1 <= 0 || r2 <= 0 || math.Abs(r1+r2-m.Penalty) > 1e-5*m.Penalty {
			t.Errorf("step %d: penalty_r1 %v + penalty_r2 %v, penalty %v", m.Step, r1, r2, m.Penalty)
		}
	}
	if len(ms) != 6 || ms[0].Stats["lr_d"] != 1e-5 {
		t.Errorf("%d lines; warm-up starts lr_d at 1e-5: %v", len(ms), ms[0].Stats["lr_d"])
	}
}
