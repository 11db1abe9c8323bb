package run

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/internal/testutil"
)

// newRun makes a run in a new directory with checkpoints at steps 3 and 6 and a
// metrics line per step.
func newRun(t *testing.T) (string, config.Config) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	cfg := testConfig(t)
	w, err := Create(dir, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	for s := 1; s <= 6; s++ {
		if err := w.LogMetrics(Metrics{Step: s, LossD: float64(s)}); err != nil {
			t.Fatal(err)
		}
		if s%3 == 0 {
			if _, err := w.SaveCheckpoint(testContext(float32(s)), s, 2); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir, cfg
}

// TestCreateRefusesWhatIsNotANewRun: --out into a run, into a directory of other
// files, or onto a file is refused, and nothing there changes. A directory holding
// only what a creation stopped early leaves is accepted.
func TestCreateRefusesWhatIsNotANewRun(t *testing.T) {
	cfg := testConfig(t)
	for _, tc := range []struct {
		name  string
		files map[string]string // path under the directory -> contents ("/" suffix: a folder)
		file  bool              // the path itself is a file
		want  string            // in the error; "" = accepted
	}{
		{name: "new", want: ""},
		{name: "empty", files: map[string]string{}, want: ""},
		{name: "creation stopped early", files: map[string]string{LockFile: `{"pid":1}`, ".config.yaml.tmp-123": "x", "samples/": ""}, want: ""},
		{name: "a user's files", files: map[string]string{"notes.txt": "mine", MetricsFile: `{"step":1}`}, want: "is not empty and is not a gankit run"},
		{name: "a user's hidden temp-like file", files: map[string]string{".notes.txt.tmp-1": "mine"}, want: "not a gankit run"},
		{name: "a run", files: map[string]string{ConfigFile: "preset: tiny\n"}, want: "already holds a gankit run"},
		{name: "a config.yaml that is not gankit's", files: map[string]string{ConfigFile: "server:\n  port: 80\n"}, want: "its config.yaml is not a gankit config"},
		{name: "a file", file: true, want: "is not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if tc.file {
				if err := os.WriteFile(dir, []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tc.files != nil {
				for name, body := range tc.files {
					p := filepath.Join(dir, name)
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if strings.HasSuffix(name, "/") {
						continue
					}
					if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				_ = os.MkdirAll(dir, 0o755)
			}
			before := testutil.Snapshot(t, filepath.Dir(dir))
			w, err := Create(dir, cfg, Options{})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Start(); err != nil {
					t.Fatal(err)
				}
				w.Close()
				if !IsRun(dir) {
					t.Error("no config.yaml after Start")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if after := testutil.Snapshot(t, filepath.Dir(dir)); after != before {
				t.Errorf("a refused Create changed the directory:\n%s\nwas\n%s", after, before)
			}
		})
	}
}

// TestRefusedResumeLeavesTheRunAsItWas: a resume refused for a structure key, a
// training-rule key without AllowChange, or nothing left to train writes nothing
// (config.yaml, metrics, checkpoints, no lock file left); an allowed change is
// recorded in changes.jsonl.
func TestRefusedResumeLeavesTheRunAsItWas(t *testing.T) {
	dir, cfg := newRun(t)
	before := testutil.Snapshot(t, dir)
	set := func(kv ...string) config.Config {
		c := cfg
		for i := 0; i < len(kv); i += 2 {
			if err := c.Set(kv[i], kv[i+1]); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	for _, tc := range []struct {
		name  string
		cfg   config.Config
		allow bool
		want  []string
	}{
		{"width", set("model.width", "16"), true, []string{"model.width cannot change", "model.width 8 -> 16", "step 6"}},
		{"z_dim", set("model.z_dim", "8"), false, []string{"model.z_dim cannot change"}},
		{"data", set("data.path", "ring8"), true, []string{"data.path cannot change"}},
		{"batch", set("train.batch", "8"), true, []string{"train.batch cannot change"}},
		{"seed", set("train.seed", "5"), false, []string{"train.seed would change the training rule", "--allow-change"}},
		{"loss and ema", set("train.loss", "hinge", "train.ema", "0.999"), false, []string{"train.loss, train.ema would change", `train.loss "ns" -> "hinge"`}},
		{"spectral norm", set("model.spectral_norm", "true"), false, []string{"model.spectral_norm would change"}},
		{"no steps left", cfg, false, []string{"at step 6 already", "--steps"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name != "no steps left" {
				tc.cfg.Train.Steps = 9
			} else {
				tc.cfg.Train.Steps = 6
			}
			w, _, err := Resume(dir, tc.cfg, Options{AllowChange: tc.allow})
			if err == nil {
				w.Close()
				t.Fatal("accepted")
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if after := testutil.Snapshot(t, dir); after != before {
				t.Errorf("a refused resume changed the run:\n%s\nwas\n%s", after, before)
			}
		})
	}
	allowed := set("train.seed", "5")
	allowed.Train.Steps = 9
	w, ck, err := Resume(dir, allowed, Options{AllowChange: true})
	if err != nil {
		t.Fatal(err)
	}
	if ck.Step != 6 || w.StartStep() != 6 {
		t.Errorf("resumed at %d/%d", ck.Step, w.StartStep())
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	log, _ := os.ReadFile(filepath.Join(dir, ChangesFile))
	for _, want := range []string{`"step":6`, `"key":"train.seed","from":"0","to":"5","kind":"training rule"`, `"key":"train.steps","from":"30","to":"9","kind":"bookkeeping"`} {
		if !strings.Contains(string(log), want) {
			t.Errorf("changes.jsonl lacks %s:\n%s", want, log)
		}
	}
	if back, err := ReadConfig(dir); err != nil || back.Train.Seed != 5 {
		t.Errorf("config.yaml after the allowed change: seed %d, %v", back.Train.Seed, err)
	}
}

// TestStartRemovesOnlyGankitsOwnTemporaryFiles: what interrupted atomic writes leave
// (".NAME.tmp-DIGITS" for a run file, a checkpoint or a sample grid) goes; a user's
// files, even ones that look alike, stay.
func TestStartRemovesOnlyGankitsOwnTemporaryFiles(t *testing.T) {
	dir, cfg := newRun(t)
	own := []string{".config.yaml.tmp-123", ".metrics.jsonl.tmp-9", "checkpoints/.ckpt-000000009.bin.tmp-4242", "samples/.step-000009.png.tmp-77"}
	theirs := []string{".notes.tmp-1", "checkpoints/ckpt-backup.bin", "checkpoints/.ckpt-backup.bin.tmp-1", "checkpoints/.ckpt-000000009.bin.tmp-x", "samples/.mine.png.tmp-3", "samples/step-000009.png.tmp-3"}
	for _, f := range append(append([]string{}, own...), theirs...) {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Train.Steps = 9
	var log strings.Builder
	w, _, err := Resume(dir, cfg, Options{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	for _, f := range own {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s was not removed: %v", f, err)
		}
	}
	for _, f := range theirs {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s, not gankit's, was removed: %v", f, err)
		}
	}
	if !strings.Contains(log.String(), "removed 4 temporary file(s)") {
		t.Errorf("log: %q", log.String())
	}
}

// TestResumeUsesTheNewestGoodCheckpointAndKeepsItsMetrics: with the newest
// checkpoint (6) damaged, a resume continues from 3 with a message, and keeps the
// metrics lines up to 3.
func TestResumeUsesTheNewestGoodCheckpointAndKeepsItsMetrics(t *testing.T) {
	dir, cfg := newRun(t)
	if err := os.Truncate(CheckpointPath(dir, 6), 50); err != nil {
		t.Fatal(err)
	}
	cfg.Train.Steps = 9
	var log strings.Builder
	w, ck, err := Resume(dir, cfg, Options{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if ck.Step != 3 || !strings.Contains(log.String(), "ckpt-000000006.bin is damaged") || !strings.Contains(log.String(), "using") {
		t.Errorf("resumed from %d; log %q", ck.Step, log.String())
	}
	ms, _, _ := ReadMetrics(dir)
	if len(ms) != 3 || ms[2].Step != 3 {
		t.Errorf("metrics after resuming at 3: %+v", ms)
	}
}

// TestResumeBeforeTheFirstCheckpointStartsOver: a run stopped before its first
// checkpoint resumes from step 0 with its config.yaml, and its metrics start over.
func TestResumeBeforeTheFirstCheckpointStartsOver(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	cfg := testConfig(t)
	w, err := Create(dir, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	_ = w.LogMetrics(Metrics{Step: 1})
	w.Close()
	w, ck, err := Resume(dir, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if ck != nil || w.StartStep() != 0 {
		t.Errorf("resumed from %v at %d", ck, w.StartStep())
	}
	if ms, _, _ := ReadMetrics(dir); len(ms) != 0 {
		t.Errorf("metrics kept: %+v", ms)
	}
}
