package serve

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
)

// samplesRequest is POST /v1/samples' body; a missing field takes its default.
type samplesRequest struct {
	N          *int    `json:"n"`          // default 1
	Seed       int64   `json:"seed"`       // sample i uses seed+i; seed+n-1 must be an int64
	Truncation float64 `json:"truncation"` // t (resample, clip) or psi
	Mode       string  `json:"mode"`       // none (default) | resample | clip | psi
	// Class is a conditional run's class: one index or name for every sample, or a
	// list of them, one per sample; left out, sample i is of class i mod K (classes.go).
	Class json.RawMessage `json:"class"`
}

// pictures are generated samples as PNGs: one per image, or for a toy run one
// scatter plot of all the points (and the points).
type pictures struct {
	Kind    string       `json:"kind"`              // "image" or "toy"
	Images  []string     `json:"images,omitempty"`  // PNG, base64, one per latent
	Scatter string       `json:"scatter,omitempty"` // PNG, base64 (toy runs)
	Points  [][2]float32 `json:"points,omitempty"`  // toy runs
}

// samplesResponse answers POST /v1/samples.
type samplesResponse struct {
	pictures
	Seeds      []int64     `json:"seeds"`
	Classes    []int32     `json:"classes,omitempty"`     // a conditional run's: sample i's class
	ClassNames []string    `json:"class_names,omitempty"` // and its name
	Mode       string      `json:"mode"`
	Truncation float64     `json:"truncation"`
	Latents    [][]float32 `json:"latents"`
}

// interpolateRequest is POST /v1/interpolate's body.
type interpolateRequest struct {
	SeedA      int64   `json:"seed_a"`
	SeedB      int64   `json:"seed_b"`
	Steps      *int    `json:"steps"` // frames, both ends included; default 8
	Path       string  `json:"path"`  // slerp (default) | lerp
	Truncation float64 `json:"truncation"`
	Mode       string  `json:"mode"`
	// Class is a conditional run's class for every frame, an index or a name;
	// class 0 when left out.
	Class json.RawMessage `json:"class"`
}

type interpolateResponse struct {
	pictures
	Path      string      `json:"path"`
	Class     *int32      `json:"class,omitempty"`      // a conditional run's: the strip's class
	ClassName string      `json:"class_name,omitempty"` // and its name
	Latents   [][]float32 `json:"latents"`
}

func (s *Server) samples(w http.ResponseWriter, r *http.Request) {
	var req samplesRequest
	if !s.decode(w, r, &req) {
		return
	}
	n, err := checkCount("n", req.N, 1, 1, s.lim.MaxN)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := sample.CheckSeeds(req.Seed, n); err != nil {
		writeError(w, http.StatusBadRequest, "seed: "+err.Error())
		return
	}
	tr, err := s.truncation(req.Mode, req.Truncation)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	y, err := s.sampleClasses(req.Class, n)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	seeds := make([]int64, n)
	z := make([][]float32, n)
	for i := range seeds {
		seeds[i] = req.Seed + int64(i) // CheckSeeds: none passes the largest int64
		z[i] = s.latent(seeds[i], tr)
	}
	if pics, ok := s.generate(w, r, z, y); ok {
		writeJSON(w, http.StatusOK, samplesResponse{pics, seeds, y, s.classNames(y), modeName(tr.Mode), tr.Value, z})
	}
}

func (s *Server) interpolate(w http.ResponseWriter, r *http.Request) {
	var req interpolateRequest
	if !s.decode(w, r, &req) {
		return
	}
	steps, err := checkCount("steps", req.Steps, 8, 2, s.lim.MaxSteps)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	path := sample.Slerp
	if req.Path != "" {
		if path, err = sample.ParsePath(req.Path); err != nil {
			writeError(w, http.StatusBadRequest, "path: "+err.Error())
			return
		}
	}
	tr, err := s.truncation(req.Mode, req.Truncation)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	class, err := s.singleClass(req.Class)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	z, err := sample.Interpolate(path, s.latent(req.SeedA, tr), s.latent(req.SeedB, tr), steps)
	if err != nil {
		s.failed(w, err)
		return
	}
	var y []int32
	resp := interpolateResponse{Path: path.String(), Latents: z}
	if class != nil {
		y = make([]int32, steps)
		for i := range y {
			y[i] = *class
		}
		resp.Class, resp.ClassName = class, s.classes[*class]
	}
	if pics, ok := s.generate(w, r, z, y); ok {
		resp.pictures = pics
		writeJSON(w, http.StatusOK, resp)
	}
}

