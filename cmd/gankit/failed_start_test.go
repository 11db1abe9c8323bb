//go:build unix

package main

// Tests that a run which cannot start leaves --out as the user had it (issue 18,
// item 5): before, an error found at step 1 left config.yaml, an empty metrics.jsonl
// and samples/ behind, and the fixed command was refused ("already holds a gankit
// run") while --resume could not change what was wrong.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gankit/gankit/internal/testutil"
	rundir "github.com/gankit/gankit/run"
)

// failedStart is a command that cannot start, what its error names, and the fixed
// command that then trains into the same --out.
type failedStart struct {
	name       string
	bad, fixed []string // train's arguments after --out DIR
	want       []string // in the error
}

func failedStarts(t *testing.T) []failedStart {
	t.Helper()
	dir := t.TempDir()
	big := filepath.Join(dir, "big-batch.yaml")
	writeFile(t, big, []byte("train: {batch: 1e4}\n")) // the repro: tiny holds 1,000 images
	good := pngBytes(t, 40, 30)
	for i := range 8 {
		writeFile(t, filepath.Join(dir, "images", fmt.Sprintf("img%02d.png", i)), good)
	}
	bad := filepath.Join(dir, "images", "img03.png")
	writeFile(t, bad, good[:len(good)/2]) // truncated mid-data
	writeFile(t, filepath.Join(dir, "images", "img05.png"), []byte("not a PNG"))
	images := filepath.Join(dir, "images")
	tiny := []string{"--preset", "tiny", "--steps", "1"}
	return []failedStart{
		{"batch larger than the data", append(tiny, "--config", big), tiny,
			[]string{"train.batch 10000", "1000 examples", "at most 1000"}},
		{"batch larger than the data left after skipping bad images",
			append(tiny, "--data", images, "--skip-bad-images", "--batch", "7"),
			append(tiny, "--data", images, "--skip-bad-images", "--batch", "4"),
			[]string{"train.batch 7", "6 examples", "skipped 2 of 8", "at most 6"}},
		{"bad images without --skip-bad-images", append(tiny, "--data", images, "--batch", "4"),
			append(tiny, "--data", images, "--batch", "4", "--skip-bad-images"),
			[]string{bad, "--skip-bad-images"}},
		{"more samples than memory holds", append(tiny, "--set", "train.sample_count=1000000000"), tiny,
			[]string{"train.sample_count 1000000000", "at most"}},
	}
}

// checkRefused runs args, expecting exit 1 with each of want in the error.
func checkRefused(t *testing.T, want []string, args ...string) {
	t.Helper()
	code, _, stderr := gankitRun(t, args...)
	if code != 1 {
		t.Fatalf("gankit %s: exit %d, want 1\n%s", strings.Join(args, " "), code, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("gankit %s: the error does not say %q:\n%s", strings.Join(args, " "), w, stderr)
		}
	}
}

// checkTrainsInto runs the fixed command and checks that it made a run in out.
func checkTrainsInto(t *testing.T, out string, args ...string) {
	t.Helper()
	if code, _, stderr := gankitRun(t, args...); code != 0 {
		t.Fatalf("the fixed command gankit %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	if _, err := os.Stat(rundir.CheckpointPath(out, 1)); err != nil {
		t.Errorf("the fixed command left no step-1 checkpoint in %s: %v", out, err)
	}
}

// TestFailedStartLeavesNoRunDirectory: each start-up failure on a new --out exits 1
// naming what to change, and leaves no directory; the fixed command then trains into
// the same --out.
func TestFailedStartLeavesNoRunDirectory(t *testing.T) {
	for _, tc := range failedStarts(t) {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			checkRefused(t, tc.want, append([]string{"train", "--out", out}, tc.bad...)...)
			if _, err := os.Lstat(out); !errors.Is(err, fs.ErrNotExist) {
				left := "?"
				if err == nil {
					left = testutil.Snapshot(t, out)
				}
				t.Fatalf("the failed start left %s (stat: %v):\n%s", out, err, left)
			}
			checkTrainsInto(t, out, append([]string{"train", "--out", out}, tc.fixed...)...)
		})
	}
}

// TestFailedStartKeepsTheUsersDirectory: an --out the user made, empty, is left
// exactly as it was (the directory itself and its mode), and the fixed command trains
// into it; an --out that holds the user's files is refused and not touched at all.
func TestFailedStartKeepsTheUsersDirectory(t *testing.T) {
	cases := failedStarts(t)
	for _, tc := range []failedStart{cases[0], cases[1]} {
		t.Run("empty/"+tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "mine")
			if err := os.Mkdir(out, 0o750); err != nil {
				t.Fatal(err)
			}
			before := testutil.Snapshot(t, out)
			checkRefused(t, tc.want, append([]string{"train", "--out", out}, tc.bad...)...)
			if after := testutil.Snapshot(t, out); after != before {
				t.Fatalf("the failed start changed the user's empty %s:\nbefore:\n%s\nafter:\n%s", out, before, after)
			}
			checkTrainsInto(t, out, append([]string{"train", "--out", out}, tc.fixed...)...)
		})
	}
	t.Run("holding files", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "notes")
		writeFile(t, filepath.Join(out, "notes.txt"), []byte("mine\n"))
		if err := os.Mkdir(filepath.Join(out, rundir.SamplesDir), 0o755); err != nil {
			t.Fatal(err)
		}
		before := testutil.Snapshot(t, out)
		checkRefused(t, nil, append([]string{"train", "--out", out}, cases[0].bad...)...)
		if after := testutil.Snapshot(t, out); after != before {
			t.Fatalf("the refused start changed the user's %s:\nbefore:\n%s\nafter:\n%s", out, before, after)
		}
	})
}
