package config

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/optim"
)

func shapeFor(c Config) data.Shape {
	if c.IsToy() {
		return data.Shape{Dim: 2}
	}
	return data.Shape{Size: 28, Channels: 1}
}

func TestEveryPresetValidatesAndRoundTrips(t *testing.T) {
	for _, p := range Presets() {
		c := p.Config()
		if err := c.Validate(shapeFor(c)); err != nil {
			t.Errorf("preset %s: %v", p.Name, err)
		}
		y, err := c.YAML()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse("x.yaml", y, Config{})
		if err != nil || !reflect.DeepEqual(back, c) {
			t.Errorf("preset %s: YAML round trip: %v\n%s", p.Name, err, y)
		}
	}
	if _, err := FromPreset("nope"); err == nil || !strings.Contains(err.Error(), "dcgan-fmnist") {
		t.Errorf("unknown preset: %v", err)
	}
}

func TestParseOverridesOnlyGivenKeys(t *testing.T) {
	base, _ := FromPreset(DefaultPreset)
	c, err := Parse("c.yaml", []byte("train:\n  lr_d: 1e-4\nmodel:\n  upsample: nearest\n"), base)
	if err != nil {
		t.Fatal(err)
	}
	if c.Train.LRD != 1e-4 || c.Model.Upsample != "nearest" || c.Train.LRG != base.Train.LRG || c.Model.Width != base.Model.Width {
		t.Errorf("got %+v", c)
	}
}

func TestBadConfigErrorsNameTheKey(t *testing.T) {
	base, _ := FromPreset(DefaultPreset)
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"unknown-top", "trian:\n  steps: 3\n", []string{"line 1", `"trian"`, "train"}},
		{"unknown-nested", "train:\n  steps: 3\n  lr: 1\n", []string{"line 3", `"train.lr"`, "lr_d"}},
		{"wrong-type", "train:\n  steps: many\n", []string{"c.yaml", "many"}},
		{"not-mapping", "model: 3\n", []string{"model must be a mapping", "upsample"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tc.src), base)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestValidateNamesKeyAndAllowedValues(t *testing.T) {
	for _, tc := range []struct {
		set, want string
	}{
		{"model.upsample=sideways", "model.upsample"},
		{"train.loss=wasserstein-ish", "train.loss"},
		{"train.steps=0", "train.steps"},
		{"train.beta1=1", "train.beta1"},
		{"model.arch=mlp", "model.arch"},
		{"train.optimizer_d=lbfgs", "train.optimizer_d"},
	} {
		c, _ := FromPreset(DefaultPreset)
		k, v, _ := strings.Cut(tc.set, "=")
		if err := c.Set(k, v); err != nil {
			t.Fatalf("Set(%s): %v", tc.set, err)
		}
		err := c.Validate(shapeFor(c))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %s", tc.set, err, tc.want)
		}
	}
}

func TestSetParsesYAMLScalarsAndRefusesUnknownKeys(t *testing.T) {
	c, _ := FromPreset(DefaultPreset)
	for _, kv := range [][2]string{{"train.lr_d", "3e-5"}, {"model.bn_d", "false"}, {"backend", "xla:/opt/p.so"}, {"train.batch", "32"}} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%s=%s): %v", kv[0], kv[1], err)
		}
	}
	if c.Train.LRD != 3e-5 || c.Model.BND || c.Backend != "xla:/opt/p.so" || c.Train.Batch != 32 {
		t.Errorf("got %+v", c)
	}
	for _, kv := range [][2]string{{"train.nope", "1"}, {"train", "1"}, {"train.batch", "[1, 2]"}, {"train.batch", "x"}} {
		if err := c.Set(kv[0], kv[1]); err == nil {
			t.Errorf("Set(%s=%s) accepted", kv[0], kv[1])
		}
	}
}

