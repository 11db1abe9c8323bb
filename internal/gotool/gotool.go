// Package gotool finds the go command and the root of this module, for the tests that
// run go themselves (cross-builds, fuzzing, the arm64 kernels under qemu).
package gotool

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
