package serve

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"
)

// metrics are the server's counters, written in the Prometheus text exposition
// format (version 0.0.4) by hand: github.com/prometheus/client_golang would bring a
// dozen modules (prometheus/common, procfs, protobuf, ...) into a binary that exposes
// four series.
type metrics struct {
	mu       sync.Mutex
	requests map[requestKey]uint64
	latency  map[string]*histogram // by route
	batch    *histogram            // rows per generator call (padding excluded)
	genTime  *histogram            // seconds per generator call
	calls    uint64
	waiting  func() int // requests in the admission queue now
}

type requestKey struct {
	route string
	code  int
}

// Latency buckets in seconds: a cached image is well under a millisecond, a page of
// 256 samples of a large model on a laptop several seconds.
var latencyBounds = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

func newMetrics(maxBatch int, waiting func() int) *metrics {
	var rows []float64
	for b := 1; b < maxBatch; b *= 2 {
		rows = append(rows, float64(b))
	}
	rows = append(rows, float64(maxBatch))
	return &metrics{requests: map[requestKey]uint64{}, latency: map[string]*histogram{},
		batch: newHistogram(rows), genTime: newHistogram(latencyBounds), waiting: waiting}
}

// request counts one answered request.
func (m *metrics) request(route string, code int, took time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{route, code}]++
	h := m.latency[route]
	if h == nil {
		h = newHistogram(latencyBounds)
		m.latency[route] = h
	}
	h.observe(took.Seconds())
}

// generatorCall counts one generator call of rows real rows.
func (m *metrics) generatorCall(rows int, took time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	m.batch.observe(float64(rows))
	m.genTime.observe(took.Seconds())
}

// write writes every series, in a fixed order.
func (m *metrics) write(w io.Writer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := &promWriter{w: w}
	p.help("gankit_serve_requests_total", "counter", "HTTP requests answered, by route and status code.")
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b requestKey) int {
		return cmp.Or(cmp.Compare(a.route, b.route), cmp.Compare(a.code, b.code))
	})
	for _, k := range keys {
		p.sample("gankit_serve_requests_total", fmt.Sprintf(`route=%q,code="%d"`, k.route, k.code), float64(m.requests[k]))
	}
	p.help("gankit_serve_request_duration_seconds", "histogram", "Time from a request's arrival to its answer, by route.")
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	slices.Sort(routes)
	for _, r := range routes {
		p.histogram("gankit_serve_request_duration_seconds", fmt.Sprintf("route=%q", r), m.latency[r])
	}
	p.help("gankit_serve_batch_rows", "histogram", "Samples per generator call (each call is padded to the maximum batch).")
	p.histogram("gankit_serve_batch_rows", "", m.batch)
	p.help("gankit_serve_generator_seconds", "histogram", "Time of one generator call.")
	p.histogram("gankit_serve_generator_seconds", "", m.genTime)
	p.help("gankit_serve_queue_waiting", "gauge", "Requests waiting for a generation slot.")
	p.sample("gankit_serve_queue_waiting", "", float64(m.waiting()))
	return p.err
}

// histogram is a Prometheus histogram: counts per upper bound (cumulative when
// written), the sum and the count.
type histogram struct {
	bounds []float64
	counts []uint64 // counts[i]: observations <= bounds[i] and > bounds[i-1]; the last one is +Inf
	sum    float64
	n      uint64
}

func newHistogram(bounds []float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i, _ := slices.BinarySearch(h.bounds, v) // first bound >= v
	h.counts[i]++
	h.sum += v
	h.n++
}

// promWriter writes exposition lines, keeping the first error.
type promWriter struct {
	w   io.Writer
	err error
}

func (p *promWriter) line(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format+"\n", a...)
	}
}

func (p *promWriter) help(name, kind, text string) {
	p.line("# HELP %s %s", name, text)
	p.line("# TYPE %s %s", name, kind)
}

func (p *promWriter) sample(name, labels string, v float64) {
	if labels != "" {
		name += "{" + labels + "}"
	}
	p.line("%s %s", name, strconv.FormatFloat(v, 'g', -1, 64))
}

func (p *promWriter) histogram(name, labels string, h *histogram) {
	join := func(le string) string {
		if labels == "" {
			return `le="` + le + `"`
		}
		return labels + `,le="` + le + `"`
	}
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i]
		p.sample(name+"_bucket", join(strconv.FormatFloat(b, 'g', -1, 64)), float64(cum))
	}
	cum += h.counts[len(h.bounds)]
	p.sample(name+"_bucket", join("+Inf"), float64(cum))
	p.sample(name+"_sum", labels, h.sum)
	p.sample(name+"_count", labels, float64(h.n))
}
