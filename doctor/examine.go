package doctor

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/run"
)

// Finding is what Examine reports of a run: the diagnoses its files give now, those
// the run recorded while it trained, and the run's best checkpoint.
type Finding struct {
	Dir      string          `json:"run"`
	Steps    int             `json:"steps"`     // the run's train.steps
	LastStep int             `json:"last_step"` // the last logged step
	Lines    int             `json:"lines"`     // metrics.jsonl's well-formed lines
	Damaged  int             `json:"damaged"`   // and its damaged ones, passed over
	Now      []run.Diagnosis `json:"diagnoses"` // made now from metrics.jsonl
	Recorded []run.Diagnosis `json:"recorded"`  // diagnoses.jsonl, as training wrote it
	// RecordedDamaged counts diagnoses.jsonl's damaged lines, passed over.
	RecordedDamaged int `json:"recorded_damaged"`
	// Checked are the symptoms checked (those doctor.off leaves), in order, and
	// Unjudged says, for each checked symptom whose signal the run never logged, how
	// it was judged without it.
	Checked  []run.Symptom          `json:"checked"`
	Unjudged map[run.Symptom]string `json:"unjudged,omitempty"`
	Best     *run.Best              `json:"best,omitempty"`
	// Warnings are what could not be read and was passed over (a damaged best.json).
	Warnings []string `json:"warnings,omitempty"`
	// Checkpoint is the step of the newest checkpoint that reads back whole (0: none).
	Checkpoint int `json:"checkpoint"`
	// Eval is the run's eval.json as it is, when it has one.
	Eval json.RawMessage `json:"eval,omitempty"`
}

// SettingOf is what the tips need of cfg.
func SettingOf(cfg config.Config) Setting {
	ps, _ := cfg.Penalties()
	names := make([]string, 0, len(ps))
	for _, p := range ps {
		names = append(names, p.Name())
	}
	return Setting{Loss: cfg.Train.Loss, LRD: cfg.Train.LRD, LRG: cfg.Train.LRG, Penalties: names, ADA: cfg.Train.ADA != "",
		DiffAug: cfg.Train.DiffAugment != "", EMA: cfg.Train.EMA > 0 || cfg.EMAByHalfLife(), Toy: cfg.IsToy(),
		BND: cfg.Model.BND && !cfg.IsToy(), Config: &cfg, Shape: ShapeOf(cfg)}
}

// ShapeOf is the data shape cfg's keys give: 2-D points for a toy, else
// data.size x data.size x data.channels (what a folder is resized to; an IDX or
// CIFAR-10 dataset's own shape is the same when the config was made for it).
func ShapeOf(cfg config.Config) data.Shape {
	if cfg.IsToy() {
		return data.Shape{Dim: 2}
	}
	return data.Shape{Size: cfg.Data.Size, Channels: cfg.Data.Channels}
}

// OptionsFor are the doctor options of a run trained with cfg (its doctor.off).
func OptionsFor(cfg config.Config) (Options, error) {
	off, err := ParseSymptoms("doctor.off", cfg.Doctor.Off)
	if err != nil {
		return Options{}, err
	}
	return Options{Off: off, Setting: SettingOf(cfg), Steps: cfg.Train.Steps}, nil
}

// Examine diagnoses the run in dir from its files: it runs the detectors over
// metrics.jsonl, with the run's config (config.yaml), checks that its newest
// checkpoint's weights are finite, and reads what the run recorded (diagnoses.jsonl,
// best.json, eval.json). It takes no lock, so a running run can be examined.
func Examine(dir string) (Finding, error) {
	cfg, err := run.ReadConfig(dir)
	if err != nil {
		return Finding{}, err
	}
	opt, err := OptionsFor(cfg)
	if err != nil {
		return Finding{}, fmt.Errorf("run %s: %w", dir, err)
	}
	ms, damaged, err := run.ReadMetrics(dir)
	if err != nil {
		return Finding{}, fmt.Errorf("run %s: %w", dir, err)
	}
	f := Finding{Dir: dir, Steps: cfg.Train.Steps, Lines: len(ms), Damaged: damaged,
		Now: append([]run.Diagnosis{}, Diagnose(ms, opt)...), Unjudged: Unjudged(ms, opt.Off)}
	for _, s := range Symptoms() {
		if !slices.Contains(opt.Off, s) {
			f.Checked = append(f.Checked, s)
		}
	}
	if len(ms) > 0 {
		f.LastStep = ms[len(ms)-1].Step
	}
	rec, recDamaged, err := run.ReadDiagnoses(dir)
	if err != nil {
		return f, fmt.Errorf("run %s: %w", dir, err)
	}
	f.Recorded, f.RecordedDamaged = append([]run.Diagnosis{}, rec...), recDamaged
	if b, ok, err := run.ReadBest(dir); err != nil {
		f.Warnings = append(f.Warnings, err.Error()+" (no best checkpoint is named)")
	} else if ok {
		f.Best = &b
	}
	if err := f.checkpoint(dir, opt); err != nil {
		return f, err
	}
	if raw, err := os.ReadFile(filepath.Join(dir, run.EvalFile)); err == nil && json.Valid(raw) {
		f.Eval = raw
	}
	return f, nil
}

// checkpoint notes the newest checkpoint that reads back whole, and diagnoses a
// divergence when its weights are not finite (one written before gankit refused
// such states, or by another tool).
func (f *Finding) checkpoint(dir string, opt Options) error {
	if steps, err := run.CheckpointSteps(dir); err != nil || len(steps) == 0 {
		return err
	}
	ck, err := run.LatestCheckpoint(dir, nil)
	if err != nil {
		return nil // none reads back: not the doctor's to report; sample and resume say so
	}
	f.Checkpoint = ck.Step
	if slices.Contains(opt.Off, Divergence) {
		return nil
	}
	if err := ck.CheckFinite(); err != nil {
		f.Now = append(f.Now, NonFinite(ck.Step, fmt.Errorf("checkpoint %s: %w", ck.Path, err), opt.Setting))
	}
	return nil
}
