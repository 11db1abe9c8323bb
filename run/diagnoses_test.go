package run

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// startedRun creates a run in a new directory and starts it; the writer is closed
// when the test ends unless the test closed it.
func startedRun(t *testing.T) *Writer {
	t.Helper()
	w, err := Create(filepath.Join(t.TempDir(), "run"), testConfig(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if w.lock != nil {
			w.Close()
		}
	})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	return w
}

// diagnosisAt is a diagnosis of step with every field set.
func diagnosisAt(step int) Diagnosis {
	return Diagnosis{Step: step, Since: step - 1, Symptom: "d_wins", Seen: "D right on 99.0% of real samples",
		Tips:   []Tip{{Text: "slow D", Set: "--set train.lr_d=5e-05", Evidence: "docs/results.md §10"}, {Text: "no flag"}},
		Action: "stopped"}
}

func appendLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
		t.Fatal(err)
	}
}

// TestDiagnosesRoundTripPassingOverDamagedLines: what LogDiagnosis appends,
// ReadDiagnoses reads back field for field; a line that is not JSON, or has no step
// or no symptom, is counted as damaged and passed over, and the lines after it are
// read. A run without diagnoses.jsonl has none.
func TestDiagnosesRoundTripPassingOverDamagedLines(t *testing.T) {
	w := startedRun(t)
	if ds, damaged, err := ReadDiagnoses(w.Dir()); err != nil || ds != nil || damaged != 0 {
		t.Fatalf("a run without %s: %v, %d damaged, %v", DiagnosesFile, ds, damaged, err)
	}
	want := []Diagnosis{diagnosisAt(40), {Step: 50, Since: 1, Symptom: "stalled", Seen: "nothing moved"}, diagnosisAt(90)}
	for _, d := range want[:2] {
		if err := w.LogDiagnosis(d); err != nil {
			t.Fatal(err)
		}
	}
	appendLines(t, filepath.Join(w.Dir(), DiagnosesFile),
		`{"step":60,"since":59,"symptom":"d_w`, // cut short
		`{"step":0,"since":0,"symptom":"d_wins","seen":"","tips":null}`,
		`{"step":70,"since":60,"seen":"no symptom","tips":null}`,
		`not json`)
	if err := w.LogDiagnosis(want[2]); err != nil {
		t.Fatal(err)
	}
	got, damaged, err := ReadDiagnoses(w.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, want)
	}
	if damaged != 4 {
		t.Errorf("%d damaged lines, want 4", damaged)
	}
}

// TestResumeDropsTheDiagnosesAfterItsStep: a resume keeps the diagnoses made at or
// before the step it continues from (the newest checkpoint that reads back whole)
// and drops those after, and the damaged lines; a resume before the first checkpoint
// keeps none. The run: checkpoints at 3 and 6, diagnoses at 2, 3, 6, 7, 8.
func TestResumeDropsTheDiagnosesAfterItsStep(t *testing.T) {
	for _, tc := range []struct {
		name string
		harm func(t *testing.T, dir string)
		from int
		keep []int
	}{
		{"newest checkpoint", nil, 6, []int{2, 3, 6}},
		{"newest checkpoint damaged", func(t *testing.T, dir string) {
			if err := os.Truncate(CheckpointPath(dir, 6), 50); err != nil {
				t.Fatal(err)
			}
		}, 3, []int{2, 3}},
		{"no checkpoint", func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, CheckpointDir)); err != nil {
				t.Fatal(err)
			}
		}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := startedRun(t)
			dir := w.Dir()
			for s := 1; s <= 8; s++ {
				if err := w.LogMetrics(Metrics{Step: s}); err != nil {
					t.Fatal(err)
				}
				if s == 3 || s == 6 {
					if _, err := w.SaveCheckpoint(testContext(float32(s)), s, 2); err != nil {
						t.Fatal(err)
					}
				}
				if slices.Contains([]int{2, 3, 6, 7, 8}, s) {
					if err := w.LogDiagnosis(diagnosisAt(s)); err != nil {
						t.Fatal(err)
					}
				}
			}
			appendLines(t, filepath.Join(dir, DiagnosesFile), `{"step":4,"sym`)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if tc.harm != nil {
				tc.harm(t, dir)
			}
			cfg := testConfig(t)
			w, _, err := Resume(dir, cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if w.StartStep() != tc.from {
				t.Fatalf("resumed from %d, want %d", w.StartStep(), tc.from)
			}
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
			ds, damaged, err := ReadDiagnoses(dir)
			if err != nil {
				t.Fatal(err)
			}
			var steps []int
			for _, d := range ds {
				steps = append(steps, d.Step)
			}
			if !slices.Equal(steps, tc.keep) || damaged != 0 {
				t.Errorf("kept the diagnoses of steps %v (%d damaged), want %v (0 damaged)", steps, damaged, tc.keep)
			}
		})
	}
}

