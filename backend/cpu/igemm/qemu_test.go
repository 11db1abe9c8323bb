//go:build amd64

package igemm

import (
	"bytes"
	"github.com/gankit/gankit/internal/gotool"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// qemuPackages are the packages whose tests run on arm64 under qemu, each with the
// -test.v lines that show its NEON code ran: a NEON path that silently fell back to
// Go (or was skipped) fails.
var qemuPackages = []struct {
	dir  string
	neon []string
}{
	{"backend/cpu/igemm", []string{
		"--- PASS: TestRowsAndColsMatchFloat64AndTheGoKernelsBitwise/neon",
		"--- PASS: TestDotMatchesFloat64AndTheGoKernelBitwise/neon",
	}},
	{"backend/cpu/vec", []string{"--- PASS: TestMatchesGoLoops/neon"}},
	{"backend/cpu/simd", nil},
	{"backend/cpu/gemm", nil}, // its tests fail when NEON runs but igemm has no NEON kernels
}

// TestArm64KernelsUnderQemu cross-compiles the arm64 test binaries of the cpu
// backend's SIMD packages and runs them under qemu's user-mode emulator, so that the
// NEON assembly is tested (bitwise against the Go kernels) on amd64 machines too.
// Without qemu it skips, except in CI ($CI=true), which installs it.
func TestArm64KernelsUnderQemu(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles and emulates arm64 test binaries; skipped with -short")
	}
	qemu, err := exec.LookPath("qemu-aarch64-static")
	if err != nil {
		qemu, err = exec.LookPath("qemu-aarch64") // newer Debian: qemu-user is static itself
	}
	if err != nil {
		const msg = "qemu-aarch64-static is not on PATH, so the arm64 NEON kernels go untested: " +
			"install it with `apt-get install qemu-user-static`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	goBin, root, err := gotool.Module()
	if err != nil {
		t.Fatalf("cross-compiling the arm64 tests: %v", err)
	}

	var pkgs []string
	for _, p := range qemuPackages {
		pkgs = append(pkgs, "./"+p.dir)
	}
	cross := append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	consultSources(t, goBin, root, cross, pkgs)

	bins := t.TempDir()
	args := append([]string{"test", "-c", "-o", bins + string(filepath.Separator)}, pkgs...)
	start := time.Now()
	// On busy cores with a cold cache the cross-build takes minutes: one that would
	// outlast this binary's -timeout is stopped and skipped, saying so.
	out, stopped, err := gotool.Run(t, time.Minute, 30*time.Second, root, cross, goBin, args...)
	if stopped {
		t.Skipf("the arm64 cross-build stopped after %v, 30 s before this binary's -timeout (busy cores): the NEON kernels went untested", time.Since(start).Round(time.Second))
	}
	if err != nil {
		t.Fatalf("GOOS=linux GOARCH=arm64 go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("cross-compiled %d test binaries in %v", len(qemuPackages), time.Since(start).Round(time.Millisecond))

	// The environment, less a kernel set forced for the host (avx2 has no meaning on arm64).
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GANKIT_CPU_KERNELS=") {
			env = append(env, kv)
		}
	}
	for _, p := range qemuPackages {
		name := filepath.Base(p.dir)
		t.Run(name, func(t *testing.T) {
			bin := filepath.Join(bins, name+".test")
			start := time.Now()
			out, stopped, err := gotool.Run(t, 30*time.Second, 20*time.Second, filepath.Join(root, p.dir), env, qemu, bin, "-test.v", "-test.run", "Test")
			if stopped {
				t.Skipf("stopped under qemu after %v, 20 s before this binary's -timeout (busy cores): not run to the end", time.Since(start).Round(time.Second))
			}
			if err != nil {
				t.Fatalf("%s %s -test.v -test.run Test: %v\n%s", filepath.Base(qemu), bin, err, out)
			}
			var missing []string
			for _, want := range p.neon {
				if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(want) + ` `).Match(out) {
					missing = append(missing, want)
				}
			}
			if len(missing) > 0 {
				t.Fatalf("the arm64 tests passed, but without these NEON subtests passing:\n\t%s\noutput:\n%s",
					strings.Join(missing, "\n\t"), out)
			}
			t.Logf("arm64 tests passed under qemu in %v:\n%s", time.Since(start).Round(time.Millisecond), results(out))
		})
	}
}

// consultSources lists the directories of the module's packages that the arm64 test
// binaries are built from (the .s files among them, which the amd64 build of this
// test never reads) and reads go.mod: go test caches a passing run only for as long
// as the files and directories the test consulted are unchanged, so an edit to the
// NEON assembly runs this test again instead of reusing the last result.
func consultSources(t *testing.T, goBin, root string, env, pkgs []string) {
	t.Helper()
	list := exec.Command(goBin, append([]string{"list", "-deps", "-test", "-f", "{{if not .Standard}}{{.Dir}}{{end}}"}, pkgs...)...)
	list.Dir = root
	list.Env = env
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list -deps -test %s: %v", strings.Join(pkgs, " "), err)
	}
	for _, dir := range strings.Fields(string(out)) {
		if rel, err := filepath.Rel(root, dir); err == nil && !strings.HasPrefix(rel, "..") {
			if _, err := os.ReadDir(dir); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if _, err := os.ReadFile(filepath.Join(root, f)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

// results keeps the -test.v lines that give a test's result.
func results(out []byte) string {
	var keep [][]byte
	for _, line := range bytes.Split(out, []byte("\n")) {
		if t := bytes.TrimSpace(line); bytes.HasPrefix(t, []byte("--- ")) || bytes.Equal(t, []byte("PASS")) {
			keep = append(keep, line)
		}
	}
	return string(bytes.Join(keep, []byte("\n")))
}
