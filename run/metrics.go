package run

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/gankit/gankit/internal/fsutil"
)

// Metrics is one line of metrics.jsonl.
type Metrics struct {
	Step       int     `json:"step"`
	LossD      float64 `json:"loss_d"`
	LossG      float64 `json:"loss_g"`
	DReal      float64 `json:"d_real"`                // mean sigmoid(D(x)) on the real batch (raw mean D(x) for a loss whose Traits have no Probabilities)
	DFake      float64 `json:"d_fake"`                // the same on the fake batch, before D's update
	DAccReal   float64 `json:"d_acc_real"`            // share of real samples D scores above 0 (ganhacks #10)
	DAccFake   float64 `json:"d_acc_fake"`            // share of fake samples D scores below 0
	GradNormD  float64 `json:"grad_norm_d"`           // L2 norm of D's gradient in its last step
	GradNormG  float64 `json:"grad_norm_g"`           // L2 norm of G's gradient
	Penalty    float64 `json:"penalty,omitempty"`     // gradient penalty and drift, included in loss_d
	NoiseSigma float64 `json:"noise_sigma,omitempty"` // instance-noise sigma at this step
	SecPerStep float64 `json:"sec_per_step"`
	// Stats are the other statistics the step reports (a penalty's own term, a
	// scheduled learning rate), by name; each is written as a field of the line, as
	// stylegan2-ada's training_stats names its reports.
	Stats map[string]float64 `json:"-"`
}

// metricsFields maps each json name of Metrics' float fields to the field's index.
var metricsFields = func() map[string]int {
	out := map[string]int{}
	t := reflect.TypeOf(Metrics{})
	for i := range t.NumField() {
		name := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
		if name != "" && name != "-" && t.Field(i).Type.Kind() == reflect.Float64 {
			out[name] = i
		}
	}
	return out
}()

// Set stores a statistic under its name: in the field of that json name, or in Stats.
func (m *Metrics) Set(name string, v float64) {
	if i, ok := metricsFields[name]; ok {
		reflect.ValueOf(m).Elem().Field(i).SetFloat(v)
		return
	}
	if m.Stats == nil {
		m.Stats = map[string]float64{}
	}
	m.Stats[name] = v
}

// Get is the statistic of that name (a field or one of Stats) and whether the line has it.
func (m Metrics) Get(name string) (float64, bool) {
	if i, ok := metricsFields[name]; ok {
		return reflect.ValueOf(m).Field(i).Float(), true
	}
	v, ok := m.Stats[name]
	return v, ok
}

// MarshalJSON writes the fields, then Stats in name order.
func (m Metrics) MarshalJSON() ([]byte, error) {
	type plain Metrics
	b, err := json.Marshal(plain(m))
	if err != nil || len(m.Stats) == 0 {
		return b, err
	}
	b = b[:len(b)-1] // the closing brace
	for _, k := range slices.Sorted(maps.Keys(m.Stats)) {
		if _, ok := metricsFields[k]; ok || k == "step" {
			return nil, fmt.Errorf("metrics: statistic %q has the name of a field", k)
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(m.Stats[k])
		if err != nil {
			return nil, fmt.Errorf("metrics: %s: %w", k, err)
		}
		b = append(append(append(append(b, ','), kb...), ':'), vb...)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads the fields, and every other number into Stats.
func (m *Metrics) UnmarshalJSON(b []byte) error {
	type plain Metrics
	if err := json.Unmarshal(b, (*plain)(m)); err != nil {
		return err
	}
	var all map[string]any
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	for k, v := range all {
		if _, ok := metricsFields[k]; ok || k == "step" {
			continue
		}
		if f, ok := v.(float64); ok {
			if m.Stats == nil {
				m.Stats = map[string]float64{}
			}
			m.Stats[k] = f
		}
	}
	return nil
}

// parseMetricsLine reads one line of metrics.jsonl; a line that is not a JSON object
// with a positive step is damaged (a write cut short, or an edit).
func parseMetricsLine(line []byte) (Metrics, error) {
	var m Metrics
	if err := json.Unmarshal(line, &m); err != nil {
		return m, err
	}
	if m.Step < 1 {
		return m, fmt.Errorf("step %d", m.Step)
	}
	return m, nil
}

// ReadMetrics reads a run's metrics.jsonl, passing over damaged lines (they are counted
// in damaged).
func ReadMetrics(runDir string) (ms []Metrics, damaged int, err error) {
	raw, err := os.ReadFile(filepath.Join(runDir, MetricsFile))
	if err != nil {
		return nil, 0, err
	}
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		m, err := parseMetricsLine(line)
		if err != nil {
			damaged++
			continue
		}
		ms = append(ms, m)
	}
	return ms, damaged, nil
}

// truncateMetrics keeps every well-formed line of the metrics log whose step is at
// most step, so that a resumed run repeats no step. A damaged line (a crash cut it
// short, or it was edited) is reported to log and dropped, and the lines after it are
// kept. The file is rewritten atomically, and only when something goes.
func truncateMetrics(path string, step int, log io.Writer) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var keep bytes.Buffer
	dropped := 0
	for i, line := range bytes.Split(raw, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		m, err := parseMetricsLine(line)
		switch {
		case err != nil:
			fmt.Fprintf(log, "warning: %s line %d is damaged (%v), dropped: %s\n", path, i+1, err, abbreviate(line, 80))
			dropped++
			continue
		case m.Step > step:
			dropped++
			continue
		}
		keep.Write(line)
		keep.WriteByte('\n')
	}
	if dropped == 0 && bytes.Equal(keep.Bytes(), raw) {
		return nil
	}
	return fsutil.WriteFileAtomic(path, keep.Bytes())
}

func abbreviate(b []byte, n int) string {
	if len(b) > n {
		return fmt.Sprintf("%q...", b[:n])
	}
	return fmt.Sprintf("%q", b)
}

// metricsLog appends lines to metrics.jsonl.
type metricsLog struct {
	f *os.File
	w *bufio.Writer
}

func openMetricsLog(path string) (*metricsLog, error) {
	if err := fsutil.CheckReplaceable(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	return &metricsLog{f: f, w: bufio.NewWriter(f)}, nil
}

func (l *metricsLog) add(m Metrics) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = l.w.Write(append(b, '\n'))
	return err
}

func (l *metricsLog) flush() error { return l.w.Flush() }

func (l *metricsLog) close() error {
	err := l.w.Flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}
