package run

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gankit/gankit/internal/fsutil"
)

// Symptom names what the training doctor saw (package doctor defines each one).
type Symptom string

// Diagnosis is one line of diagnoses.jsonl: a symptom the training doctor saw in the
// run, from when, and the tips it points to.
type Diagnosis struct {
	Step    int     `json:"step"`  // the step at which it was diagnosed
	Since   int     `json:"since"` // the first step of the evidence: the symptom's onset as seen
	Symptom Symptom `json:"symptom"`
	// Seen says what was seen, with its numbers ("loss_d 41.2 against a running median
	// of 0.61").
	Seen string `json:"seen"`
	Tips []Tip  `json:"tips"`
	// Action is what training did about it: "rollback to step N", "stopped", or "" (it
	// went on, as it does for every symptom but a divergence).
	Action string `json:"action,omitempty"`
}

// Tip is a remedy the doctor names: what to change, as a flag a user can paste, and
// the table that measured it.
type Tip struct {
	Text     string `json:"text"`
	Set      string `json:"set,omitempty"`      // e.g. "--set train.penalties=[r1]"
	Evidence string `json:"evidence,omitempty"` // e.g. "docs/results.md §1 (grid25)"
}

// String is the diagnosis as the log shows it, on one line.
func (d Diagnosis) String() string {
	s := fmt.Sprintf("doctor: step %d: %s since step %d: %s", d.Step, d.Symptom, d.Since, d.Seen)
	if len(d.Tips) > 0 {
		t := d.Tips[0]
		s += "; try " + t.Text
		if t.Set != "" {
			s += " (" + t.Set + ")"
		}
		if t.Evidence != "" {
			s += ", measured in " + t.Evidence
		}
	}
	if d.Action != "" {
		s += "; " + d.Action
	}
	return s
}

// LogDiagnosis appends d to the run's diagnoses.jsonl, at once (a diagnosis is rare, and
// wanted on disk even if the run dies next).
func (w *Writer) LogDiagnosis(d Diagnosis) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	path := filepath.Join(w.dir, DiagnosesFile)
	if err := fsutil.CheckReplaceable(path); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("run %s: %w", w.dir, err)
	}
	_, err = f.Write(append(b, '\n'))
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("run %s: %s: %w", w.dir, DiagnosesFile, err)
	}
	return nil
}

