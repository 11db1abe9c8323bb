package serve

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/run"
	"github.com/gankit/gankit/train"
	"github.com/gomlx/gomlx/backends"
)

// The tests serve real trained runs: a tiny DCGAN that keeps G_ema (about a second of
// training) and a short ring8 toy run, trained once per test binary, and a tiny
// conditional DCGAN on the embedded Fashion-MNIST's ten classes, trained when a test
// first asks for it. The trainer is imported by these tests only; package serve reads
// runs through package run.
var fixtures struct {
	once       sync.Once
	dir        string
	image, toy string
	backend    backends.Backend
	err        error

	condOnce sync.Once
	cond     string
	condErr  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtures.dir != "" {
		os.RemoveAll(fixtures.dir)
	}
	os.Exit(code)
}

func trainFixtures() error {
	dir, err := os.MkdirTemp("", "gankit-serve-test-")
	if err != nil {
		return err
	}
	fixtures.dir = dir
	if fixtures.backend, err = backend.New(backend.Resolve("")); err != nil {
		return err
	}
	img, err := config.FromPreset("tiny")
	if err != nil {
		return err
	}
	// ADA moving p fast enough to leave a curve in 30 steps: the page and the API show it.
	img.Train.EMA, img.Train.ADA, img.Train.ADAKimg, img.Train.ADAP = 0.9, "bgc", 0.64, 0.2
	toy, err := config.FromPreset("ring8")
	if err != nil {
		return err
	}
	toy.Model.Width, toy.Train.Steps, toy.Train.Batch = 16, 20, 64
	toy.Train.LogEvery, toy.Train.SampleEvery, toy.Train.CheckpointEvery = 5, 0, 0
	fixtures.image, fixtures.toy = filepath.Join(dir, "tiny"), filepath.Join(dir, "ring8")
	for _, r := range []struct {
		cfg config.Config
		dir string
	}{{img, fixtures.image}, {toy, fixtures.toy}} {
		if _, err := train.Run(r.cfg, train.Options{RunDir: r.dir, Backend: fixtures.backend}); err != nil {
			return err
		}
	}
	return nil
}

// trainedRuns returns the image run and the toy run.
func trainedRuns(t testing.TB) (image, toy string) {
	t.Helper()
	fixtures.once.Do(func() { fixtures.err = trainFixtures() })
	if fixtures.err != nil {
		t.Fatal("training the test runs:", fixtures.err)
	}
	return fixtures.image, fixtures.toy
}

// conditionalRun trains the conditional fixture once: the tiny preset with
// data.labels on the embedded Fashion-MNIST. Its G takes the class as an embedding
// joined to z (no BatchNorm in G), drawn at random, so that its classes give other
// images from the first step: conditional BatchNorm starts as the identity, and 30
// steps leave its classes a gray level or so apart.
func conditionalRun(t testing.TB) string {
	t.Helper()
	trainedRuns(t) // the temporary directory and the backend
	fixtures.condOnce.Do(func() {
		cfg, err := config.FromPreset("tiny")
		if err != nil {
			fixtures.condErr = err
			return
		}
		cfg.Data.Labels, cfg.Model.BNG = true, false
		fixtures.cond = filepath.Join(fixtures.dir, "cond")
		_, fixtures.condErr = train.Run(cfg, train.Options{RunDir: fixtures.cond, Backend: fixtures.backend})
	})
	if fixtures.condErr != nil {
		t.Fatal("training the conditional test run:", fixtures.condErr)
	}
	return fixtures.cond
}

// newServer serves a run (the image run when dir is "") with o; it is closed when
// the test ends.
func newServer(t testing.TB, dir string, o Options) *Server {
	t.Helper()
	if dir == "" {
		dir, _ = trainedRuns(t)
	} else {
		trainedRuns(t)
	}
	tg, err := run.Open(dir, run.OpenOptions{On: fixtures.backend})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(tg, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// call sends one request to h and returns the recorded answer.
func call(h http.Handler, method, path, body string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// decodeAs parses an answer's JSON body into a T, failing the test on a non-200.
func decodeAs[T any](t testing.TB, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	if err := json.NewDecoder(bytes.NewReader(w.Body.Bytes())).Decode(&v); err != nil {
		t.Fatalf("answer is not JSON: %v\n%.300s", err, w.Body.String())
	}
	return v
}