// samplePNG answers GET /v1/samples/{seed}.png?truncation=&mode=&class=: the image of
// one seed (a scatter of its one point for toy runs), for a conditional run of class
// 0 or the one asked for. Its ETag names the checkpoint and the settings, so a cached
// copy is confirmed without running the generator.
func (s *Server) samplePNG(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	digits, ok := strings.CutSuffix(file, ".png")
	seed, err := strconv.ParseInt(digits, 10, 64)
	if !ok || err != nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("seed: want /v1/samples/SEED.png with SEED a whole number (int64), got %q", file))
		return
	}
	q := r.URL.Query()
	t := 0.0
	if v := q.Get("truncation"); v != "" {
		if t, err = strconv.ParseFloat(v, 64); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("truncation: want a number, got %q", v))
			return
		}
	}
	tr, err := s.truncation(q.Get("mode"), t)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	class, err := s.queryClass(q.Get(classField), q.Has(classField))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var y []int32
	if class != nil {
		y = []int32{*class}
	}
	tag := s.etag(seed, tr, class)
	w.Header().Set("ETag", tag)
	w.Header().Set("Cache-Control", "public, max-age=86400")
	if inm := r.Header.Get("If-None-Match"); inm == "*" || strings.Contains(inm, tag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	x, err := s.batch.Generate(r.Context(), [][]float32{s.latent(seed, tr)}, y)
	if err != nil {
		s.failed(w, err)
		return
	}
	var b []byte
	if s.toy != nil {
		b, err = s.scatterPNG(x[0])
	} else {
		b, err = s.imagePNG(x[0])
	}
	if err != nil {
		s.failed(w, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// etag identifies an image by everything it depends on: the checkpoint, which
// generator, the seed, the truncation and the class (-1: none).
func (s *Server) etag(seed int64, tr sample.Truncation, class *int32) string {
	c := int32(-1)
	if class != nil {
		c = *class
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%d|ema=%t|%d|%s|%g|class=%d", s.run.Checkpoint, s.run.Step, s.ema, seed, tr.Mode, tr.Value, c))
	return `"` + hex.EncodeToString(h[:12]) + `"`
}

// latent is the latent of one seed: the first of `gankit sample --seed seed`.
func (s *Server) latent(seed int64, tr sample.Truncation) []float32 {
	return sample.SeedLatent(seed, s.dim, tr)
}

// truncation reads a request's mode and value and checks them against the limits and
// the run (a pixel-normalising generator refuses truncation).
func (s *Server) truncation(mode string, value float64) (sample.Truncation, error) {
	if mode == "none" {
		mode = sample.TruncNone
	}
	tr := sample.Truncation{Mode: mode, Value: value}
	if mode == sample.TruncNone && value != 0 {
		return tr, fmt.Errorf("truncation %g needs mode: one of none, %s", value, strings.Join(sample.TruncModes(), ", "))
	}
	if len(mode) > 24 { // the message quotes it: not a request's worth of it
		return tr, fmt.Errorf("mode: want none or one of %s, got %q... (%d bytes)", strings.Join(sample.TruncModes(), ", "), mode[:24], len(mode))
	}
	if err := s.lim.checkTruncation(tr); err != nil {
		return tr, fmt.Errorf("mode/truncation: %w", err)
	}
	if err := run.CheckTruncation(s.run.Config, tr); err != nil {
		return tr, fmt.Errorf("mode: %w", err)
	}
	return tr, nil
}

func modeName(m string) string {
	if m == sample.TruncNone {
		return "none"
	}
	return m
}

// generate runs the generator on z, sample i of class y[i] (y nil for an
// unconditional run), sharing calls with other requests, and encodes the samples; on
// failure it has answered.
func (s *Server) generate(w http.ResponseWriter, r *http.Request, z [][]float32, y []int32) (pictures, bool) {
	x, err := s.batch.Generate(r.Context(), z, y)
	if err != nil {
		s.failed(w, err)
		return pictures{}, false
	}
	if s.toy != nil {
		p := pictures{Kind: "toy"}
		flat := make([]float32, 0, 2*len(x))
		for _, xi := range x {
			flat = append(flat, xi[0], xi[1])
			p.Points = append(p.Points, [2]float32{xi[0], xi[1]})
		}
		b, err := s.scatterPNG(flat)
		if err != nil {
			s.failed(w, err)
			return p, false
		}
		p.Scatter = base64.StdEncoding.EncodeToString(b)
		return p, true
	}
	p := pictures{Kind: "image", Images: make([]string, len(x))}
	for i, xi := range x {
		b, err := s.imagePNG(xi)
		if err != nil {
			s.failed(w, err)
			return p, false
		}
		p.Images[i] = base64.StdEncoding.EncodeToString(b)
	}
	return p, true
}

// decode reads a JSON request body of at most Limits.MaxBody bytes into v, refusing
// unknown fields and trailing data; on failure it has answered with a 4xx.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body := http.MaxBytesReader(w, r.Body, s.lim.MaxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, e := dec.Token(); e != io.EOF {
			err = errors.New("data after the JSON object")
		}
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body: want at most %d bytes, got more", tooBig.Limit))
	case errors.As(err, &typeErr):
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: want a JSON %s, got %s", typeErr.Field, typeErr.Type, typeErr.Value))
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		writeError(w, http.StatusBadRequest, fmt.Sprintf("request body: want a JSON object, got invalid JSON (%v)", err))
	case errors.Is(err, io.EOF):
		writeError(w, http.StatusBadRequest, "request body: want a JSON object, got an empty body")
	default:
		writeError(w, http.StatusBadRequest, "request body: "+err.Error())
	}
	return false
}

// failed answers a request that passed its checks but could not be finished.
func (s *Server) failed(w http.ResponseWriter, err error) {
	if errors.Is(err, errClosed) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		s.unavailable(w, err)
		return
	}
	fmt.Fprintln(s.log, "error:", err)
	writeError(w, http.StatusInternalServerError, err.Error())
}

// apiError is every error's body.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, apiError{msg})
}

// writeJSON answers with v; messages keep their < and > (no HTML escaping: the
// answers are JSON, never inlined into a page).
func writeJSON(w http.ResponseWriter, code int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		code = http.StatusInternalServerError
		b.Reset()
		enc.Encode(apiError{err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(code)
	w.Write(b.Bytes())
}
