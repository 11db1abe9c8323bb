package ablate

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/eval"
	"github.com/gankit/gankit/metrics"
)

// toyPlan is a ring8 grid: variants "vanilla" and "pack2" times train.label_smoothing
// 0 and 0.1, seeds 0..2, in a temporary directory (nothing trained).
func toyPlan(t *testing.T) Plan {
	t.Helper()
	base, err := config.FromPreset("ring8")
	if err != nil {
		t.Fatal(err)
	}
	p := Plan{Dir: t.TempDir(), Base: base, Seeds: []int64{0, 1, 2}}
	for _, s := range []string{"vanilla:", "pack2:model.pack=2,train.batch=128"} {
		v, err := ParseVariant(s)
		if err != nil {
			t.Fatal(err)
		}
		p.Variants = append(p.Variants, v)
	}
	a, err := ParseAxis("train.label_smoothing=0,0.1")
	if err != nil {
		t.Fatal(err)
	}
	p.Axes = []Axis{a}
	return p
}

func TestSettingsAreVariantsTimesAxisValues(t *testing.T) {
	p := toyPlan(t)
	var names []string
	for _, s := range p.Settings() {
		names = append(names, s.String())
	}
	want := []string{"vanilla,train.label_smoothing=0", "vanilla,train.label_smoothing=0.1",
		"pack2,train.label_smoothing=0", "pack2,train.label_smoothing=0.1"}
	if !slices.Equal(names, want) {
		t.Errorf("settings %v, want %v (variants slowest)", names, want)
	}
	cells := p.Cells()
	if len(cells) != 12 {
		t.Fatalf("%d cells, want 4 settings x 3 seeds", len(cells))
	}
	c := cells[10] // pack2, smoothing 0.1, seed 1
	if c.Index != 10 || c.Seed != 1 || c.Setting.String() != want[3] {
		t.Errorf("cell 10 is %+v", c)
	}
	if got, want := p.CellDir(c), filepath.Join(p.Dir, "cells", "pack2,train.label_smoothing=0.1", "seed-1"); got != want {
		t.Errorf("cell dir %s, want %s", got, want)
	}
	cfg, err := p.CellConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Model.Pack != 2 || cfg.Train.Batch != 128 || cfg.Train.LabelSmoothing != 0.1 || cfg.Train.Seed != 1 || cfg.Data.Path != "ring8" {
		t.Errorf("cell config: pack %d batch %d smoothing %g seed %d data %s", cfg.Model.Pack, cfg.Train.Batch, cfg.Train.LabelSmoothing, cfg.Train.Seed, cfg.Data.Path)
	}
	if base := (Plan{Seeds: []int64{4}}); len(base.Settings()) != 1 || base.Settings()[0].String() != "base" {
		t.Errorf("a plan without axes or variants has settings %v, want one named base", base.Settings())
	}
}

func TestParseAxisAndVariantRefuseWhatTheyCannotApply(t *testing.T) {
	for _, tc := range []struct {
		arg, want string // want: "" when accepted, else a part of the error
	}{
		{"train.loss=ns,hinge", ""},
		{"train.loss", "want key=value1,value2"},
		{"=1,2", "want key=value1,value2"},
		{"train.loss=", "want key=value1,value2"},
		{"model.pack=1,two", "two"}, // values are parsed by type here; newPlan validates each cell's config
		{"model.pack=1,2,8", ""},
		{"model.nope=1", "model.nope"},
		{"train.penalties=[r1, r2],[r1]", ""}, // commas inside brackets belong to the value
	} {
		_, err := ParseAxis(tc.arg)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("ParseAxis(%q): %v, want %q", tc.arg, err, tc.want)
		}
	}
	for _, tc := range []struct {
		arg, want string
		set       []KV
	}{
		{"vanilla:", "", nil},
		{"r1:train.penalty=r1,model.bn_d=false", "", []KV{{"train.penalty", "r1"}, {"model.bn_d", "false"}}},
		{"r1", "want name:key=value", nil},
		{":train.penalty=r1", "want name:key=value", nil},
		{"r1:train.penalty", `"train.penalty" is not key=value`, nil},
		{"r1:train.steps=many", "many", nil},
		{"rpgan:train.penalties=[{name: r1, weight: 0.1}, r2],train.loss=rpgan", "", []KV{{"train.penalties", "[{name: r1, weight: 0.1}, r2]"}, {"train.loss", "rpgan"}}},
		{"bad:train.penalties=[r1, r2", "train.penalties", nil},
		{`da:train.diffaugment="color,translation,cutout",train.ema=0.999`, "", []KV{{"train.diffaugment", `"color,translation,cutout"`}, {"train.ema", "0.999"}}},
		{`da:train.diffaugment="color,translation`, "train.diffaugment", nil},
	} {
		v, err := ParseVariant(tc.arg)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("ParseVariant(%q): %v, want %q", tc.arg, err, tc.want)
		}
		if err == nil && !slices.Equal(v.Set, tc.set) {
			t.Errorf("ParseVariant(%q) sets %v, want %v", tc.arg, v.Set, tc.set)
		}
	}
}

