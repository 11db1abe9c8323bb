package main

import (
	"github.com/gankit/gankit/internal/gotool"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// crossTargets are the platforms a cgo-free gankit must build for.
var crossTargets = []struct{ goos, goarch string }{
	{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "arm64"}, {"windows", "amd64"},
}

// TestCrossBuildWithoutCgo builds the gankit binary with CGO_ENABLED=0 for each
// target (the XLA backends and the BLAS loader, which need cgo, left out), with the
// go on PATH from the module root. Each build takes one to two minutes with a cold
// build cache on two cores and seconds with a warm one; skipped under -short, and a
// target is skipped when the test's deadline is too close.
func TestCrossBuildWithoutCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds take minutes with a cold build cache")
	}
	goBin, root := gotool.ModuleOrSkip(t)
	tmp := t.TempDir()
	for _, tg := range crossTargets {
		t.Run(tg.goos+"-"+tg.goarch, func(t *testing.T) {
			if dl, ok := t.Deadline(); ok && time.Until(dl) < 3*time.Minute {
				t.Skipf("less than 3 minutes before the test deadline (-timeout)")
			}
			exe := filepath.Join(tmp, "gankit-"+tg.goos+"-"+tg.goarch)
			cmd := exec.Command(goBin, "build", "-o", exe, "./cmd/gankit")
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+tg.goos, "GOARCH="+tg.goarch)
			t0 := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("CGO_ENABLED=0 GOOS=%s GOARCH=%s go build ./cmd/gankit: %v\n%s", tg.goos, tg.goarch, err, out)
			}
			if st, err := os.Stat(exe); err != nil || st.Size() == 0 {
				t.Fatalf("no binary at %s: %v", exe, err)
			}
			t.Logf("built in %.1fs", time.Since(t0).Seconds())
		})
	}
}