// ReadDiagnoses reads a run's diagnoses.jsonl (none when the file does not exist),
// passing over damaged lines (counted in damaged).
func ReadDiagnoses(runDir string) (ds []Diagnosis, damaged int, err error) {
	raw, err := os.ReadFile(filepath.Join(runDir, DiagnosesFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var d Diagnosis
		if err := json.Unmarshal(line, &d); err != nil || d.Step < 1 || d.Symptom == "" {
			damaged++
			continue
		}
		ds = append(ds, d)
	}
	return ds, damaged, nil
}

// truncateDiagnoses keeps the diagnoses made at or before step, as a resume or a
// rollback to that step keeps the metrics: what comes after is made again. A
// diagnosis that rolled the run back is kept wherever it is: it is the run's history,
// and it counts towards train.rollbacks.
func truncateDiagnoses(runDir string, step int) error {
	path := filepath.Join(runDir, DiagnosesFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var keep bytes.Buffer
	for _, line := range bytes.Split(raw, []byte("\n")) {
		var d Diagnosis
		if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &d) != nil || d.Step > step && !d.rolledBack() {
			continue
		}
		keep.Write(line)
		keep.WriteByte('\n')
	}
	if bytes.Equal(keep.Bytes(), raw) {
		return nil
	}
	return fsutil.WriteFileAtomic(path, keep.Bytes())
}

// Best is the run's best checkpoint by the doctor's quality proxy (best.json): the
// checkpoint at Step is never pruned.
type Best struct {
	Step int     `json:"step"`
	FID  float64 `json:"fid"`
	// Samples is how many samples the proxy FID used, and FeatureNet its network's
	// hash: an FID is comparable only to one made the same way.
	Samples    int    `json:"samples"`
	FeatureNet string `json:"feature_net_sha256"`
	// Moved is where the checkpoint went when a rollback set it aside (relative to
	// the run directory; "" while it is in checkpoints/).
	Moved string `json:"moved,omitempty"`
}

// File is the best checkpoint's file in the run directory dir.
func (b Best) File(dir string) string {
	if b.Moved != "" {
		return filepath.Join(dir, b.Moved)
	}
	return CheckpointPath(dir, b.Step)
}

// ReadBest reads best.json; ok is false when the run has none.
func ReadBest(runDir string) (b Best, ok bool, err error) {
	raw, err := os.ReadFile(filepath.Join(runDir, BestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Best{}, false, nil
	}
	if err != nil {
		return Best{}, false, err
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return Best{}, false, fmt.Errorf("%s: %w", filepath.Join(runDir, BestFile), err)
	}
	return b, true, nil
}

// SetBest records b as the run's best checkpoint (atomically); its checkpoint must
// exist. From then on pruning keeps it.
func (w *Writer) SetBest(b Best) error {
	if _, err := os.Stat(CheckpointPath(w.dir, b.Step)); err != nil {
		return fmt.Errorf("run %s: best checkpoint at step %d: %w", w.dir, b.Step, err)
	}
	raw, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	w.best = b.Step
	return fsutil.WriteFileAtomic(filepath.Join(w.dir, BestFile), append(raw, '\n'))
}

// RollbackAction starts the Action of a diagnosis that rolled the run back.
const RollbackAction = "rollback"

// rolledBack says whether a diagnosis rolled the run back.
func (d Diagnosis) rolledBack() bool { return strings.HasPrefix(d.Action, RollbackAction) }

// Rollbacks counts the rollbacks a run made (from diagnoses.jsonl): what
// train.rollbacks limits, the same after a resume.
func Rollbacks(runDir string) (int, error) {
	ds, _, err := ReadDiagnoses(runDir)
	n := 0
	for _, d := range ds {
		if d.rolledBack() {
			n++
		}
	}
	return n, err
}

// DivergedDir is where a rollback sets aside the checkpoints made after the step it
// rolls back to: checkpoints/diverged-at-N, N the step of the divergence (with -2, -3,
// ... when an earlier rollback diverged at the same step).
func DivergedDir(runDir string, step int) string {
	base := filepath.Join(runDir, CheckpointDir, fmt.Sprintf("diverged-at-%d", step))
	dir := base
	for k := 2; ; k++ {
		if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
			return dir
		}
		dir = fmt.Sprintf("%s-%d", base, k)
	}
}

// SetAsideAfter prepares a rollback to the newest checkpoint at or before step: it
// moves every newer checkpoint into DivergedDir(dir, at), so that a resume takes up
// the one rolled back to, and the diverged stretch's checkpoints stay for whoever
// wants to look at them. The best checkpoint goes too when it is newer (best.json
// then says where it went, and it stays the best). It returns the step rolled back
// to (0: there is no checkpoint that early).
func (w *Writer) SetAsideAfter(step, at int) (int, error) {
	if w.metrics != nil {
		if err := w.metrics.flush(); err != nil {
			return 0, err
		}
	}
	steps, err := CheckpointSteps(w.dir)
	if err != nil {
		return 0, err
	}
	to, aside := 0, ""
	for _, s := range steps {
		if s <= step {
			to = s
			continue
		}
		if aside == "" {
			aside = DivergedDir(w.dir, at)
			if err := os.MkdirAll(aside, 0o755); err != nil {
				return 0, err
			}
		}
		moved := filepath.Join(aside, checkpointName(s))
		if err := os.Rename(CheckpointPath(w.dir, s), moved); err != nil {
			return 0, err
		}
		delete(w.verified, s)
		fmt.Fprintf(w.log, "moved %s into %s: it was written after the divergence's onset\n", CheckpointPath(w.dir, s), aside)
		if s == w.best {
			if err := w.moveBest(moved); err != nil {
				return 0, err
			}
		}
	}
	if err := fsutil.SyncDir(filepath.Join(w.dir, CheckpointDir)); err != nil && len(steps) > 0 {
		return 0, err
	}
	return to, nil
}

// moveBest records in best.json that the best checkpoint is now at path.
func (w *Writer) moveBest(path string) error {
	b, ok, err := ReadBest(w.dir)
	if err != nil || !ok {
		return err
	}
	if b.Moved, err = filepath.Rel(w.dir, path); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	w.best = 0 // no longer in checkpoints/: nothing there to keep from pruning
	return fsutil.WriteFileAtomic(filepath.Join(w.dir, BestFile), append(raw, '\n'))
}
