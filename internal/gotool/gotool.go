// Package gotool finds the go command and the root of this module, and runs commands
// within the test binary's deadline, for the tests that run go themselves
// (cross-builds, fuzzing, the race detector, the arm64 kernels under qemu).
package gotool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ErrNoGo is returned, wrapped, when there is no go command on PATH.
var ErrNoGo = exec.ErrNotFound

// Module returns the go command on PATH and the folder of the module's go.mod (as
// `go env GOMOD` names it). Without a go command the error wraps ErrNoGo.
func Module() (goBin, root string, err error) {
	goBin, err = exec.LookPath("go")
	if err != nil {
		return "", "", fmt.Errorf("no go command on PATH: %w", err)
	}
	out, err := exec.Command(goBin, "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", "", fmt.Errorf("go env GOMOD = %q, %v: not in the module", gomod, err)
	}
	return goBin, filepath.Dir(gomod), nil
}

// ModuleOrSkip is Module for a test that runs go: it skips t when there is no go on
// PATH and fails it on any other error.
func ModuleOrSkip(t testing.TB) (goBin, root string) {
	t.Helper()
	goBin, root, err := Module()
	if errors.Is(err, ErrNoGo) {
		t.Skip("no go on PATH")
	} else if err != nil {
		t.Fatal(err)
	}
	return goBin, root
}

// Run runs name args... in dir with env (nil: this process's), stopped margin before
// the test binary's deadline (go test's -timeout, 10 minutes by default, covers every
// test of a package together). On two busy cores the builds that these tests start
// take minutes, and a run past the deadline ends the whole package in a timeout
// panic; stopped says that Run stopped the command for that reason, so that the
// caller can skip, naming what went unchecked, instead. A test with less than need
// left before the deadline is skipped before it starts.
func Run(t *testing.T, need, margin time.Duration, dir string, env []string, name string, args ...string) (out []byte, stopped bool, err error) {
	t.Helper()
	ctx := context.Background()
	if dl, ok := t.Deadline(); ok {
		if left := time.Until(dl); left < need {
			t.Skipf("only %s left before the test binary's -timeout, %s needed: not run", left.Round(time.Second), need)
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-margin))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.WaitDelay = 10 * time.Second
	out, err = cmd.CombinedOutput()
	return out, err != nil && ctx.Err() != nil, err
}

// RaceRerun runs `go test -race -count=1 -v -run PATTERN` on package pkg (a path
// from the module root, such as ./serve), for a test in a binary built without -race
// that wants its package's concurrent tests checked by the race detector too; the
// caller skips when its own binary has -race already. It skips t under -short, without
// go or a C compiler (the race detector needs cgo), and when the run would outlast
// t's deadline on busy cores; it fails t when the run fails or does not pass each test
// of mustPass (a -run that matched nothing would pass too). It returns the output.
func RaceRerun(t *testing.T, pkg, pattern string, mustPass []string) []byte {
	t.Helper()
	if testing.Short() {
		t.Skipf("builds and runs %s's tests under -race; skipped with -short", pkg)
	}
	goBin, root := ModuleOrSkip(t)
	cc, _ := exec.Command(goBin, "env", "CC").Output()
	if _, err := exec.LookPath(strings.Fields(string(cc) + " gcc")[0]); err != nil {
		t.Skipf("no C compiler (go env CC = %q): the race detector needs cgo", strings.TrimSpace(string(cc)))
	}
	env := append(os.Environ(), "CGO_ENABLED=1")
	// On busy cores with a cold cache the -race build takes minutes: a run that would
	// outlast this binary's -timeout is stopped and skipped, saying so.
	out, stopped, err := Run(t, 2*time.Minute, 30*time.Second, root, env, goBin, "test", "-race", "-count=1", "-v", "-run", pattern, pkg)
	if stopped {
		t.Skipf("go test -race %s stopped 30 s before this binary's -timeout (busy cores): the race detector did not run\n%s", pkg, out)
	}
	if err != nil {
		t.Fatalf("go test -race -run '%s' %s: %v\n%s", pattern, pkg, err, out)
	}
	for _, name := range mustPass {
		if !strings.Contains(string(out), "--- PASS: "+name) {
			t.Fatalf("go test -race -run '%s' %s did not run %s:\n%s", pattern, pkg, name, out)
		}
	}
	return out
}
