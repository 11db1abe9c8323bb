package cpu

import (
	"sync"

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
