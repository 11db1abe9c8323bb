package doctor

import (
	"fmt"

	"github.com/gankit/gankit/run"
)

// Worsening thresholds: the proxy FID at least worseRel above its best (and
// worseAbs points), worseRepeat measurements in a row after the best. FID on a few
// thousand samples varies by a few percent between measurements of the same G
// (docs/results.md §3's spreads); a quarter is a change.
const (
	worseRel    = 0.25
	worseAbs    = 5
	worseRepeat = 2
)

// worsening diagnoses a run whose quality proxy (SignalFID, opt-in: doctor.fid_every)
// has risen from its best and stayed up: the oscillation or late collapse users see
// as "FID went down, then up" (stylegan2-ada #68). The best checkpoint is kept
// (run.Best) whatever the doctor says.
type worsening struct {
	best  point
	worse []point
	fired bool
}

func newWorsening() *worsening { return &worsening{best: point{v: -1}} }

func (*worsening) symptom() run.Symptom { return Worsening }

func (w *worsening) observe(m run.Metrics) *finding {
	fid, ok := m.Get(SignalFID)
	if !ok || !finite(fid) {
		return nil
	}
	if w.best.v < 0 || fid < w.best.v {
		w.best, w.worse, w.fired = point{m.Step, fid}, nil, false
		return nil
	}
	if fid < w.best.v*(1+worseRel) || fid-w.best.v < worseAbs {
		w.worse = w.worse[:0]
		return nil
	}
	w.worse = append(w.worse, point{m.Step, fid})
	if w.fired || len(w.worse) < worseRepeat {
		return nil
	}
	w.fired = true
	return &finding{since: w.worse[0].step, seen: fmt.Sprintf("proxy FID %.1f at step %d, %d measurements in a row over its best, %.1f at step %d (kept as the best checkpoint)",
		fid, m.Step, len(w.worse), w.best.v, w.best.step)}
}
