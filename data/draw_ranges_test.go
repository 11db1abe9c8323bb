package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// indexed is a labelled 1x1 grayscale dataset whose example i holds the value i
// and the label i, so that a draw over its indices can be read back.
type indexed int

func (d indexed) Name() string                    { return "indexed" }
func (d indexed) Len() int                        { return int(d) }
func (d indexed) Shape() Shape                    { return Shape{Size: 1, Channels: 1} }
func (d indexed) Label(i int) int                 { return i }
func (d indexed) Read(i int, dst []float32) error { dst[0] = float32(i); return nil }

// TestDiffAugmentDrawsReachBothEndsOfEachRange: over 2000 images, each colour factor
// lies in its published range (brightness U[-0.5, 0.5], saturation U[0, 2], contrast
// U[0.5, 1.5]; Zhao et al. 2020, DiffAugment-pytorch's rand_brightness, rand_saturation,
// rand_contrast) and comes within 1% of the width of both ends; every integer shift
// in [-r, r], r = round(size/8), and every cutout offset in [0, size - side%2] occurs,
// and none outside. A narrowed range (U[-0.5, 0.4]) fails as well as a widened one.
func TestDiffAugmentDrawsReachBothEndsOfEachRange(t *testing.T) {
	const n = 2000
	for _, size := range []int{28, 32, 7} {
		s := Shape{Size: size, Channels: 3}
		p := DiffAugment{Color: true, Translation: true, Cutout: true}.Draw(rand.New(rand.NewPCG(7, uint64(size))), n, s)
		for _, tc := range []struct {
			name   string
			v      []float32
			lo, hi float64
		}{{"brightness", p.Brightness, -0.5, 0.5}, {"saturation", p.Saturation, 0, 2}, {"contrast", p.Contrast, 0.5, 1.5}} {
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, x := range tc.v {
				lo, hi = min(lo, float64(x)), max(hi, float64(x))
			}
			tol := 0.01 * (tc.hi - tc.lo)
			if lo < tc.lo || hi > tc.hi || lo > tc.lo+tol || hi < tc.hi-tol {
				t.Errorf("size %d: %s spans [%g, %g], want within [%g, %g] and within %g of both ends", size, tc.name, lo, hi, tc.lo, tc.hi, tol)
			}
		}
		r := int(math.Round(float64(size) / 8))
		side := int(math.Round(float64(size) / 2))
		for _, tc := range []struct {
			name   string
			v      []int
			lo, hi int
		}{
			{"row shift", p.ShiftX, -r, r}, {"column shift", p.ShiftY, -r, r},
			{"cutout row offset", p.CutX, 0, size - side%2}, {"cutout column offset", p.CutY, 0, size - side%2},
		} {
			seen := map[int]bool{}
			for _, x := range tc.v {
				if x < tc.lo || x > tc.hi {
					t.Fatalf("size %d: %s %d outside [%d, %d]", size, tc.name, x, tc.lo, tc.hi)
				}
				seen[x] = true
			}
			if len(seen) != tc.hi-tc.lo+1 {
				t.Errorf("size %d: %d of the %d values of %s in [%d, %d] occur in %d draws", size, len(seen), tc.hi-tc.lo+1, tc.name, tc.lo, tc.hi, n)
			}
		}
	}
}

// TestDiffAugmentTranslationAndCutoutSizes pins the two sizes DiffAugment-pytorch
// derives from the image size: the largest shift int(size*1/8 + 0.5) and the cutout
// side int(size*1/2 + 0.5), the latter counted as the zeros of a cutout mask whose
// square lies inside the image.
func TestDiffAugmentTranslationAndCutoutSizes(t *testing.T) {
	for _, tc := range []struct{ size, shift, side int }{
		{28, 4, 14}, // 3.5 rounds up
		{32, 4, 16},
		{7, 1, 4}, // 0.875 -> 1; 3.5 -> 4
		{4, 1, 2}, // 0.5 rounds up
		{3, 0, 2}, // 0.375 -> 0; 1.5 -> 2
	} {
		if got := translationShift(tc.size); got != tc.shift {
			t.Errorf("size %d: largest shift %d, want %d", tc.size, got, tc.shift)
		}
		if got := cutoutSide(tc.size); got != tc.side {
			t.Errorf("size %d: cutout side %d, want %d", tc.size, got, tc.side)
		}
		s := Shape{Size: tc.size, Channels: 1}
		a := DiffAugment{Cutout: true}
		centre := tc.size / 2
		mask := a.Tensors(AugmentParams{CutX: []int{centre}, CutY: []int{centre}}, 1, s)[0].Value().([][][][]float32)[0]
		zeros := 0
		for _, row := range mask {
			for _, px := range row {
				if px[0] == 0 {
					zeros++
				}
			}
		}
		if zeros != tc.side*tc.side {
			t.Errorf("size %d: a centred cutout zeroes %d pixels, want %d x %d", tc.size, zeros, tc.side, tc.side)
		}
	}
}

// TestShuffledEpochVisitsEveryExampleOnce: an epoch of a shuffled dataset is a
// permutation, first and last index included; the next epoch is another one.
func TestShuffledEpochVisitsEveryExampleOnce(t *testing.T) {
	const total, n = 12, 4
	s := NewShuffled(indexed(total), 9)
	var epochs [2][]int
	for step := range 2 * total / n {
		dst := make([]float32, n)
		if err := s.Batch(step, n, dst); err != nil {
			t.Fatal(err)
		}
		for _, v := range dst {
			epochs[step/(total/n)] = append(epochs[step/(total/n)], int(v))
		}
	}
	for e, order := range epochs {
		seen := make([]bool, total)
		for _, i := range order {
			if i < 0 || i >= total || seen[i] {
				t.Fatalf("epoch %d visits %v: not a permutation of 0..%d", e, order, total-1)
			}
			seen[i] = true
		}
	}
	if slices.Equal(epochs[0], epochs[1]) {
		t.Errorf("epochs 0 and 1 visit the examples in the same order %v", epochs[0])
	}
}

// TestStackedPicksEveryBaseImage: stacked MNIST draws each channel's image uniformly
// from the whole base set (Metz et al. 2017): over 1000 stacked examples of a
// 10-image base, every base index, 0 and 9 included, occurs in every channel.
func TestStackedPicksEveryBaseImage(t *testing.T) {
	s, err := NewStacked(indexed(10), 1000, 3)
	if err != nil {
		t.Fatal(err)
	}
	var seen [3][10]bool
	for i := range s.Len() {
		l := s.Label(i) // l0*100 + l1*10 + l2, and the base's label is its index
		for c, pick := range [3]int{l / 100, l / 10 % 10, l % 10} {
			seen[c][pick] = true
		}
	}
	for c := range seen {
		for i, ok := range seen[c] {
			if !ok {
				t.Errorf("channel %d never takes base image %d in 1000 draws", c, i)
			}
		}
	}
}
