package config

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestValuesOfTheWrongTypeAreRefusedNamingTheKey is issue 12's config failures: a
// learning rate of .inf was accepted, batch: 8.7 became 8 without a word, and
// batch: "abc" got a message that did not name the key. Each bad value must be an
// error naming the key and what it takes, from a file (with its line) and from --set.
func TestValuesOfTheWrongTypeAreRefusedNamingTheKey(t *testing.T) {
	for _, tc := range []struct {
		section, key, value string
		want                []string // in both errors, besides the key
	}{
		{"train", "lr_g", ".inf", []string{"finite", ".inf"}},
		{"train", "lr_g", "-.Inf", []string{"finite", "-.Inf"}},
		{"train", "lr_d", ".nan", []string{"finite", ".nan"}},
		{"train", "ema", ".NaN", []string{"finite"}},
		{"model", "leaky_slope", ".inf", []string{"finite"}},
		{"train", "batch", "8.7", []string{"whole number", "8.7"}},
		{"train", "steps", "2000.5", []string{"whole number", "2000.5"}},
		{"train", "seed", "0.5", []string{"whole number"}},
		{"train", "batch", `"abc"`, []string{"whole number", `"abc"`}},
		{"train", "batch", "abc", []string{"whole number", `"abc"`}},
		{"train", "batch", `"64"`, []string{"whole number", `"64"`}},
		{"train", "batch", "true", []string{"whole number", "true"}},
		{"train", "batch", ".inf", []string{"whole number", ".inf"}},
		{"train", "steps", "1e30", []string{"out of range", "1e30"}},
		{"train", "steps", "-99999999999999999999", []string{"out of range"}},
		{"train", "batch", "~", []string{"no value", "whole number"}},
		{"train", "lr_d", "fast", []string{"a number", `"fast"`}},
		{"train", "lr_d", "[1, 2]", []string{"a number", "list"}},
		{"train", "lr_d", "{a: 1}", []string{"a number", "mapping"}},
		{"model", "bn_g", "maybe", []string{"true or false", `"maybe"`}},
		{"model", "bn_g", "1", []string{"true or false", "1"}},
		{"data", "path", "[a, b]", []string{"a single value", "list"}},
	} {
		key := tc.section + "." + tc.key
		base, _ := FromPreset(DefaultPreset)
		src := tc.section + ":\n  " + tc.key + ": " + tc.value + "\n"
		_, err := Parse("c.yaml", []byte(src), base)
		wantFile := append([]string{"c.yaml", "line 2", key}, tc.want...)
		if err == nil {
			t.Errorf("file %q: accepted", src)
		} else {
			for _, w := range wantFile {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("file %q: error %q lacks %q", src, err, w)
				}
			}
		}
		c := base
		err = c.Set(key, tc.value)
		if strings.HasPrefix(tc.value, "[") || strings.HasPrefix(tc.value, "{") {
			continue // --set takes single values only (refused before typing)
		}
		if err == nil {
			t.Errorf("Set(%s=%s): accepted", key, tc.value)
			continue
		}
		for _, w := range append([]string{key}, tc.want...) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Set(%s=%s): error %q lacks %q", key, tc.value, err, w)
			}
		}
		if strings.Contains(err.Error(), "line ") {
			t.Errorf("Set(%s=%s): error %q cites a line of the document Set builds", key, tc.value, err)
		}
	}
}

// TestWholeNumbersAndNumbersAcceptWhatYAMLMeans: 1e4 is 10,000, 0x10 is 16, 1_000 is
// 1,000, an integer is a valid float, and text keys take any scalar.
func TestWholeNumbersAndNumbersAcceptWhatYAMLMeans(t *testing.T) {
	base, _ := FromPreset(DefaultPreset)
	c, err := Parse("c.yaml", []byte("train:\n  steps: 1e4\n  batch: 0x10\n  log_every: 1_000\n  lr_d: 1\n  seed: -3\n  instance_noise_steps: 2.0\ndata:\n  path: 123\n"), base)
	if err != nil {
		t.Fatal(err)
	}
	if got := [5]int{c.Train.Steps, c.Train.Batch, c.Train.LogEvery, int(c.Train.Seed), c.Train.NoiseSteps}; got != [5]int{10000, 16, 1000, -3, 2} {
		t.Errorf("steps, batch, log_every, seed, instance_noise_steps = %v, want [10000 16 1000 -3 2]", got)
	}
	if c.Train.LRD != 1 || c.Data.Path != "123" {
		t.Errorf("lr_d %g, data.path %q; want 1 and \"123\"", c.Train.LRD, c.Data.Path)
	}
}

// TestValidateRefusesNonFiniteFloatsInEveryKey sets NaN, +Inf and -Inf into every
// float field, whichever way the config was built: Validate must name the key.
func TestValidateRefusesNonFiniteFloatsInEveryKey(t *testing.T) {
	floats := 0
	for _, key := range Keys() {
		f, _ := lookup(key)
		if f.Type.Kind() != reflect.Float64 {
			continue
		}
		floats++
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			c, _ := FromPreset(DefaultPreset)
			field(&c, key).SetFloat(bad)
			err := c.Validate(shapeFor(c))
			if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "finite") {
				t.Errorf("%s = %g: error %v, want one naming the key and asking for a finite number", key, bad, err)
			}
		}
	}
	if floats < 15 {
		t.Errorf("found %d float keys; the config has more than 15", floats)
	}
}

// field is the settable field of c that the dotted key names.
func field(c *Config, key string) reflect.Value {
	v := reflect.ValueOf(c).Elem()
	for _, p := range strings.Split(key, ".") {
		for i := range v.NumField() {
			if yamlName(v.Type().Field(i)) == p {
				v = v.Field(i)
				break
			}
		}
	}
	return v
}
