package cpu

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gankit/gankit/backend/cpu/simd"
	"github.com/gankit/gankit/internal/gotool"
)

// raceTests are the plans' tests whose tiles and items are shared among the cores:
// random geometries on this CPU's best kernel set (few tiles split into groups, the
// last tile moved back over the one before it), the cols plan's channel split, the
// bias epilogue.
func raceTests() []string {
	return []string{"TestIndirectPlansMatchIm2col/" + simd.Best().String(), "TestColsPlanSplitsFewItemsAmongCores", "TestConvBiasIsBitwiseTheAdd"}
}

// TestPlansUnderTheRaceDetector runs raceTests again in a test binary built with
// -race, so that a plain `go test ./...` checks that no two cores write the same
// output (a benign-looking race on equal values is still one). About a minute on
// two cores; skipped under -short, when this binary has the race detector already,
// and without a C compiler.
func TestPlansUnderTheRaceDetector(t *testing.T) {
	if underRace {
		t.Skip("already under -race: the tests run directly")
	}
	if testing.Short() {
		t.Skip("builds and runs the plans' tests under -race: about a minute")
	}
	goBin, root := gotool.ModuleOrSkip(t)
	cc, _ := exec.Command(goBin, "env", "CC").Output()
	if _, err := exec.LookPath(strings.Fields(string(cc) + " gcc")[0]); err != nil {
		t.Skipf("no C compiler (go env CC = %q): the race detector needs cgo", strings.TrimSpace(string(cc)))
	}
	env := append(os.Environ(), "CGO_ENABLED=1")
	run := strings.Join(raceTests(), "|")
	out, stopped, err := gotool.Run(t, 2*time.Minute, 30*time.Second, root, env, goBin, "test", "-race", "-count=1", "-v", "-run", run, "./backend/cpu")
	if stopped {
		t.Skipf("go test -race ./backend/cpu stopped 30 s before this binary's -timeout (busy cores): the race detector did not run\n%s", out)
	}
	if err != nil {
		t.Fatalf("go test -race -run '%s' ./backend/cpu: %v\n%s", run, err, out)
	}
	for _, name := range raceTests() {
		if !strings.Contains(string(out), "--- PASS: "+name) {
			t.Fatalf("go test -race -run '%s' ./backend/cpu did not run %s:\n%s", run, name, out)
		}
	}
}
