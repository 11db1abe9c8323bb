package backend_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gankit/gankit/backend/cpu"
)

// recordOps makes the cpu backends the test builds from now on write their per-op
// times (cpu.OpTimesEnv) to a temporary file, and returns a function that reads back
// which ops ran as the backend's own kernels and which it delegated to simplego: a
// comparison with simplego proves nothing about an op the cpu backend delegated.
func recordOps(t *testing.T) func() (kernel, delegated map[string]bool) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "optimes.txt")
	t.Setenv(cpu.OpTimesEnv, path)
	return func() (kernel, delegated map[string]bool) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("the cpu backend wrote no op times: %v", err)
		}
		kernel, delegated = map[string]bool{}, map[string]bool{}
		for _, line := range strings.Split(string(raw), "\n")[1:] { // after the header
			name, how, ok := strings.Cut(line, " (")
			if !ok {
				continue
			}
			ran := kernel
			if strings.HasPrefix(how, "delegated") {
				ran = delegated
			}
			// A fused group "Fused(Abs,Sqrt)" or "FusedReduceSum(Mul,Add)" runs its members.
			if inner, ok := strings.CutPrefix(name, "Fused"); ok {
				group, members, _ := strings.Cut(inner, "(")
				if group != "" {
					ran[group] = true
				}
				for _, m := range strings.Split(strings.TrimSuffix(members, ")"), ",") {
					ran[m] = true
				}
				continue
			}
			ran[name] = true
		}
		return kernel, delegated
	}
}

// expectKernels fails unless every op in want ran as a kernel of the cpu backend
// and none of them was delegated.
func expectKernels(t *testing.T, kernel, delegated map[string]bool, want ...string) {
	t.Helper()
	for _, op := range want {
		if !kernel[op] || delegated[op] {
			t.Errorf("%s: ran as a cpu kernel %v, delegated to simplego %v; the comparison claims the kernel", op, kernel[op], delegated[op])
		}
	}
}
