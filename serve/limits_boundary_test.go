package serve

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEveryRequestLimitAcceptsItsBoundaryAndRefusesOnePast: each limit a request
// meets (n, steps, the body's bytes, the truncation thresholds) is accepted at the
// limit itself and refused one step past it, at both ends where there are two. The
// limits are set small so that n = max n is a quick request.
func TestEveryRequestLimitAcceptsItsBoundaryAndRefusesOnePast(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxN, lim.MaxSteps, lim.MaxBody, lim.MaxTrunc = 5, 4, 300, 2
	h := newServer(t, "", Options{Limits: lim}).Handler()
	// padTo is a samples request of exactly size bytes: {"n": 1} and spaces.
	padTo := func(size int) string { return `{"n": 1` + strings.Repeat(" ", size-len(`{"n": 1}`)) + `}` }
	for _, tc := range []struct {
		name, path, body string
		code             int
	}{
		{"n = max n", "/v1/samples", `{"n": 5}`, 200},
		{"n = max n + 1", "/v1/samples", `{"n": 6}`, 400},
		{"n = 1", "/v1/samples", `{"n": 1}`, 200},
		{"n = 0", "/v1/samples", `{"n": 0}`, 400},
		{"steps = max steps", "/v1/interpolate", `{"seed_a": 1, "seed_b": 2, "steps": 4}`, 200},
		{"steps = max steps + 1", "/v1/interpolate", `{"seed_a": 1, "seed_b": 2, "steps": 5}`, 400},
		{"steps = 2 (both ends)", "/v1/interpolate", `{"seed_a": 1, "seed_b": 2, "steps": 2}`, 200},
		{"steps = 1", "/v1/interpolate", `{"seed_a": 1, "seed_b": 2, "steps": 1}`, 400},
		{"body = max body", "/v1/samples", padTo(300), 200},
		{"body = max body + 1", "/v1/samples", padTo(301), 413},
		{"resample t = max truncation", "/v1/samples", `{"mode": "resample", "truncation": 2}`, 200},
		{"resample t just past max truncation", "/v1/samples", `{"mode": "resample", "truncation": 2.0001}`, 400},
		{"resample t = the floor", "/v1/samples", fmt.Sprintf(`{"mode": "resample", "truncation": %g}`, MinResample), 200},
		{"resample t just under the floor", "/v1/samples", fmt.Sprintf(`{"mode": "resample", "truncation": %g}`, MinResample-1e-4), 400},
		{"clip t = max truncation", "/v1/samples", `{"mode": "clip", "truncation": 2}`, 200},
		{"clip t just past max truncation", "/v1/samples", `{"mode": "clip", "truncation": 2.0001}`, 400},
		{"psi = 1", "/v1/samples", `{"mode": "psi", "truncation": 1}`, 200},
		{"psi = 0", "/v1/samples", `{"mode": "psi", "truncation": 0}`, 200},
		{"psi just past 1", "/v1/samples", `{"mode": "psi", "truncation": 1.0001}`, 400},
		{"psi just under 0", "/v1/samples", `{"mode": "psi", "truncation": -0.0001}`, 400},
	} {
		w := call(h, "POST", tc.path, tc.body)
		if w.Code != tc.code {
			t.Errorf("%s: status %d, want %d: %.200s", tc.name, w.Code, tc.code, w.Body.String())
		}
	}
}

