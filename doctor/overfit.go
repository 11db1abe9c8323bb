package doctor

import (
	"fmt"

	"github.com/gankit/gankit/run"
)

// D-overfits thresholds.
const (
	// overfitGap: r_train - r_heldout at or above this, overfitRepeat measurements in
	// a row, is D telling its training images from held-out ones: on images it has
	// not seen it answers "fake" far more often (Karras et al. 2020, §2, Fig. 1b).
	overfitGap    = 0.5
	overfitRepeat = 3
	// Without held-out images: ADA's overfitting heuristic r_t = E[sign(D(x_real))]
	// (Karras et al. 2020, eq. 1) at or above overfitRT over the window, while D does
	// not also separate the fakes (that is dWins). ADA's own target is 0.6; this is
	// far past it.
	overfitRT     = 0.9
	overfitWindow = 300 // steps
	overfitWarmup = 500 // steps at most
)

// dOverfits diagnoses a D that has memorised its training images. With held-out
// images (SignalHeldOutGap) it is the gap between D's r_t on a fixed training batch and
// on a held-out batch; without, the r_t of training alone (ada_rt when ADA runs, else
// 2 d_acc_real - 1, which equals E[sign(D(x))] when no output is exactly 0).
type dOverfits struct {
	warm       int
	gaps       streak // consecutive measurements at or above overfitGap
	rt, fake   *series
	hasHeldOut bool
	toy        bool // a toy mixture's batches are drawn fresh: there is nothing to memorise
	fired      bool // the r_t symptom was reported and has not cleared
}

func newDOverfits(steps int, toy bool) *dOverfits {
	return &dOverfits{warm: warmup(steps, overfitWarmup), toy: toy, rt: newSeries(1 << 12), fake: newSeries(1 << 12)}
}

func (*dOverfits) symptom() run.Symptom { return DOverfits }

func (d *dOverfits) observe(m run.Metrics) *finding {
	if m.Step <= d.warm || d.toy {
		return nil
	}
	if gap, ok := m.Get(SignalHeldOutGap); ok {
		d.hasHeldOut = true
		return d.heldOut(m, gap)
	}
	if d.hasHeldOut {
		return nil // a line between held-out measurements
	}
	rt, ok := m.Get("ada_rt")
	if !ok {
		rt = 2*m.DAccReal - 1
	}
	d.rt.add(m.Step, rt)
	d.fake.add(m.Step, m.DAccFake)
	if m.Step-d.rt.pts[0].step < overfitWindow {
		return nil
	}
	from := m.Step - overfitWindow
	r, f := mean(d.rt.since(from)), mean(d.fake.since(from))
	if d.fired {
		d.fired = r >= overfitRT-0.1
		return nil
	}
	if r < overfitRT || f >= dWinsClear {
		return nil
	}
	d.fired = true
	pts := d.rt.since(from)
	return &finding{since: pts[0].step, seen: fmt.Sprintf("r_t = E[sign(D(x_real))] %.2f over steps %d-%d while D is right on only %.0f%% of fakes (no held-out images to compare: r_t alone)",
		r, pts[0].step, m.Step, 100*f)}
}

func (d *dOverfits) heldOut(m run.Metrics, gap float64) *finding {
	if gap < overfitGap {
		d.gaps.broken()
		return nil
	}
	if !d.gaps.extend(point{m.Step, gap}, overfitRepeat) {
		return nil
	}
	rTrain, _ := m.Get(SignalRTrain)
	return &finding{since: d.gaps.first(), seen: fmt.Sprintf("D's r_t is %.2f on training images and %.2f on held-out ones (gap %.2f, %d measurements in a row since step %d)",
		rTrain, rTrain-gap, gap, len(d.gaps.pts), d.gaps.first())}
}
