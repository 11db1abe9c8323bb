// Package serve is an HTTP server over a trained run: a JSON API that draws samples
// and interpolations from its generator, batching requests that arrive together, and
// a web page (embedded in the binary) to browse them.
//
// Endpoints:
//
//	GET  /                          the page (page/, go:embed)
//	GET  /v1/model                  config, step, kind of data, metrics, truncation conventions, diagnoses
//	POST /v1/samples                {n, seed, truncation, mode, class} -> PNGs (base64) and latents
//	POST /v1/interpolate            {seed_a, seed_b, steps, path, class} -> a strip of PNGs
//	GET  /v1/samples/{seed}.png     one image (?truncation=&mode=&class=), with an ETag
//	GET  /healthz                   "ok"
//	GET  /metrics                   Prometheus text format
//
// A sample depends only on its seed, truncation and (for a conditional run, see
// classes.go) class: sample i of a request with seed s is the latent of seed s+i,
// drawn as `gankit sample --seed s+i --n 1 --class c` draws it, and
// every generator call runs the same compiled program (padded to Limits.MaxBatch rows,
// BatchNorm in inference mode), so which requests share a batch changes no bit.
package serve
