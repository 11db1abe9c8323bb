package serve

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// echo is a generator of 2-D "samples" that returns each latent as it came and
// records the size of every call and the first value of every row it saw.
type echo struct {
	mu    sync.Mutex
	sizes []int
	seen  []float32
	hold  chan struct{} // when set, each call waits for a value from it
	// entered, when set, gets a value as each call starts (before it waits on hold).
	entered chan struct{}
}

func (e *echo) gen(z []float32, _ []int32) ([]float32, error) {
	if e.entered != nil {
		e.entered <- struct{}{}
	}
	if e.hold != nil {
		<-e.hold
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sizes = append(e.sizes, len(z))
	for i := 0; i < len(z); i += 2 {
		e.seen = append(e.seen, z[i])
	}
	return slices.Clone(z), nil
}

func rows(first, n int) [][]float32 {
	z := make([][]float32, n)
	for i := range z {
		z[i] = []float32{float32(first + i), -float32(first + i)}
	}
	return z
}

// TestBatcherSplitsLargeJobsAndPadsEveryCall: a 10-row and a 3-row request arriving
// together take ceil(13/4) = 4 calls of exactly 4 rows, and each gets its own rows
// back in order.
func TestBatcherSplitsLargeJobsAndPadsEveryCall(t *testing.T) {
	e := &echo{}
	b := newBatcher(e.gen, false, 2, 4, 100*time.Millisecond, 8, nil)
	defer b.Close()
	var wg sync.WaitGroup
	for _, r := range []struct{ first, n int }{{1, 10}, {100, 3}} {
		wg.Go(func() {
			z := rows(r.first, r.n)
			out, err := b.Generate(t.Context(), z, nil)
			if err != nil {
				t.Error(err)
				return
			}
			for i := range z {
				if !slices.Equal(out[i], z[i]) {
					t.Errorf("row %d of the request from %d: got %v, want %v", i, r.first, out[i], z[i])
				}
			}
		})
	}
	wg.Wait()
	if !slices.Equal(e.sizes, []int{8, 8, 8, 8}) {
		t.Errorf("calls of %v values, want 4 calls of 4 rows x 2", e.sizes)
	}
}

// TestBatcherDropsCancelledJobsAndAnswersOnClose: a request that gives up while
// queued never reaches the generator, and Close answers the ones still waiting.
func TestBatcherDropsCancelledJobsAndAnswersOnClose(t *testing.T) {
	e := &echo{hold: make(chan struct{}), entered: make(chan struct{}, 4)}
	b := newBatcher(e.gen, false, 2, 4, time.Millisecond, 8, nil)
	first := make(chan error, 1)
	go func() { _, err := b.Generate(t.Context(), rows(1, 4), nil); first <- err }() // fills the call that holds
	<-e.entered
	ctx, cancel := context.WithCancel(t.Context())
	gone := make(chan error, 1)
	go func() { _, err := b.Generate(ctx, rows(500, 2), nil); gone <- err }()
	waitLen(b.queue, 1) // queued behind the held call: the cancel below finds it there
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Errorf("the cancelled request: %v", err)
	}
	e.hold <- struct{}{} // the first call ends
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	waiting := make(chan error, 1)
	go func() { _, err := b.Generate(t.Context(), rows(900, 1), nil); waiting <- err }() // its call holds
	<-e.entered
	late := make(chan error, 1)
	go func() { _, err := b.Generate(t.Context(), rows(950, 1), nil); late <- err }()
	waitLen(b.queue, 1)
	go func() { e.hold <- struct{}{} }()
	b.Close()
	if err := <-waiting; err != nil {
		t.Errorf("the request in the call when Close came: %v", err)
	}
	if err := <-late; !errors.Is(err, errClosed) {
		t.Errorf("the request queued at Close: %v, want %v", err, errClosed)
	}
	if slices.Contains(e.seen, 500) {
		t.Errorf("the cancelled request's rows reached the generator: %v", e.seen)
	}
}

// TestBatcherStartsNoCallAfterClose: a job queued behind the call in progress when
// Close comes gets errClosed, also when it fills a call by itself, so that no timer
// is involved: before, the batcher's select chose at random between that job and the
// stop, and computed the job half the time. 20 rounds: the old batcher passes all
// of them once in a million.
func TestBatcherStartsNoCallAfterClose(t *testing.T) {
	for round := range 20 {
		e := &echo{hold: make(chan struct{}), entered: make(chan struct{}, 4)}
		b := newBatcher(e.gen, false, 2, 4, time.Hour, 8, nil)
		first, full := make(chan error, 1), make(chan error, 1)
		go func() { _, err := b.Generate(t.Context(), rows(1, 4), nil); first <- err }()
		<-e.entered
		go func() { _, err := b.Generate(t.Context(), rows(100, 4), nil); full <- err }()
		waitLen(b.queue, 1)
		closed := make(chan struct{})
		go func() { b.Close(); close(closed) }()
		for !b.closed() {
			time.Sleep(time.Millisecond)
		}
		go func() { // the held call, and any call started after Close, may finish
			for {
				select {
				case e.hold <- struct{}{}:
				case <-closed:
					return
				}
			}
		}()
		<-closed
		if err := <-first; err != nil {
			t.Fatalf("round %d: the call in progress at Close: %v", round, err)
		}
		if err := <-full; !errors.Is(err, errClosed) {
			t.Fatalf("round %d: the job queued at Close: %v, want %v", round, err, errClosed)
		}
		if slices.Contains(e.seen, 100) {
			t.Fatalf("round %d: the job queued at Close reached the generator", round)
		}
	}
}

// waitLen waits until the channel holds n values (a test that never gets there is
// ended by go test's -timeout).
func waitLen(q chan *job, n int) {
	for len(q) < n {
		time.Sleep(time.Millisecond)
	}
}

// TestMetricsWriteCumulativeHistograms: four calls of 1, 3, 4 and 4 rows with a
// maximum batch of 4 make buckets 1, 2, 4 and +Inf of 1, 1, 4 and 4.
func TestMetricsWriteCumulativeHistograms(t *testing.T) {
	m := newMetrics(4, func() int { return 2 })
	for _, r := range []int{1, 3, 4, 4} {
		m.generatorCall(r, time.Millisecond)
	}
	m.request("POST /v1/samples", 200, 3*time.Millisecond)
	m.request("POST /v1/samples", 400, time.Millisecond)
	var out strings.Builder
	if err := m.write(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# TYPE gankit_serve_batch_rows histogram\n" +
			`gankit_serve_batch_rows_bucket{le="1"} 1` + "\n" +
			`gankit_serve_batch_rows_bucket{le="2"} 1` + "\n" +
			`gankit_serve_batch_rows_bucket{le="4"} 4` + "\n" +
			`gankit_serve_batch_rows_bucket{le="+Inf"} 4` + "\n" +
			"gankit_serve_batch_rows_sum 12\ngankit_serve_batch_rows_count 4\n",
		`gankit_serve_requests_total{route="POST /v1/samples",code="200"} 1` + "\n" +
			`gankit_serve_requests_total{route="POST /v1/samples",code="400"} 1` + "\n",
		`gankit_serve_request_duration_seconds_bucket{route="POST /v1/samples",le="0.0025"} 1` + "\n" +
			`gankit_serve_request_duration_seconds_bucket{route="POST /v1/samples",le="0.005"} 2` + "\n",
		"gankit_serve_queue_waiting 2\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("exposition lacks\n%s\nin\n%s", want, out.String())
		}
	}
}
