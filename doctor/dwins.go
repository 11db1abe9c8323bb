package doctor

import (
	"fmt"

	"github.com/gankit/gankit/losses"
	"github.com/gankit/gankit/run"
)

// D-wins thresholds.
const (
	// dWinsAccuracy: over the window, D scores at least this share of the real batch
	// above 0 and of the fake batch below 0, on average (ganhacks #10: D's loss going
	// to 0 is a failure mode).
	// D's accuracy alone does not tell a D that wins from a DCGAN that trains well:
	// dcgan-fmnist at its preset's rates is right on 94-96% of both batches from step
	// 300 to 1,100, as it is with lr_d 10x (docs/results.md §10).
	dWinsAccuracy = 0.95
	// dWinsLossG: under the non-saturating loss, G's loss is -mean log D(G(z)); at
	// least this over the window is D rejecting fakes with a geometric-mean D(G(z))
	// under e^-3 = 0.05. dcgan-fmnist at its rates stays at 1.8-2.6 from step 500 on,
	// with lr_d 10x at 3.3-4.4.
	dWinsLossG  = 3.0
	dWinsClear  = 0.85 // the window's mean under this on either side: the symptom cleared
	dWinsWindow = 300  // steps
	dWinsWarmup = 500  // steps at most (warmup)
)

// dWins diagnoses a D that separates real from fake completely for a sustained
// window: its accuracy on both batches stays at dWinsAccuracy or above over the last
// dWinsWindow steps, after the start of training (where any D wins against a random
// G). It reports how far G's gradient norm fell from its first logged lines: under the
// minimax loss G's gradient vanishes then (Goodfellow et al. 2014, §3); under the
// non-saturating loss it need not, so the separation alone is the symptom. When the
// run measures D on held-out images and D tells them from its training images, the
// separation is D overfitting (dOverfits), not this.
type dWins struct {
	warm        int
	ns          bool // the loss is the non-saturating one: G's loss is judged too
	real, fake  *series
	lossG       *series
	gradG       *series
	firstGradG  float64
	heldOutSeen bool // the latest held-out gap says D memorises its training images
	fired       bool
}

func newDWins(loss string) *dWins {
	return &dWins{warm: dWinsWarmup, ns: loss == losses.NameNS, real: newSeries(1 << 12), fake: newSeries(1 << 12),
		lossG: newSeries(1 << 12), gradG: newSeries(1 << 12), firstGradG: -1}
}


func (*dWins) symptom() run.Symptom { return DWins }

func (d *dWins) observe(m run.Metrics) *finding {
	if d.firstGradG < 0 {
		d.firstGradG = m.GradNormG
	}
	if gap, ok := m.Get(SignalHeldOutGap); ok {
		d.heldOutSeen = gap >= overfitGap // D's separation is memorisation: dOverfits reports it
	}
	if m.Step <= d.warm {
		return nil
	}
	d.real.add(m.Step, m.DAccReal)
	d.fake.add(m.Step, m.DAccFake)
	d.lossG.add(m.Step, m.LossG)
	d.gradG.add(m.Step, m.GradNormG)
	if m.Step-d.real.pts[0].step < dWinsWindow {
		return nil // not a window's worth of lines since the warm-up yet
	}
	from := m.Step - dWinsWindow
	r, f := mean(d.real.since(from)), mean(d.fake.since(from))
	if d.fired {
		if r < dWinsClear || f < dWinsClear {
			d.fired = false
		}
		return nil
	}
	lg := mean(d.lossG.since(from))
	if r < dWinsAccuracy || f < dWinsAccuracy || d.ns && lg < dWinsLossG || d.heldOutSeen {
		return nil
	}
	d.fired = true
	pts := d.real.since(from)
	g := mean(d.gradG.since(from))
	grad := fmt.Sprintf("G's loss %.3g, gradient norm %.3g", lg, g)
	if d.firstGradG > 0 {
		grad += fmt.Sprintf(", %.0f%% of its %.3g at the start", 100*g/d.firstGradG, d.firstGradG)
	}
	return &finding{since: pts[0].step, seen: fmt.Sprintf(
		"D right on %.1f%% of real and %.1f%% of fake samples over steps %d-%d (D(x) %.2f, D(G(z)) %.2f at step %d); %s",
		100*r, 100*f, pts[0].step, m.Step, m.DReal, m.DFake, m.Step, grad)}
}
