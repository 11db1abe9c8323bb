package serve

import (
	"testing"

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
	gotool.RaceRerun(t, "./serve", raceTests, []string{"TestHundredConcurrentClientsOnLoopback"})
}
