package gemm

import (
	"fmt"
	"os"
	"testing"

	"github.com/gankit/gankit/backend/cpu/simd"
)

// TestMain says which kernel sets the tests below run on this machine.
func TestMain(m *testing.M) {
	fmt.Println("gemm:", simd.Summary())
	os.Exit(m.Run())
}
