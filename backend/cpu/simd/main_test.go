package simd

import (
	"fmt"
	"os"
	"testing"
)

// TestMain prints which kernel sets this CPU runs: .ci/run shows it with
// `go test -v -run '^$' ./backend/cpu/simd`, so the sets the kernel tests skip are
// named in CI's log, not only under -v.
func TestMain(m *testing.M) {
	fmt.Println(Summary())
	os.Exit(m.Run())
}
