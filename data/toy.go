package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Toy is a mixture of equal-weight isotropic 2-D Gaussians (docs/protocols.md, "Toy mixtures").
type Toy struct {
	name  string
	Modes [][2]float64
	Std   float64
	Seed  uint64
}

// Toy mixture names accepted as a data path.
const (
	Ring8  = "ring8"
	Grid25 = "grid25"
)

// NewToy returns ring8 — 8 modes at angles 2*pi*k/8, k = 0..7, on the unit circle, std
// 0.01 — or grid25 — 25 modes at {-4,-2,0,2,4}^2, std 0.05.
func NewToy(name string, seed uint64) (*Toy, error) {
	t := &Toy{name: name, Seed: seed}
	switch name {
	case Ring8:
		// 2*pi*k/8 for k < 8; linspace(0, 2*pi, 8) would put two modes at angle 0.
		for k := range 8 {
			a := 2 * math.Pi * float64(k) / 8
			t.Modes = append(t.Modes, [2]float64{math.Cos(a), math.Sin(a)})
		}
		t.Std = 0.01
	case Grid25:
		for i := -2; i <= 2; i++ {
			for j := -2; j <= 2; j++ {
				t.Modes = append(t.Modes, [2]float64{2 * float64(i), 2 * float64(j)})
			}
		}
		t.Std = 0.05
	default:
		return nil, fmt.Errorf("toy mixture %q: want %s or %s", name, Ring8, Grid25)
	}
	return t, nil
}

func (t *Toy) Name() string { return t.name }

func (t *Toy) Shape() Shape { return Shape{Dim: 2} }

// Batch draws n points: a uniformly chosen mode plus N(0, Std^2) noise, from a
// generator seeded by (Seed, step).
func (t *Toy) Batch(step, n int, dst []float32) error {
	r := rand.New(rand.NewPCG(t.Seed, uint64(step)))
	for i := range n {
		m := t.Modes[r.IntN(len(t.Modes))]
		dst[2*i] = float32(m[0] + t.Std*r.NormFloat64())
		dst[2*i+1] = float32(m[1] + t.Std*r.NormFloat64())
	}
	return nil
}
