// Package testutil holds the helpers gankit's tests share: random tensors and backends.
package testutil

import (
	"math/rand/v2"
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Normal returns a tensor of N(0, 1) values: float64 when f64, else float32.
func Normal(r *rand.Rand, f64 bool, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	if f64 {
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	v32 := make([]float32, n)
	for i, x := range v {
		v32[i] = float32(x)
	}
	return tensors.FromFlatDataAndDimensions(v32, dims...)
}

// Backend builds the named backend or fails the test.
func Backend(t testing.TB, name string) backends.Backend {
	t.Helper()
	b, err := backend.New(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