// TestPenaltiesListTakesNamesOrMappings: train.penalties reads bare names and
// {name, weight, schedule} mappings, refuses an unknown key inside an item naming it,
// and the old train.penalty + train.penalty_weight resolve to a one-item list.
func TestPenaltiesListTakesNamesOrMappings(t *testing.T) {
	base, _ := FromPreset(DefaultPreset)
	c, err := Parse("c.yaml", []byte("train:\n  penalties:\n    - r1\n    - {name: r2, weight: 0.5, schedule: {kind: cosine, end: 0.05}}\n"), base)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := c.Penalties()
	if err != nil || len(ps) != 2 || ps[0].Name() != "r1" || ps[0].Weight != 10 || ps[1].Name() != "r2" || ps[1].Weight != 0.5 || ps[1].Schedule.End != 0.05 {
		t.Fatalf("penalties %+v, %v", ps, err)
	}
	if _, err := Parse("c.yaml", []byte("train:\n  penalties:\n    - {name: r2, gamma: 1}\n"), base); err == nil || !strings.Contains(err.Error(), `"train.penalties[0].gamma"`) {
		t.Errorf("unknown key in an item: %v", err)
	}
	if _, err := Parse("c.yaml", []byte("train:\n  penalties: r1\n"), base); err == nil || !strings.Contains(err.Error(), "train.penalties: want a list") {
		t.Errorf("a scalar for the list: %v", err)
	}
	old := base
	old.Train.Penalty, old.Train.PenaltyWeight = "wgan-gp", 5
	ps, err = old.Penalties()
	if err != nil || len(ps) != 1 || ps[0].Name() != "wgan-gp" || ps[0].Weight != 5 || ps[0].Schedule.On() {
		t.Errorf("train.penalty wgan-gp weight 5: %+v, %v", ps, err)
	}
	if ps, err := base.Penalties(); err != nil || len(ps) != 0 {
		t.Errorf("train.penalty none: %+v, %v", ps, err)
	}
}

func TestKeysListsEveryLeaf(t *testing.T) {
	keys := strings.Join(Keys(), " ")
	for _, k := range []string{"backend", "data.path", "model.upsample", "model.bn_g", "train.lr_d", "train.keep_checkpoints"} {
		if !strings.Contains(keys, k) {
			t.Errorf("Keys() lacks %s", k)
		}
	}
}

// TestContradictionsAreRefusedWithTheReason sets combinations that cannot work
// together; each must be refused with a message naming both keys and why.
func TestContradictionsAreRefusedWithTheReason(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  []string
		want []string
	}{
		{"bn in D with a penalty", []string{"train.penalty=r1"}, []string{"train.penalty", "model.bn_d", "per-sample"}},
		{"clip with spectral norm", []string{"model.bn_d=false", "train.loss=wgan", "train.clip=0.01", "model.spectral_norm=true"}, []string{"train.clip", "model.spectral_norm"}},
		{"mbstd group not dividing the batch", []string{"model.mbstd=true", "model.mbstd_group=5"}, []string{"model.mbstd", "divisible"}},
		{"pixel norm with BN in G", []string{"model.pixel_norm=true"}, []string{"model.pixel_norm", "model.bn_g"}},
		{"labels on a loss without targets", []string{"train.loss=hinge", "train.label_smoothing=0.1"}, []string{"train.loss", "hinge"}},
		{"noisy labels with smoothing", []string{"train.noisy_labels=true", "train.label_smoothing=0.1"}, []string{"noisy_labels", "label_smoothing"}},
		{"wgan without a constraint", []string{"train.loss=wgan"}, []string{"Lipschitz", "train.clip", "wgan-gp"}},
		{"packing not dividing the batch", []string{"model.pack=3"}, []string{"model.pack", "divisible"}},
		{"bn in D with a penalty list", []string{"train.penalties=[r1, r2]"}, []string{"train.penalties", "model.bn_d", "per-sample"}},
		{"penalty and penalties", []string{"model.bn_d=false", "train.penalty=r1", "train.penalties=[r2]"}, []string{"train.penalty r1", "train.penalties"}},
		{"a penalty listed twice", []string{"model.bn_d=false", "train.penalties=[r1, r1]"}, []string{"train.penalties[1]", "twice"}},
		{"an unknown penalty in the list", []string{"model.bn_d=false", "train.penalties=[r1, r3]"}, []string{"train.penalties[1].name", `"r3"`, "r2"}},
		{"a bad schedule in the list", []string{"model.bn_d=false", "train.penalties=[{name: r2, schedule: {kind: step}}]"}, []string{"train.penalties[0].schedule.kind", `"step"`, "cosine"}},
		{"labels with rpgan", []string{"train.loss=rpgan", "train.label_smoothing=0.1"}, []string{"train.loss", "rpgan", "lsgan, minimax, ns"}},
		{"beta2 schedule without adam", []string{"train.optimizer_d=" + optim.NameSGD, "train.beta2_schedule.kind=cosine", "train.beta2_schedule.end=0.99"}, []string{"train.beta2_schedule", optim.NameSGD, optim.NameAdam}},
		{"ema beta and half-life", []string{"train.ema=0.999", "train.ema_half_life_kimg=500"}, []string{"train.ema", "ema_half_life_kimg"}},
	} {
		c, _ := FromPreset(DefaultPreset)
		for _, kv := range tc.set {
			k, v, _ := strings.Cut(kv, "=")
			if err := c.Set(k, v); err != nil {
				t.Fatalf("%s: Set(%s): %v", tc.name, kv, err)
			}
		}
		err := c.Validate(shapeFor(c))
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tc.name, err, w)
			}
		}
	}
}

