// Package ablate runs grids of training runs that vary config keys over several
// seeds, evaluates every cell, and gathers the results for the report: the engine of
// `gankit ablate` and `gankit report`.
package ablate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/internal/fsutil"
	"gopkg.in/yaml.v3"
)

// PlanFile holds a grid's plan inside its directory, so that cells can run in other
// processes (a cluster's job array) and `gankit report` can gather them.
const PlanFile = "plan.json"

// Axis is one varied config key and its values.
type Axis struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// ParseAxis reads key=v1,v2,... and checks that every value is valid for the key.
func ParseAxis(s string) (Axis, error) {
	key, vals, ok := strings.Cut(s, "=")
	if !ok || key == "" || vals == "" {
		return Axis{}, fmt.Errorf("--vary %q: want key=value1,value2,...", s)
	}
	a := Axis{Key: key, Values: splitTopLevel(vals)}
	base, _ := config.FromPreset(config.DefaultPreset)
	for _, v := range a.Values {
		c := base
		if err := c.Set(key, v); err != nil {
			return Axis{}, fmt.Errorf("--vary %s: %w", s, err)
		}
	}
	return a, nil
}

// splitTopLevel splits s at the commas outside YAML flow brackets and double quotes,
// so that a value may be a list, a mapping or a string with commas:
// "train.penalties=[r1, r2],train.loss=rpgan" is two settings, and so is
// `train.diffaugment="color,cutout",train.ema=0.999`. An unbalanced bracket or quote
// leaves the rest as one part, for Set to refuse.
func splitTopLevel(s string) []string {
	var parts []string
	depth, start, quoted := 0, 0, false
	for i, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '[' || r == '{':
			depth++
		case r == ']' || r == '}':
			depth--
		case r == ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// Variant is a named set of changes to the base config ("pack4": model.pack=4), for
// comparing tricks that set different keys side by side.
type Variant struct {
	Name string `json:"name"`
	Set  []KV   `json:"set"`
}

// ParseVariant reads name:key=value,key=value ("vanilla:" changes nothing).
func ParseVariant(s string) (Variant, error) {
	name, rest, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return Variant{}, fmt.Errorf("--variant %q: want name:key=value,key=value", s)
	}
	v := Variant{Name: name}
	base, _ := config.FromPreset(config.DefaultPreset)
	for _, kv := range splitTopLevel(rest) {
		if kv == "" {
			continue
		}
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			return Variant{}, fmt.Errorf("--variant %q: %q is not key=value", s, kv)
		}
		if err := base.Set(k, val); err != nil {
			return Variant{}, fmt.Errorf("--variant %s: %w", name, err)
		}
		v.Set = append(v.Set, KV{k, val})
	}
	return v, nil
}

// Plan is a grid: every variant (or the base alone) with every combination of the
// axes' values, each trained with every seed.
type Plan struct {
	Dir      string        `json:"-"`
	Base     config.Config `json:"base"` // the preset with --set applied
	Variants []Variant     `json:"variants,omitempty"`
	Axes     []Axis        `json:"axes"`
	Seeds    []int64       `json:"seeds"`
	EvalN    int           `json:"eval_n"` // generated samples per evaluation (0: the eval default)
	// FeatureNet is the feature network model file the cells are evaluated with
	// ("": the committed Fashion-MNIST one), and Real the real data they are compared
	// with ("": each cell's data, test split). A plan saved before they existed reads
	// back as the defaults.
	FeatureNet string `json:"feature_net,omitempty"`
	Real       string `json:"real,omitempty"`
}

// Setting is a variant's changes and one combination of axis values.
type Setting struct {
	Name    string `json:"name,omitempty"`    // the variant's name ("" without variants)
	Variant []KV   `json:"variant,omitempty"` // the variant's changes
	Values  []KV   `json:"values,omitempty"`  // one value per axis, in axis order
}

// KV is a key and its value.
type KV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// String names a setting by its variant and axis values: "pack4,train.loss=hinge",
// or "base".
func (s Setting) String() string {
	var parts []string
	if s.Name != "" {
		parts = append(parts, s.Name)
	}
	for _, kv := range s.Values {
		parts = append(parts, kv.Key+"="+kv.Value)
	}
	if len(parts) == 0 {
		return "base"
	}
	return strings.Join(parts, ",")
}

// Cell is one setting trained with one seed.
type Cell struct {
	Index   int     `json:"index"`
	Setting Setting `json:"setting"`
	Seed    int64   `json:"seed"`
}