// TestBestRoundTripAndItsCheckpointMustExist: SetBest writes best.json, which
// ReadBest reads back field for field; a best whose checkpoint does not exist is
// refused, naming its step, and best.json is left as it was; a damaged best.json is
// an error naming the file; a run without one has none.
func TestBestRoundTripAndItsCheckpointMustExist(t *testing.T) {
	w := startedRun(t)
	if _, ok, err := ReadBest(w.Dir()); ok || err != nil {
		t.Fatalf("a run without %s: ok %v, %v", BestFile, ok, err)
	}
	if _, err := w.SaveCheckpoint(testContext(3), 3, 2); err != nil {
		t.Fatal(err)
	}
	want := Best{Step: 3, FID: 41.25, Samples: 2048, FeatureNet: "9f86d081884c7d65"}
	if err := w.SetBest(want); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := ReadBest(w.Dir()); !ok || err != nil || got != want {
		t.Errorf("read back %+v (ok %v, %v), want %+v", got, ok, err, want)
	}
	err := w.SetBest(Best{Step: 4, FID: 30})
	if err == nil || !strings.Contains(err.Error(), "step 4") {
		t.Errorf("a best without its checkpoint: error %v, want one naming step 4", err)
	}
	if got, _, _ := ReadBest(w.Dir()); got != want {
		t.Errorf("best.json after a refused SetBest: %+v, want %+v", got, want)
	}
	if w.best != 3 {
		t.Errorf("the writer keeps step %d from pruning after a refused SetBest, want 3", w.best)
	}
	path := filepath.Join(w.Dir(), BestFile)
	if err := os.WriteFile(path, []byte(`{"step":`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadBest(w.Dir()); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a damaged best.json: error %v, want one naming %s", err, path)
	}
}

// TestPruneNeverDeletesTheBestCheckpoint: with train.keep_checkpoints 1 and the best
// checkpoint an old one (step 3), saving 6, 9 and 12 keeps the best and the newest,
// neither counting the best against keep; a resumed run reads best.json and keeps it
// too.
func TestPruneNeverDeletesTheBestCheckpoint(t *testing.T) {
	w := startedRun(t)
	dir := w.Dir()
	if _, err := w.SaveCheckpoint(testContext(3), 3, 1); err != nil {
		t.Fatal(err)
	}
	if err := w.SetBest(Best{Step: 3, FID: 20}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []int{6, 9, 12} {
		if _, err := w.SaveCheckpoint(testContext(float32(s)), s, 1); err != nil {
			t.Fatal(err)
		}
		if steps, _ := CheckpointSteps(dir); !slices.Equal(steps, []int{3, s}) {
			t.Errorf("after saving %d: checkpoints %v, want [3 %d]", s, steps, s)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w, _, err := Resume(dir, testConfig(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.SaveCheckpoint(testContext(15), 15, 1); err != nil {
		t.Fatal(err)
	}
	if steps, _ := CheckpointSteps(dir); !slices.Equal(steps, []int{3, 15}) {
		t.Errorf("after resuming and saving 15: checkpoints %v, want [3 15]", steps)
	}
}
