package data

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// StackedPrefix marks a stacked dataset in a data path: "stacked:PATH" stacks three
// grayscale images of PATH ("stacked:" alone: the embedded subset).
const StackedPrefix = "stacked:"

// Stacked is stacked MNIST's construction (Metz et al. 2017; PacGAN §5) on any
// labelled grayscale dataset: example i is three images of the base set, drawn with
// a fixed seed, as the three channels of one image; its label is the triple of
// labels, written l0*100 + l1*10 + l2 (1000 modes for 10 classes).
type Stacked struct {
	base  Dataset
	picks [][3]int
}

// NewStacked stacks base (grayscale, labelled) into n examples drawn with seed.
func NewStacked(base Dataset, n int, seed uint64) (*Stacked, error) {
	if base.Shape().Channels != 1 || base.Shape().Size == 0 {
		return nil, fmt.Errorf("stacking %s: want grayscale images, got %v", base.Name(), base.Shape())
	}
	if base.Label(0) < 0 {
		return nil, fmt.Errorf("stacking %s: the images have no labels", base.Name())
	}
	r := rand.New(rand.NewPCG(seed, 0x57ac))
	s := &Stacked{base: base, picks: make([][3]int, n)}
	for i := range s.picks {
		for c := range 3 {
			s.picks[i][c] = r.IntN(base.Len())
		}
	}
	return s, nil
}

func (s *Stacked) Name() string { return StackedPrefix + s.base.Name() }
func (s *Stacked) Len() int     { return len(s.picks) }
func (s *Stacked) Shape() Shape { return Shape{Size: s.base.Shape().Size, Channels: 3} }

// Read writes example i, channels-last.
func (s *Stacked) Read(i int, dst []float32) error {
	px := s.base.Shape().Size * s.base.Shape().Size
	one := make([]float32, px)
	for c, j := range s.picks[i] {
		if err := s.base.Read(j, one); err != nil {
			return err
		}
		for p, v := range one {
			dst[p*3+c] = v
		}
	}
	return nil
}

// Label is the label triple as l0*100 + l1*10 + l2.
func (s *Stacked) Label(i int) int {
	p := s.picks[i]
	return s.base.Label(p[0])*100 + s.base.Label(p[1])*10 + s.base.Label(p[2])
}

// IsStacked says whether a data path names a stacked dataset, and returns the base path.
func IsStacked(path string) (string, bool) {
	return strings.CutPrefix(path, StackedPrefix)
}
