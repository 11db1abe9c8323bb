// Package parallel splits loops over the cores in fixed chunks: which goroutine
// computes which indices depends only on the loop's size and the core count, never on
// scheduling, so kernels built on it are deterministic.
package parallel

import (
	"runtime"
	"sync"
)

// Workers splits [0, n) into workers contiguous chunks and runs f(worker, lo, hi) on
// each concurrently; it returns the first error (by worker order).
func Workers(n, workers int, f func(wid, lo, hi int) error) error {
	workers = max(1, min(workers, n))
	if workers == 1 {
		return f(0, 0, n)
	}
	chunk := (n + workers - 1) / workers
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = f(w, lo, hi)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// For runs f over one chunk of [0, n) per core; n below minN stays on the caller.
func For(n, minN int, f func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < minN {
		workers = 1
	}
	_ = Workers(n, workers, func(_, lo, hi int) error {
		f(lo, hi)
		return nil
	})
}
