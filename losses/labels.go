package losses

import (
	"errors"
	"math/rand/v2"
)

// Labels are D's target-label tricks for the losses that have targets (HasTargets).
type Labels struct {
	// Smoothing a makes the real target 1 - a and leaves the fake target 0: one-sided
	// label smoothing (Salimans et al. 2016, §3.4; the seed article's 0.9 is a = 0.1).
	Smoothing float64
	// Noisy draws each real target from U[0.7, 1.2] and each fake one from U[0, 0.3]
	// (ganhacks #6). Targets above 1 leave BCE unbounded below.
	Noisy bool
	// Flip swaps a sample's real and fake targets with this probability, for D only
	// (ganhacks #6, "occasionally flip the labels").
	Flip float64
}

// Active says whether any trick changes the plain 1/0 targets.
func (l Labels) Active() bool { return l.Smoothing != 0 || l.Noisy || l.Flip != 0 }

// Validate checks the settings; keys are named as in the config.
func (l Labels) Validate() error {
	switch {
	case l.Smoothing < 0 || l.Smoothing >= 1:
		return errors.New("train.label_smoothing: want an amount in [0, 1) (real target 1 - amount)")
	case l.Flip < 0 || l.Flip > 0.5:
		return errors.New("train.label_flip: want a probability in [0, 0.5]")
	case l.Noisy && l.Smoothing != 0:
		return errors.New("train.noisy_labels and train.label_smoothing both set the real target: choose one")
	}
	return nil
}

// Draw returns the targets for one D step on n real and n fake samples, drawing
// from r (noisy labels, flips).
func (l Labels) Draw(r *rand.Rand, n int) (real, fake []float32) {
	real, fake = make([]float32, n), make([]float32, n)
	for i := range n {
		real[i], fake[i] = float32(1-l.Smoothing), 0
		if l.Noisy {
			real[i] = float32(0.7 + 0.5*r.Float64())
			fake[i] = float32(0.3 * r.Float64())
		}
		if l.Flip > 0 && r.Float64() < l.Flip {
			real[i], fake[i] = fake[i], real[i]
		}
	}
	return real, fake
}
