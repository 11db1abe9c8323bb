package doctor

import (
	"slices"

	"github.com/gankit/gankit/run"
)

// Options configure a Doctor.
type Options struct {
	// Off are the symptoms not checked.
	Off []run.Symptom
	// Setting is what the tips name values from.
	Setting Setting
	// Steps is the run's length (train.steps): the detectors that wait out the start
	// of training scale their warm-up with it, up to a fixed number of steps.
	Steps int
}

// A detector watches one symptom in the stream of logged lines. observe sees each
// line in step order and returns a finding when its symptom shows; it reports a
// symptom once, until the symptom has cleared (then it may report it again).
type detector interface {
	symptom() run.Symptom
	observe(m run.Metrics) *finding
}

// finding is what a detector saw: since when, and in words with the numbers.
type finding struct {
	since int
	seen  string
}

// Doctor runs the detectors over a run's logged lines.
type Doctor struct {
	opt       Options
	detectors []detector
}

// New makes a Doctor with every symptom's detector that opt does not switch off.
func New(opt Options) *Doctor {
	d := &Doctor{opt: opt}
	for _, det := range []detector{
		newDivergence(), newDWins(opt.Setting.Loss), newDOverfits(opt.Steps, opt.Setting.Toy), newModeCollapse(opt.Steps),
		newStalled(), newWorsening(), newInputBound(),
	} {
		if !slices.Contains(opt.Off, det.symptom()) {
			d.detectors = append(d.detectors, det)
		}
	}
	return d
}

// Observe gives the doctor the next logged line and returns what it diagnoses there
// (usually nothing).
func (d *Doctor) Observe(m run.Metrics) []run.Diagnosis {
	var out []run.Diagnosis
	for _, det := range d.detectors {
		f := det.observe(m)
		if f == nil {
			continue
		}
		out = append(out, run.Diagnosis{Step: m.Step, Since: f.since, Symptom: det.symptom(), Seen: f.seen,
			Tips: tips(det.symptom(), d.opt.Setting)})
	}
	return out
}

// Diagnose runs a new Doctor over a whole stream of lines, in order.
func Diagnose(ms []run.Metrics, opt Options) []run.Diagnosis {
	d := New(opt)
	var out []run.Diagnosis
	for _, m := range ms {
		out = append(out, d.Observe(m)...)
	}
	return out
}
