package cpu

import (
	"slices"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/gankit/gankit/backend/cpu/gemm"
)

// scratch keeps the kernels' temporary buffers (im2col patches, padded copies)
// between calls, by exact size: a training step asks for the same sizes every time,
// so after the first step no kernel allocates, and memory stays at what one step's
// largest kernel holds at once for each size.
type scratch struct {
	mu  sync.Mutex
	f32 map[int][][]float32
	f64 map[int][][]float64
	// ptrTables holds the indirect kernels' pointer tables by length.
	ptrTables map[int][][]*float32
}

// arena hands out scratch buffers for one kernel call and returns them at release.
type arena[T gemm.Float] struct {
	s    *scratch
	held [][]T
}

func newArena[T gemm.Float](s *scratch) *arena[T] { return &arena[T]{s: s} }

func freeList[T gemm.Float](s *scratch) *map[int][][]T {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return any(&s.f32).(*map[int][][]T)
	}
	return any(&s.f64).(*map[int][][]T)
}

// get returns a buffer of n values with arbitrary contents.
func (a *arena[T]) get(n int) []T {
	a.s.mu.Lock()
	fl := freeList[T](a.s)
	if *fl == nil {
		*fl = map[int][][]T{}
	}
	var buf []T
	if l := (*fl)[n]; len(l) > 0 {
		buf, (*fl)[n] = l[len(l)-1], l[:len(l)-1]
	}
	a.s.mu.Unlock()
	if buf == nil {
		buf = make([]T, n)
	}
	a.held = append(a.held, buf)
	return buf
}

// zeros returns a zeroed buffer of n values.
func (a *arena[T]) zeros(n int) []T {
	s := a.get(n)
	clear(s)
	return s
}

func (a *arena[T]) release() {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	fl := freeList[T](a.s)
	for _, b := range a.held {
		(*fl)[len(b)] = append((*fl)[len(b)], b)
	}
	a.held = nil
}

// ptrs returns a table of n pointers (for the indirect kernels), kept between calls
// like the value buffers; give it back with putPtrs.
func (s *scratch) ptrs(n int) []*float32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.ptrTables[n]; len(l) > 0 {
		t := l[len(l)-1]
		s.ptrTables[n] = l[:len(l)-1]
		return t
	}
	return make([]*float32, n)
}

// putPtrs takes a table back, cleared so that it keeps no tensor alive.
func (s *scratch) putPtrs(t []*float32) {
	clear(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ptrTables == nil {
		s.ptrTables = map[int][][]*float32{}
	}
	s.ptrTables[len(t)] = append(s.ptrTables[len(t)], t)
}

// bufferPool keeps freed buffers by shape for the next step, which asks for the same
// shapes: unlike the pure-Go backend's own pool (a sync.Pool, emptied by every garbage
// collection), it holds them across collections, so a training step's tensors are
// allocated once. A buffer not asked for within poolAge executions is let go (another
// graph's shapes, say), and at most maxPooled are kept per shape.
type bufferPool struct {
	mu    sync.Mutex
	free  map[string][]pooled
	epoch int // executions so far
}

type pooled struct {
	buf   backends.Buffer
	epoch int // when it was freed
}

const (
	maxPooled = 1024
	poolAge   = 8
)

func (p *bufferPool) get(s shapes.Shape) backends.Buffer {
	key := s.String()
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.free[key]
	if len(l) == 0 {
		return nil
	}
	e := l[len(l)-1]
	p.free[key] = l[:len(l)-1]
	return e.buf
}

// put keeps buf, unless it is already kept (a second finalize) or the shape's list
// is full; it says whether it kept it.
func (p *bufferPool) put(s shapes.Shape, buf backends.Buffer) bool {
	key := s.String()
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.free[key]
	if len(l) >= maxPooled || slices.ContainsFunc(l, func(e pooled) bool { return e.buf == buf }) {
		return false
	}
	if p.free == nil {
		p.free = map[string][]pooled{}
	}
	p.free[key] = append(l, pooled{buf, p.epoch})
	return true
}

// tick counts an execution and hands buffers idle for poolAge executions to release.
func (p *bufferPool) tick(release func(backends.Buffer)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.epoch++
	for key, l := range p.free {
		kept := l[:0]
		for _, e := range l {
			if p.epoch-e.epoch > poolAge {
				release(e.buf)
			} else {
				kept = append(kept, e)
			}
		}
		if len(kept) == 0 {
			delete(p.free, key)
		} else {
			p.free[key] = kept
		}
	}
}

// drain hands every kept buffer to release and forgets them.
func (p *bufferPool) drain(release func(backends.Buffer)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.free {
		for _, e := range l {
			release(e.buf)
		}
	}
	p.free = nil
}
