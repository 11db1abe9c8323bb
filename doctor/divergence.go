package doctor

import (
	"fmt"
	"math"

	"github.com/gankit/gankit/run"
)

// Divergence thresholds.
const (
	// explodeFactor: a loss or gradient norm this many times its running median (in
	// magnitude, and at least explodeFloor above it) has exploded. Healthy runs move
	// by at most a few times their median between logged lines; a run whose weights
	// run off grows by orders of magnitude.
	explodeFactor = 50
	explodeFloor  = 10
	// explodeHistory is the running median's length, in logged lines, and the lines
	// needed before an explosion is judged.
	explodeHistory = 50
	explodeMinimum = 10
	// explodeRepeat: the value stays exploded this many logged lines in a row. D's
	// gradient norm spikes 50x its median for one line and comes back in runs that
	// train well (dcgan-fmnist with lr_d 2e-3: 140 against 2.7); weights that ran off
	// do not come back.
	explodeRepeat = 3
)

// divergenceSignals are the statistics watched, in the order they are named; the
// first four are also watched for explosions.
func divergenceSignals() []string {
	return []string{"loss_d", "loss_g", "grad_norm_d", "grad_norm_g", "d_real", "d_fake", "penalty"}
}

// divergence diagnoses a run whose numbers leave the reals: a NaN or infinity in a
// loss, a gradient norm or D's mean outputs, at the first line that holds one; or an
// explosion: a loss or gradient norm over explodeFactor times its running median (of
// the last explodeHistory lines that were not exploded) in magnitude, explodeRepeat
// lines in a row.
type divergence struct {
	hist  map[string]*series
	high  map[string]*streak
	fired bool
}

func newDivergence() *divergence {
	d := &divergence{hist: map[string]*series{}, high: map[string]*streak{}}
	for _, s := range divergenceSignals() {
		d.hist[s] = newSeries(explodeHistory)
		d.high[s] = &streak{}
	}
	return d
}

func (*divergence) symptom() run.Symptom { return Divergence }

func (d *divergence) observe(m run.Metrics) *finding {
	if d.fired {
		return nil
	}
	for _, name := range divergenceSignals() {
		v, ok := m.Get(name)
		if !ok {
			continue
		}
		if !finite(v) {
			d.fired = true
			return &finding{since: m.Step, seen: fmt.Sprintf("%s is %g", name, v)}
		}
	}
	for _, name := range divergenceSignals()[:4] {
		v, _ := m.Get(name)
		h, high := d.hist[name], d.high[name]
		if h.len() >= explodeMinimum {
			med := median(h.pts)
			if math.Abs(v) > explodeFactor*math.Abs(med) && math.Abs(v-med) > explodeFloor {
				if high.extend(point{m.Step, v}, explodeRepeat) {
					d.fired = true
					return &finding{since: high.first(), seen: fmt.Sprintf("%s %.4g at step %d, over %dx its running median of %.4g (the last %d lines before), %d lines in a row since step %d",
						name, v, m.Step, explodeFactor, med, h.len(), len(high.pts), high.first())}
				}
				continue // an exploded value does not move the median
			}
		}
		high.broken()
		h.add(m.Step, v)
	}
	return nil
}

// NonFinite is the divergence diagnosis of a state that a checkpoint refused to hold
// (run.NonFiniteError): the weights went non-finite at step while the losses had not
// shown it yet.
func NonFinite(step int, err error, set Setting) run.Diagnosis {
	return run.Diagnosis{Step: step, Since: step, Symptom: Divergence, Seen: err.Error(), Tips: tips(Divergence, set)}
}

// Diverged is the divergence diagnosis the trainer makes itself, at the step whose
// statistics went non-finite (seen says which), before any line holds them: a NaN
// cannot be written to metrics.jsonl.
func Diverged(step int, seen string, set Setting) run.Diagnosis {
	return run.Diagnosis{Step: step, Since: step, Symptom: Divergence, Seen: seen, Tips: tips(Divergence, set)}
}
