package serve

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gankit/gankit/run"
)

// testDiagnoses are two diagnoses as training records them: one it went on after,
// one it rolled back; the second's text holds markup, which the page must show as
// text.
func testDiagnoses() []run.Diagnosis {
	return []run.Diagnosis{
		{Step: 20, Since: 1, Symptom: "stalled", Seen: "nothing has moved from its initial value by step 20: loss_d 1.386 (1.386 at the start)",
			Tips: []run.Tip{{Text: "check the learning rates: the weights do not move", Set: "--set train.lr_d=2e-4 --set train.lr_g=2e-4", Evidence: "docs/results.md §10"}}},
		{Step: 25, Since: 25, Symptom: "divergence", Seen: "loss_d is NaN <b>at once</b>",
			Tips:   []run.Tip{{Text: "lower both learning rates 2x", Set: "--set train.lr_d=0.0001 --set train.lr_g=0.0001"}, {Text: "add R1 on D (gamma 10)", Set: "--set train.penalties=[r1]"}},
			Action: "rollback to step 15"},
	}
}

// copyRun copies the image fixture into a new directory, without the diagnoses its
// training may have recorded, so that a test writes its own.
func copyRun(t *testing.T) string {
	t.Helper()
	src, _ := trainedRuns(t)
	dst := filepath.Join(t.TempDir(), "tiny")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dst, run.DiagnosesFile)); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return dst
}

// writeDiagnoses writes ds as diagnoses.jsonl, with a damaged line after them.
func writeDiagnoses(t *testing.T, dir string, ds []run.Diagnosis) {
	t.Helper()
	var b strings.Builder
	for _, d := range ds {
		line, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(line, '\n'))
	}
	b.WriteString(`{"step": 30, "symptom": "stal` + "\n") // a write cut short
	if err := os.WriteFile(filepath.Join(dir, run.DiagnosesFile), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestModelListsTheRunsDiagnosesAsTheyAreWritten: /v1/model's diagnoses are an empty
// list for a run that recorded none, and, read at each request, the run's
// diagnoses.jsonl once training writes it, in its order, the damaged line passed
// over; an unreadable diagnoses.jsonl is an error naming the run.
func TestModelListsTheRunsDiagnosesAsTheyAreWritten(t *testing.T) {
	dir := copyRun(t)
	h := newServer(t, dir, Options{}).Handler()
	w := call(h, "GET", "/v1/model", "")
	if !strings.Contains(w.Body.String(), `"diagnoses":[]`) {
		t.Errorf("/v1/model of a run without diagnoses.jsonl: want \"diagnoses\":[], got %.300s", w.Body.String())
	}
	writeDiagnoses(t, dir, testDiagnoses())
	m := decodeAs[modelResponse](t, call(h, "GET", "/v1/model", ""))
	if !reflect.DeepEqual(m.Diagnoses, testDiagnoses()) {
		t.Errorf("/v1/model diagnoses:\n%+v\nwant\n%+v", m.Diagnoses, testDiagnoses())
	}

	if err := os.Remove(filepath.Join(dir, run.DiagnosesFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, run.DiagnosesFile), 0o755); err != nil {
		t.Fatal(err)
	}
	w = call(h, "GET", "/v1/model", "")
	if w.Code != 500 || !strings.Contains(w.Body.String(), dir) || !strings.Contains(w.Body.String(), run.DiagnosesFile) {
		t.Errorf("/v1/model with a diagnoses.jsonl that cannot be read: %d %s, want 500 naming the run and the file", w.Code, w.Body.String())
	}
}
