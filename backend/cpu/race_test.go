package cpu

import (
	"strings"
	"testing"

	"github.com/gankit/gankit/backend/cpu/simd"
	"github.com/gankit/gankit/internal/gotool"
)

// TestPlansUnderTheRaceDetector reruns, in a test binary built with -race, the
// plans' tests whose tiles and items are shared among the cores: random geometries
// on this CPU's best kernel set (few tiles split into groups, the last tile moved
// back over the one before it), the cols plan's channel split and the bias epilogue.
// So a plain `go test ./...` checks that no two cores write the same output (a race
// on equal values is still one). About 40 s on two cores.
func TestPlansUnderTheRaceDetector(t *testing.T) {
	if underRace {
		t.Skip("already under -race: the tests run directly")
	}
	tests := []string{"TestIndirectPlansMatchIm2col/" + simd.Best().String(), "TestColsPlanSplitsFewItemsAmongCores", "TestConvBiasIsBitwiseTheAdd"}
	gotool.RaceRerun(t, "./backend/cpu", strings.Join(tests, "|"), tests)
}
