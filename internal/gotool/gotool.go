// Package gotool finds the go command and the root of this module, for the tests that
// run go themselves (cross-builds, fuzzing, the arm64 kernels under qemu).
package gotool

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
