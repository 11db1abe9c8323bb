package serve

import (
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/run"
)

// Options say how to serve a run.
type Options struct {
	// Token, when set, is required as "Authorization: Bearer TOKEN" by the API
	// (/v1/...) and /metrics; the page and /healthz stay open.
	Token  string
	NoEMA  bool   // serve G even when the run keeps G_ema
	Limits Limits // zero fields: DefaultLimits
	Log    io.Writer
}

// Server answers the API over one trained run's generator.
type Server struct {
	run     *run.Trained
	ema     bool // the generator is G_ema
	lim     Limits
	token   string
	dim     int      // latent size
	classes []string // a conditional generator's class names; nil for an unconditional one
	shape   data.Shape
	toy     *data.Toy // nil for images
	batch   *batcher
	admit   *admission
	metrics *metrics
	handler http.Handler
	log     io.Writer
}

// New compiles the run's generator (G_ema when it has one, unless o.NoEMA) in
// inference mode for one batch shape, Limits.MaxBatch, runs it once so the first
// request does not pay for the compilation, and starts the batcher. Close stops it.
func New(t *run.Trained, o Options) (*Server, error) {
	lim, err := o.Limits.withDefaults()
	if err != nil {
		return nil, err
	}
	gen, err := t.Generator(!o.NoEMA)
	if err != nil {
		return nil, fmt.Errorf("serve %s: %w", t.Dir, err)
	}
	dim := t.Config.Model.ZDim
	if _, err := gen.Run(make([]float32, lim.MaxBatch*dim)); err != nil {
		return nil, fmt.Errorf("serve %s: compiling the generator for batch %d: %w", t.Dir, lim.MaxBatch, err)
	}
	s := &Server{run: t, ema: !o.NoEMA && t.HasEMA(), lim: lim, token: o.Token, dim: dim,
		classes: gen.Classes(), shape: t.Source.Shape(), log: o.Log}
	if s.log == nil {
		s.log = io.Discard
	}
	s.toy, _ = t.Source.(*data.Toy)
	s.admit = newAdmission(lim.Concurrency, lim.Queue)
	s.metrics = newMetrics(lim.MaxBatch, s.admit.Waiting)
	run := func(z []float32, y []int32) ([]float32, error) {
		if y == nil {
			return gen.Run(z)
		}
		return gen.RunClasses(z, y)
	}
	s.batch = newBatcher(run, len(s.classes) > 0, dim, lim.MaxBatch, lim.Window, lim.Concurrency, s.metrics.generatorCall)
	s.handler = s.routes()
	return s, nil
}

// Handler is the server's HTTP handler (tests call it through httptest).
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the batcher; requests still waiting for the generator fail. Serve
// closes the server when it returns; closing again does nothing.
func (s *Server) Close() { s.batch.Close() }

// Serve answers on l until ctx ends, then shuts down gracefully: it stops accepting,
// lets the requests in progress finish (for at most the request timeout), and closes.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      s.lim.Timeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		s.Close()
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(s.log, "shutting down: finishing the requests in progress")
	sctx, cancel := context.WithTimeout(context.Background(), s.lim.Timeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	s.Close()
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// routes wires every endpoint: each through metrics, the API's through the token
// check, and those that generate through admission and the request timeout.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// paths answers which method a known path takes, for a 405 to a request with
	// another one (the catch-all below would otherwise answer 404).
	paths, methods := http.NewServeMux(), map[string]string{}
	handle := func(pattern string, h http.HandlerFunc, api, generates bool) {
		method, path, _ := strings.Cut(pattern, " ")
		paths.HandleFunc(path, http.NotFound)
		methods[path] = method
		if generates {
			h = s.generating(h)
		}
		if api {
			h = s.authorized(h)
		}
		mux.Handle(pattern, s.measured(pattern, h))
	}
	handle("GET /v1/model", s.model, true, false)
	handle("POST /v1/samples", s.samples, true, true)
	handle("GET /v1/samples/{file}", s.samplePNG, true, true)
	handle("POST /v1/interpolate", s.interpolate, true, true)
	handle("GET /healthz", s.healthz, false, false)
	handle("GET /metrics", s.prometheus, true, false)
	handle("GET /{$}", s.page, false, false)
	handle("GET /page/{file}", s.page, false, false)
	mux.Handle("/", s.measured("unknown", func(w http.ResponseWriter, r *http.Request) {
		if _, path := paths.Handler(r); path != "" {
			w.Header().Set("Allow", methods[path])
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: this endpoint takes %s", r.Method, r.URL.Path, methods[path]))
			return
		}
		writeError(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s %s: see GET / for the page, GET /v1/model for the API", r.Method, r.URL.Path))
	}))
	return mux
}

// statusWriter remembers the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) measured(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h(sw, r)
		s.metrics.request(route, cmp.Or(sw.code, http.StatusOK), time.Since(start))
	})
}

// authorized refuses a request without the bearer token, when one is set. The
// scheme is matched in any case, as RFC 7235 §2.1 makes auth-schemes
// case-insensitive ("bearer" and "BEARER" are RFC 6750's "Bearer"); the token is
// matched exactly, and the comparison takes the same time wherever the tokens differ.
func (s *Server) authorized(h http.HandlerFunc) http.HandlerFunc {
	if s.token == "" {
		return h
	}
	want := []byte(s.token)
	return func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("Authorization")
		scheme, token, found := strings.Cut(got, " ")
		bearer := found && strings.EqualFold(scheme, "Bearer")
		if !bearer || subtle.ConstantTimeCompare([]byte(token), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gankit"`)
			msg := "Authorization: want \"Bearer <token>\" with the server's --token, got a different token"
			if got == "" {
				msg = "Authorization: want \"Bearer <token>\" with the server's --token, got no Authorization header"
			} else if !bearer {
				msg = "Authorization: want \"Bearer <token>\", got another scheme"
			}
			writeError(w, http.StatusUnauthorized, msg)
			return
		}
		h(w, r)
	}
}

// generating bounds a request that runs the generator: a deadline of Limits.Timeout
// from its arrival, and a generation slot (waiting in the queue, or refused with 503
// when the queue is full).
func (s *Server) generating(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.lim.Timeout)
		defer cancel()
		release, err := s.admit.acquire(ctx)
		if err != nil {
			s.unavailable(w, err)
			return
		}
		defer release()
		h(w, r.WithContext(ctx))
	}
}

// unavailable answers a request the server could not finish: busy, timed out or
// shutting down. A client that went away gets nothing (it is not listening).
func (s *Server) unavailable(w http.ResponseWriter, err error) {
	w.Header().Set("Retry-After", "1")
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("timed out after %s (queue and generation; the limit is --timeout)", s.lim.Timeout))
	case errors.Is(err, context.Canceled):
		writeError(w, 499, "the client closed the request") // nginx's code; nobody reads it
	default:
		writeError(w, http.StatusServiceUnavailable, err.Error())
	}
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

func (s *Server) prometheus(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	if err := s.metrics.write(w); err != nil {
		fmt.Fprintln(s.log, "writing /metrics:", err)
	}
}
