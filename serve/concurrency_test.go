package serve

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHundredConcurrentClientsOnLoopback: 100 clients, each asking for samples, an
// image and an interpolation at once, all get 200s with the same bytes a lone request
// gets, and the heap stays bounded while they run and returns afterwards.
func TestHundredConcurrentClientsOnLoopback(t *testing.T) {
	s := newServer(t, "", Options{})
	srv := httptest.NewServer(s.Handler()) // 127.0.0.1
	defer srv.Close()
	client := srv.Client()
	get := func(path string) ([]byte, error) {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return b, err
	}
	post := func(path, body string) error {
		resp, err := client.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return fmt.Errorf("POST %s %s: %d %s", path, body, resp.StatusCode, b)
		}
		return err
	}
	const clients = 100
	want := make([][]byte, 10) // seeds 0..9, each asked for alone
	for i := range want {
		var err error
		if want[i], err = get(fmt.Sprintf("/v1/samples/%d.png", i)); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	goroutines := runtime.NumGoroutine()

	var peak atomic.Uint64
	stop := make(chan struct{})
	var watch sync.WaitGroup
	watch.Go(func() {
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	})
	var wg sync.WaitGroup
	var failures atomic.Int64
	fail := func(err error) {
		if failures.Add(1) <= 5 {
			t.Error(err)
		}
	}
	for c := range clients {
		wg.Go(func() {
			if err := post("/v1/samples", fmt.Sprintf(`{"n": 4, "seed": %d, "mode": "psi", "truncation": 0.8}`, c)); err != nil {
				fail(err)
			}
			b, err := get(fmt.Sprintf("/v1/samples/%d.png", c%10))
			if err != nil {
				fail(err)
			} else if !bytes.Equal(b, want[c%10]) {
				fail(fmt.Errorf("client %d: seed %d under load differs from the same seed alone", c, c%10))
			}
			if err := post("/v1/interpolate", fmt.Sprintf(`{"seed_a": %d, "seed_b": %d, "steps": 4}`, c, c+1)); err != nil {
				fail(err)
			}
		})
	}
	wg.Wait()
	close(stop)
	watch.Wait()
	client.CloseIdleConnections()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d of %d requests failed", n, 3*clients)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	const mib = 1 << 20
	t.Logf("heap in use: %d MiB before, peak %d MiB, %d MiB after", before.HeapInuse/mib, peak.Load()/mib, after.HeapInuse/mib)
	if p := peak.Load(); p > before.HeapInuse+256*mib {
		t.Errorf("heap peaked at %d MiB, %d MiB above the start: not bounded", p/mib, (p-before.HeapInuse)/mib)
	}
	if after.HeapInuse > before.HeapInuse+32*mib {
		t.Errorf("heap grew from %d to %d MiB and stayed", before.HeapInuse/mib, after.HeapInuse/mib)
	}
	// Handlers, the batcher's waiters and connections are gone: at most a few
	// goroutines of closing connections remain.
	// A leak never drains; closing connections do, within a minute on any machine.
	deadline := time.Now().Add(time.Minute)
	for runtime.NumGoroutine() > goroutines+5 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines+5 {
		t.Errorf("%d goroutines after the clients left, %d before", n, goroutines)
	}
}

// TestShutdownFinishesRequestsInProgress: when Serve's context ends, a request
// already admitted still gets its answer, Serve returns without error, and the
// listener is closed.
func TestShutdownFinishesRequestsInProgress(t *testing.T) {
	lim := DefaultLimits()
	lim.Concurrency = 1
	s := newServer(t, "", Options{Limits: lim})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, l) }()
	release, err := s.admit.acquire(t.Context()) // hold the slot: the request below waits
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	answered := make(chan int, 1)
	go func() {
		resp, err := http.Post(url+"/v1/samples", "application/json", strings.NewReader(`{"n": 2}`))
		if err != nil {
			t.Error(err)
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	for s.admit.Waiting() != 1 { // ended by go test's -timeout if it never queues
		time.Sleep(time.Millisecond)
	}
	cancel()
	// Shutdown closes the listener first, then waits for the request in progress:
	// once a dial is refused, Serve is in that wait and must not have returned.
	for {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned (%v) with a request in progress", err)
	default:
	}
	release()
	if code := <-answered; code != 200 {
		t.Errorf("the request in progress got %d, want 200", code)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("the listener still accepts after shutdown")
	}
}
