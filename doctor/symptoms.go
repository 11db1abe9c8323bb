package doctor

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/run"
)

// The symptoms, as diagnoses.jsonl and the doctor.off key name them.
const (
	Divergence   run.Symptom = "divergence"    // NaN or Inf, or a loss or gradient exploding
	DWins        run.Symptom = "d_wins"        // D separates real and fake completely, for long
	DOverfits    run.Symptom = "d_overfits"    // D tells its training images from held-out ones
	ModeCollapse run.Symptom = "mode_collapse" // G's samples far less varied than the data
	Stalled      run.Symptom = "stalled"       // nothing moves from its initial value
	Worsening    run.Symptom = "worsening"     // the quality proxy rose after its best
	InputBound   run.Symptom = "input_bound"   // the loop waits for data
)

// Symptoms lists every symptom, in the order the doctor checks them (a copy).
func Symptoms() []run.Symptom {
	return []run.Symptom{Divergence, DWins, DOverfits, ModeCollapse, Stalled, Worsening, InputBound}
}

// ParseSymptoms reads a list of symptom names (doctor.off), refusing an unknown one.
func ParseSymptoms(key string, names []string) ([]run.Symptom, error) {
	var out []run.Symptom
	for _, n := range names {
		s := run.Symptom(strings.TrimSpace(n))
		if !slices.Contains(Symptoms(), s) {
			all := make([]string, 0, len(Symptoms()))
			for _, s := range Symptoms() {
				all = append(all, string(s))
			}
			return nil, fmt.Errorf("%s: %q is not a symptom; the symptoms are %s", key, n, strings.Join(all, ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

// Setting is what the tips need to know of the run's config, to name values a user
// can paste.
type Setting struct {
	Loss      string // train.loss
	LRD, LRG  float64
	Penalties []string // names of D's penalties
	ADA       bool
	DiffAug   bool
	EMA       bool
	Toy       bool
	BND       bool // D has BatchNorm, which a gradient penalty refuses
	// Config and Shape, when Config is set, are the run's: a tip whose --set the run's
	// config would refuse (label smoothing with a loss without targets, ADA on points)
	// is not given.
	Config *config.Config
	Shape  data.Shape
}

// tips are the remedies for a symptom that the run's config admits, the first the one
// to try first, each with the table that measured it.
func tips(s run.Symptom, set Setting) []run.Tip {
	var out []run.Tip
	for _, t := range allTips(s, set) {
		if set.admits(t) {
			out = append(out, t)
		}
	}
	return out
}

// admits says whether the run's config takes the tip's --set flags (always, without
// a config, or when the config is refused as it is: nothing can be judged then).
func (set Setting) admits(t run.Tip) bool {
	if set.Config == nil || t.Set == "" || set.Config.Validate(set.Shape) != nil {
		return true
	}
	cfg := *set.Config
	fields := strings.Fields(t.Set)
	for i := 0; i+1 < len(fields); i += 2 {
		kv := strings.SplitN(fields[i+1], "=", 2)
		if fields[i] != "--set" || len(kv) != 2 || cfg.Set(kv[0], kv[1]) != nil {
			return false
		}
	}
	return cfg.Validate(set.Shape) == nil
}

// allTips are every remedy for a symptom, the first the one to try first.
func allTips(s run.Symptom, set Setting) []run.Tip {
	lr := func(f float64) string {
		return fmt.Sprintf("--set train.lr_d=%.3g --set train.lr_g=%.3g", set.LRD*f, set.LRG*f)
	}
	r1 := run.Tip{Text: "add R1 on D (gamma 10)", Set: "--set train.penalties=[r1]", Evidence: "docs/results.md §1 (grid25: 18.6 -> 23.8 modes) and §10"}
	if set.BND {
		r1.Text, r1.Set = "add R1 on D (gamma 10), without BatchNorm in D, which a gradient penalty refuses", r1.Set+" --set model.bn_d=false"
	}
	if slices.Contains(set.Penalties, "r1") {
		r1 = run.Tip{Text: "raise R1's gamma (its weight in train.penalties, or train.penalty_weight)", Evidence: "docs/results.md §6a"}
	}
	switch s {
	case Divergence:
		return []run.Tip{
			{Text: "lower both learning rates 2x (train.on_divergence=rollback does it from the last good checkpoint)", Set: lr(0.5), Evidence: "docs/results.md §10"},
			r1,
		}
	case DWins:
		slow := run.Tip{Text: "slow D: lower its learning rate 4x", Set: fmt.Sprintf("--set train.lr_d=%.3g", set.LRD/4), Evidence: "docs/results.md §10"}
		if set.LRD > set.LRG {
			slow = run.Tip{Text: fmt.Sprintf("slow D to G's rate: D learns %.3gx as fast as G", set.LRD/set.LRG), Set: fmt.Sprintf("--set train.lr_d=%.3g", set.LRG), Evidence: "docs/results.md §10"}
		}
		return []run.Tip{
			slow,
			r1,
			{Text: "one-sided label smoothing", Set: "--set train.label_smoothing=0.1", Evidence: "docs/results.md §1"},
		}
	case DOverfits:
		t := []run.Tip{
			{Text: "adaptive augmentation (ADA)", Set: "--set train.ada=bgc", Evidence: "docs/results.md §10; §8a found it costs FID in short runs"},
			{Text: "DiffAugment", Set: "--set train.diffaugment=color,translation,cutout", Evidence: "docs/results.md §8a"},
			r1,
		}
		if set.ADA || set.DiffAug {
			t = append([]run.Tip{{Text: "more data: augmentation is on and D still overfits", Evidence: "docs/results.md §8a"}}, r1)
		}
		return t
	case ModeCollapse:
		return []run.Tip{
			r1,
			{Text: "spectral norm in D", Set: "--set model.spectral_norm=true", Evidence: "docs/results.md §1 (grid25: 23.4 modes)"},
			{Text: "minibatch discrimination", Set: "--set model.mbdisc=true", Evidence: "docs/results.md §6b (weak-D stacked: 767 -> 996 modes)"},
		}
	case Stalled:
		return []run.Tip{
			{Text: "check the learning rates: the weights do not move", Set: "--set train.lr_d=2e-4 --set train.lr_g=2e-4", Evidence: "docs/results.md §10"},
		}
	case Worsening:
		return []run.Tip{
			{Text: "sample or resume from the best checkpoint (best.json)", Evidence: "docs/results.md §10"},
			{Text: "keep an EMA of G", Set: "--set train.ema=0.999", Evidence: "docs/results.md §9 addendum"},
			{Text: "lower both learning rates 2x", Set: lr(0.5)},
		}
	case InputBound:
		return []run.Tip{{Text: "keep the data where reading is cheap (a local disk; the decoded-image cache, data.cache, on a fast one), or train on fewer, smaller images"}}
	}
	return nil
}
