package config

import "fmt"

// Doctor configures the training doctor (package doctor): which symptoms it checks
// and how often it measures what the step does not give it. Its keys are
// bookkeeping: they change what is diagnosed, never the weights.
type Doctor struct {
	// Off lists the symptoms not checked (doctor.Symptoms: divergence, d_wins,
	// d_overfits, mode_collapse, stalled, worsening, input_bound).
	Off []string `yaml:"off,flow,omitempty"`
	// Every is the steps between the doctor's own measurements: D on held-out
	// images and the diversity (or toy mode coverage) of G's fixed latent batch; 0 =
	// none of them.
	Every int `yaml:"every"`
	// HeldOut is how many images D is measured on (from the data's images outside
	// data.limit, or from the other split of the dataset; none when there are none);
	// 0 = no held-out measure.
	HeldOut int `yaml:"heldout"`
	// FIDEvery is the steps between proxy FIDs (the worsening symptom, best.json);
	// 0 = off. Each costs FIDSamples samples through G and the feature network.
	FIDEvery   int `yaml:"fid_every"`
	FIDSamples int `yaml:"fid_samples"`
}

// What a run does on a divergence (train.on_divergence).
const (
	OnDivergenceStop     = "stop"     // end the run with an error; the last good checkpoint is kept ("" too: runs made before the key)
	OnDivergenceRollback = "rollback" // reload the last good checkpoint, lower the learning rates, go on
	OnDivergenceWarn     = "warn"     // log the diagnosis and go on (a NaN still ends the run)
)

// maxFIDSamples bounds the proxy FID's samples: each is generated and embedded at
// every measure (gankit eval's 10,000 is what a final evaluation uses).
const maxFIDSamples = 50000

func defaultDoctor() Doctor { return Doctor{Every: 100, HeldOut: 128, FIDSamples: 2000} }

func (c Config) validateDoctor() error {
	d, t := c.Doctor, c.Train
	if err := checkRanges([]rangeCheck{
		{d.Every >= 0, "doctor.every", ">= 0 (0 = no held-out or diversity measures)", d.Every},
		{d.HeldOut >= 0, "doctor.heldout", ">= 0", d.HeldOut},
		{d.FIDEvery >= 0, "doctor.fid_every", ">= 0 (0 = no proxy FID)", d.FIDEvery},
		{d.FIDEvery == 0 || d.FIDSamples >= 2 && d.FIDSamples <= maxFIDSamples, "doctor.fid_samples", fmt.Sprintf("from 2 to %d with doctor.fid_every on", maxFIDSamples), d.FIDSamples},
		{t.OnDivergence != OnDivergenceRollback || t.RollbackLR > 0 && t.RollbackLR < 1, "train.rollback_lr", "in (0, 1): the factor a rollback multiplies both learning rates by", t.RollbackLR},
		{t.Rollbacks >= 0, "train.rollbacks", ">= 0", t.Rollbacks},
	}); err != nil {
		return err
	}
	switch t.OnDivergence {
	case "", OnDivergenceStop, OnDivergenceRollback, OnDivergenceWarn: // "": a run made before the key, which stopped
		return nil
	}
	return fmt.Errorf("train.on_divergence: %q is not one of %s, %s, %s", t.OnDivergence, OnDivergenceStop, OnDivergenceRollback, OnDivergenceWarn)
}
