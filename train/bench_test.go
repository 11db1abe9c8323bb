package train

import (
	"strings"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
)

// TestTimeStepsReturnsOneTimePerTimedIteration guards the contract package bench
// builds on: the warm-up iterations run untimed, and each timed one gives one
// positive duration, so that bench's median is over exactly --iters values.
func TestTimeStepsReturnsOneTimePerTimedIteration(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	cfg := microConfig(t)
	shape := data.Shape{Size: 28, Channels: 1}
	for _, tc := range []struct{ warmup, iters int }{{0, 1}, {2, 3}} {
		secs, err := TimeSteps(b, cfg, shape, tc.warmup, tc.iters)
		if err != nil {
			t.Fatal(err)
		}
		if len(secs) != tc.iters {
			t.Errorf("warm-up %d, %d timed: %d times %v, want %d", tc.warmup, tc.iters, len(secs), secs, tc.iters)
		}
		for i, s := range secs {
			if !(s > 0) {
				t.Errorf("warm-up %d, %d timed: iteration %d took %g s", tc.warmup, tc.iters, i, s)
			}
		}
	}
	for _, tc := range []struct{ warmup, iters int }{{0, 0}, {-1, 2}} {
		if _, err := TimeSteps(b, cfg, shape, tc.warmup, tc.iters); err == nil || !strings.Contains(err.Error(), "warm-up") {
			t.Errorf("warm-up %d, %d timed: error %v, want a refusal", tc.warmup, tc.iters, err)
		}
	}
}
