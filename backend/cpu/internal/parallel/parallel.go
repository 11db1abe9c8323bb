// Package parallel splits loops over the cores. Workers hands out fixed chunks: which
// goroutine computes which indices depends only on the loop's size and the core count,
// for kernels that keep per-worker partial sums. Dynamic and For hand out small chunks
// to whichever worker is free (a core the hypervisor slows down takes fewer), for loops
// whose indices are computed independently — the results do not depend on who computes
// them, so kernels built on either are deterministic.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Workers splits [0, n) into workers contiguous chunks and runs f(worker, lo, hi) on
// each concurrently, the last on the calling goroutine; it returns the first error (by
// worker order).
func Workers(n, workers int, f func(wid, lo, hi int) error) error {
	workers = max(1, min(workers, n))
	if workers == 1 {
		return f(0, 0, n)
	}
	chunk := (n + workers - 1) / workers
	errs := make([]error, workers)
	var wg sync.WaitGroup
	last := -1
	for w := range workers {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		if lo >= hi {
			continue
		}
		if hi == n {
			last = w
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = f(w, lo, hi)
		}()
	}
	if last >= 0 {
		errs[last] = f(last, last*chunk, n)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Dynamic runs f(worker, lo, hi) over [0, n) in chunks of grain, each taken by the
// next free worker (the calling goroutine is one); f must compute each index the same
// whichever worker and chunk it falls in. It returns the first error it meets.
func Dynamic(n, grain, workers int, f func(wid, lo, hi int) error) error {
	grain = max(1, grain)
	workers = max(1, min(workers, (n+grain-1)/grain))
	if workers == 1 {
		if n == 0 {
			return nil
		}
		return f(0, 0, n)
	}
	var next atomic.Int64
	errs := make([]error, workers)
	run := func(w int) {
		for {
			lo := int(next.Add(int64(grain))) - grain
			if lo >= n {
				return
			}
			if err := f(w, lo, min(n, lo+grain)); err != nil {
				errs[w] = err
				return
			}
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(w)
		}()
	}
	run(0)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// chunksPerWorker is how many chunks For cuts per core, so that a slowed core takes
// fewer of them.
const chunksPerWorker = 4

// For runs f over [0, n) in chunks taken by free cores; n below minN stays on the
// caller. f must compute each index independently of the chunking.
func For(n, minN int, f func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < minN || workers == 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	grain := max(1, (n+workers*chunksPerWorker-1)/(workers*chunksPerWorker))
	_ = Dynamic(n, grain, workers, func(_, lo, hi int) error {
		f(lo, hi)
		return nil
	})
}
