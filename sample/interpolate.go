package sample

import (
	"fmt"
	"math"
)

// Path is how Interpolate walks from one latent to another.
type Path int

const (
	// Lerp is the straight line (1-t)·a + t·b. For z ~ N(0, I) in high dimensions its
	// midpoints have a smaller norm than any likely latent (White 2016, §2.2).
	Lerp Path = iota
	// Slerp is the great-circle path of White, "Sampling Generative Networks" (2016,
	// §2.2), as used for DCGAN's latent walks: with omega the angle between a and b,
	//   slerp(a, b; t) = sin((1-t)·omega)/sin(omega)·a + sin(t·omega)/sin(omega)·b.
	// It keeps the norm of equal-norm ends all along the path.
	Slerp
)

var pathNames = [...]string{Lerp: "lerp", Slerp: "slerp"}

// String is the name ParsePath accepts.
func (p Path) String() string {
	if p >= 0 && int(p) < len(pathNames) {
		return pathNames[p]
	}
	return fmt.Sprintf("Path(%d)", int(p))
}

// ParsePath reads "lerp" or "slerp".
func ParsePath(s string) (Path, error) {
	for p, name := range pathNames {
		if s == name {
			return Path(p), nil
		}
	}
	return 0, fmt.Errorf("interpolation path %q is not one of %s, %s", s, Lerp, Slerp)
}

// parallelCos is where Slerp falls back to Lerp: |cos omega| above it means sin omega
// is below ~1.4e-6 and the weights sin(...)/sin(omega) lose their precision; the two
// paths agree there to O(omega^2) anyway. Antiparallel ends have no unique great
// circle; the straight line through the origin is the path taken then too.
const parallelCos = 1 - 1e-12

// Interpolate returns steps latents on the path from a to b, both ends included
// (t = i/(steps-1)). It computes in float64 and rounds each result to float32.
func Interpolate(path Path, a, b []float32, steps int) ([][]float32, error) {
	if len(a) != len(b) {
		return nil, fmt.Errorf("interpolate: latents have %d and %d values, want the same length", len(a), len(b))
	}
	if len(a) == 0 {
		return nil, fmt.Errorf("interpolate: latents are empty, want at least one value")
	}
	if steps < 2 {
		return nil, fmt.Errorf("interpolate: steps: want at least 2 (both ends), got %d", steps)
	}
	if path != Lerp && path != Slerp {
		return nil, fmt.Errorf("interpolate: unknown path %v, want %s or %s", path, Lerp, Slerp)
	}
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	omega, sinOmega := 0.0, 0.0
	useSlerp := false
	if path == Slerp && na > 0 && nb > 0 {
		c := dot / math.Sqrt(na*nb)
		if math.Abs(c) < parallelCos {
			omega = math.Acos(max(-1, min(1, c)))
			sinOmega = math.Sin(omega)
			useSlerp = true
		}
	}
	out := make([][]float32, steps)
	for s := range steps {
		t := float64(s) / float64(steps-1)
		wa, wb := 1-t, t
		if useSlerp {
			wa, wb = math.Sin((1-t)*omega)/sinOmega, math.Sin(t*omega)/sinOmega
		}
		z := make([]float32, len(a))
		for i := range z {
			z[i] = float32(wa*float64(a[i]) + wb*float64(b[i]))
		}
		out[s] = z
	}
	// The ends are the inputs exactly, not their float64 round trip.
	copy(out[0], a)
	copy(out[steps-1], b)
	return out, nil
}
