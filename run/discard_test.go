package run

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/gankit/gankit/internal/testutil"
)

// TestDiscardLeavesTheDirectoryAsCreateFoundIt: a new run that fails after Start and
// before it records anything is taken back whole — absent again when Create made it,
// and a user's empty directory, or one holding a creation's leftover empty samples/,
// left exactly as it was — so that the fixed command can create the run there.
func TestDiscardLeavesTheDirectoryAsCreateFoundIt(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, dir string) // nil: dir does not exist
	}{
		{"absent", nil},
		{"empty", func(t *testing.T, dir string) {
			if err := os.Mkdir(dir, 0o750); err != nil {
				t.Fatal(err)
			}
		}},
		{"empty samples/ left by an earlier creation", func(t *testing.T, dir string) {
			if err := os.MkdirAll(filepath.Join(dir, SamplesDir), 0o700); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			before := ""
			if tc.prepare != nil {
				tc.prepare(t, dir)
				before = testutil.Snapshot(t, dir)
			}
			w, err := Create(dir, testConfig(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
			if !IsRun(dir) {
				t.Fatalf("Start wrote no %s: nothing to take back", ConfigFile)
			}
			if err := w.Discard(); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if tc.prepare == nil {
				if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("%s, made by Create, is still there after Discard and Close (%v):\n%s", dir, err, testutil.Snapshot(t, dir))
				}
				return
			}
			if after := testutil.Snapshot(t, dir); after != before {
				t.Fatalf("Discard changed what was there before Create:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if w, err := Create(dir, testConfig(t), Options{}); err != nil {
				t.Fatalf("after Discard, a new run is refused: %v", err)
			} else {
				w.Close()
			}
		})
	}
}

// TestDiscardKeepsWhatARunRecorded: once a run logged a metrics line, tried a
// checkpoint or wrote a sample grid, or when it was resumed, Discard removes nothing.
func TestDiscardKeepsWhatARunRecorded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		record func(t *testing.T, w *Writer)
	}{
		{"a metrics line, still buffered", func(t *testing.T, w *Writer) {
			if err := w.LogMetrics(Metrics{Step: 1}); err != nil {
				t.Fatal(err)
			}
		}},
		{"a checkpoint", func(t *testing.T, w *Writer) {
			if _, err := w.SaveCheckpoint(testContext(1), 1, 2); err != nil {
				t.Fatal(err)
			}
		}},
		{"a checkpoint tried: checkpoints/ made", func(t *testing.T, w *Writer) {
			if err := os.Mkdir(filepath.Join(w.Dir(), CheckpointDir), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"a sample grid", func(t *testing.T, w *Writer) {
			if err := os.WriteFile(SamplePath(w.Dir(), 1), []byte("grid"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			w, err := Create(dir, testConfig(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
			tc.record(t, w)
			before := testutil.Snapshot(t, dir)
			if err := w.Discard(); err != nil {
				t.Fatal(err)
			}
			if after := testutil.Snapshot(t, dir); after != before {
				t.Fatalf("Discard removed part of a run that recorded %s:\nbefore:\n%s\nafter:\n%s", tc.name, before, after)
			}
		})
	}
	t.Run("resumed", func(t *testing.T) {
		dir, cfg := newRun(t)
		cfg.Train.Steps = 100
		w, _, err := Resume(dir, cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		before := testutil.Snapshot(t, dir)
		if err := w.Discard(); err != nil {
			t.Fatal(err)
		}
		if after := testutil.Snapshot(t, dir); after != before {
			t.Fatalf("Discard changed a resumed run:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
}
