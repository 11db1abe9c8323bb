package serve

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gankit/gankit/sample"
)

// TestSameSeedGivesSameBytesAloneOrBatched: the image of seed 5 (with and without
// truncation) is the same PNG whether it is asked for alone, as the 4th sample of a
// request, or in a generator call it shares with other concurrent requests. The
// concurrent requests share a call by construction, not by timing: they queue while
// the batcher's previous call is held, and the next call gathers them all.
func TestSameSeedGivesSameBytesAloneOrBatched(t *testing.T) {
	lim := DefaultLimits()
	lim.Window = time.Second // the gathering call does not close on the timer before it has taken the queued jobs
	s := newServer(t, "", Options{Limits: lim})
	h := s.Handler()
	for _, tr := range []string{``, `, "mode": "psi", "truncation": 0.7`, `, "mode": "resample", "truncation": 0.5`} {
		alone := decodeAs[samplesResponse](t, call(h, "POST", "/v1/samples", `{"n": 1, "seed": 5`+tr+`}`)).Images[0]
		release := holdNextCall(t, s)
		callsBefore := generatorCalls(s)
		var wg sync.WaitGroup
		var fourth, third string
		others := make([]samplesResponse, 6)
		wg.Go(func() {
			fourth = decodeAs[samplesResponse](t, call(h, "POST", "/v1/samples", `{"n": 8, "seed": 2`+tr+`}`)).Images[3]
		})
		wg.Go(func() {
			third = decodeAs[samplesResponse](t, call(h, "POST", "/v1/samples", `{"n": 5, "seed": 3`+tr+`}`)).Images[2]
		})
		for i := range others {
			wg.Go(func() {
				others[i] = decodeAs[samplesResponse](t, call(h, "POST", "/v1/samples", fmt.Sprintf(`{"n": %d, "seed": %d, "mode": "clip", "truncation": 1}`, i+1, 100*i)))
			})
		}
		waitLen(s.batch.queue, 8)
		release()
		wg.Wait()
		if t.Failed() {
			return
		}
		if calls := generatorCalls(s) - callsBefore - 1; calls >= 8 { // 1: the holding call
			t.Fatalf("%d generator calls for 8 concurrent requests: nothing was batched, the test shows nothing", calls)
		}
		if fourth != alone || third != alone {
			t.Errorf("settings %q: seed 5 alone and in batches gave different PNGs (4th of seed 2: %v, 3rd of seed 3: %v)", tr, fourth == alone, third == alone)
		}
	}
}

// TestBatchedSampleIsBitwiseTheSameAsAlone compares the generated floats, which the
// PNG's 8 bits could hide: seed 5 alone, and seed 5 in a call shared with another
// request's two rows (as row 0 or row 2: the queue's order is the scheduler's).
// Unpadded, those would be GEMMs of 1 and 3 rows, and on this backend a 3-row call
// gives different bits for most of a sample's values.
func TestBatchedSampleIsBitwiseTheSameAsAlone(t *testing.T) {
	lim := DefaultLimits()
	lim.Window = time.Second // the gathering call does not close on the timer before it has taken the queued jobs
	s := newServer(t, "", Options{Limits: lim})
	none := sample.Truncation{}
	alone, err := s.batch.Generate(t.Context(), [][]float32{s.latent(5, none)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	release := holdNextCall(t, s)
	before := generatorCalls(s)
	var shared [][]float32
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := s.batch.Generate(t.Context(), [][]float32{s.latent(100, none), s.latent(101, none)}, nil); err != nil {
			t.Error(err)
		}
	})
	wg.Go(func() {
		if shared, err = s.batch.Generate(t.Context(), [][]float32{s.latent(5, none)}, nil); err != nil {
			t.Error(err)
		}
	})
	waitLen(s.batch.queue, 2)
	release()
	wg.Wait()
	if n := generatorCalls(s) - before - 1; n != 1 { // 1: the holding call
		t.Fatalf("%d generator calls for the two requests, want 1 shared call", n)
	}
	for i := range alone[0] {
		if alone[0][i] != shared[0][i] {
			t.Fatalf("value %d of seed 5: %g alone, %g in a shared call", i, alone[0][i], shared[0][i])
		}
	}
}

// holdNextCall occupies the batcher with a call of its own (seed 0) that waits in
// the generator until release is called, so that requests sent meanwhile queue and
// the batcher's next call gathers them together. It returns once that call is in the
// generator; release lets it finish and waits for its answer. The holding call counts
// in generatorCalls once it has finished: read the count before release, and subtract
// it.
func holdNextCall(t *testing.T, s *Server) (release func()) {
	t.Helper()
	inner := s.batch.gen
	entered, hold := make(chan struct{}), make(chan struct{})
	var once sync.Once
	// Set while the batcher is idle, before the job below is queued: the channel send
	// orders this write before the batcher's read.
	s.batch.gen = func(z []float32, y []int32) ([]float32, error) {
		once.Do(func() {
			close(entered)
			<-hold
		})
		return inner(z, y)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.batch.Generate(t.Context(), [][]float32{s.latent(0, sample.Truncation{})}, nil)
		done <- err
	}()
	<-entered
	return func() {
		close(hold)
		if err := <-done; err != nil {
			t.Errorf("the holding call: %v", err)
		}
	}
}

