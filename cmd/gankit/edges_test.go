package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gankit/gankit/config"
	rundir "github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
)

// The config and CLI edges of issue 18 (items 6 to 8), each run as the user runs it:
// a real gankit process, real files, and a check of what the user keeps.

// TestTrainRefusesAConfigOfTwoDocuments: `train: {batch: 8}`, `---`, `train: {batch:
// 32}` is refused naming the file and the line where the second document starts,
// and no run directory is made. Before, it trained with batch 8 and said nothing.
// A leading `---` and an empty trailing document are accepted (they set nothing).
func TestTrainRefusesAConfigOfTwoDocuments(t *testing.T) {
	dir := t.TempDir()
	two := filepath.Join(dir, "two.yaml")
	writeFile(t, two, []byte("train: {batch: 8, steps: 2}\n---\ntrain: {batch: 32, steps: 2}\n"))
	out := filepath.Join(dir, "run-two")
	code, stdout, stderr := gankitRun(t, "train", "--preset", "ring8", "--config", two, "--out", out)
	if code != 1 || !strings.Contains(stderr, two+": line 2: a second YAML document") {
		t.Errorf("exit %d, stderr %q, want a refusal naming %s and line 2\n%s", code, stderr, two, stdout)
	}
	if _, err := os.Lstat(out); !os.IsNotExist(err) {
		t.Errorf("the refused config left %s behind (%v)", out, err)
	}

	for _, tc := range []struct{ name, src string }{
		{"a leading ---", "---\ntrain: {batch: 32, steps: 2}\n"},
		{"an empty trailing document", "train: {batch: 32, steps: 2}\n---\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "c.yaml")
			writeFile(t, file, []byte(tc.src))
			out := filepath.Join(t.TempDir(), "run")
			if code, _, stderr := gankitRun(t, "train", "--preset", "ring8", "--config", file, "--out", out); code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			cfg, err := config.Load(filepath.Join(out, rundir.ConfigFile), config.Config{})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Train.Batch != 32 || cfg.Train.Steps != 2 {
				t.Errorf("the run trained batch %d for %d steps, want the file's 32 for 2", cfg.Train.Batch, cfg.Train.Steps)
			}
		})
	}
}

