package run

import (
	"strings"
	"testing"

	"github.com/gankit/gankit/config"
)

// TestEveryConfigKeyHasADecidedKind lists every config key with what a resume may do
// to it. A key added to config without a line here fails the test: someone must decide
// whether a checkpoint can continue under a new value.
func TestEveryConfigKeyHasADecidedKind(t *testing.T) {
	const b, r, s = Bookkeeping, TrainingRule, Structure
	want := map[string]KeyKind{
		"preset": b, "backend": b,
		"data.path": s, "data.split": s, "data.size": s, "data.channels": s, "data.limit": s, "data.skip_bad_images": s, "data.max_image_pixels": s, "data.background": s, "data.cache": b, "data.labels": s, "model.classes": s, "model.cond_d": s,
		"model.arch": s, "model.z_dim": s, "model.width": s, "model.d_width": s, "model.depth": s, "model.upsample": s,
		"model.bn_g": s, "model.bn_d": s, "model.leaky_slope": r, "model.spectral_norm": r, "model.eq_lr": s,
		"model.pixel_norm": r, "model.mbstd": s, "model.mbstd_group": r, "model.mbdisc": s, "model.mbdisc_b": s,
		"model.mbdisc_c": s, "model.pack": s, "model.vbn_g": s, "model.vbn_ref": s,
		"model.r3gan.width": s, "model.r3gan.blocks": s, "model.r3gan.groups": s, "model.r3gan.expansion": s,
		"train.steps": b, "train.batch": s, "train.seed": r, "train.loss": r, "train.optimizer_g": r,
		"train.optimizer_d": r, "train.lr_g": r, "train.lr_d": r, "train.beta1": r, "train.beta2": r,
		"train.epsilon": r, "train.n_critic": r, "train.penalty": r, "train.penalty_weight": r, "train.drift": r,
		"train.clip": r, "train.label_smoothing": r, "train.noisy_labels": r, "train.label_flip": r,
		"train.instance_noise": r, "train.instance_noise_steps": r, "train.ema": r, "train.diffaugment": r,
		"train.ada": r, "train.ada_target": r, "train.ada_kimg": r, "train.ada_interval": r, "train.ada_p": r,
		"train.feature_matching": r, "train.historical_averaging": r, "train.replay": s, "train.replay_prob": r,
		"train.log_every": b, "train.sample_every": b, "train.sample_count": b, "train.checkpoint_every": b,
		"train.keep_checkpoints": b, "train.penalties": r, "train.ema_half_life_kimg": r,
		// What a divergence does changes the weights after it; the doctor only reads.
		"train.on_divergence": r, "train.rollback_lr": r, "train.rollbacks": r,
		"doctor.off": b, "doctor.every": b, "doctor.heldout": b, "doctor.fid_every": b, "doctor.fid_samples": b,
	}
	for _, sched := range []string{"train.lr_schedule", "train.beta2_schedule", "train.ema_schedule"} {
		for _, k := range []string{"kind", "end", "kimg", "warmup_kimg", "warmup_start", "hold_kimg"} {
			want[sched+"."+k] = r
		}
	}
	keys := config.Keys()
	for _, k := range keys {
		w, ok := want[k]
		if !ok {
			t.Errorf("config key %s has no decided kind: add it to this table (and to KindOf if it is not a training-rule key)", k)
			continue
		}
		if got := KindOf(k); got != w {
			t.Errorf("%s: %s, want %s", k, got, w)
		}
	}
	if len(want) != len(keys) {
		t.Errorf("the table has %d keys, config %d", len(want), len(keys))
	}
}

func TestDiffNamesEachChangedKey(t *testing.T) {
	base, err := config.FromPreset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	set := func(kv ...string) config.Config {
		c := base
		for i := 0; i < len(kv); i += 2 {
			if err := c.Set(kv[i], kv[i+1]); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	noise := set("train.instance_noise", "0.1")
	longer := noise
	longer.Train.Steps = 60
	for _, tc := range []struct {
		name     string
		from, to config.Config
		want     string // the changes, as Change.String joins them, in config.Keys order
	}{
		{"nothing", base, base, ""},
		{"more steps", base, set("train.steps", "40"), "train.steps 30 -> 40"},
		{"width and seed", base, set("model.width", "16", "train.seed", "3"), "model.width 8 -> 16; train.seed 0 -> 3"},
		{"a learning rate", base, set("train.lr_d", "1e-4"), "train.lr_d 0.0002 -> 0.0001"},
		{"a string", base, set("train.loss", "hinge"), `train.loss "ns" -> "hinge"`},
		// With instance noise on and its end at 0 (= train.steps), more steps move the
		// schedule: the change shows as the schedule's end.
		{"steps move the noise schedule", noise, longer, "train.steps 30 -> 60; train.instance_noise_steps 30 -> 60"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := Diff(tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, c.String())
			}
			if strings.Join(got, "; ") != tc.want {
				t.Errorf("%q, want %q", strings.Join(got, "; "), tc.want)
			}
		})
	}
}
