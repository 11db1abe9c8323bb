package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorruptImageStopsTrainingBeforeTheFirstStep is issue 12's corrupt-PNG failure
// end to end: one truncated PNG among 20 killed training at the step that first drew
// it ("step 5: decoding image ...") and again on every resume. Now the folder is
// checked before anything is written, and --skip-bad-images trains on the other 19.
func TestCorruptImageStopsTrainingBeforeTheFirstStep(t *testing.T) {
	if testing.Short() {
		t.Skip("runs gankit train twice")
	}
	dir := t.TempDir()
	good := pngBytes(t, 40, 30)
	for i := range 20 {
		b := good
		if i == 7 {
			b = good[:len(good)/2]
		}
		writeFile(t, filepath.Join(dir, "imgs", fmt.Sprintf("img%02d.png", i)), b)
	}
	out := filepath.Join(dir, "run")
	code, text := runGankit(t, "train", "--preset", "tiny", "--data", filepath.Join(dir, "imgs"), "--batch", "4", "--out", out)
	if code == 0 || strings.Contains(text, "step ") || !strings.Contains(text, "img07.png") {
		t.Errorf("exit %d, want a failure before any step naming img07.png:\n%s", code, text)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the refused run left %s behind (%v)", out, err)
	}
	code, text = runGankit(t, "train", "--preset", "tiny", "--data", filepath.Join(dir, "imgs"), "--batch", "4", "--steps", "6", "--out", out, "--skip-bad-images")
	if code != 0 || !strings.Contains(text, "skipped 1 of 20 images") || !strings.Contains(text, "img07.png") {
		t.Fatalf("with --skip-bad-images: exit %d\n%s", code, text)
	}
	cfg, err := os.ReadFile(filepath.Join(out, "config.yaml"))
	if err != nil || !strings.Contains(string(cfg), "skip_bad_images: true") {
		t.Errorf("config.yaml does not record data.skip_bad_images: %v\n%s", err, cfg)
	}
	// The resumed run skips the same image, so it draws the batches it drew before.
	code, text = runGankit(t, "train", "--resume", out, "--steps", "8")
	if code != 0 || !strings.Contains(text, "skipped 1 of 20 images") {
		t.Errorf("resume: exit %d\n%s", code, text)
	}
}
