package data

import (
	"fmt"
	"math/rand/v2"
)

// Shape is what one example looks like: an image (Size x Size x Channels) or a point (Dim).
type Shape struct {
	Size     int // image height and width; 0 for points
	Channels int // 1 (grayscale) or 3 (RGB)
	Dim      int // point dimension; 0 for images
}

// Len is the number of float32 values in one example.
func (s Shape) Len() int {
	if s.Dim > 0 {
		return s.Dim
	}
	return s.Size * s.Size * s.Channels
}

// Dims are an example's dimensions: [size, size, channels] (channels-last) or [dim].
func (s Shape) Dims() []int {
	if s.Dim > 0 {
		return []int{s.Dim}
	}
	return []int{s.Size, s.Size, s.Channels}
}

func (s Shape) String() string {
	if s.Dim > 0 {
		return fmt.Sprintf("%d-D points", s.Dim)
	}
	return fmt.Sprintf("%dx%dx%d images", s.Size, s.Size, s.Channels)
}

// Dataset is a finite collection of examples read by index.
type Dataset interface {
	// Name says what and where the data are, for messages.
	Name() string
	Len() int
	Shape() Shape
	// Read writes example i, scaled to [-1, 1], into dst (len Shape().Len()).
	Read(i int, dst []float32) error
	// Label is example i's class, or -1 when the data have no labels.
	Label(i int) int
}

// Source hands out training batches. Batch(step) depends only on the source's seed
// and step, so a resumed run sees exactly the batches an uninterrupted one would.
type Source interface {
	Name() string
	Shape() Shape
	// Batch writes batch number step, n examples, into dst (len n * Shape().Len()).
	Batch(step, n int, dst []float32) error
}

// LabelledSource is a Source whose batches carry classes (a conditional GAN's).
type LabelledSource interface {
	Source
	// BatchLabels writes the classes of batch number step, n of them, into dst
	// (len n), in Batch's order.
	BatchLabels(step, n int, dst []int32) error
}

// Shuffled serves a Dataset in epochs: epoch e visits the examples in the order of a
// permutation seeded by (seed, e); an epoch's last incomplete batch is dropped.
type Shuffled struct {
	Data Dataset
	Seed uint64

	epoch int
	perm  []int
}

// NewShuffled returns a Source over d.
func NewShuffled(d Dataset, seed uint64) *Shuffled { return &Shuffled{Data: d, Seed: seed, epoch: -1} }

func (s *Shuffled) Name() string { return s.Data.Name() }

func (s *Shuffled) Shape() Shape { return s.Data.Shape() }

// Batch implements Source.
func (s *Shuffled) Batch(step, n int, dst []float32) error {
	idx, err := s.indices(step, n)
	if err != nil {
		return err
	}
	k := s.Data.Shape().Len()
	for j, i := range idx {
		if err := s.Data.Read(i, dst[j*k:(j+1)*k]); err != nil {
			return err
		}
	}
	return nil
}

// BatchLabels implements LabelledSource: the classes of the examples Batch(step, n)
// gives, in the same order.
func (s *Shuffled) BatchLabels(step, n int, dst []int32) error {
	idx, err := s.indices(step, n)
	if err != nil {
		return err
	}
	for j, i := range idx {
		l := s.Data.Label(i)
		if l < 0 {
			return fmt.Errorf("%s: example %d has no label", s.Data.Name(), i)
		}
		dst[j] = int32(l)
	}
	return nil
}

// indices are the examples of batch number step, n of them.
func (s *Shuffled) indices(step, n int) ([]int, error) {
	total := s.Data.Len()
	per := total / n
	if per == 0 {
		return nil, fmt.Errorf("%s: %d examples, fewer than one batch of %d", s.Data.Name(), total, n)
	}
	if e := step / per; e != s.epoch {
		s.epoch = e
		s.perm = rand.New(rand.NewPCG(s.Seed, uint64(e))).Perm(total)
	}
	off := (step % per) * n
	return s.perm[off : off+n], nil
}

// scaleByte maps a pixel p in [0, 255] to p/127.5 - 1 in [-1, 1] (ganhacks #1).
func scaleByte(p uint8) float32 { return float32(p)/127.5 - 1 }
