package eval

import (
	"fmt"
	"math/rand/v2"

	"github.com/gankit/gankit/data"
)

// Labelled is images held in memory with their classes: generated samples labelled
// with the class each was generated for, as a data.Dataset the classifier trains on.
type Labelled struct {
	name  string
	shape data.Shape
	x     []float32
	y     []int
}

// NewLabelled wraps len(y) images (flat, each shape, values in [-1, 1]) and their
// classes.
func NewLabelled(name string, shape data.Shape, x []float32, y []int) (*Labelled, error) {
	per := shape.Len()
	if per == 0 || len(x) != len(y)*per {
		return nil, fmt.Errorf("%s: %d values for %d labels of %v", name, len(x), len(y), shape)
	}
	for i, c := range y {
		if c < 0 {
			return nil, fmt.Errorf("%s: image %d has class %d, want 0 or more", name, i, c)
		}
	}
	return &Labelled{name: name, shape: shape, x: x, y: y}, nil
}

func (l *Labelled) Name() string      { return l.name }
func (l *Labelled) Len() int          { return len(l.y) }
func (l *Labelled) Shape() data.Shape { return l.shape }
func (l *Labelled) Label(i int) int   { return l.y[i] }

// Read implements data.Dataset.
func (l *Labelled) Read(i int, dst []float32) error {
	per := l.shape.Len()
	copy(dst, l.x[i*per:(i+1)*per])
	return nil
}

// Head is the first n examples of l (all when n >= l.Len()), sharing its memory.
func (l *Labelled) Head(n int) *Labelled {
	n = max(0, min(n, l.Len()))
	return &Labelled{name: fmt.Sprintf("%s (first %d)", l.name, n), shape: l.shape, x: l.x[:n*l.shape.Len()], y: l.y[:n]}
}

// joined is the examples of a followed by those of b.
type joined struct {
	a, b data.Dataset
}

// Join is a's examples followed by b's, as one dataset; both must have the same
// shape and labels.
func Join(a, b data.Dataset) (data.Dataset, error) {
	if a.Shape() != b.Shape() {
		return nil, fmt.Errorf("joining %s (%v) and %s (%v): the images differ in shape", a.Name(), a.Shape(), b.Name(), b.Shape())
	}
	if a.Len() > 0 && a.Label(0) < 0 || b.Len() > 0 && b.Label(0) < 0 {
		return nil, fmt.Errorf("joining %s and %s: both need labels", a.Name(), b.Name())
	}
	return &joined{a, b}, nil
}

func (j *joined) Name() string      { return j.a.Name() + " + " + j.b.Name() }
func (j *joined) Len() int          { return j.a.Len() + j.b.Len() }
func (j *joined) Shape() data.Shape { return j.a.Shape() }

func (j *joined) Read(i int, dst []float32) error {
	if i < j.a.Len() {
		return j.a.Read(i, dst)
	}
	return j.b.Read(i-j.a.Len(), dst)
}

func (j *joined) Label(i int) int {
	if i < j.a.Len() {
		return j.a.Label(i)
	}
	return j.b.Label(i - j.a.Len())
}

// picked is some of a dataset's examples, by index.
type picked struct {
	data.Dataset
	idx  []int
	what string
}

func (p *picked) Name() string                    { return fmt.Sprintf("%s (%s)", p.Dataset.Name(), p.what) }
func (p *picked) Len() int                        { return len(p.idx) }
func (p *picked) Read(i int, dst []float32) error { return p.Dataset.Read(p.idx[i], dst) }
func (p *picked) Label(i int) int                 { return p.Dataset.Label(p.idx[i]) }

// PickBalanced picks n examples of d, as evenly over its classes as it holds them: the
// examples are visited in the order of a permutation seeded by seed, and each class
// takes its next example in turn, a class that has run out passing its turn. With
// every class holding at least n/K examples, each gives n/K (the first n mod K
// classes one more). The same (d, n, seed) always picks the same examples. It is an
// error to ask for more than d holds.
func PickBalanced(d data.Dataset, n, classes int, seed uint64) (data.Dataset, error) {
	if n < 1 || n > d.Len() {
		return nil, fmt.Errorf("picking %d examples of %s: want 1 to its %d", n, d.Name(), d.Len())
	}
	queues := make([][]int, classes)
	for _, i := range rand.New(rand.NewPCG(seed, 0xba1a)).Perm(d.Len()) {
		c := d.Label(i)
		if c < 0 || c >= classes {
			return nil, fmt.Errorf("%s: example %d has class %d, want 0 to %d", d.Name(), i, c, classes-1)
		}
		queues[c] = append(queues[c], i)
	}
	idx := make([]int, 0, n)
	for round := 0; len(idx) < n; round++ {
		for c := range classes {
			if round < len(queues[c]) && len(idx) < n {
				idx = append(idx, queues[c][round])
			}
		}
	}
	return &picked{Dataset: d, idx: idx, what: fmt.Sprintf("%d picked by class, seed %d", n, seed)}, nil
}
