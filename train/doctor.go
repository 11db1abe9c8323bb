package train

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"time"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/doctor"
	"github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// runDoctor is the training doctor inside the loop: it adds the doctor's own signals
// to each logged line, runs the detectors over it, writes what they diagnose to the
// log and diagnoses.jsonl, and acts on a divergence as train.on_divergence says.
type runDoctor struct {
	doc    *doctor.Doctor
	set    doctor.Setting
	policy string
	probes *probes   // nil when doctor.every is 0 or nothing can be measured
	fid    *fidProxy // nil when doctor.fid_every is 0
	// The wall clock and data wait at the last logged line, for SignalDataWait.
	lastT    time.Time
	lastWait time.Duration
}

// prepareDoctor makes the run's doctor: its detectors, and the probes and proxy FID
// cfg asks for.
func prepareDoctor(b backends.Backend, ctx *context.Context, cfg config.Config, src data.Source, gen *sample.Generator, runDir string) (*runDoctor, error) {
	opt, err := doctor.OptionsFor(cfg)
	if err != nil {
		return nil, err
	}
	p, err := newProbes(b, ctx, cfg, src, gen)
	if err != nil {
		return nil, err
	}
	fid, err := newFIDProxy(b, cfg, src, gen, runDir)
	if err != nil {
		return nil, err
	}
	policy := cfg.Train.OnDivergence
	if policy == "" {
		policy = config.OnDivergenceStop // a run made before the key
	}
	return &runDoctor{doc: doctor.New(opt), set: opt.Setting, policy: policy, probes: p, fid: fid, lastT: time.Now()}, nil
}

// replay feeds the doctor the lines a resumed run logged before its start step, so
// that its detectors stand where they stood when the run stopped; what they diagnose
// there was recorded then.
func (d *runDoctor) replay(runDir string, start int) error {
	if start == 0 {
		return nil
	}
	ms, _, err := run.ReadMetrics(runDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("doctor: reading the resumed run's metrics: %w", err)
	}
	for _, m := range ms {
		if m.Step <= start {
			d.doc.Observe(m)
		}
	}
	return nil
}

// measure adds the doctor's signals to the line m of step, logged now: the share of
// the interval spent waiting for data, and the probes when they are due. A measure
// that fails is the doctor's, not the training's: it is reported on log and switched
// off for the rest of the run, and training goes on.
//
// A measure that meets non-finite weights (the step's update made them so, while its
// losses, computed before it, were still finite) is the run's divergence: it returns
// a *diverged, and no NaN goes into the line.
func (d *runDoctor) measure(m *Metrics, step int, wait time.Duration, log io.Writer) *diverged {
	now := time.Now()
	if dt := now.Sub(d.lastT); dt > 0 {
		m.Set(doctor.SignalDataWait, math.Min(1, float64(wait-d.lastWait)/float64(dt)))
	}
	d.lastT, d.lastWait = now, wait
	var nf *nonFiniteSignal
	if d.probes != nil {
		if err := d.probes.measure(m, step); errors.As(err, &nf) {
			return &diverged{diag: doctor.Diverged(step, nf.Error(), d.set)}
		} else if err != nil {
			fmt.Fprintf(log, "warning: step %d: %v; the doctor's held-out and diversity measures are off for the rest of this run\n", step, err)
			d.probes = nil
		}
	}
	if d.fid != nil {
		if err := d.fid.measure(m, step); errors.As(err, &nf) {
			return &diverged{diag: doctor.Diverged(step, nf.Error(), d.set)}
		} else if err != nil {
			fmt.Fprintf(log, "warning: step %d: %v; the proxy FID is off for the rest of this run\n", step, err)
			d.fid = nil
		}
	}
	return nil
}

// due says whether a probe or the proxy FID measures at step: the loop then logs a
// line there, whatever train.log_every says.
func (d *runDoctor) due(step int) bool {
	return d.probes != nil && step%d.probes.every == 0 || d.fid != nil && step%d.fid.every == 0
}

// nonFiniteSignal is a doctor measure that met a NaN or an infinity: G's samples or
// D's outputs are not finite, so the weights are not.
type nonFiniteSignal struct{ what string }

func (e *nonFiniteSignal) Error() string { return e.what + " hold a NaN or an infinity" }