// TestServerLimitsAcceptTheirSmallestValues: the smallest limit a server may be
// given is accepted and one less is refused (max steps counts both ends, so 2; max
// truncation must allow resampling at MinResample).
func TestServerLimitsAcceptTheirSmallestValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Limits)
		ok   bool
	}{
		{"max steps 2", func(l *Limits) { l.MaxSteps = 2 }, true},
		{"max steps 1", func(l *Limits) { l.MaxSteps = 1 }, false},
		{"max n 1", func(l *Limits) { l.MaxN = 1 }, true},
		{"max n -1", func(l *Limits) { l.MaxN = -1 }, false},
		{"max batch 1", func(l *Limits) { l.MaxBatch = 1 }, true},
		{"max batch -1", func(l *Limits) { l.MaxBatch = -1 }, false},
		{"concurrency 1", func(l *Limits) { l.Concurrency = 1 }, true},
		{"concurrency -1", func(l *Limits) { l.Concurrency = -1 }, false},
		{"queue 1", func(l *Limits) { l.Queue = 1 }, true},
		{"queue -1", func(l *Limits) { l.Queue = -1 }, false},
		{"max truncation = the resample floor", func(l *Limits) { l.MaxTrunc = MinResample }, true},
		{"max truncation under the resample floor", func(l *Limits) { l.MaxTrunc = MinResample * 0.99 }, false},
		{"max body 1", func(l *Limits) { l.MaxBody = 1 }, true},
		{"max body -1", func(l *Limits) { l.MaxBody = -1 }, false},
		{"timeout 1ns", func(l *Limits) { l.Timeout = 1 }, true},
		{"timeout -1ns", func(l *Limits) { l.Timeout = -1 }, false},
	} {
		l := DefaultLimits()
		tc.set(&l)
		_, err := l.withDefaults()
		if (err == nil) != tc.ok {
			t.Errorf("%s: error %v, want accepted %v", tc.name, err, tc.ok)
		}
	}
}

// TestAdmissionTakesExactlyConcurrencySlotsAndQueueWaiters: with c slots and a queue
// of q, c requests generate at once, q more wait, and the next is refused as busy.
// No timing is involved: a request that finds no slot and a cancelled context
// returns at once, and the waiters are counted, not timed.
func TestAdmissionTakesExactlyConcurrencySlotsAndQueueWaiters(t *testing.T) {
	const c, q = 3, 2
	a := newAdmission(c, q)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range c {
		release, err := a.acquire(done) // a free slot is taken even by a cancelled context
		if err != nil {
			t.Fatalf("request %d of concurrency %d: %v", i+1, c, err)
		}
		defer release()
	}
	if _, err := a.acquire(done); !errors.Is(err, context.Canceled) {
		t.Fatalf("request %d with %d slots: %v, want it to wait (and give up as cancelled)", c+1, c, err)
	}
	// q waiters fill the queue; a refused one is counted instead of waiting.
	wait, stop := context.WithCancel(context.Background())
	defer stop()
	errs := make(chan error, q)
	for range q {
		go func() {
			_, err := a.acquire(wait)
			errs <- err
		}()
	}
	for a.Waiting() < q {
		select {
		case err := <-errs:
			t.Fatalf("one of %d requests for a queue of %d returned at once: %v", q, q, err)
		default:
			time.Sleep(time.Millisecond) // polls a count, orders nothing
		}
	}
	if _, err := a.acquire(wait); !errors.Is(err, errBusy) {
		t.Errorf("request past %d slots and a queue of %d: %v, want %v", c, q, err, errBusy)
	}
	stop()
	for range q {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Errorf("a queued request: %v, want it cancelled", err)
		}
	}
}

// TestBatcherCallHoldsExactlyMaxBatchRows: a request of max batch rows is one
// generator call with every row used; one row more is two calls.
func TestBatcherCallHoldsExactlyMaxBatchRows(t *testing.T) {
	const max = 4
	for _, tc := range []struct{ n, calls int }{{max, 1}, {max + 1, 2}, {1, 1}} {
		e := &echo{}
		var used []int
		var mu sync.Mutex
		b := newBatcher(e.gen, false, 2, max, time.Millisecond, 8, func(rows int, _ time.Duration) {
			mu.Lock()
			used = append(used, rows)
			mu.Unlock()
		})
		out, err := b.Generate(t.Context(), rows(1, tc.n), nil)
		b.Close()
		if err != nil || len(out) != tc.n {
			t.Fatalf("%d rows: %d answers, %v", tc.n, len(out), err)
		}
		if len(used) != tc.calls || used[0] != min(tc.n, max) {
			t.Errorf("%d rows with max batch %d: calls used %v rows, want %d calls, the first with %d", tc.n, max, used, tc.calls, min(tc.n, max))
		}
		for i, s := range e.sizes {
			if s != max*2 {
				t.Errorf("%d rows: call %d had %d values, want %d (padded to max batch)", tc.n, i, s, max*2)
			}
		}
	}
}
