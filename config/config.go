package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/losses"
	"github.com/gankit/gankit/nets"
	"gopkg.in/yaml.v3"
)

// Config is everything a run needs; its YAML form is config.yaml in the run directory.
type Config struct {
	Preset  string      `yaml:"preset"`  // the preset this config started from (informative)
	Backend string      `yaml:"backend"` // cpu | go | xla:cpu | xla:cuda | xla:/path/plugin.so; "" = $GOMLX_BACKEND or cpu
	Data    Data        `yaml:"data"`
	Model   nets.Config `yaml:"model"`
	Train   Train       `yaml:"train"`
}

// Data says where the training data come from.
type Data struct {
	Path     string `yaml:"path"`     // see data.Formats; "" = embedded Fashion-MNIST 10k; ring8 | grid25
	Split    string `yaml:"split"`    // train | test
	Size     int    `yaml:"size"`     // image folders: resize + center-crop to this
	Channels int    `yaml:"channels"` // image folders: 1 (grayscale) or 3 (RGB)
	Limit    int    `yaml:"limit"`    // use only the first N examples (0 = all)
}

// Train holds the optimisation loop's settings.
type Train struct {
	Steps           int     `yaml:"steps"`            // training iterations (one D step + one G step each)
	Batch           int     `yaml:"batch"`            // examples per batch
	Seed            int64   `yaml:"seed"`             // seeds weights, data order, latents
	Loss            string  `yaml:"loss"`             // adversarial loss, see losses.Names
	Optimizer       string  `yaml:"optimizer"`        // adam
	LRG             float64 `yaml:"lr_g"`             // generator learning rate
	LRD             float64 `yaml:"lr_d"`             // discriminator learning rate
	Beta1           float64 `yaml:"beta1"`            // Adam beta1 (DCGAN: 0.5)
	Beta2           float64 `yaml:"beta2"`            // Adam beta2
	Epsilon         float64 `yaml:"epsilon"`          // Adam epsilon (PyTorch's 1e-8)
	LogEvery        int     `yaml:"log_every"`        // steps between metrics.jsonl lines
	SampleEvery     int     `yaml:"sample_every"`     // steps between sample grids (0 = only at the end)
	SampleCount     int     `yaml:"sample_count"`     // images in a grid (points in a toy scatter)
	CheckpointEvery int     `yaml:"checkpoint_every"` // steps between checkpoints (0 = only at the end)
	KeepCheckpoints int     `yaml:"keep_checkpoints"` // how many recent checkpoints to keep
}

// Optimizers lists accepted train.optimizer values.
var Optimizers = []string{"adam"}

// Parse reads a YAML config over base: keys present override base, absent keys keep it.
// An unknown key is an error naming it, its line and the allowed keys.
func Parse(name string, src []byte, base Config) (Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	if len(root.Content) == 0 {
		return base, nil
	}
	if err := checkKeys(root.Content[0], base, ""); err != nil {
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	cfg := base
	if err := root.Content[0].Decode(&cfg); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return Config{}, fmt.Errorf("%s: %s", name, te.Errors[0])
		}
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	return cfg, nil
}

// Load reads a YAML config file over base.
func Load(path string, base Config) (Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(path, src, base)
}

// YAML is cfg as a config file.
func (c Config) YAML() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// IsToy says whether the data are a 2-D toy mixture.
func (c Config) IsToy() bool { return c.Data.Path == data.Ring8 || c.Data.Path == data.Grid25 }

// Validate checks every value against what it may be; shape is the data's shape.
func (c Config) Validate(shape data.Shape) error {
	t := c.Train
	for _, chk := range []struct {
		ok   bool
		key  string
		want string
		got  any
	}{
		{t.Steps >= 1, "train.steps", "at least 1", t.Steps},
		{t.Batch >= 1, "train.batch", "at least 1", t.Batch},
		{t.LRG > 0, "train.lr_g", "> 0", t.LRG},
		{t.LRD > 0, "train.lr_d", "> 0", t.LRD},
		{t.Beta1 >= 0 && t.Beta1 < 1, "train.beta1", "in [0, 1)", t.Beta1},
		{t.Beta2 >= 0 && t.Beta2 < 1, "train.beta2", "in [0, 1)", t.Beta2},
		{t.Epsilon > 0, "train.epsilon", "> 0", t.Epsilon},
		{t.LogEvery >= 1, "train.log_every", "at least 1", t.LogEvery},
		{t.SampleEvery >= 0, "train.sample_every", ">= 0", t.SampleEvery},
		{t.SampleCount >= 1, "train.sample_count", "at least 1", t.SampleCount},
		{t.CheckpointEvery >= 0, "train.checkpoint_every", ">= 0", t.CheckpointEvery},
		{t.KeepCheckpoints >= 1, "train.keep_checkpoints", "at least 1", t.KeepCheckpoints},
		{c.Data.Limit >= 0, "data.limit", ">= 0", c.Data.Limit},
	} {
		if !chk.ok {
			return fmt.Errorf("%s: want %s, got %v", chk.key, chk.want, chk.got)
		}
	}
	if _, err := losses.ByName(t.Loss); err != nil {
		return err
	}
	if !slices.Contains(Optimizers, t.Optimizer) {
		return fmt.Errorf("train.optimizer: %q is not one of %v", t.Optimizer, Optimizers)
	}
	return c.Model.Validate(shape)
}