// TestGeneratorRowIgnoresItsNeighboursAndPosition checks the premise of the batcher's
// padding on the generator itself, bit for bit on the floats: one latent gives the
// same sample in row 0 and row 37 of a 64-row call, with different neighbours.
func TestGeneratorRowIgnoresItsNeighboursAndPosition(t *testing.T) {
	s := newServer(t, "", Options{})
	z := s.latent(5, sample.Truncation{})
	rows := func(at int, fill int64) []float32 {
		batch := make([]float32, s.lim.MaxBatch*s.dim)
		for i := range s.lim.MaxBatch {
			copy(batch[i*s.dim:], s.latent(fill+int64(i), sample.Truncation{}))
		}
		copy(batch[at*s.dim:], z)
		x, err := s.batch.gen(batch, nil)
		if err != nil {
			t.Fatal(err)
		}
		k := len(x) / s.lim.MaxBatch
		return x[at*k : (at+1)*k]
	}
	a, b := rows(0, 1000), rows(37, 2000)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("value %d: %g in row 0, %g in row 37 with other neighbours", i, a[i], b[i])
		}
	}
}

func TestEveryEndpointAnswers(t *testing.T) {
	s := newServer(t, "", Options{})
	h := s.Handler()

	if w := call(h, "GET", "/healthz", ""); w.Code != 200 || w.Body.String() != "ok\n" {
		t.Errorf("/healthz: %d %q", w.Code, w.Body.String())
	}

	m := decodeAs[modelResponse](t, call(h, "GET", "/v1/model", ""))
	if m.Step != 30 || m.Generator != "G_ema" || m.Data.Kind != "image" || m.Data.Size != 28 || len(m.Truncation) != 4 {
		t.Errorf("/v1/model: step %d, generator %s, data %+v, %d truncation conventions: want 30, G_ema, 28x28 images, 4",
			m.Step, m.Generator, m.Data, len(m.Truncation))
	}
	if m.Metrics.Logged == 0 || m.Metrics.Last == nil || m.Metrics.Last.Step != 30 || len(m.Metrics.Curve.Step) != m.Metrics.Logged {
		t.Errorf("/v1/model metrics: %+v", m.Metrics)
	}
	if m.Config["model"].(map[string]any)["z_dim"] != 16.0 {
		t.Errorf("/v1/model config: model.z_dim %v, want 16", m.Config["model"].(map[string]any)["z_dim"])
	}

	res := decodeAs[samplesResponse](t, call(h, "POST", "/v1/samples", `{"n": 3, "seed": 9, "mode": "clip", "truncation": 1}`))
	if len(res.Images) != 3 || len(res.Latents) != 3 || len(res.Latents[0]) != 16 || res.Seeds[2] != 11 || res.Kind != "image" {
		t.Fatalf("/v1/samples: %d images, %d latents, seeds %v, kind %s", len(res.Images), len(res.Latents), res.Seeds, res.Kind)
	}
	for _, v := range res.Latents[1] {
		if v < -1 || v > 1 {
			t.Errorf("clip 1 gave latent value %g", v)
		}
	}
	img := decodePNG(t, res.Images[0])
	if b := img.Bounds(); b.Dx() != 28 || b.Dy() != 28 {
		t.Errorf("a sample is %v, want 28x28", b)
	}

	ip := decodeAs[interpolateResponse](t, call(h, "POST", "/v1/interpolate", `{"seed_a": 9, "seed_b": 11, "steps": 5, "path": "lerp", "mode": "clip", "truncation": 1}`))
	if len(ip.Images) != 5 || ip.Path != "lerp" {
		t.Fatalf("/v1/interpolate: %d images, path %s", len(ip.Images), ip.Path)
	}
	if ip.Images[0] != res.Images[0] || ip.Images[4] != res.Images[2] {
		t.Error("the interpolation's ends are not the samples of seed_a and seed_b")
	}
	if ip.Images[2] == ip.Images[0] {
		t.Error("the interpolation's middle equals its start")
	}

	w := call(h, "GET", "/v1/samples/9.png?mode=clip&truncation=1", "")
	raw, _ := base64.StdEncoding.DecodeString(res.Images[0])
	if w.Code != 200 || w.Header().Get("Content-Type") != "image/png" || !bytes.Equal(w.Body.Bytes(), raw) {
		t.Errorf("GET /v1/samples/9.png: %d %s, same bytes as POST's: %v", w.Code, w.Header().Get("Content-Type"), bytes.Equal(w.Body.Bytes(), raw))
	}
	tag := w.Header().Get("ETag")
	if w := call(h, "GET", "/v1/samples/9.png?mode=clip&truncation=1", "", "If-None-Match", tag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("If-None-Match %s: %d with %d bytes, want 304 and none", tag, w.Code, w.Body.Len())
	}
	if other := call(h, "GET", "/v1/samples/9.png?mode=clip&truncation=0.9", "").Header().Get("ETag"); other == tag || other == "" {
		t.Errorf("another truncation has ETag %s, the first %s", other, tag)
	}

	w = call(h, "GET", "/metrics", "")
	for _, want := range []string{
		`gankit_serve_requests_total{route="POST /v1/samples",code="200"} 1`,
		`gankit_serve_requests_total{route="GET /v1/samples/{file}",code="304"} 1`,
		`gankit_serve_request_duration_seconds_count{route="POST /v1/interpolate"} 1`,
		"gankit_serve_batch_rows_bucket{le=\"4\"}",
		"gankit_serve_queue_waiting 0",
	} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("/metrics lacks %q:\n%s", want, w.Body.String())
		}
	}

	w = call(h, "GET", "/", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `<script src="/page/page.js"`) || !strings.Contains(w.Header().Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("GET /: %d, CSP %q", w.Code, w.Header().Get("Content-Security-Policy"))
	}
	for _, f := range []string{"page.js", "page.css"} {
		if w := call(h, "GET", "/page/"+f, ""); w.Code != 200 || w.Body.Len() < 1000 {
			t.Errorf("GET /page/%s: %d, %d bytes", f, w.Code, w.Body.Len())
		}
	}
}

