package cpu

import (
	"slices"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/gankit/gankit/backend/cpu/gemm"
	"github.com/gankit/gankit/backend/cpu/simd"
)

// scratch keeps the kernels' temporary buffers (patches, padded copies, pointer
// tables) between calls, by exact size: a training step asks for the same sizes every
// time, so after the first step no kernel allocates, and memory stays at what one
// step's largest kernel holds at once for each size. Sizes not asked for within
// poolAge executions are let go (another graph's, say).
type scratch struct {
	mu     sync.Mutex
	f32    sizedLists[[]float32]
	f64    sizedLists[[]float64]
	tables sizedLists[[]*float32] // the indirect kernels' pointer tables
	epoch  int
}

// agedLists are free lists by key (a length, a shape), each entry stamped with the
// epoch (execution count) it was freed in.
type agedLists[K comparable, V any] map[K][]aged[V]

// sizedLists are agedLists by length.
type sizedLists[V any] = agedLists[int, V]

type aged[V any] struct {
	v     V
	epoch int
}

func (l *agedLists[K, V]) get(k K) (V, bool) {
	var zero V
	e := (*l)[k]
	if len(e) == 0 {
		return zero, false
	}
	(*l)[k] = e[:len(e)-1]
	return e[len(e)-1].v, true
}

func (l *agedLists[K, V]) put(k K, v V, epoch int) {
	if *l == nil {
		*l = agedLists[K, V]{}
	}
	(*l)[k] = append((*l)[k], aged[V]{v, epoch})
}

// sweep forgets entries freed more than age epochs before epoch (every entry for age
// -1), handing each to release when it is not nil.
func (l agedLists[K, V]) sweep(epoch, age int, release func(V)) {
	for k, e := range l {
		kept := e[:0]
		for _, a := range e {
			if epoch-a.epoch <= age {
				kept = append(kept, a)
			} else if release != nil {
				release(a.v)
			}
		}
		if len(kept) == 0 {
			delete(l, k)
		} else {
			clear(e[len(kept):]) // drop the references
			l[k] = kept
		}
	}
}

// tick counts an execution and lets idle buffers go.
func (s *scratch) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch++
	s.f32.sweep(s.epoch, poolAge, nil)
	s.f64.sweep(s.epoch, poolAge, nil)
	s.tables.sweep(s.epoch, poolAge, nil)
}

// trim forgets every kept buffer.
func (s *scratch) trim() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.f32, s.f64, s.tables = nil, nil, nil
}

// arena hands out scratch buffers for one kernel call and returns them at release,
// and carries the kernel set the call's products run on.
type arena[T gemm.Float] struct {
	s    *scratch
	k    simd.Set
	held [][]T
}

func newArena[T gemm.Float](s *scratch, k simd.Set) *arena[T] { return &arena[T]{s: s, k: k} }

func freeList[T gemm.Float](s *scratch) *sizedLists[[]T] {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return any(&s.f32).(*sizedLists[[]T])
	}
	return any(&s.f64).(*sizedLists[[]T])
}

// get returns a buffer of n values with arbitrary contents.
func (a *arena[T]) get(n int) []T {
	a.s.mu.Lock()
	buf, ok := freeList[T](a.s).get(n)
	a.s.mu.Unlock()
	if !ok {
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
		fl.put(len(b), b, a.s.epoch)
	}
	a.held = nil
}

// ptrs returns a table of n pointers (for the indirect kernels), kept between calls
// like the value buffers; give it back with putPtrs.
func (s *scratch) ptrs(n int) []*float32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tables.get(n); ok {
		return t
	}
	return make([]*float32, n)
}

// putPtrs takes a table back, cleared so that it keeps no tensor alive.
func (s *scratch) putPtrs(t []*float32) {
	clear(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables.put(len(t), t, s.epoch)
}

// bufferPool keeps freed buffers by shape for the next step, which asks for the same
// shapes: unlike the pure-Go backend's own pool (a sync.Pool, emptied by every garbage
// collection), it holds them across collections, so a training step's tensors are
// allocated once. A buffer not asked for within poolAge executions is let go (another
// graph's shapes, say), and at most maxPooled are kept per shape.
type bufferPool struct {
	mu    sync.Mutex
	free  agedLists[string, backends.Buffer] // by shape
	epoch int                                // executions so far
}

const (
	maxPooled = 1024
	poolAge   = 8
)

func (p *bufferPool) get(s shapes.Shape) backends.Buffer {
	p.mu.Lock()
	defer p.mu.Unlock()
	buf, _ := p.free.get(s.String())
	return buf
}

// put keeps buf, unless it is already kept (a second finalize) or the shape's list
// is full; it says whether it kept it.
func (p *bufferPool) put(s shapes.Shape, buf backends.Buffer) bool {
	key := s.String()
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.free[key]
	if len(l) >= maxPooled || slices.ContainsFunc(l, func(e aged[backends.Buffer]) bool { return e.v == buf }) {
		return false
	}
	p.free.put(key, buf, p.epoch)
	return true
}

// tick counts an execution and hands buffers idle for poolAge executions to release.
func (p *bufferPool) tick(release func(backends.Buffer)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.epoch++
	p.free.sweep(p.epoch, poolAge, release)
}

// drain hands every kept buffer to release and forgets them.
func (p *bufferPool) drain(release func(backends.Buffer)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free.sweep(p.epoch, -1, release)
}
