package serve

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// errClosed answers the jobs still waiting when the server shuts down.
var errClosed = errors.New("the server is shutting down")

// A job is one request's latents (and classes), waiting for the generator.
type job struct {
	ctx  context.Context
	z    [][]float32 // one latent per sample
	y    []int32     // one class per sample; nil for an unconditional generator
	out  [][]float32 // one generated sample per latent, filled by the batcher
	next int         // latents handed to the generator so far (the batcher's own)
	done chan error  // buffered: the batcher never waits for a request that gave up
}

// batcher collects the latents of requests that arrive together into one generator
// call of exactly max rows (the rest zero padding, of class 0), so that every call
// runs the same compiled program and a sample's bits never depend on its neighbours,
// their classes or its row.
type batcher struct {
	gen     func(z []float32, y []int32) ([]float32, error) // max x dim latents and max classes (nil: unconditional) in, max samples out
	cond    bool                                            // the generator takes classes
	dim     int
	max     int
	window  time.Duration
	queue   chan *job
	stop    chan struct{}
	stopped chan struct{}
	closing sync.Once
	observe func(rows int, took time.Duration) // told of each call: rows used (not padding)
}

func newBatcher(gen func([]float32, []int32) ([]float32, error), cond bool, dim, max int, window time.Duration, queue int, observe func(int, time.Duration)) *batcher {
	b := &batcher{gen: gen, cond: cond, dim: dim, max: max, window: window, queue: make(chan *job, queue),
		stop: make(chan struct{}), stopped: make(chan struct{}), observe: observe}
	go b.loop()
	return b
}

// Generate runs the generator on z, sample i of class y[i] (y nil for an
// unconditional generator), sharing calls with other requests, and returns one
// sample per latent.
func (b *batcher) Generate(ctx context.Context, z [][]float32, y []int32) ([][]float32, error) {
	for i, zi := range z {
		if len(zi) != b.dim {
			return nil, fmt.Errorf("latent %d has %d values, the generator takes %d", i, len(zi), b.dim)
		}
	}
	switch {
	case b.cond && len(y) != len(z):
		return nil, fmt.Errorf("%d classes for %d latents: the generator is conditional and takes one class per latent", len(y), len(z))
	case !b.cond && y != nil:
		return nil, errors.New("classes given, and the generator is unconditional")
	}
	j := &job{ctx: ctx, z: z, y: y, out: make([][]float32, len(z)), done: make(chan error, 1)}
	select {
	case b.queue <- j:
	case <-b.stop:
		return nil, errClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case err := <-j.done:
		return j.out, err
	case <-b.stopped: // stopped after the job was queued, maybe after the drain
		select {
		case err := <-j.done:
			return j.out, err
		default:
			return nil, errClosed
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops the batcher after the call in progress; waiting jobs get errClosed.
// Closing again does nothing.
func (b *batcher) Close() {
	b.closing.Do(func() { close(b.stop) })
	<-b.stopped
}

func (b *batcher) loop() {
	defer close(b.stopped)
	var pending []*job // FIFO; the first may be partly dispatched
	for {
		// Close wins over work that is ready too (select picks at random among ready
		// cases): after Close, no new call starts.
		if b.closed() {
			b.drain(pending)
			return
		}
		if len(pending) == 0 {
			select {
			case j := <-b.queue:
				pending = append(pending, j)
			case <-b.stop:
				b.drain(nil)
				return
			}
		}
		pending = b.gather(pending)
		if pending == nil {
			return
		}
		pending = b.call(pending)
	}
}

// gather waits up to the window for more jobs while the pending rows do not fill a
// call. It returns nil when the batcher is stopped (having answered every job).
func (b *batcher) gather(pending []*job) []*job {
	rows := func() int {
		n := 0
		for _, j := range pending {
			n += len(j.z) - j.next
		}
		return n
	}
	if rows() >= b.max {
		return pending
	}
	t := time.NewTimer(b.window)
	defer t.Stop()
	for rows() < b.max {
		select {
		case j := <-b.queue:
			pending = append(pending, j)
		case <-t.C:
			if b.closed() {
				b.drain(pending)
				return nil
			}
			return pending
		case <-b.stop:
			b.drain(pending)
			return nil
		}
	}
	return pending
}

// call runs one generator call over the first max pending rows and answers the jobs
// it completes; it returns the jobs left.
func (b *batcher) call(pending []*job) []*job {
	type slot struct {
		j   *job
		row int
	}
	var slots []slot
	var left []*job
	for _, j := range pending {
		if err := j.ctx.Err(); err != nil {
			j.done <- err // gone: its rows are not computed
			continue
		}
		for j.next < len(j.z) && len(slots) < b.max {
			slots = append(slots, slot{j, j.next})
			j.next++
		}
		left = append(left, j)
	}
	if len(slots) == 0 {
		return nil
	}
	z := make([]float32, b.max*b.dim) // rows past len(slots) stay zero: padding
	var y []int32
	if b.cond {
		y = make([]int32, b.max) // padding rows are of class 0
	}
	for i, s := range slots {
		copy(z[i*b.dim:], s.j.z[s.row])
		if y != nil {
			y[i] = s.j.y[s.row]
		}
	}
	start := time.Now()
	x, err := b.gen(z, y)
	if b.observe != nil {
		b.observe(len(slots), time.Since(start))
	}
	if err == nil && len(x)%b.max != 0 {
		err = fmt.Errorf("the generator returned %d values for %d rows", len(x), b.max)
	}
	if err != nil {
		err = fmt.Errorf("generator: %w", err)
		for _, j := range left {
			if j.next > 0 { // had rows in this call (or an earlier one): it cannot finish
				j.done <- err
			}
		}
		return unstarted(left)
	}
	k := len(x) / b.max
	for i, s := range slots {
		s.j.out[s.row] = x[i*k : (i+1)*k : (i+1)*k]
	}
	var rest []*job
	for _, j := range left {
		if j.next == len(j.z) {
			j.done <- nil
		} else {
			rest = append(rest, j)
		}
	}
	return rest
}

// unstarted keeps the jobs none of whose rows went to the generator yet.
func unstarted(jobs []*job) []*job {
	var out []*job
	for _, j := range jobs {
		if j.next == 0 {
			out = append(out, j)
		}
	}
	return out
}

// closed reports whether Close has been called.
func (b *batcher) closed() bool {
	select {
	case <-b.stop:
		return true
	default:
		return false
	}
}

// drain answers every pending and queued job with errClosed.
func (b *batcher) drain(pending []*job) {
	for _, j := range pending {
		j.done <- errClosed
	}
	for {
		select {
		case j := <-b.queue:
			j.done <- errClosed
		default:
			return
		}
	}
}
