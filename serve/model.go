package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
	"gopkg.in/yaml.v3"
)

// curvePoints is at most how many logged steps /v1/model returns for the loss curves.
const curvePoints = 400

type modelResponse struct {
	Run        string          `json:"run"`
	Step       int             `json:"step"`
	Checkpoint string          `json:"checkpoint"`
	Generator  string          `json:"generator"` // "G_ema" or "G", in inference mode
	Config     map[string]any  `json:"config"`
	Data       dataInfo        `json:"data"`
	Classes    []string        `json:"classes,omitempty"` // a conditional run's class names, by index
	Truncation []convention    `json:"truncation"`
	Limits     limitsInfo      `json:"limits"`
	Metrics    metricsSummary  `json:"metrics"`
	Evaluation json.RawMessage `json:"evaluation,omitempty"` // the run's eval.json as written
	// Diagnoses are the training doctor's, as the run recorded them (diagnoses.jsonl),
	// oldest first; an empty list when it recorded none.
	Diagnoses []run.Diagnosis `json:"diagnoses"`
}

type dataInfo struct {
	Kind     string       `json:"kind"` // "image" or "toy"
	Shape    string       `json:"shape"`
	Size     int          `json:"size,omitempty"`
	Channels int          `json:"channels,omitempty"`
	Modes    [][2]float64 `json:"modes,omitempty"`
}

// convention is one truncation mode a request may name, and the values it takes.
type convention struct {
	Mode    string  `json:"mode"`
	Min     float64 `json:"min"` // clip takes any t > 0
	Max     float64 `json:"max"`
	Default float64 `json:"default"`
	About   string  `json:"about"`
}

type limitsInfo struct {
	MaxN     int   `json:"max_n"`
	MaxSteps int   `json:"max_steps"`
	MaxBatch int   `json:"max_batch"`
	MaxBody  int64 `json:"max_body"`
}

type metricsSummary struct {
	Logged  int          `json:"logged"`  // lines of metrics.jsonl
	Damaged int          `json:"damaged"` // lines passed over
	Last    *run.Metrics `json:"last,omitempty"`
	Curve   curve        `json:"curve"`
}

// curve is the loss curves, every k-th logged step so that at most curvePoints remain
// (the last step always among them), and ADA's augmentation probability p at the same
// steps in a run that trains with ADA.
type curve struct {
	Step  []int     `json:"step"`
	LossD []float64 `json:"loss_d"`
	LossG []float64 `json:"loss_g"`
	ADAP  []float64 `json:"ada_p,omitempty"`
}

// model answers GET /v1/model. The metrics, the evaluation and the diagnoses are read
// at each request: a run that is still training shows its newest curves and what the
// doctor has found so far.
func (s *Server) model(w http.ResponseWriter, _ *http.Request) {
	t := s.run
	resp := modelResponse{Run: filepath.Base(t.Dir), Step: t.Step, Checkpoint: filepath.Base(t.Checkpoint), Generator: "G",
		Classes: s.classes, Truncation: s.conventions(),
		Limits: limitsInfo{s.lim.MaxN, s.lim.MaxSteps, s.lim.MaxBatch, s.lim.MaxBody}}
	if s.ema {
		resp.Generator = "G_ema"
	}
	y, err := t.Config.YAML()
	if err == nil {
		err = yaml.Unmarshal(y, &resp.Config)
	}
	if err != nil {
		s.failed(w, err)
		return
	}
	resp.Data = dataInfo{Kind: "image", Shape: s.shape.String(), Size: s.shape.Size, Channels: s.shape.Channels}
	if s.toy != nil {
		resp.Data = dataInfo{Kind: "toy", Shape: s.shape.String(), Modes: s.toy.Modes}
	}
	ms, damaged, err := run.ReadMetrics(t.Dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.failed(w, err)
		return
	}
	resp.Metrics = summarize(ms, damaged)
	if b, err := os.ReadFile(filepath.Join(t.Dir, run.EvalFile)); err == nil && json.Valid(b) {
		resp.Evaluation = b
	}
	if resp.Diagnoses, _, err = run.ReadDiagnoses(t.Dir); err != nil {
		s.failed(w, fmt.Errorf("run %s: %w", t.Dir, err))
		return
	}
	if resp.Diagnoses == nil {
		resp.Diagnoses = []run.Diagnosis{}
	}
	writeJSON(w, http.StatusOK, resp)
}

func summarize(ms []run.Metrics, damaged int) metricsSummary {
	sum := metricsSummary{Logged: len(ms), Damaged: damaged,
		Curve: curve{Step: []int{}, LossD: []float64{}, LossG: []float64{}}}
	if len(ms) == 0 {
		return sum
	}
	sum.Last = &ms[len(ms)-1]
	_, ada := sum.Last.Get("ada_p")
	k := (len(ms) + curvePoints - 1) / curvePoints
	for i := len(ms) - 1; i >= 0; i -= k { // from the end, so the last step is kept
		sum.Curve.Step = append(sum.Curve.Step, ms[i].Step)
		sum.Curve.LossD = append(sum.Curve.LossD, ms[i].LossD)
		sum.Curve.LossG = append(sum.Curve.LossG, ms[i].LossG)
		if ada {
			p, _ := ms[i].Get("ada_p") // 0 on a line from before ADA was switched on (a resume with --allow-change)
			sum.Curve.ADAP = append(sum.Curve.ADAP, p)
		}
	}
	for _, xs := range [][]float64{sum.Curve.LossD, sum.Curve.LossG, sum.Curve.ADAP} {
		reverse(xs)
	}
	reverse(sum.Curve.Step)
	return sum
}

func reverse[T any](xs []T) {
	for i, j := 0, len(xs)-1; i < j; i, j = i+1, j-1 {
		xs[i], xs[j] = xs[j], xs[i]
	}
}

// conventions lists the truncation modes this run accepts and their ranges; a
// generator that pixel-normalises z takes none (run.CheckTruncation).
func (s *Server) conventions() []convention {
	none := convention{Mode: "none", About: "no truncation: z ~ N(0, I)"}
	if run.CheckTruncation(s.run.Config, sample.Truncation{Mode: sample.TruncPsi, Value: 1}) != nil {
		none.About += " (the generator pixel-normalises z, which undoes truncation)"
		return []convention{none}
	}
	return []convention{none,
		{Mode: sample.TruncResample, Min: MinResample, Max: s.lim.MaxTrunc, Default: 1, About: "redraw each |z_i| > t (BigGAN, Brock et al. 2019, §3.1)"},
		{Mode: sample.TruncClip, Min: 0, Max: s.lim.MaxTrunc, Default: 1, About: "clamp each z_i to [-t, t]"},
		{Mode: sample.TruncPsi, Min: 0, Max: 1, Default: 0.7, About: "z' = psi * z: StyleGAN's lerp toward the mean latent"},
	}
}
