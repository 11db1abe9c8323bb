package nets

import (
	"testing"

	"github.com/gankit/gankit/internal/testutil"
)

// TestUpsampleModesReturnsCopies: a caller that changes the list cannot change which
// modes Config.Validate accepts.
func TestUpsampleModesReturnsCopies(t *testing.T) {
	testutil.ReturnsCopies(t, "UpsampleModes()", UpsampleModes)
}
