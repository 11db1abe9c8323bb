package optim

import (
	"math"
	"testing"
)

// TestCosineScheduleMatchesR3GAN checks Schedule.At against R3GAN's
// cosine_decay_with_warmup (training/training_loop.py), whose values below were
// computed by that function in numpy and are printed again (to the last bit or one
// ulp) by scripts/reference/r3gan_schedule.py, written from its definition: train.py's
// learning-rate schedule (2e-4 -> 5e-5 over 2e7 images), and a schedule with warm-up
// and hold (0.5 -> 0.9 over 2,000 images, held to 3,000, then to 0.99 at 10,000).
func TestCosineScheduleMatchesR3GAN(t *testing.T) {
	lr := Schedule{Kind: Cosine, End: 5e-5, Kimg: 20000}
	warm := Schedule{Kind: Cosine, End: 0.99, Kimg: 10, WarmupKimg: 2, WarmupStart: 0.5, HoldKimg: 1}
	for _, tc := range []struct {
		s          Schedule
		base, nimg float64
		want       float64
	}{
		{lr, 2e-4, 0, 0.0002},
		{lr, 2e-4, 5e6, 0.00017803300858899109},
		{lr, 2e-4, 1e7, 0.000125},
		{lr, 2e-4, 2e7, 4.9999999999999996e-05},
		{lr, 2e-4, 3e7, 5e-05},
		{warm, 0.9, 0, 0.5},
		{warm, 0.9, 1000, 0.7},
		{warm, 0.9, 2000, 0.9},
		{warm, 0.9, 2500, 0.9},
		{warm, 0.9, 3000, 0.9},
		{warm, 0.9, 6000, 0.9349865579719658},
		{warm, 0.9, 10000, 0.99},
		{warm, 0.9, 12000, 0.99},
		{Schedule{}, 0.3, 5000, 0.3},
		{Schedule{Kind: Constant, End: 9}, 0.3, 5000, 0.3},
		// kimg 0: the decay ends with the run (total 8,000 images): halfway at 4,000.
		{Schedule{Kind: Cosine, End: 0}, 1, 4000, 0.5},
	} {
		if got := tc.s.At(tc.base, tc.nimg, 8000); math.Abs(got-tc.want) > 1e-15*max(1, math.Abs(tc.want)) {
			t.Errorf("%+v at %g images from %g: %.17g, R3GAN %.17g", tc.s, tc.nimg, tc.base, got, tc.want)
		}
	}
}

func TestScheduleValidateNamesTheKey(t *testing.T) {
	for _, tc := range []struct {
		s    Schedule
		want string
	}{
		{Schedule{Kind: "linear"}, `train.lr_schedule.kind: "linear" is not one of [constant cosine]`},
		{Schedule{Kind: Cosine, Kimg: -1}, "train.lr_schedule: kimg, warmup_kimg and hold_kimg want >= 0"},
		{Schedule{Kind: Cosine, Kimg: 3, WarmupKimg: 2, HoldKimg: 1}, "train.lr_schedule: warmup_kimg + hold_kimg (3) want less than kimg (3)"},
	} {
		err := tc.s.Validate("train.lr_schedule")
		if err == nil || len(err.Error()) < len(tc.want) || err.Error()[:len(tc.want)] != tc.want {
			t.Errorf("%+v: error %v, want %q", tc.s, err, tc.want)
		}
	}
}
