package doctor

import (
	"math/rand/v2"
	"testing"

	"github.com/gankit/gankit/run"
)

// The synthetic streams' schedule: what train.log_every and the doctor's measurement
// intervals would be in a run the streams stand for.
const (
	logEvery     = 10    // train.log_every: a line every 10 steps
	measureEvery = 100   // doctor.every: the held-out gap and the diversity (or modes)
	fidEvery     = 500   // doctor.fid_every: the proxy FID
	settleSteps  = 100   // a healthy run moves from its first values to where it stays over these
	runSteps     = 10000 // train.steps of the streams' run (Options.Steps)
)

// A stat is one logged statistic of a healthy stream: its value at step 0 (a fresh D
// against a fresh G), the value it settles at, the noise between lines (a share of
// the value when relative, else an amount), how often it is logged, and in which runs
// (logs).
type stat struct {
	name           string
	start, settled float64
	noise          float64
	relative       bool
	every          int
	logs           func(spec) bool // nil: every run logs it
}

// stats are a healthy GAN's lines: loss_d starts at 2 log 2 (D(x) = 0.5 on both
// batches) and settles near 1.2, loss_g rises from log 2 to near 1.0, D's mean outputs
// part to ~0.6 and ~0.35 and its accuracies to ~0.65 and ~0.62, the gradient norms
// settle near 5, ADA's r_t near its target 0.6; the doctor's signals (a held-out gap
// near 0.1, G's diversity near 0.9 of the data's, 96% of a toy's modes) are measured
// every measureEvery steps.
func stats() []stat {
	const p = 0.005 // the noise of a probability, an accuracy or a share, in absolute terms
	const r = 0.01  // of a loss or a gradient norm, relative
	heldOut := func(s spec) bool { return !s.toy && !s.noHeldOut }
	imageData := func(s spec) bool { return !s.toy }
	return []stat{
		{name: "loss_d", start: 1.386, settled: 1.2, noise: r, relative: true, every: logEvery},
		{name: "loss_g", start: 0.693, settled: 1.0, noise: r, relative: true, every: logEvery},
		{name: "d_real", start: 0.5, settled: 0.6, noise: p, every: logEvery},
		{name: "d_fake", start: 0.5, settled: 0.35, noise: p, every: logEvery},
		{name: "d_acc_real", start: 0.5, settled: 0.65, noise: p, every: logEvery},
		{name: "d_acc_fake", start: 0.5, settled: 0.62, noise: p, every: logEvery},
		{name: "grad_norm_d", start: 8, settled: 5, noise: r, relative: true, every: logEvery},
		{name: "grad_norm_g", start: 3, settled: 5, noise: r, relative: true, every: logEvery},
		{name: "ada_rt", start: 0, settled: 0.6, noise: p, every: logEvery, logs: func(s spec) bool { return s.ada }},
		{name: SignalHeldOutGap, start: 0, settled: 0.1, noise: p, every: measureEvery, logs: heldOut},
		{name: SignalRTrain, start: 0, settled: 0.3, noise: p, every: measureEvery, logs: heldOut},
		{name: SignalDiversity, start: 0.6, settled: 0.9, noise: p, every: measureEvery, logs: imageData},
		{name: SignalModes, start: 0.6, settled: 0.96, every: measureEvery, logs: func(s spec) bool { return s.toy }},
	}
}

// spec says which run a stream stands for.
type spec struct {
	last      int  // the last logged step: lines at logEvery, 2 logEvery, ..., last
	flat      bool // the learning rates are 0: every statistic stays at its first value
	toy       bool // a toy mixture: doctor_modes instead of doctor_diversity, no FID, no held-out images
	noHeldOut bool // image data without held-out images
	noProbes  bool // the doctor's probes off (doctor.every 0): no held-out gap, diversity, modes or G change
	ada       bool // ADA runs: ada_rt on every line
	coldRun   int  // lines at the start that wait for data (the first compiles, reading starts cold); 2 unless set
}

// images is the usual stream: an image run with held-out images and the proxy FID,
// to step last.
func images(last int) spec { return spec{last: last} }

// lines builds the stream, with a fixed seed: the same spec always gives the same
// numbers.
func (s spec) lines() []run.Metrics {
	rng := rand.New(rand.NewPCG(21, 2025))
	noise := func(v, amount float64, relative bool) float64 {
		u := 2*rng.Float64() - 1
		if relative {
			return v * (1 + amount*u)
		}
		return v + amount*u
	}
	cold := s.coldRun
	if cold == 0 {
		cold = 2
	}
	var out []run.Metrics
	for step, i := logEvery, 0; step <= s.last; step, i = step+logEvery, i+1 {
		m := run.Metrics{Step: step, SecPerStep: 0.05}
		progress := min(1, float64(step)/settleSteps)
		if s.flat {
			progress = 0
		}
		for _, st := range stats() {
			if step%st.every != 0 || (st.logs != nil && !st.logs(s)) || s.noProbes && st.every == measureEvery {
				continue
			}
			v := st.start + (st.settled-st.start)*progress
			m.Set(st.name, noise(v, st.noise, st.relative))
		}
		if !s.noProbes && step%measureEvery == 0 && step >= 2*measureEvery {
			// The weights move between measures, from the second on; not at all with
			// learning rates 0.
			moved := 0.0
			if !s.flat {
				moved = noise(0.01, 0.0005, false)
			}
			m.Set(SignalMoved, moved)
		}
		if !s.toy && step%fidEvery == 0 {
			// The proxy FID falls all run long: 150 at step 500, 90 at 1000, 54 at 2500.
			at := float64(step)
			if s.flat {
				at = fidEvery
			}
			m.Set(SignalFID, noise(30+60000/at, 0.01, true))
		}
		wait := 0.05
		if i < cold {
			wait = 0.6
		}
		m.Set(SignalDataWait, noise(wait, 0.01, false))
		out = append(out, m)
	}
	return out
}

// setFrom sets name to v on the lines from step from to step to (inclusive) that log
// it: a doctor signal is changed only where it is measured.
func setFrom(ms []run.Metrics, from, to int, name string, v float64) {
	for i := range ms {
		if ms[i].Step < from || ms[i].Step > to {
			continue
		}
		if _, ok := ms[i].Get(name); ok {
			ms[i].Set(name, v)
		}
	}
}

// valueAt is name's value at step.
func valueAt(t *testing.T, ms []run.Metrics, step int, name string) float64 {
	t.Helper()
	for _, m := range ms {
		if v, ok := m.Get(name); ok && m.Step == step {
			return v
		}
	}
	t.Fatalf("the stream logs no %s at step %d", name, step)
	return 0
}