// TestServesGEMAUnlessAskedForG: the run keeps G_ema; NoEMA serves G, whose samples
// differ.
func TestServesGEMAUnlessAskedForG(t *testing.T) {
	ema, g := newServer(t, "", Options{}), newServer(t, "", Options{NoEMA: true})
	if m := decodeAs[modelResponse](t, call(g.Handler(), "GET", "/v1/model", "")); m.Generator != "G" {
		t.Errorf("NoEMA serves %s", m.Generator)
	}
	a := call(ema.Handler(), "GET", "/v1/samples/1.png", "")
	b := call(g.Handler(), "GET", "/v1/samples/1.png", "")
	if bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) || a.Header().Get("ETag") == b.Header().Get("ETag") {
		t.Error("G and G_ema gave the same image or the same ETag")
	}
}

func TestToyRunAnswersWithScatterPlots(t *testing.T) {
	_, toy := trainedRuns(t)
	h := newServer(t, toy, Options{}).Handler()
	m := decodeAs[modelResponse](t, call(h, "GET", "/v1/model", ""))
	if m.Data.Kind != "toy" || len(m.Data.Modes) != 8 {
		t.Errorf("/v1/model data: %+v", m.Data)
	}
	res := decodeAs[samplesResponse](t, call(h, "POST", "/v1/samples", `{"n": 100, "seed": 1}`))
	if res.Kind != "toy" || len(res.Points) != 100 || len(res.Images) != 0 {
		t.Fatalf("toy samples: kind %s, %d points, %d images", res.Kind, len(res.Points), len(res.Images))
	}
	if b := decodePNG(t, res.Scatter).Bounds(); b.Dx() != scatterSize {
		t.Errorf("scatter is %v", b)
	}
	ip := decodeAs[interpolateResponse](t, call(h, "POST", "/v1/interpolate", `{"seed_a": 1, "seed_b": 2, "steps": 6}`))
	if ip.Kind != "toy" || len(ip.Points) != 6 || ip.Points[0] != res.Points[0] || ip.Points[5] != res.Points[1] {
		t.Errorf("toy interpolation: %+v", ip.Points)
	}
	if w := call(h, "GET", "/v1/samples/1.png", ""); w.Code != 200 || w.Header().Get("Content-Type") != "image/png" {
		t.Errorf("toy GET png: %d", w.Code)
	}
}

func decodePNG(t *testing.T, b64 string) image.Image {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func generatorCalls(s *Server) uint64 {
	s.metrics.mu.Lock()
	defer s.metrics.mu.Unlock()
	return s.metrics.calls
}

// TestSeedsAreTheSampleCommandsSeeds: sample i of a request for seed s is
// sample.SeedLatent(s+i), the latent `gankit sample --seed s+i`, an export and an
// interpolation strip use, with each truncation convention. (The server once drew its
// own per-seed stream, so its seed 7 was another image than the sample command's.)
func TestSeedsAreTheSampleCommandsSeeds(t *testing.T) {
	s := newServer(t, "", Options{})
	h := s.Handler()
	for _, tc := range []struct {
		body string
		tr   sample.Truncation
	}{
		{``, sample.Truncation{}},
		{`, "mode": "resample", "truncation": 0.5`, sample.Truncation{Mode: sample.TruncResample, Value: 0.5}},
		{`, "mode": "psi", "truncation": 0.7`, sample.Truncation{Mode: sample.TruncPsi, Value: 0.7}},
	} {
		got := decodeAs[samplesResponse](t, call(h, "POST", "/v1/samples", `{"n": 3, "seed": 7`+tc.body+`}`))
		for i, z := range got.Latents {
			if want := sample.SeedLatent(7+int64(i), s.dim, tc.tr); !slices.Equal(z, want) {
				t.Errorf("%+v: sample %d of seed 7 has latent %v..., gankit sample's seed %d is %v...", tc.tr, i, z[:3], 7+i, want[:3])
			}
		}
	}
}
