//go:build !cgo

package backend

import "github.com/gomlx/gomlx/backends"

// XLABuiltIn says whether this binary has the XLA backends: it was built without
// cgo, which they need, so it has not.
const XLABuiltIn = false

// newXLA refuses every XLA specification, saying how to build a binary that has them.
func newXLA(spec, _ string) (backends.Backend, error) {
	return nil, NoCgoXLAError(spec)
}