func TestPlanSurvivesSaveAndLoad(t *testing.T) {
	p := toyPlan(t)
	p.EvalN = 700
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	back, err := Load(p.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Dir != p.Dir || back.EvalN != 700 || !slices.Equal(back.Seeds, p.Seeds) || len(back.Cells()) != 12 ||
		back.Cells()[7].Setting.String() != p.Cells()[7].Setting.String() || back.Base.Data.Path != "ring8" {
		t.Errorf("loaded plan differs: %+v", back)
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), PlanFile) {
		t.Errorf("loading a folder without a plan: %v", err)
	}
	script := p.Slurm("/opt/gankit")
	for _, want := range []string{"#SBATCH --array=0-11\n", `exec "/opt/gankit" ablate --out "` + p.Dir + `" --cell "$SLURM_ARRAY_TASK_ID"`, "gankit report " + p.Dir} {
		if !strings.Contains(script, want) {
			t.Errorf("slurm script lacks %q:\n%s", want, script)
		}
	}
}

// finish writes a cell's eval.json and metrics.jsonl as RunCell would leave them.
func finish(t *testing.T, p Plan, c Cell, res eval.Result, secPerStep ...float64) {
	t.Helper()
	dir := p.CellDir(c)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var log []byte
	for i, s := range secPerStep {
		line, err := json.Marshal(map[string]any{"step": i + 1, "sec_per_step": s})
		if err != nil {
			t.Fatal(err)
		}
		log = append(append(log, line...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "metrics.jsonl"), log, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, EvalFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func toy(modes int, hq, kl float64) eval.Result {
	return eval.Result{Modes: &metrics.ModeCoverage{Modes: modes, HQ: hq, ReverseKL: kl}}
}

// TestGatherMeansAndStandardErrors fills cells by hand and checks each setting's
// mean and standard error (sample standard deviation / sqrt(n)) against values worked
// out by hand, and which setting Best picks.
func TestGatherMeansAndStandardErrors(t *testing.T) {
	p := toyPlan(t)
	cells := p.Cells()
	// vanilla, smoothing 0: modes 6, 7, 8 -> mean 7, sd 1, s.e. 1/sqrt(3);
	// hq 0.5, 0.7, 0.9 -> mean 0.7, s.e. 0.2/sqrt(3); KL 0.1, 0.1, 0.4 -> mean 0.2, sd sqrt(0.03).
	finish(t, p, cells[0], toy(6, 0.5, 0.1), 0.5, 0.25)
	finish(t, p, cells[1], toy(7, 0.7, 0.1), 0.25)
	finish(t, p, cells[2], toy(8, 0.9, 0.4), 0.75)
	// vanilla, smoothing 0.1: 8 modes everywhere, but one seed unfinished.
	finish(t, p, cells[3], toy(8, 0.9, 0.01))
	finish(t, p, cells[4], toy(8, 0.9, 0.01))
	// pack2, smoothing 0: 7, 7, 7 modes, hq 0.8 -> beats vanilla's 0 (7 modes, hq 0.7).
	for i := 6; i < 9; i++ {
		finish(t, p, cells[i], toy(7, 0.8, 0.05))
	}
	// pack2, smoothing 0.1: 7 modes, hq 0.8 again, lower KL -> the best finished setting.
	for i := 9; i < 12; i++ {
		finish(t, p, cells[i], toy(7, 0.8, 0.02))
	}
	res, err := Gather(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"modes", "hq", "reverse_kl", "sec_per_step"}; !slices.Equal(res.Metrics, want) {
		t.Errorf("metrics %v, want %v", res.Metrics, want)
	}
	g := res.Groups[0]
	for name, want := range map[string]Stat{
		"modes":      {7, 1 / math.Sqrt(3), 3},
		"hq":         {0.7, 0.2 / math.Sqrt(3), 3},
		"reverse_kl": {0.2, math.Sqrt(0.03) / math.Sqrt(3), 3},
		// per cell the mean of its logged sec_per_step: 0.375, 0.25, 0.75.
		"sec_per_step": {(0.375 + 0.25 + 0.75) / 3, 0, 3},
	} {
		got := g.Stats[name]
		if name == "sec_per_step" {
			m := want.Mean
			want.SE = math.Sqrt(((0.375-m)*(0.375-m)+(0.25-m)*(0.25-m)+(0.75-m)*(0.75-m))/2) / math.Sqrt(3)
		}
		if got.N != want.N || math.Abs(got.Mean-want.Mean) > 1e-12 || math.Abs(got.SE-want.SE) > 1e-12 {
			t.Errorf("%s %s: %+v, want %+v", g.Setting, name, got, want)
		}
	}
	if s := res.Groups[1].Stats["modes"]; s.N != 2 || s.Mean != 8 || s.SE != 0 {
		t.Errorf("the unfinished setting's modes: %+v, want 8 ± 0 over the 2 finished seeds", s)
	}
	done := 0
	for _, c := range res.Groups[1].Cells {
		if c.Done {
			done++
		}
	}
	if done != 2 {
		t.Errorf("the unfinished setting has %d cells done, want 2", done)
	}
	// Best: vanilla,0.1 has the most modes but an unfinished seed; then 7 modes
	// everywhere, and hq 0.8 beats 0.7; of the two pack2 settings the lower KL wins.
	best, ok := res.Best()
	if !ok || best.Setting.String() != "pack2,train.label_smoothing=0.1" {
		t.Errorf("best %v (%v), want pack2,train.label_smoothing=0.1", best.Setting, ok)
	}
	// Images: the lowest FID.
	q := Plan{Dir: t.TempDir(), Base: p.Base, Seeds: []int64{0}, Axes: p.Axes}
	for i, fid := range []float64{30, 20} {
		v := fid
		finish(t, q, q.Cells()[i], eval.Result{Images: &metrics.ImageResult{N: 10, FID: &v}})
	}
	if res, err := Gather(q); err != nil {
		t.Fatal(err)
	} else if b, ok := res.Best(); !ok || b.Setting.String() != "train.label_smoothing=0.1" {
		t.Errorf("best image setting %v, want the lower FID (train.label_smoothing=0.1)", b.Setting)
	}
}

// TestStatJSONWritesNonFiniteAsNull: a reverse KL can be infinite (no high-quality
// point); JSON has no infinity, so it is written as null rather than failing.
func TestStatJSONWritesNonFiniteAsNull(t *testing.T) {
	for _, tc := range []struct {
		s    Stat
		want string
	}{
		{Stat{1.5, 0.25, 2}, `{"mean":1.5,"se":0.25,"n":2}`},
		{Stat{math.Inf(1), math.NaN(), 3}, `{"mean":null,"se":null,"n":3}`},
	} {
		b, err := json.Marshal(tc.s)
		if err != nil || string(b) != tc.want {
			t.Errorf("%+v: %s, %v; want %s", tc.s, b, err, tc.want)
		}
	}
}
