package doctor

import (
	"fmt"
	"math"
	"strings"

	"github.com/gankit/gankit/run"
)

// Stalled thresholds.
const (
	stalledAfter  = 100 // steps before a run must have moved
	stalledLines  = 3   // lines in the reference (the first ones) and in the latest mean
	stalledSpread = 4   // a move under this many standard deviations of the first lines is no move
	stalledRel    = 0.02
	// stalledRange: and no value logged so far strays further than this share of the
	// signal's size (its median's magnitude, at least 0.1) from the others. With both
	// learning rates 0 the DCGAN's values still range over about 0.23 of their size,
	// from batch to batch (BN in D normalises each batch by its own statistics); a
	// run that trains moves at least one of them by far more within 100 steps.
	stalledRange = 0.35
	// stalledMoved: with the doctor's probes on, the weights moving by less than this
	// share of their norm between its first two measures is no move. With learning
	// rates of 0 the change is exactly 0; a GAN at its equilibrium (loss_d at log 4, as
	// R1 holds a toy mixture's D) still moves.
	stalledMoved = 1e-6
)

// stalledSignals are what must all stay put for a run to count as stalled.
func stalledSignals() []string { return []string{"loss_d", "loss_g", "d_real", "d_fake"} }

// stalled diagnoses a run in which nothing moves. When the run logs the doctor's
// probes, it is judged once, at their second measure: the weights moved by less
// than stalledMoved (SignalMoved). Otherwise, once the warm-up is
// over, the mean
// of the last stalledLines lines of each of loss_d, loss_g, d_real and d_fake is
// within stalledSpread standard deviations (or stalledRel of its size, whichever is
// larger) of the mean of the first stalledLines lines, and no signal has ranged over
// more than stalledRange of its size. Between batches the values still vary: that is
// why the first lines' spread is the scale. It is judged once: a run that has moved
// is never diagnosed as stalled later.
type stalled struct {
	after    int
	first    map[string][]float64
	firstEnd int // the step of the last of the first lines
	last     map[string]*series
	lo, hi   map[string]float64 // the range of each signal's values so far
	all      map[string]*series
	probed   bool // the run logs the doctor's probes: the weights' change is judged, not the losses
	done     bool // moved, or diagnosed
}

func newStalled() *stalled {
	s := &stalled{after: stalledAfter, first: map[string][]float64{}, last: map[string]*series{},
		lo: map[string]float64{}, hi: map[string]float64{}, all: map[string]*series{}}
	for _, n := range stalledSignals() {
		s.last[n] = newSeries(stalledLines)
		s.all[n] = newSeries(1 << 16)
		s.lo[n], s.hi[n] = math.Inf(1), math.Inf(-1)
	}
	return s
}

func (*stalled) symptom() run.Symptom { return Stalled }

func (s *stalled) observe(m run.Metrics) *finding {
	if s.done {
		return nil
	}
	// With the doctor's probes on, the weights' change says it directly.
	_, div := m.Get(SignalDiversity)
	_, modes := m.Get(SignalModes)
	s.probed = s.probed || div || modes
	if moved, ok := m.Get(SignalMoved); ok {
		s.done = true
		if moved >= stalledMoved {
			return nil
		}
		return &finding{since: 1, seen: fmt.Sprintf("the weights of G and D did not move by step %d (relative change %.3g since the doctor's last measure)", m.Step, moved)}
	}
	if s.probed {
		return nil // wait for the second measure
	}
	for _, n := range stalledSignals() {
		v, _ := m.Get(n)
		if len(s.first[n]) < stalledLines {
			s.first[n] = append(s.first[n], v)
		}
		s.last[n].add(m.Step, v)
		s.all[n].add(m.Step, v)
		s.lo[n], s.hi[n] = math.Min(s.lo[n], v), math.Max(s.hi[n], v)
	}
	if len(s.first["loss_d"]) == stalledLines && s.firstEnd == 0 {
		s.firstEnd = m.Step
	}
	// Judged once, at the first line past the warm-up whose latest lines are not the
	// first ones.
	if m.Step < s.after || s.firstEnd == 0 || s.last["loss_d"].pts[0].step <= s.firstEnd {
		return nil
	}
	var seen []string
	for _, n := range stalledSignals() {
		ref, sd := meanSD(s.first[n])
		now := mean(s.last[n].pts)
		size := math.Max(math.Abs(median(s.all[n].pts)), 0.1)
		if tol := math.Max(stalledSpread*sd, stalledRel*math.Max(math.Abs(ref), 1)); math.Abs(now-ref) > tol || !finite(now) || s.hi[n]-s.lo[n] > stalledRange*size {
			s.done = true // it moved
			return nil
		}
		seen = append(seen, fmt.Sprintf("%s %.4g (%.4g at the start)", n, now, ref))
	}
	s.done = true
	return &finding{since: 1, seen: "nothing has moved from its initial value by step " + fmt.Sprint(m.Step) + ": " + strings.Join(seen, ", ")}
}

func meanSD(vs []float64) (float64, float64) {
	m := 0.0
	for _, v := range vs {
		m += v
	}
	m /= float64(len(vs))
	ss := 0.0
	for _, v := range vs {
		ss += (v - m) * (v - m)
	}
	return m, math.Sqrt(ss / float64(max(1, len(vs)-1)))
}