// allFinite says whether every value of x is finite.
func allFinite(x []float32) bool {
	for _, v := range x {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}

// bestDue says whether step's proxy FID is a new best, whose checkpoint is then due.
func (d *runDoctor) bestDue(step int) bool {
	return d.fid != nil && d.fid.due != nil && d.fid.due.Step == step
}

// keepBest records the checkpoint just written at step as the run's best.
func (l *trainLoop) keepBest(step int) error {
	if !l.doc.bestDue(step) {
		return nil
	}
	b := *l.doc.fid.due
	l.doc.fid.best, l.doc.fid.due = b, nil
	if err := l.w.SetBest(b); err != nil {
		return l.stateError(step, err)
	}
	return nil
}

// diverged is a divergence the loop cannot step past: the run stops, or rolls back
// (train.on_divergence), with diag recorded.
type diverged struct {
	diag run.Diagnosis
	// initial: D's statistics of the first step went non-finite. They come from the
	// initial weights, before any update: no learning rate made them, so a rollback
	// with lower ones would meet them again. (G's come after D's first update.)
	initial bool
}

func (e *diverged) Error() string {
	return fmt.Sprintf("step %d: training diverged: %s", e.diag.Step, e.diag.Seen)
}

// observe runs the detectors over the logged line m and records what they find. It
// returns a *diverged when the run cannot go on: a divergence under stop or
// rollback.
func (l *trainLoop) observe(m Metrics) error {
	for _, dg := range l.doc.doc.Observe(m) {
		if dg.Symptom == doctor.Divergence && l.doc.policy != config.OnDivergenceWarn {
			return &diverged{diag: dg}
		}
		if err := l.record(dg); err != nil {
			return err
		}
	}
	return nil
}

// record writes a diagnosis to the log and to diagnoses.jsonl.
func (l *trainLoop) record(dg run.Diagnosis) error {
	fmt.Fprintln(l.log, dg.String())
	if err := l.w.LogDiagnosis(dg); err != nil {
		return l.stateError(dg.Step, err)
	}
	return nil
}

// nonFinite is the divergence of a step whose statistics hold a NaN or an infinity:
// nothing after it can be trained, whatever the policy.
func (l *trainLoop) nonFinite(step int, stats map[string]float64) *diverged {
	for _, name := range []string{"loss_d", "loss_g", "grad_norm_d", "grad_norm_g", "d_real", "d_fake", "penalty"} {
		if v, ok := stats[name]; ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
			initial := step == 1 && name != "loss_g" && name != "grad_norm_g"
			return &diverged{diag: doctor.Diverged(step, fmt.Sprintf("%s is %g", name, v), l.doc.set), initial: initial}
		}
	}
	return nil
}

// onDivergence acts on a divergence as the policy says: it records the diagnosis
// with what was done, and returns the error that ends this pass of the loop — a
// *rollback for Run to act on, or the divergence itself.
func (l *trainLoop) onDivergence(dv *diverged) error {
	dg := &dv.diag
	note := lastCheckpointNote(l.opt.RunDir)
	if dv.initial {
		dg.Action = "stopped: it diverged at the first step, before any update (the initial weights or the data, not the learning rates)"
	} else if l.doc.policy == config.OnDivergenceRollback {
		done, err := run.Rollbacks(l.opt.RunDir)
		if err != nil {
			return err
		}
		if done < l.cfg.Train.Rollbacks {
			target, err := l.w.SetAsideAfter(dg.Since-1, dg.Step)
			if err != nil {
				return l.stateError(dg.Step, err)
			}
			f := l.cfg.Train.RollbackLR
			dg.Action = fmt.Sprintf(run.RollbackAction+" %d of %d: to step %d, both learning rates x%g", done+1, l.cfg.Train.Rollbacks, target, f)
			if err := l.record(*dg); err != nil {
				return err
			}
			return &rollback{diag: *dg, to: target, cfg: lowerRates(l.cfg, f)}
		}
		dg.Action = fmt.Sprintf("stopped: train.rollbacks (%d) are spent", l.cfg.Train.Rollbacks)
	} else {
		dg.Action = "stopped (train.on_divergence " + l.doc.policy + ")"
	}
	if err := l.record(*dg); err != nil {
		return err
	}
	return fmt.Errorf("%w; %s", dv, note)
}

// rollback is a divergence that Run answers by resuming from the checkpoint at step
// to (0: from the start) with cfg, the learning rates lowered.
type rollback struct {
	diag run.Diagnosis
	to   int
	cfg  config.Config
}

func (r *rollback) Error() string {
	return fmt.Sprintf("step %d: training diverged (%s); rolling back to step %d", r.diag.Step, r.diag.Seen, r.to)
}

// lowerRates multiplies both learning rates, and a learning-rate schedule's end and
// warm-up start, by f.
func lowerRates(cfg config.Config, f float64) config.Config {
	t := &cfg.Train
	t.LRD *= f
	t.LRG *= f
	t.LRSchedule.End *= f
	t.LRSchedule.WarmupStart *= f
	return cfg
}

// isRollback says whether err asks Run to roll back.
func isRollback(err error) (*rollback, bool) {
	var rb *rollback
	return rb, errors.As(err, &rb)
}
