package doctor

import (
	"slices"

	"github.com/gankit/gankit/run"
)

// Signals the trainer logs for the doctor, as metrics.jsonl fields, beside the
// step's own statistics (loss_d, loss_g, d_real, d_fake, d_acc_real, d_acc_fake,
// grad_norm_d, grad_norm_g, ada_rt).
const (
	// SignalHeldOutGap is r_train - r_heldout, each E[sign(D(x))] over a fixed batch
	// of training images and one of held-out images of the same data, at the same D
	// (Karras et al. 2020, Fig. 1: D's outputs on training and validation images part
	// when D overfits). Logged when the data have held-out images.
	SignalHeldOutGap = "doctor_heldout_gap"
	// SignalRTrain is the r_t of the same fixed training batch (logged with the gap).
	SignalRTrain = "doctor_r_train"
	// SignalDiversity is the mean pairwise distance of G's samples of a fixed latent
	// batch divided by that of a fixed real batch, in the feature network's space when
	// one fits the data, else in pixels: near 1 for a G as varied as the data, near 0
	// for one that draws one image.
	SignalDiversity = "doctor_diversity"
	// SignalMoved is how far the nets' trainable weights moved since the doctor's last
	// measure, ||w - w_prev|| / ||w_prev|| over G's and D's together: exactly 0 when
	// the learning rates are 0 (BatchNorm's running statistics, which still move, are
	// not trainable weights).
	SignalMoved = "doctor_moved"
	// SignalModes is the share of a toy mixture's modes that G's fixed latent batch
	// covers (metrics.CoverModes).
	SignalModes = "doctor_modes"
	// SignalFID is the opt-in quality proxy: FID with the committed feature network
	// (doctor.fid_every).
	SignalFID = "doctor_fid"
	// SignalDataWait is the share of the logging interval's wall time the loop spent
	// waiting for a batch.
	SignalDataWait = "doctor_data_wait"
)

// signalNeeds are the symptoms judged on the doctor's own signals, which a run logs
// only when it measures them, and what is judged when it logged none.
func signalNeeds() []struct {
	symptom run.Symptom
	signals []string
	without string
} {
	return []struct {
		symptom run.Symptom
		signals []string
		without string
	}{
		{DOverfits, []string{SignalHeldOutGap}, "judged on r_t alone: the run logged no held-out gap (" + SignalHeldOutGap + "; doctor.every and doctor.heldout, with held-out images)"},
		{ModeCollapse, []string{SignalDiversity, SignalModes}, "not judged: the run logged no diversity (" + SignalDiversity + " or " + SignalModes + "; doctor.every)"},
		{Worsening, []string{SignalFID}, "not judged: the run logged no proxy FID (" + SignalFID + "; doctor.fid_every)"},
		{InputBound, []string{SignalDataWait}, "not judged: the run logged no data wait (" + SignalDataWait + ")"},
	}
}

// Unjudged says, for each checked symptom whose signal none of ms holds, how it was
// judged without it.
func Unjudged(ms []run.Metrics, off []run.Symptom) map[run.Symptom]string {
	out := map[run.Symptom]string{}
	for _, n := range signalNeeds() {
		if slices.Contains(off, n.symptom) {
			continue
		}
		logged := slices.ContainsFunc(ms, func(m run.Metrics) bool {
			return slices.ContainsFunc(n.signals, func(s string) bool { _, ok := m.Get(s); return ok })
		})
		if !logged {
			out[n.symptom] = n.without
		}
	}
	return out
}
