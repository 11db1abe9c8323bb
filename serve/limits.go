package serve

import (
	"fmt"
	"time"

	"github.com/gankit/gankit/sample"
)

// Limits bound what one request may ask for and how much work the server takes on.
// The zero value of a field means its default (DefaultLimits).
type Limits struct {
	MaxN        int           // samples per POST /v1/samples
	MaxSteps    int           // frames per POST /v1/interpolate (both ends included)
	MaxBatch    int           // rows per generator call; every call is padded to it
	MaxBody     int64         // bytes of a request body
	MaxTrunc    float64       // largest threshold t for resample and clip
	Concurrency int           // requests generating at once
	Queue       int           // requests waiting for one of those slots; beyond it: 503
	Timeout     time.Duration // per request, queueing included
	Window      time.Duration // how long the batcher waits for more requests to share a call
}

// DefaultLimits suit a laptop: a page of 64 samples is one generator call.
func DefaultLimits() Limits {
	return Limits{
		MaxN:        256,
		MaxSteps:    32,
		MaxBatch:    64,
		MaxBody:     4 << 10,
		MaxTrunc:    4,
		Concurrency: 8,
		Queue:       256,
		Timeout:     30 * time.Second,
		Window:      2 * time.Millisecond,
	}
}

// MinResample is the smallest resampling threshold accepted: below it, redrawing
// every |z_i| > t takes about 1/(0.8 t) draws per value (P(|z| < t) ~ 0.8 t for small
// t), so a tiny t would keep a request busy for minutes.
const MinResample = 0.05

// withDefaults fills zero fields from DefaultLimits and refuses negative ones.
func (l Limits) withDefaults() (Limits, error) {
	d := DefaultLimits()
	ints := []struct {
		name string
		v    *int
		def  int
	}{{"max n", &l.MaxN, d.MaxN}, {"max steps", &l.MaxSteps, d.MaxSteps}, {"max batch", &l.MaxBatch, d.MaxBatch},
		{"concurrency", &l.Concurrency, d.Concurrency}, {"queue", &l.Queue, d.Queue}}
	for _, f := range ints {
		if *f.v < 0 {
			return l, fmt.Errorf("serve limits: %s: want at least 1, got %d", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if l.MaxSteps < 2 {
		return l, fmt.Errorf("serve limits: max steps: want at least 2 (both ends), got %d", l.MaxSteps)
	}
	if l.MaxBody < 0 || l.MaxTrunc < 0 || l.Timeout < 0 || l.Window < 0 {
		return l, fmt.Errorf("serve limits: max body %d, max truncation %g, timeout %s, window %s: none may be negative", l.MaxBody, l.MaxTrunc, l.Timeout, l.Window)
	}
	if l.MaxBody == 0 {
		l.MaxBody = d.MaxBody
	}
	if l.MaxTrunc == 0 {
		l.MaxTrunc = d.MaxTrunc
	}
	if l.MaxTrunc < MinResample {
		return l, fmt.Errorf("serve limits: max truncation: want at least %g, got %g", MinResample, l.MaxTrunc)
	}
	if l.Timeout == 0 {
		l.Timeout = d.Timeout
	}
	if l.Window == 0 {
		l.Window = d.Window
	}
	return l, nil
}

// checkTruncation checks a request's truncation: the mode and the range sample
// accepts, and the server's bounds on top (a threshold above MaxTrunc truncates
// nothing; one below MinResample makes resampling crawl).
func (l Limits) checkTruncation(tr sample.Truncation) error {
	if err := tr.Validate(); err != nil {
		return err
	}
	switch tr.Mode {
	case sample.TruncResample:
		if tr.Value < MinResample || tr.Value > l.MaxTrunc {
			return fmt.Errorf("truncation: want %g <= t <= %g for resample, got %g", MinResample, l.MaxTrunc, tr.Value)
		}
	case sample.TruncClip:
		if tr.Value > l.MaxTrunc {
			return fmt.Errorf("truncation: want 0 < t <= %g for clip, got %g", l.MaxTrunc, tr.Value)
		}
	}
	return nil
}

// checkCount reads a count field of a request: def when the request left it out,
// else its value, which must lie in [lo, hi].
func checkCount(field string, got *int, def, lo, hi int) (int, error) {
	if got == nil {
		return def, nil
	}
	if *got < lo || *got > hi {
		return 0, fmt.Errorf("%s: want %d to %d, got %d", field, lo, hi, *got)
	}
	return *got, nil
}
