package ablate

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/gankit/gankit/eval"
	"github.com/gankit/gankit/run"
)

// CellResult is what a finished (or unfinished) cell left behind.
type CellResult struct {
	Cell
	Dir     string
	Done    bool
	Eval    eval.Result
	Metrics []run.Metrics // metrics.jsonl
	Samples string        // the last sample grid, if any
}

// Stat is a metric's mean and standard error over a setting's seeds: SE = s/sqrt(N)
// with s the sample standard deviation (divisor N-1); 0 for one seed.
type Stat struct {
	Mean, SE float64
	N        int
}

// Group is one setting with its cells and statistics.
type Group struct {
	Setting Setting
	Cells   []CellResult
	Stats   map[string]Stat
}

// Results are a grid's gathered cells, one group per setting in plan order.
type Results struct {
	Plan    Plan
	Groups  []Group
	Metrics []string // the metric names present, in display order
}

// metricOrder is the order metrics are shown in.
var metricOrder = []string{"fid", "kid", "precision", "recall", "density", "coverage", "is", "spectrum",
	"modes", "hq", "reverse_kl", "sec_per_step"}

// Lower says whether a smaller value of the metric is better.
func Lower(metric string) bool {
	switch metric {
	case "fid", "kid", "spectrum", "reverse_kl", "sec_per_step":
		return true
	}
	return false
}

// Gather reads every cell of the plan.
func Gather(p Plan) (Results, error) {
	res := Results{Plan: p}
	seen := map[string]bool{}
	for _, s := range p.Settings() {
		g := Group{Setting: s, Stats: map[string]Stat{}}
		values := map[string][]float64{}
		for _, seed := range p.Seeds {
			c := Cell{Setting: s, Seed: seed}
			cr := CellResult{Cell: c, Dir: p.CellDir(c)}
			if b, err := os.ReadFile(filepath.Join(cr.Dir, EvalFile)); err == nil {
				if err := json.Unmarshal(b, &cr.Eval); err != nil {
					return res, err
				}
				cr.Done = true
				for k, v := range metricValues(cr.Eval) {
					values[k] = append(values[k], v)
					seen[k] = true
				}
			}
			cr.Metrics, _, _ = run.ReadMetrics(cr.Dir) // a cell not started yet has none
			if n := len(cr.Metrics); n > 0 && cr.Done {
				values["sec_per_step"] = append(values["sec_per_step"], meanSecPerStep(cr.Metrics))
				seen["sec_per_step"] = true
			}
			if grids, _ := filepath.Glob(filepath.Join(cr.Dir, run.SamplesDir, "step-*.png")); len(grids) > 0 {
				sort.Strings(grids)
				cr.Samples = grids[len(grids)-1]
			}
			g.Cells = append(g.Cells, cr)
		}
		for k, v := range values {
			g.Stats[k] = stat(v)
		}
		res.Groups = append(res.Groups, g)
	}
	for _, m := range metricOrder {
		if seen[m] {
			res.Metrics = append(res.Metrics, m)
		}
	}
	return res, nil
}

// metricValues flattens an evaluation into named numbers.
func metricValues(r eval.Result) map[string]float64 {
	out := map[string]float64{}
	if m := r.Modes; m != nil {
		out["modes"], out["hq"], out["reverse_kl"] = float64(m.Modes), m.HQ, m.ReverseKL
	}
	if im := r.Images; im != nil {
		for k, p := range map[string]*float64{"fid": im.FID, "kid": im.KID, "precision": im.Precision, "recall": im.Recall,
			"density": im.Density, "coverage": im.Coverage, "is": im.IS} {
			if p != nil {
				out[k] = *p
			}
		}
		if im.Spectrum != nil {
			out["spectrum"] = im.Spectrum.Score
		}
	}
	return out
}

func stat(v []float64) Stat {
	s := Stat{N: len(v)}
	for _, x := range v {
		s.Mean += x
	}
	s.Mean /= float64(len(v))
	if len(v) > 1 {
		var ss float64
		for _, x := range v {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.SE = math.Sqrt(ss/float64(len(v)-1)) / math.Sqrt(float64(len(v)))
	}
	return s
}

func meanSecPerStep(ms []run.Metrics) float64 {
	var s float64
	n := 0
	for _, m := range ms {
		if m.SecPerStep > 0 {
			s += m.SecPerStep
			n++
		}
	}
	return s / float64(max(n, 1))
}

// Best is the setting that did best: for toy mixtures the most modes, then the
// highest high-quality share, then the lowest reverse KL (means over seeds); for
// images the lowest FID. Settings with unfinished cells are passed over.
func (r Results) Best() (Group, bool) {
	var best Group
	found := false
	better := func(a, b Group) bool {
		if _, ok := a.Stats["fid"]; ok {
			return a.Stats["fid"].Mean < b.Stats["fid"].Mean
		}
		for _, m := range []string{"modes", "hq"} {
			if x, y := a.Stats[m].Mean, b.Stats[m].Mean; x != y {
				return x > y
			}
		}
		return a.Stats["reverse_kl"].Mean < b.Stats["reverse_kl"].Mean
	}
	for _, g := range r.Groups {
		done := len(g.Cells) > 0
		for _, c := range g.Cells {
			done = done && c.Done
		}
		if done && (!found || better(g, best)) {
			best, found = g, true
		}
	}
	return best, found
}

// MarshalJSON writes non-finite means (a reverse KL with no high-quality point) as null.
func (s Stat) MarshalJSON() ([]byte, error) {
	finite := func(v float64) *float64 {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil
		}
		return &v
	}
	return json.Marshal(struct {
		Mean *float64 `json:"mean"`
		SE   *float64 `json:"se"`
		N    int      `json:"n"`
	}{finite(s.Mean), finite(s.SE), s.N})
}
