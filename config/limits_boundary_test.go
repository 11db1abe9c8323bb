package config

import (
	"strings"
	"testing"
)

// TestEveryRangeIsAcceptedAtItsBoundaryAndRefusedJustPast: each key Validate checks
// against a range is accepted at the range's closed end (or as close to an open end
// as a float64 goes in a config file) and refused just past it, so that a '>' turned
// into '>=' (or the reverse) at any of them fails here.
func TestEveryRangeIsAcceptedAtItsBoundaryAndRefusedJustPast(t *testing.T) {
	for _, tc := range []struct {
		set string // key=value, on DefaultPreset
		ok  bool
	}{
		{"train.steps=1", true}, {"train.steps=0", false},
		{"train.batch=1", true}, {"train.batch=0", false},
		{"train.lr_g=0", true}, {"train.lr_g=-1e-300", false}, // 0 is allowed, with a warning: the doctor's "stalled" is induced by it
		{"train.lr_d=0", true}, {"train.lr_d=-1e-300", false},
		{"train.beta1=0", true}, {"train.beta1=-1e-12", false},
		{"train.beta1=0.999999", true}, {"train.beta1=1", false},
		{"train.beta2=0", true}, {"train.beta2=-1e-12", false},
		{"train.beta2=0.999999", true}, {"train.beta2=1", false},
		{"train.epsilon=1e-300", true}, {"train.epsilon=0", false},
		{"train.log_every=1", true}, {"train.log_every=0", false},
		{"train.sample_every=0", true}, {"train.sample_every=-1", false},
		{"train.sample_count=1", true}, {"train.sample_count=0", false},
		{"train.checkpoint_every=0", true}, {"train.checkpoint_every=-1", false},
		{"train.keep_checkpoints=1", true}, {"train.keep_checkpoints=0", false},
		{"doctor.every=0", true}, {"doctor.every=-1", false},
		{"doctor.heldout=0", true}, {"doctor.heldout=-1", false},
		{"doctor.fid_every=0", true}, {"doctor.fid_every=-1", false},
		{"doctor.fid_every=100 doctor.fid_samples=50000", true}, {"doctor.fid_every=100 doctor.fid_samples=50001", false},
		{"doctor.fid_every=100 doctor.fid_samples=2", true}, {"doctor.fid_every=100 doctor.fid_samples=1", false},
		{"train.rollbacks=0", true}, {"train.rollbacks=-1", false},
		{"train.rollback_lr=0.999999", true}, {"train.rollback_lr=1", false},
		{"train.rollback_lr=1e-300", true}, {"train.rollback_lr=0", false},
		{"train.on_divergence=warn", true}, {"train.on_divergence=ignore", false},
		{"data.limit=0", true}, {"data.limit=-1", false},
		{"data.max_image_pixels=0", true}, {"data.max_image_pixels=-1", false},
		{"train.n_critic=1", true}, {"train.n_critic=0", false},
		{"train.penalty_weight=0", true}, {"train.penalty_weight=-1e-12", false},
		{"train.drift=0", true}, {"train.drift=-1e-12", false},
		{"train.clip=0", true}, {"train.clip=-1e-12", false},
		{"train.instance_noise=0", true}, {"train.instance_noise=-1e-12", false},
		{"train.instance_noise_steps=0", true}, {"train.instance_noise_steps=-1", false},
		{"train.ema=0", true}, {"train.ema=-1e-12", false},
		{"train.ema=0.999999", true}, {"train.ema=1", false},
		{"train.historical_averaging=0", true}, {"train.historical_averaging=-1e-12", false},
		{"train.replay=0", true}, {"train.replay=-1", false},
		{"train.replay_prob=0", true}, {"train.replay_prob=-1e-12", false},
		{"train.replay_prob=1", true}, {"train.replay_prob=1.000001", false},
		{"train.label_smoothing=0", true}, {"train.label_smoothing=-1e-12", false},
		{"train.label_smoothing=0.999999", true}, {"train.label_smoothing=1", false},
		{"train.label_flip=0", true}, {"train.label_flip=-1e-12", false},
		{"train.label_flip=0.5", true}, {"train.label_flip=0.500001", false},
		{"train.ada_target=0", true}, {"train.ada_target=-1e-12", false},
		{"train.ada_target=0.999999", true}, {"train.ada_target=1", false},
		{"train.ada_kimg=1e-300", true}, {"train.ada_kimg=0", false},
		{"train.ada_interval=1", true}, {"train.ada_interval=0", false},
		{"train.ada_p=0", true}, {"train.ada_p=-1e-12", false},
		{"train.ada=bgc", true}, {"train.ada=bgcf", false},
	} {
		c, err := FromPreset(DefaultPreset)
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range strings.Fields(tc.set) { // one or more key=value
			k, v, _ := strings.Cut(kv, "=")
			if err := c.Set(k, v); err != nil {
				t.Fatalf("Set(%s): %v", kv, err)
			}
		}
		err = c.Validate(shapeFor(c))
		if (err == nil) != tc.ok {
			t.Errorf("%s: error %v, want accepted %v", tc.set, err, tc.ok)
		}
	}
}
