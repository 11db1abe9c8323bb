package ablate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/train"
)

// TestPlanWithoutFeatureNetReadsAsTheDefaults loads a plan.json written before
// feature_net and real existed (the keys removed from a saved one): it reads back
// with both empty, the same plan as one made without the flags, and a plan that sets
// them differs from it by those two fields.
func TestPlanWithoutFeatureNetReadsAsTheDefaults(t *testing.T) {
	p := toyPlan(t)
	p.FeatureNet, p.Real = "/models/colour.gob.gz", "/data/icons"
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	back, err := Load(p.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.FeatureNet != p.FeatureNet || back.Real != p.Real {
		t.Fatalf("saved feature_net %q, real %q; read back %q, %q", p.FeatureNet, p.Real, back.FeatureNet, back.Real)
	}
	path := filepath.Join(p.Dir, PlanFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc, "feature_net")
	delete(doc, "real")
	if raw, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	old, err := Load(p.Dir)
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := old.Differences(toyPlan(t))
	if err != nil || len(diffs) != 0 || old.FeatureNet != "" || old.Real != "" {
		t.Errorf("an old plan: feature_net %q, real %q, differences from a new default one %q (%v)", old.FeatureNet, old.Real, diffs, err)
	}
	diffs, err = old.Differences(p)
	if err != nil || len(diffs) != 2 || !strings.HasPrefix(diffs[0], "feature_net: ") || !strings.HasPrefix(diffs[1], "real: ") {
		t.Errorf("an old plan against one with --feature-net and --real: differences %q (%v)", diffs, err)
	}
}

// TestRunCellEvaluatesWithThePlansFeatureNetAndReal trains one tiny cell for 2 steps
// (28x28x1) and evaluates it under plans that name the committed 32x32x3 colour
// network, then a real dataset that does not exist: each evaluation must fail naming
// what the plan gave it, which it can only do if the field reached eval.
func TestRunCellEvaluatesWithThePlansFeatureNetAndReal(t *testing.T) {
	base, err := config.FromPreset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	base.Train.Steps, base.Train.CheckpointEvery, base.Train.SampleEvery = 2, 2, 2
	colour, err := filepath.Abs("../metrics/featnet/emojione32.gob.gz")
	if err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "no-such-data")
	p := Plan{Dir: t.TempDir(), Base: base, Seeds: []int64{0}, EvalN: 16}
	c := p.Cells()[0]
	trainer := func(j TrainJob) error {
		_, err := train.Run(j.Config, train.Options{RunDir: j.Dir, Resume: j.Resume, Backend: j.Backend})
		return err
	}
	for _, tc := range []struct {
		featureNet, real string
		want             []string
	}{
		{colour, "", []string{"28x28x1", "32x32x3", "--feature-net"}},
		{"", missing, []string{missing}},
	} {
		p.FeatureNet, p.Real = tc.featureNet, tc.real
		err := p.RunCell(c, RunOptions{Workers: 1, Train: trainer})
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("feature net %q, real %q: error %v, want one naming %q", tc.featureNet, tc.real, err, w)
			}
		}
	}
}