// TestSampleGridDoesNotReplaceAFileWithoutForce: `sample --out notes.txt` onto an
// existing file is refused as exports and strips refuse, and the file is kept byte
// for byte; with --force it is replaced by the grid. The default path under
// RUN/samples/ is not replaced either. Before, a grid overwrote any regular file.
func TestSampleGridDoesNotReplaceAFileWithoutForce(t *testing.T) {
	tiny, _ := exportRuns(t)
	notes := filepath.Join(t.TempDir(), "notes.txt")
	mine := []byte("my notes, not a PNG\n")
	writeFile(t, notes, mine)
	code, _, stderr := gankitRun(t, "sample", "--run", tiny, "--n", "4", "--out", notes)
	if want := "--out: " + notes + " exists: choose another path, or pass --force to replace it"; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q, want %q", code, stderr, want)
	}
	if b, err := os.ReadFile(notes); err != nil || !bytes.Equal(b, mine) {
		t.Errorf("the refused sample changed %s: %.40q (%v)", notes, b, err)
	}
	code, stdout, stderr := gankitRun(t, "sample", "--run", tiny, "--n", "4", "--out", notes, "--force")
	if code != 0 || !strings.HasSuffix(stdout, " -> "+notes+"\n") {
		t.Fatalf("--force: exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	checkPNG(t, notes, 62, 62) // 2x2 images of 28 pixels, 2-pixel borders

	// The default path: the same step, seed and n name the same file, which a grid
	// with other truncation would silently replace.
	args := []string{"sample", "--run", tiny, "--n", "4", "--seed", "18007"}
	code, stdout, stderr = gankitRun(t, args...)
	def, ok := strings.CutPrefix(stdout[strings.LastIndex(stdout, " -> ")+1:], "-> ")
	if code != 0 || !ok {
		t.Fatalf("default --out: exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	def = strings.TrimSuffix(def, "\n")
	t.Cleanup(func() { os.Remove(def) })
	before, err := os.ReadFile(def)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr = gankitRun(t, append(args, "--truncation-mode", "clip", "--truncation", "0.5")...)
	if code != 1 || !strings.Contains(stderr, def+" exists: choose another path, or pass --force") {
		t.Errorf("second grid on the default path: exit %d, stderr %q", code, stderr)
	}
	if after, err := os.ReadFile(def); err != nil || !bytes.Equal(after, before) {
		t.Errorf("the refused grid changed %s (%v)", def, err)
	}
}

// TestSampleSeedsDoNotWrap: --seed S --n N draws the seeds S .. S+N-1, so a range that
// would pass the largest int64 is refused naming both flags, before anything is
// written, for a grid and for an export; the range that ends exactly at the largest
// seed is accepted (the manifest's last seed is 2^63-1). Before, the seeds wrapped:
// --seed 9223372036854775807 --n 2 drew seeds [2^63-1, -2^63]. A strip's two seeds
// are no range: the largest and the smallest int64 are both accepted.
func TestSampleSeedsDoNotWrap(t *testing.T) {
	tiny, _ := exportRuns(t)
	dir := t.TempDir()
	maxSeed := strconv.FormatInt(math.MaxInt64, 10)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"grid", []string{"--seed", maxSeed, "--n", "2", "--out", filepath.Join(dir, "grid.png")}},
		{"export", []string{"--format", "idx", "--seed", maxSeed, "--n", "2", "--out", filepath.Join(dir, "export-idx3-ubyte")}},
		{"grid from S-1 of 3", []string{"--seed", strconv.FormatInt(math.MaxInt64-1, 10), "--n", "3", "--out", filepath.Join(dir, "grid3.png")}},
	} {
		code, _, stderr := gankitRun(t, append([]string{"sample", "--run", tiny}, tc.args...)...)
		if code != 1 || !strings.Contains(stderr, "--seed/--n:") || !strings.Contains(stderr, "want a first seed of at most") {
			t.Errorf("%s: exit %d, stderr %q, want a refusal naming --seed/--n", tc.name, code, stderr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the refused commands wrote %v", entries)
	}

	out := filepath.Join(dir, "last-idx3-ubyte")
	code, stdout, stderr := gankitRun(t, "sample", "--run", tiny, "--format", "idx", "--seed", strconv.FormatInt(math.MaxInt64-1, 10), "--n", "2", "--out", out)
	if code != 0 || !strings.Contains(stdout, "seeds 9223372036854775806-9223372036854775807") {
		t.Fatalf("the range ending at the largest seed: exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	raw, err := os.ReadFile(out + ".manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m sample.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.Seeds.First != math.MaxInt64-1 || m.Seeds.Last != math.MaxInt64 || m.Count != 2 {
		t.Errorf("manifest seeds %+v, count %d; want %d to %d, 2", m.Seeds, m.Count, int64(math.MaxInt64-1), int64(math.MaxInt64))
	}
	if code, _, stderr := gankitRun(t, "sample", "--run", tiny, "--seed", maxSeed, "--n", "1", "--out", filepath.Join(dir, "one.png")); code != 0 {
		t.Errorf("--seed %s --n 1: exit %d\n%s", maxSeed, code, stderr)
	}
	strip := filepath.Join(dir, "strip.png")
	ends := maxSeed + "," + strconv.FormatInt(math.MinInt64, 10)
	if code, _, stderr := gankitRun(t, "sample", "--run", tiny, "--interpolate", ends, "--steps", "2", "--out", strip); code != 0 {
		t.Errorf("--interpolate %s: exit %d\n%s", ends, code, stderr)
	}
	if f, err := os.Open(strip); err != nil {
		t.Error(err)
	} else {
		if _, err := png.Decode(f); err != nil {
			t.Errorf("the strip is not a PNG: %v", err)
		}
		f.Close()
	}
}