// TestOptimizerKeysAskTheRegistry sets each network's optimizer to every registered
// one, with and without a beta2 schedule: each is accepted, and the schedule only
// where the optimizer's traits say it has a beta2. A name not registered is refused
// with its key and the registered names.
func TestOptimizerKeysAskTheRegistry(t *testing.T) {
	validate := func(set ...string) error {
		c, _ := FromPreset(DefaultPreset)
		for _, kv := range set {
			k, v, _ := strings.Cut(kv, "=")
			if err := c.Set(k, v); err != nil {
				t.Fatalf("Set(%s): %v", kv, err)
			}
		}
		return c.Validate(shapeFor(c))
	}
	beta2 := []string{"train.beta2_schedule.kind=cosine", "train.beta2_schedule.end=0.99"}
	for _, key := range []string{"train.optimizer_g", "train.optimizer_d"} {
		for _, name := range optim.Names() {
			k, _ := optim.ByName(name)
			if err := validate(key + "=" + name); err != nil {
				t.Errorf("%s=%s: %v", key, name, err)
			}
			err := validate(append([]string{key + "=" + name}, beta2...)...)
			if k.Traits().Beta2 != (err == nil) {
				t.Errorf("%s=%s with a beta2 schedule: error %v, optimizer has beta2: %v", key, name, err, k.Traits().Beta2)
			}
		}
		err := validate(key + "=lbfgs")
		if err == nil {
			t.Errorf("%s=lbfgs accepted", key)
			continue
		}
		for _, want := range append([]string{key, `"lbfgs"`}, optim.Names()...) {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s=lbfgs: error %q lacks %s", key, err, want)
			}
		}
	}
}

// TestReadmeListsEveryKey keeps the README's key table complete.
func TestReadmeListsEveryKey(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		if !strings.Contains(string(raw), "`"+k+"`") {
			t.Errorf("README.md does not describe config key %s", k)
		}
	}
}

func TestNoisyLabelsWarn(t *testing.T) {
	c, _ := FromPreset("ganhacks")
	if w := c.Warnings(); len(w) != 1 || !strings.Contains(w[0], "unbounded") {
		t.Errorf("ganhacks preset warnings: %v", w)
	}
	if c, _ := FromPreset(DefaultPreset); len(c.Warnings()) != 0 {
		t.Errorf("default preset warns: %v", c.Warnings())
	}
}

// TestADARefusesPointsAndDiffAugment: ADA transforms images, and augments D's inputs
// as DiffAugment does; either contradiction is refused naming train.ada.
func TestADARefusesPointsAndDiffAugment(t *testing.T) {
	for _, tc := range []struct {
		preset string
		set    map[string]string
		want   string
	}{
		{"ring8", map[string]string{"train.ada": "bgc"}, "train.ada: ADA transforms images"},
		{DefaultPreset, map[string]string{"train.ada": "bg", "train.diffaugment": "color"}, "choose one"},
	} {
		c, err := FromPreset(tc.preset)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range tc.set {
			if err := c.Set(k, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Validate(shapeFor(c)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: error %v, want %q", tc.preset, tc.set, err, tc.want)
		}
	}
}
