package serve

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gankit/gankit/internal/gotool"
)

// raceTests are the server's concurrency tests: the batcher, the shutdown, 100
// clients at once, and the bitwise checks of batched samples.
const raceTests = "Hundred|Shutdown|Bitwise|SameSeed|Batcher"

// TestConcurrencyUnderTheRaceDetector runs raceTests again in a test binary built
// with -race, so that a plain `go test ./...` (the README's and CI's command) also
// checks the server for data races. It takes about a minute on two cores; skipped
// under -short and when this binary already has the race detector.
func TestConcurrencyUnderTheRaceDetector(t *testing.T) {
	if underRace {
		t.Skip("already under -race: the tests run directly")
	}
	if testing.Short() {
		t.Skip("builds and runs the server's tests under -race: about a minute")
	}
	goBin, root := gotool.ModuleOrSkip(t)
	// The race detector's runtime needs cgo, so a C compiler.
	cc, _ := exec.Command(goBin, "env", "CC").Output()
	if _, err := exec.LookPath(strings.Fields(string(cc) + " gcc")[0]); err != nil {
		t.Skipf("no C compiler (go env CC = %q): the race detector needs cgo", strings.TrimSpace(string(cc)))
	}
	env := append(os.Environ(), "CGO_ENABLED=1") // the race detector needs cgo
	// On busy cores with a cold cache the -race build takes minutes: a run that would
	// outlast this binary's -timeout is stopped and skipped, saying so.
	out, stopped, err := gotool.Run(t, 2*time.Minute, 30*time.Second, root, env, goBin, "test", "-race", "-count=1", "-v", "-run", raceTests, "./serve")
	if stopped {
		t.Skipf("go test -race ./serve stopped 30 s before this binary's -timeout (busy cores): the race detector did not run\n%s", out)
	}
	if err != nil {
		t.Fatalf("go test -race -run '%s' ./serve: %v\n%s", raceTests, err, out)
	}
	// -run matching nothing would pass too: the 100-client test must have run.
	if !strings.Contains(string(out), "--- PASS: TestHundredConcurrentClientsOnLoopback") {
		t.Fatalf("go test -race -run '%s' ./serve did not run TestHundredConcurrentClientsOnLoopback:\n%s", raceTests, out)
	}
}
