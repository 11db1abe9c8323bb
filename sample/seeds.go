package sample

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// A seed names one latent: SeedLatent(s) is the same vector whoever asks for it (the
// sample grid, an exported dataset, an interpolation strip, the HTTP server), and
// `--seed S --n N` means the seeds S, S+1, ..., S+N-1. So sample 5 of an export of 10
// is sample 5 of an export of 100, and the end of an interpolation between seeds A
// and B is the sample of seed A.

// CheckSeeds checks that the n seeds first, first+1, ..., first+n-1 are all int64s:
// past the largest, first+i would wrap to -2^63 and name another range's samples.
// Callers prefix the flag or field that set first and n.
func CheckSeeds(first int64, n int) error {
	if n < 1 {
		return fmt.Errorf("want at least 1 seed, got %d", n)
	}
	if most := int64(math.MaxInt64) - int64(n-1); first > most {
		return fmt.Errorf("%d seeds from %d pass the largest seed, %d: want a first seed of at most %d", n, first, int64(math.MaxInt64), most)
	}
	return nil
}

// seedStream is the PCG stream of per-seed latents.
const seedStream = 0x5eed_1a7e_47

// SeedLatent is seed's latent z ~ N(0, I) of size dim, truncated by tr (resampled
// values come from the seed's own stream, after its dim draws).
func SeedLatent(seed int64, dim int, tr Truncation) []float32 {
	// Adjacent seeds as PCG's high word would share the low 64 bits of the state
	// forever; splitmix64 spreads them first.
	r := rand.New(rand.NewPCG(splitmix64(uint64(seed)), seedStream))
	z := make([]float32, dim)
	for i := range z {
		z[i] = float32(r.NormFloat64())
	}
	tr.Apply(z, r)
	return z
}

// splitmix64 is Steele, Lea and Flood's 64-bit mixer (SplitMix64's output function).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Batch is how many latents RunEach sends through G at once. It is fixed, and a
// short last batch is filled up, so that G always runs on the same shape: a sample's
// value then does not depend on how many were asked for (kernels may block and sum
// differently for another batch size).
const Batch = 64

// RunEach runs G on latent(0), ..., latent(n-1) in batches of Batch and hands each
// sample to each in order; x is reused after each returns. The last batch is filled
// up with latent(n), latent(n+1), ..., whose samples are dropped: for seeds these are
// the next seeds, so that batch is exactly the one a longer run would send. A
// conditional generator draws sample i from class(i), or with class nil from class
// i mod K (Balanced); an unconditional one refuses a class.
func (g *Generator) RunEach(n int, latent func(i int) []float32, class ClassOf, each func(i int, x []float32) error) error {
	if n < 1 {
		return fmt.Errorf("sample: want at least 1 sample, got %d", n)
	}
	k := len(g.Classes())
	switch {
	case k == 0 && class != nil:
		return fmt.Errorf("sample: %s", unconditional)
	case k > 0 && class == nil:
		class = Balanced(k)
	}
	dim := g.cfg.ZDim
	z := make([]float32, Batch*dim)
	var y []int32
	if k > 0 {
		y = make([]int32, Batch)
	}
	for start := 0; start < n; start += Batch {
		for j := range Batch {
			v := latent(start + j)
			if len(v) != dim {
				return fmt.Errorf("sample: latent %d has %d values, G takes %d", start+j, len(v), dim)
			}
			copy(z[j*dim:], v)
			if y != nil {
				y[j] = class(start + j)
			}
		}
		var out []float32
		var err error
		if y != nil {
			out, err = g.RunClasses(z, y)
		} else {
			out, err = g.Run(z)
		}
		if err != nil {
			return err
		}
		m := len(out) / Batch
		for j := range min(Batch, n-start) {
			if err := each(start+j, out[j*m:(j+1)*m]); err != nil {
				return err
			}
		}
	}
	return nil
}

// RunSeeds is RunEach over the seeds first, first+1, ..., first+n-1, which must all
// be int64s (CheckSeeds). The seeds that fill up the last batch may wrap past the
// largest: their samples are dropped.
func (g *Generator) RunSeeds(first int64, n int, tr Truncation, class ClassOf, each func(i int, x []float32) error) error {
	if err := CheckSeeds(first, n); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	return g.RunEach(n, func(i int) []float32 { return SeedLatent(first+int64(i), g.cfg.ZDim, tr) }, class, each)
}

// Seeds returns the n samples of seeds first, ..., first+n-1 (flat), for a grid;
// class is as RunEach's.
func (g *Generator) Seeds(first int64, n int, tr Truncation, class ClassOf) ([]float32, error) {
	var all []float32
	err := g.RunSeeds(first, n, tr, class, func(_ int, x []float32) error {
		all = append(all, x...)
		return nil
	})
	return all, err
}

// ClassRows returns a per-class grid's samples (flat, row-major): K rows, one per
// class, of cols samples each, the seeds first, ..., first+cols-1 in every row. A
// column holds one latent drawn as every class, so the rows differ by class alone
// (the layout of Odena et al. 2017, Fig. 3, and Brock et al. 2019, Fig. 8).
func (g *Generator) ClassRows(first int64, cols int, tr Truncation) ([]float32, error) {
	k := len(g.Classes())
	if k == 0 {
		return nil, fmt.Errorf("sample: a grid of one row per class: %s", unconditional)
	}
	if err := CheckSeeds(first, cols); err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	var all []float32
	err := g.RunEach(k*cols, func(i int) []float32 {
		return SeedLatent(first+int64(i%cols), g.cfg.ZDim, tr)
	}, func(i int) int32 { return int32((i / cols) % k) }, func(_ int, x []float32) error {
		all = append(all, x...)
		return nil
	})
	return all, err
}
