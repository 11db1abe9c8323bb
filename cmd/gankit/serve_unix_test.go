//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeFlagsAreCheckedAndHelpHasExamples: --help shows the example and the API;
// a missing --run, a bound below 1 and a run that is not there are refused by name.
func TestServeFlagsAreCheckedAndHelpHasExamples(t *testing.T) {
	code, out := runGankit(t, "serve", "--help")
	for _, want := range []string{"gankit serve --run runs/fm", "curl", "POST /v1/samples", "--token", "--max-n"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("serve --help (exit %d) lacks %q", code, want)
		}
	}
	missing := filepath.Join(t.TempDir(), "nothing")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"serve"}, []string{"--run DIR is required"}},
		{[]string{"serve", "--run", missing, "--max-n", "0"}, []string{"--max-n", "at least 1", "got 0"}},
		{[]string{"serve", "--run", missing, "--max-body", "10"}, []string{"--max-body", "10"}},
		{[]string{"serve", "--run", missing, "--timeout", "0s"}, []string{"--timeout", "0s"}},
		{[]string{"serve", "--run", missing}, []string{missing}},
	} {
		code, out := runGankit(t, tc.args...)
		if code != 1 || strings.Contains(out, "panic") {
			t.Errorf("gankit %v: exit %d, want 1:\n%s", tc.args, code, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("gankit %v: output lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
}

// TestServePrintsItsURLAnswersAndStopsOnSIGINT runs `gankit serve` on a tiny run
// with port 0: it prints the URL it listens on (loopback), answers there, and exits
// 0 after SIGINT, saying it is shutting down.
func TestServePrintsItsURLAnswersAndStopsOnSIGINT(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tiny")
	if code, out := runGankit(t, "train", "--preset", "tiny", "--steps", "2", "--out", dir); code != 0 {
		t.Fatalf("training: exit %d\n%s", code, out)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestGankitHelperProcess$", "--", "serve", "--run", dir, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("gankit serve printed nothing:\n%s", stderr.String())
	}
	first := lines.Text()
	go io.Copy(io.Discard, stdout)
	m := regexp.MustCompile(`^serving .* \(step 2\) on (http://127\.0\.0\.1:\d+/)$`).FindStringSubmatch(first)
	if m == nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("first line %q: want \"serving DIR (step 2) on http://127.0.0.1:PORT/\"", first)
	}
	resp, err := http.Get(m[1] + "v1/model")
	if err == nil {
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("GET %sv1/model: %v %v", m[1], err, resp)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGINT: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("stderr lacks \"shutting down\":\n%s", stderr.String())
	}
}
