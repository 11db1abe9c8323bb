package optim

import (
	"fmt"
	"math"
)

// Schedule kinds.
const (
	Constant = "constant" // the base value throughout ("" means the same)
	Cosine   = "cosine"   // cosine decay from the base value to End, with optional warm-up and hold
)

// A Schedule moves a hyperparameter (a learning rate, Adam's beta2, a penalty's
// gamma, the EMA half-life) over a run, counted in images seen, as R3GAN does
// (Huang et al., NeurIPS 2024, "The GAN is dead; long live the GAN!", §4 and
// appendix; brownvc/R3GAN training/training_loop.py, cosine_decay_with_warmup, with
// train.py's schedules). The value starts from the key it schedules (the base).
// A schedule is a pure function of the images seen, so a resumed run recomputes it
// exactly from its step.
type Schedule struct {
	Kind string  `yaml:"kind"` // constant | cosine; "" = constant
	End  float64 `yaml:"end"`  // the value once Kimg thousand images are seen
	// Kimg is where the decay ends, in thousands of images; 0 = the whole run.
	Kimg float64 `yaml:"kimg"`
	// WarmupKimg: for this many thousand images the value rises linearly from
	// WarmupStart to the base; 0 = no warm-up.
	WarmupKimg  float64 `yaml:"warmup_kimg"`
	WarmupStart float64 `yaml:"warmup_start"`
	// HoldKimg: after the warm-up the base is held this long before the decay.
	HoldKimg float64 `yaml:"hold_kimg"`
}

// On says whether the schedule changes anything.
func (s Schedule) On() bool { return s.Kind == Cosine }

// Validate checks the schedule; key is its config key, for the errors.
func (s Schedule) Validate(key string) error {
	switch {
	case s.Kind != "" && s.Kind != Constant && s.Kind != Cosine:
		return fmt.Errorf("%s.kind: %q is not one of [%s %s]", key, s.Kind, Constant, Cosine)
	case s.Kimg < 0 || s.WarmupKimg < 0 || s.HoldKimg < 0:
		return fmt.Errorf("%s: kimg, warmup_kimg and hold_kimg want >= 0, got %g, %g, %g", key, s.Kimg, s.WarmupKimg, s.HoldKimg)
	case s.On() && s.Kimg > 0 && s.WarmupKimg+s.HoldKimg >= s.Kimg:
		return fmt.Errorf("%s: warmup_kimg + hold_kimg (%g) want less than kimg (%g), where the decay ends", key, s.WarmupKimg+s.HoldKimg, s.Kimg)
	}
	return nil
}

// At is the value after nimg images, from base; total is the run's length in images,
// the decay's end when Kimg is 0. It is cosine_decay_with_warmup of R3GAN's
// training_loop.py:
//
//	decay = (1 + cos(pi (n - W - H) / (T - W - H))) / 2,  value = base + (1 - decay)(End - base),
//
// the base while W <= n <= W + H (hold), WarmupStart + (base - WarmupStart) n / W
// while n < W (warm-up), and End once n > T.
func (s Schedule) At(base float64, nimg, total float64) float64 {
	if !s.On() {
		return base
	}
	T, W, H := s.Kimg*1000, s.WarmupKimg*1000, s.HoldKimg*1000
	if T == 0 {
		T = total
	}
	decay := 0.5 * (1 + math.Cos(math.Pi*(nimg-W-H)/(T-W-H)))
	v := base + (1-decay)*(s.End-base)
	if H > 0 && nimg <= W+H {
		v = base
	}
	if W > 0 && nimg < W {
		v = (base-s.WarmupStart)/W*nimg + s.WarmupStart
	}
	if nimg > T {
		v = s.End
	}
	return v
}
