package sample

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Truncation modes: how latents are pulled toward the mean at sampling time, trading
// diversity for quality. Training never truncates.
const (
	TruncNone     = ""
	TruncResample = "resample" // BigGAN (Brock et al. 2019, §3.1): redraw every z_i with |z_i| > t until inside
	TruncClip     = "clip"     // clamp every z_i to [-t, t]
	TruncPsi      = "psi"      // z' = psi·z, 0 <= psi <= 1: StyleGAN's lerp toward the mean latent (0 for z ~ N(0, I))
)

// TruncModes lists the accepted truncation modes (a copy).
func TruncModes() []string { return []string{TruncResample, TruncClip, TruncPsi} }

// Truncation is a truncation mode and its threshold t (or psi).
type Truncation struct {
	Mode  string
	Value float64
}

// Validate checks the mode and its value. The generator must run in inference mode
// (BatchNorm running statistics, which Generator does): with batch statistics, psi
// would cancel in the first BatchNorm.
func (t Truncation) Validate() error {
	if t.Mode != TruncNone && (math.IsNaN(t.Value) || math.IsInf(t.Value, 0)) {
		return fmt.Errorf("truncation %s: want a finite value, got %g", t.Mode, t.Value)
	}
	switch t.Mode {
	case TruncNone:
		return nil
	case TruncResample, TruncClip:
		if !(t.Value > 0) {
			return fmt.Errorf("truncation %s: want a threshold t > 0, got %g", t.Mode, t.Value)
		}
	case TruncPsi:
		if t.Value < 0 || t.Value > 1 {
			return fmt.Errorf("truncation psi: want 0 <= psi <= 1, got %g", t.Value)
		}
	default:
		return fmt.Errorf("truncation mode %q is not one of %v", t.Mode, TruncModes())
	}
	return nil
}

// Apply truncates z in place; resampling draws from r.
func (t Truncation) Apply(z []float32, r *rand.Rand) {
	switch t.Mode {
	case TruncResample:
		for i := range z {
			for math.Abs(float64(z[i])) > t.Value {
				z[i] = float32(r.NormFloat64())
			}
		}
	case TruncClip:
		c := float32(t.Value)
		for i, v := range z {
			z[i] = min(max(v, -c), c)
		}
	case TruncPsi:
		for i, v := range z {
			z[i] = float32(t.Value) * v
		}
	}
}

// TruncatedLatents is Latents(seed, stream, n, dim) truncated by t; resampled values
// come from the same stream, after the first n·dim draws.
func TruncatedLatents(seed int64, stream uint64, n, dim int, t Truncation) []float32 {
	r := rand.New(rand.NewPCG(uint64(seed), stream))
	z := make([]float32, n*dim)
	for i := range z {
		z[i] = float32(r.NormFloat64())
	}
	t.Apply(z, r)
	return z
}
