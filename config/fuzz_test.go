package config

import (
	"reflect"
	"testing"

	"github.com/gankit/gankit/data"
)

// The config fuzz targets feed the YAML parser and --set arbitrary text: each must
// return an error or a config that holds only finite numbers, survives its own YAML
// round trip, and validates (or not) without a panic against image and point data.
// `go test ./internal/fuzzci` runs each for a few seconds.

func checkParsed(t *testing.T, c Config) {
	if err := checkFinite(reflect.ValueOf(c), ""); err != nil {
		t.Fatalf("accepted a non-finite value: %v", err)
	}
	y, err := c.YAML()
	if err != nil {
		t.Fatalf("YAML: %v", err)
	}
	back, err := Parse("round-trip.yaml", y, Config{})
	if err != nil {
		t.Fatalf("its own YAML does not parse: %v\n%s", err, y)
	}
	if !reflect.DeepEqual(back, c) {
		t.Fatalf("YAML round trip changed the config:\n%+v\n%+v", c, back)
	}
	for _, s := range []data.Shape{{Size: 28, Channels: 1}, {Size: 64, Channels: 3}, {Dim: 2}} {
		_ = c.Validate(s)
	}
}

func FuzzParse(f *testing.F) {
	base, _ := FromPreset(DefaultPreset)
	y, _ := base.YAML()
	f.Add(string(y))
	for _, s := range []string{
		"train:\n  lr_g: .inf\n", "train:\n  batch: 8.7\n", "train:\n  batch: \"abc\"\n",
		"model: 3\n", "trian:\n  steps: 3\n", "train:\n  steps: 1e30\n", "a: &x 1\ntrain:\n  steps: *x\n",
		"train:\n  batch: ~\n", "- 1\n- 2\n", "train:\n  lr_d: [1]\n", "data:\n  path: {a: 1}\n",
		"model:\n  pack: 3\n  mbstd: true\n", "train:\n  batch: 0x10\n", "\x00\xff", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := Parse("fuzz.yaml", []byte(src), base)
		if err != nil {
			return
		}
		checkParsed(t, c)
	})
}

func FuzzSet(f *testing.F) {
	for _, kv := range [][2]string{
		{"train.lr_d", "3e-5"}, {"train.lr_g", ".inf"}, {"train.batch", "8.7"}, {"train.batch", "abc"},
		{"model.bn_g", "maybe"}, {"data.path", "stacked:"}, {"train", "1"}, {"train.nope", "1"},
		{"train.batch", "[1, 2]"}, {"train.batch", "1\ntrain:\n  steps: 5"}, {"model.pack", "4"},
		{"train.steps", "-1"}, {"train.batch", ""}, {"backend", "xla:/p.so"}, {"a.b.c.d", "1"},
	} {
		f.Add(kv[0], kv[1])
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		c, _ := FromPreset(DefaultPreset)
		if err := c.Set(key, value); err != nil {
			return
		}
		if _, ok := lookup(key); !ok {
			t.Fatalf("Set accepted %q, which is not a key", key)
		}
		checkParsed(t, c)
	})
}
