package train

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/losses"
	"github.com/gankit/gankit/optim"
	"github.com/gankit/gankit/run"
	"github.com/gomlx/gomlx/backends"
)

// mnistShape is the micro DCGAN's image shape (the embedded MNIST digits).
var mnistShape = data.Shape{Size: 28, Channels: 1}

// everyInputConfig is the micro DCGAN with every trick that feeds the step on:
// instance noise, every registered penalty with a scheduled weight, DiffAugment,
// experience replay, the learning-rate, beta2 and EMA schedules and two D steps per
// iteration (so a D-only graph too); with loss RpGAN, its real batch in G's step, and
// with a loss that has targets, label smoothing and flips (RpGAN has no targets).
func everyInputConfig(t *testing.T, loss string) config.Config {
	cfg := microConfig(t)
	cfg.Model.BND = false
	cfg.Train.Loss, cfg.Train.Beta1, cfg.Train.Beta2 = loss, 0, 0.9
	if loss != losses.NameRpGAN {
		cfg.Train.LabelSmoothing, cfg.Train.LabelFlip = 0.1, 0.1
	}
	cfg.Train.NCritic, cfg.Train.Replay = 2, 16
	cfg.Train.InstanceNoise, cfg.Train.DiffAugment = 0.3, "color,translation,cutout"
	sched := optim.Schedule{Kind: optim.Cosine, End: 0.2, Kimg: 0.048}
	for _, name := range losses.PenaltyNames()[1:] {
		cfg.Train.Penalties = append(cfg.Train.Penalties, config.PenaltyTerm{Name: name, Weight: 1, Schedule: sched})
	}
	cfg.Train.LRSchedule = optim.Schedule{Kind: optim.Cosine, End: 5e-5, Kimg: 0.048}
	cfg.Train.Beta2Schedule = optim.Schedule{Kind: optim.Cosine, End: 0.99, Kimg: 0.048}
	cfg.Train.EMASchedule = optim.Schedule{Kind: optim.Cosine, End: 0.5, Kimg: 0.048}
	return cfg
}

// stepBatches are a real batch per D step and G's (RpGAN reads one), and latents.
func stepBatches(cfg config.Config, s data.Shape) (reals [][]float32, z []float32) {
	r := rand.New(rand.NewPCG(7, 8))
	n := cfg.Train.Batch
	for range cfg.Train.NCritic + 1 {
		reals = append(reals, uniform32(r, n*s.Size*s.Size*s.Channels))
	}
	return reals, uniform32(r, n*cfg.Model.ZDim)
}

// uniform32 is n draws of U[-1, 1).
func uniform32(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 2*r.Float32() - 1
	}
	return v
}

// buildStep builds and runs both step graphs of cfg's stepper, the D-only one (D
// step 0) and the D+G one (D step 1), feeding each its inputs with misspell applied
// to their names first; it returns the error of the first that fails.
func buildStep(t *testing.T, b backends.Backend, cfg config.Config, misspell func([]input)) error {
	t.Helper()
	s, err := newStepper(b, run.NewContext(cfg), cfg, mnistShape)
	if err != nil {
		t.Fatal(err)
	}
	reals, z := stepBatches(cfg, mnistShape)
	for k, sg := range []*stepGraph{s.dOnly, s.dg} {
		var realG realBatch
		if sg == s.dg && s.realInG() {
			realG.x = reals[2]
		}
		in, _ := s.inputs(k, realBatch{x: reals[k]}, z, realG)
		misspell(s.inNames)
		out, err := sg.exec.Exec(in...)
		if err != nil {
			return err
		}
		for _, o := range out {
			o.FinalizeAll()
		}
	}
	return nil
}

// TestMisspelledStepInputFailsTheBuild: with every trick that feeds the step on, the
// step graphs build as they are; and for each input fed, a feed that puts it under
// a misspelled name (the same as a graph that reads a misspelled name: a fed name no
// read asks for) makes the build fail with an error that names both the misspelled
// input and the one the graph looked for. Without the check a misspelled
// noise_sigma, lr_d or weight_<penalty> would read as nil, which the graph takes for
// "trick off".
func TestMisspelledStepInputFailsTheBuild(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	seen := map[input]bool{}
	for _, loss := range []string{losses.NameRpGAN, losses.NameNS} {
		t.Run(loss, func(t *testing.T) {
			cfg := everyInputConfig(t, loss)
			if err := cfg.Validate(mnistShape); err != nil {
				t.Fatal(err)
			}
			var names []input
			if err := buildStep(t, b, cfg, func(in []input) { names = append(names, in...) }); err != nil {
				t.Fatalf("the step with every input fed under its name does not build: %v", err)
			}
			tried := map[input]bool{}
			for _, name := range names {
				if tried[name] {
					continue
				}
				tried[name], seen[name] = true, true
				bad := name + "_"
				t.Run(string(name), func(t *testing.T) {
					err := buildStep(t, b, cfg, func(in []input) {
						for i := range in {
							if in[i] == name {
								in[i] = bad
							}
						}
					})
					if err == nil {
						t.Fatalf("the step built with %q fed as %q", name, bad)
					}
					for _, want := range []string{string(name), string(bad)} {
						if !strings.Contains(err.Error(), want) {
							t.Errorf("the error does not name %q: %v", want, err)
						}
					}
				})
			}
		})
	}
	// Every family of inputs took part: batches, a trick's constants, a penalty's
	// draw and weight, augmentation parameters, replay and a schedule.
	for _, want := range []input{inReal, inRealG, inNoiseSigma, inTargetReal, inTargetFake, augParam(augGReal, 0), inReplayPick, inLRD, inEMABeta,
		penaltyDraw(config.Penalty{Penalty: mustPenalty(t, losses.PenaltyDRAGAN)}, losses.Draw{Name: "alpha"}),
		penaltyWeight(config.Penalty{Penalty: mustPenalty(t, losses.PenaltyR2)})} {
		if !seen[want] {
			t.Errorf("input %q was never fed", want)
		}
	}
}

func mustPenalty(t *testing.T, name string) losses.Penalty {
	t.Helper()
	p, err := losses.PenaltyByName("test", name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
