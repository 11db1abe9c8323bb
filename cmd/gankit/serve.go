package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	rundir "github.com/gankit/gankit/run"
	"github.com/gankit/gankit/serve"
	"github.com/spf13/cobra"
)

// serveFlags are the flags of gankit serve.
type serveFlags struct {
	run, addr, backend, token string
	noEMA                     bool
	lim                       serve.Limits
}

func serveCmd() *cobra.Command {
	f := serveFlags{lim: serve.DefaultLimits()}
	lim := &f.lim
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a trained run over HTTP: a JSON API and a web page to browse its samples",
		Long: `Load a run's latest checkpoint and answer HTTP requests with samples from its
generator (G_ema when the run keeps one, BatchNorm in inference mode), and a page at /
with a grid of samples, truncation controls, interpolation between two clicked
samples, downloads, the loss curves and the run's evaluation.

  GET  /v1/model                 config, step, kind of data, metrics, truncation conventions
  POST /v1/samples               {"n": 16, "seed": 0, "mode": "psi", "truncation": 0.7}
  POST /v1/interpolate           {"seed_a": 0, "seed_b": 1, "steps": 8, "path": "slerp"}
  GET  /v1/samples/SEED.png      one image (?mode=&truncation=), cacheable (ETag)
  GET  /healthz, GET /metrics    liveness, Prometheus text format

A sample depends only on its seed and truncation: sample i of a request for seed s is
seed s+i, the first sample of 'gankit sample --seed s+i'. Requests that arrive
together share one generator call (at most --max-batch samples). Toy (2-D) runs answer
with scatter plots instead of images.

It listens on loopback unless --addr says otherwise; --token requires
"Authorization: Bearer TOKEN" for /v1/ and /metrics (the page is then opened as
/#token=TOKEN). SIGINT or SIGTERM stops it after the requests in progress.`,
		Example: `  gankit serve --run runs/fm
  gankit serve --run runs/fm --addr 0.0.0.0:8080 --token "$(openssl rand -hex 16)"
  curl -s localhost:8080/v1/samples -d '{"n": 4, "seed": 7}' | jq '.seeds'
  curl -s -o seed7.png 'localhost:8080/v1/samples/7.png?mode=psi&truncation=0.7'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.serve(cmd) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.run, "run", "", "run directory written by gankit train (required)")
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	fl.StringVar(&f.token, "token", "", "require \"Authorization: Bearer TOKEN\" for the API and /metrics")
	fl.StringVar(&f.backend, "backend", "", "backend (default: the run's)")
	fl.BoolVar(&f.noEMA, "no-ema", false, "serve G itself in a run that keeps G_ema")
	fl.IntVar(&lim.MaxN, "max-n", lim.MaxN, "most samples one request may ask for")
	fl.IntVar(&lim.MaxSteps, "max-steps", lim.MaxSteps, "most frames one interpolation may ask for")
	fl.IntVar(&lim.MaxBatch, "max-batch", lim.MaxBatch, "samples per generator call (every call is padded to it)")
	fl.Int64Var(&lim.MaxBody, "max-body", lim.MaxBody, "largest request body in bytes")
	fl.Float64Var(&lim.MaxTrunc, "max-truncation", lim.MaxTrunc, "largest threshold t for resample and clip")
	fl.IntVar(&lim.Concurrency, "concurrency", lim.Concurrency, "requests generating at once")
	fl.IntVar(&lim.Queue, "queue", lim.Queue, "requests waiting beyond those; more are refused with 503")
	fl.DurationVar(&lim.Timeout, "timeout", lim.Timeout, "per request, waiting included")
	return cmd
}

// check refuses a missing --run and limits that would refuse every request.
func (f *serveFlags) check() error {
	if f.run == "" {
		return fmt.Errorf("--run DIR is required: the directory `gankit train --out` wrote")
	}
	lim := f.lim
	for _, l := range []struct {
		name string
		v    int
	}{{"--max-n", lim.MaxN}, {"--max-steps", lim.MaxSteps}, {"--max-batch", lim.MaxBatch}, {"--concurrency", lim.Concurrency}, {"--queue", lim.Queue}} {
		if l.v < 1 {
			return fmt.Errorf("%s: want at least 1, got %d", l.name, l.v)
		}
	}
	if lim.MaxBody < 64 {
		return fmt.Errorf("--max-body: want at least 64 bytes, got %d", lim.MaxBody)
	}
	if lim.Timeout <= 0 {
		return fmt.Errorf("--timeout: want a positive duration, got %s", lim.Timeout)
	}
	return nil
}

// serve opens the run, listens on --addr, prints the page's URL and serves until
// SIGINT or SIGTERM.
func (f *serveFlags) serve(cmd *cobra.Command) error {
	if err := f.check(); err != nil {
		return err
	}
	tg, err := rundir.Open(f.run, rundir.OpenOptions{Backend: f.backend, Log: os.Stderr})
	if err != nil {
		return err
	}
	srv, err := serve.New(tg, serve.Options{Token: f.token, NoEMA: f.noEMA, Limits: f.lim, Log: os.Stderr})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", f.addr)
	if err != nil {
		srv.Close()
		return fmt.Errorf("--addr %s: %w", f.addr, err)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	url := "http://" + l.Addr().String() + "/"
	if f.token != "" {
		url += "#token=" + f.token
	}
	fmt.Printf("serving %s (step %d) on %s\n", f.run, tg.Step, url)
	if ip, ok := l.Addr().(*net.TCPAddr); ok && !ip.IP.IsLoopback() && f.token == "" {
		fmt.Fprintln(os.Stderr, "note: listening beyond loopback without --token: anyone who reaches this address can use the API")
	}
	return srv.Serve(ctx, l)
}
