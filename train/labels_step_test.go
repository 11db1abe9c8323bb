package train

import (
	"math"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/nets"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestLabelAndNoiseTricksThroughTheStep: the loss_d the assembled step reports, with
// the non-saturating loss, is the binary cross-entropy of D's logits against the
// trick's targets, with D on the batches the trick gives it; both are computed here
// (D's logits in a graph of their own from the same weights, the cross-entropy in
// float64 loops):
//   - label_smoothing 0.1: the real target is 0.9 and the fake one stays 0
//     (one-sided, Salimans et al. 2016, §3.4);
//   - label_flip 0.3 with smoothing: each pair of targets is (0.9, 0) or swapped, as
//     fed; at least one is swapped;
//   - instance_noise 0.5 annealed to 0 over 4 steps, at iteration 2: sigma 0.25 by
//     hand (Arjovsky & Bottou 2017; Sønderby et al. 2017), added to both batches
//     with the step's N(0, 1) draws, targets 1 and 0.
func TestLabelAndNoiseTricksThroughTheStep(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	for _, tc := range []struct {
		name  string
		set   func(c *config.Config)
		iter  int
		sigma float64 // instance noise at iter, by hand
		// targets returns the real and fake target of sample j, from what the step
		// was fed (nil without label tricks), and whether it is a valid pair.
		targets func(fedReal, fedFake []float64, j int) (real, fake float64, ok bool)
		flips   bool // at least one pair must be swapped
	}{
		{"label_smoothing", func(c *config.Config) { c.Train.LabelSmoothing = 0.1 }, 0, 0,
			func(_, _ []float64, _ int) (float64, float64, bool) { return 0.9, 0, true }, false},
		{"label_flip", func(c *config.Config) { c.Train.LabelSmoothing, c.Train.LabelFlip = 0.1, 0.3 }, 0, 0,
			func(fr, ff []float64, j int) (float64, float64, bool) {
				return fr[j], ff[j], fr[j] == float64(float32(0.9)) && ff[j] == 0 || fr[j] == 0 && ff[j] == float64(float32(0.9))
			}, true},
		{"instance_noise", func(c *config.Config) { c.Train.InstanceNoise, c.Train.NoiseSteps = 0.5, 4 }, 2, 0.25,
			func(_, _ []float64, _ int) (float64, float64, bool) { return 1, 0, true }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := microConfig(t)
			tc.set(&cfg)
			if err := cfg.Validate(mnistShape); err != nil {
				t.Fatal(err)
			}
			vals, stats := stepAndReference(t, b, cfg, tc.iter, func(ctx *context.Context, s *stepper, x map[input]*Node) []*Node {
				d := func(v *Node) *Node { return nets.Discriminator(ctx, cfg.Model, mnistShape, v) }
				noised := func(v *Node, noise input) *Node {
					if tc.sigma == 0 {
						return v
					}
					return Add(v, MulScalar(x[noise], tc.sigma))
				}
				fake := StopGradient(nets.Generator(ctx, cfg.Model, mnistShape, x[inZ], nets.Training))
				outs := []*Node{d(noised(x[inReal], inNoiseReal)), d(noised(fake, inNoiseFake))}
				for _, name := range []input{inTargetReal, inTargetFake} {
					if x[name] != nil {
						outs = append(outs, x[name])
					}
				}
				return outs
			})
			dReal, dFake := flat64(vals[0]), flat64(vals[1])
			var fedReal, fedFake []float64
			if len(vals) == 4 {
				fedReal, fedFake = flat64(vals[2]), flat64(vals[3])
			}
			softplus := func(v float64) float64 { return math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))) }
			bce := func(l, target float64) float64 { return target*softplus(-l) + (1-target)*softplus(l) }
			var lossReal, lossFake float64
			flipped := 0
			for j := range dReal {
				tr, tf, ok := tc.targets(fedReal, fedFake, j)
				if !ok {
					t.Fatalf("sample %d was fed targets (%g, %g)", j, tr, tf)
				}
				if tr < tf {
					flipped++
				}
				lossReal += bce(dReal[j], tr) / float64(len(dReal))
				lossFake += bce(dFake[j], tf) / float64(len(dFake))
			}
			if tc.flips && flipped == 0 {
				t.Errorf("no pair of the %d was flipped: the test does not see flips", len(dReal))
			}
			want := lossReal + lossFake
			if got := stats["loss_d"]; !(math.Abs(got-want) <= 1e-5*want) {
				t.Errorf("loss_d %.7g, by hand %.7g", got, want)
			}
			if got := stats[string(inNoiseSigma)]; tc.sigma > 0 && got != tc.sigma {
				t.Errorf("noise_sigma reported %g, want %g", got, tc.sigma)
			}
		})
	}
}
