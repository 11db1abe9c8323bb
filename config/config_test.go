package config

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gankit/gankit/data"
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