// Settings lists every variant (or the base) with every combination of the axes'
// values, variants slowest, then the first axis.
func (p Plan) Settings() []Setting {
	out := []Setting{{}}
	if len(p.Variants) > 0 {
		out = nil
	}
	for _, v := range p.Variants {
		out = append(out, Setting{Name: v.Name, Variant: v.Set})
	}
	for _, a := range p.Axes {
		var next []Setting
		for _, s := range out {
			for _, v := range a.Values {
				next = append(next, Setting{Name: s.Name, Variant: s.Variant, Values: append(append([]KV{}, s.Values...), KV{a.Key, v})})
			}
		}
		out = next
	}
	return out
}

// Cells lists every (setting, seed) pair in a fixed order.
func (p Plan) Cells() []Cell {
	var out []Cell
	for _, s := range p.Settings() {
		for _, seed := range p.Seeds {
			out = append(out, Cell{Index: len(out), Setting: s, Seed: seed})
		}
	}
	return out
}

// CellDir is where a cell's run lives.
func (p Plan) CellDir(c Cell) string {
	name := strings.NewReplacer("/", "_", " ", "_", ":", "_").Replace(c.Setting.String())
	return filepath.Join(p.Dir, "cells", name, fmt.Sprintf("seed-%d", c.Seed))
}

// CellConfig is the base config with the cell's values and seed.
func (p Plan) CellConfig(c Cell) (config.Config, error) {
	cfg := p.Base
	for _, kv := range append(append([]KV{}, c.Setting.Variant...), c.Setting.Values...) {
		if err := cfg.Set(kv.Key, kv.Value); err != nil {
			return cfg, err
		}
	}
	cfg.Train.Seed = c.Seed
	return cfg, nil
}

// Save writes the plan into its directory.
func (p Plan) Save() error {
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(filepath.Join(p.Dir, PlanFile), b)
}

// Load reads the plan a grid directory holds.
func Load(dir string) (Plan, error) {
	b, err := os.ReadFile(filepath.Join(dir, PlanFile))
	if err != nil {
		return Plan{}, fmt.Errorf("%s is not an ablation directory (no %s): %w", dir, PlanFile, err)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return Plan{}, fmt.Errorf("%s: %w", filepath.Join(dir, PlanFile), err)
	}
	p.Dir = dir
	return p, nil
}

// Differences lists what q changes of p, one entry a field: the base config's keys by
// their config names ("base train.steps: 30, then 60"), then the variants, axes,
// seeds and eval_n. None means the two plans make the same grid; the directory is
// not compared.
func (p Plan) Differences(q Plan) ([]string, error) {
	pb, err := flatConfig(p.Base)
	if err != nil {
		return nil, err
	}
	qb, err := flatConfig(q.Base)
	if err != nil {
		return nil, err
	}
	var out []string
	keys := map[string]bool{}
	for k := range pb {
		keys[k] = true
	}
	for k := range qb {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if pb[k] != qb[k] {
			out = append(out, fmt.Sprintf("base %s: %s, then %s", k, orNone(pb[k]), orNone(qb[k])))
		}
	}
	for _, f := range []struct {
		name string
		a, b any
	}{{"variants", p.Variants, q.Variants}, {"axes", p.Axes, q.Axes}, {"seeds", p.Seeds, q.Seeds}, {"eval_n", p.EvalN, q.EvalN}, {"feature_net", p.FeatureNet, q.FeatureNet}, {"real", p.Real, q.Real}} {
		a, err := json.Marshal(f.a)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(f.b)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(a, b) {
			out = append(out, fmt.Sprintf("%s: %s, then %s", f.name, a, b))
		}
	}
	return out, nil
}

// flatConfig is a config's keys (as written in YAML: train.steps) and each value's
// JSON text.
func flatConfig(c config.Config) (map[string]string, error) {
	y, err := c.YAML()
	if err != nil {
		return nil, err
	}
	var tree map[string]any
	if err := yaml.Unmarshal(y, &tree); err != nil {
		return nil, fmt.Errorf("reading back a config's YAML: %w", err)
	}
	out := map[string]string{}
	var walk func(prefix string, v any) error
	walk = func(prefix string, v any) error {
		if m, ok := v.(map[string]any); ok {
			for k, sub := range m {
				if err := walk(strings.TrimPrefix(prefix+"."+k, "."), sub); err != nil {
					return err
				}
			}
			return nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("config key %s: %w", prefix, err)
		}
		out[prefix] = string(b)
		return nil
	}
	return out, walk("", map[string]any(tree))
}

// orNone is s, or "(none)" for a key one config lacks.
func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
