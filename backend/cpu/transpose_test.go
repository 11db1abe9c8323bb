package cpu

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestBlockedTransposeMatchesTheGather checks the blocked transpose against the
// row-by-row gather on the permutations it takes over: the grouped kernel gradient's
// [28 28 64 8 16] -> [16 28 28 8 64] at a smaller size, a plain 2-D transpose with a
// ragged last block, and an inner axis of one block exactly.
func TestBlockedTransposeMatchesTheGather(t *testing.T) {
	for _, tc := range []struct {
		in   []int
		perm []int
	}{
		{[]int{3, 2, 5, 2, 16}, []int{4, 0, 1, 3, 2}},
		{[]int{37, 21}, []int{1, 0}},
		{[]int{5, 16, 9}, []int{0, 2, 1}},
	} {
		t.Run(fmt.Sprint(tc.in, tc.perm), func(t *testing.T) {
			x := shapes.Make(dtypes.Float32, tc.in...)
			dims := make([]int, len(tc.perm))
			xs, st := strides(x), make([]int, len(tc.perm))
			for i, p := range tc.perm {
				dims[i], st[i] = tc.in[p], xs[p]
			}
			out := shapes.Make(dtypes.Float32, dims...)
			p := slices.Index(st, 1)
			if p == len(st)-1 || p < 0 {
				t.Fatalf("case has no blocked axis: strides %v", st)
			}
			src := make([]float32, x.Size())
			for i := range src {
				src[i] = float32(i)
			}
			want, got := make([]float32, out.Size()), make([]float32, out.Size())
			gatherInto(out, src, want, 0, st, make([]int, len(st)))
			transposeBlocked(out, src, got, st, p)
			if !slices.Equal(got, want) {
				t.Fatalf("blocked transpose differs from the gather: first values %v, want %v", got[:min(20, len(got))], want[:min(20, len(want))])
			}
		})
	}
}
