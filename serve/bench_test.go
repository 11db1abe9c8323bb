package serve

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/train"
)

// The benchmarks serve the default DCGAN (dcgan-fmnist: z_dim 100, width 64, 28x28),
// the model people serve, trained for 2 steps: speed does not depend on the weights.
// Regenerate docs/results.md's figures with
//
//	go test ./serve -run '^$' -bench 'Samples64|SingleImage' -benchtime 20x -count 3
var dcgan struct {
	once sync.Once
	dir  string
	err  error
}

func dcganRun(b *testing.B) string {
	trainedRuns(b) // the temp dir and the backend
	dcgan.once.Do(func() {
		cfg, err := config.FromPreset("dcgan-fmnist")
		if err != nil {
			dcgan.err = err
			return
		}
		cfg.Data.Limit, cfg.Train.Steps, cfg.Train.Batch = 1000, 2, 16
		cfg.Train.SampleEvery, cfg.Train.CheckpointEvery = 0, 0
		dcgan.dir = filepath.Join(fixtures.dir, "dcgan")
		_, dcgan.err = train.Run(cfg, train.Options{RunDir: dcgan.dir, Backend: fixtures.backend})
	})
	if dcgan.err != nil {
		b.Fatal(dcgan.err)
	}
	return dcgan.dir
}

func benchServer(b *testing.B) (*httptest.Server, *http.Client) {
	srv := httptest.NewServer(newServer(b, dcganRun(b), Options{}).Handler())
	b.Cleanup(srv.Close)
	return srv, srv.Client()
}

func fetch(c *http.Client, req *http.Request) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s %s: %d", req.Method, req.URL.Path, resp.StatusCode)
	}
	return nil
}

// BenchmarkSamples64 is one client asking for 64 samples at a time, over loopback
// HTTP: generation, PNG encoding, base64 and JSON included.
func BenchmarkSamples64(b *testing.B) {
	srv, c := benchServer(b)
	b.ResetTimer()
	for i := range b.N {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/samples", strings.NewReader(fmt.Sprintf(`{"n": 64, "seed": %d}`, 64*i)))
		if err := fetch(c, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkSingleImage is GET /v1/samples/SEED.png, every seed new, from 1 and from
// 16 concurrent clients; requests that arrive together share a generator call.
func BenchmarkSingleImage(b *testing.B) {
	for _, clients := range []int{1, 16} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			srv, c := benchServer(b)
			c.Transport.(*http.Transport).MaxIdleConnsPerHost = clients
			var seed, total atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			work := make(chan struct{}, b.N)
			for range b.N {
				work <- struct{}{}
			}
			close(work)
			for range clients {
				wg.Go(func() {
					for range work {
						req, _ := http.NewRequest("GET", fmt.Sprintf("%s/v1/samples/%d.png", srv.URL, seed.Add(1)), nil)
						start := time.Now()
						if err := fetch(c, req); err != nil {
							b.Error(err)
							return
						}
						total.Add(int64(time.Since(start)))
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(total.Load())/float64(b.N)/1e6, "ms/request")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
