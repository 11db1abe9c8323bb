package crossbuild

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gankit/gankit/internal/gotool"
)

// targets are the platforms a cgo-free gankit must build for.
var targets = []struct{ goos, goarch string }{
	{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "arm64"}, {"windows", "amd64"},
}

// TestCrossBuildWithoutCgo builds the gankit binary with CGO_ENABLED=0 for each
// target (the XLA backends, which need cgo, left out), with the go on PATH from the
// module root. Each build takes one to two minutes with a cold build cache on two
// cores and seconds with a warm one; skipped under -short. A build that would run
// past the test binary's -timeout is stopped and skipped, naming the target.
func TestCrossBuildWithoutCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds take minutes with a cold build cache")
	}
	goBin, root := gotool.ModuleOrSkip(t)
	tmp := t.TempDir()
	for _, tg := range targets {
		t.Run(tg.goos+"-"+tg.goarch, func(t *testing.T) {
			exe := filepath.Join(tmp, "gankit-"+tg.goos+"-"+tg.goarch)
			env := append(os.Environ(), "CGO_ENABLED=0", "GOOS="+tg.goos, "GOARCH="+tg.goarch)
			t0 := time.Now()
			out, stopped, err := gotool.Run(t, time.Minute, 30*time.Second, root, env, goBin, "build", "-o", exe, "./cmd/gankit")
			if stopped {
				t.Skipf("stopped after %.0fs, 30 s before the test binary's -timeout (busy cores): %s/%s not built", time.Since(t0).Seconds(), tg.goos, tg.goarch)
			}
			if err != nil {
				t.Fatalf("CGO_ENABLED=0 GOOS=%s GOARCH=%s go build ./cmd/gankit: %v\n%s", tg.goos, tg.goarch, err, out)
			}
			if st, err := os.Stat(exe); err != nil || st.Size() == 0 {
				t.Fatalf("no binary at %s: %v", exe, err)
			}
			t.Logf("built in %.1fs", time.Since(t0).Seconds())
		})
	}
}
