package igemm

import (
	"slices"
	"testing"

	"github.com/gankit/gankit/backend/cpu/simd"
)

// TestPrefetchReadsNothingIntoTheData runs Prefetch on every set this CPU runs (NEON
// under qemu) over runs that end at their buffer's last element and over repeated
// pointers, with byte counts that are not whole lines: it must return, touch no data
// and leave the pointer table as it was. A prefetch that became a load-and-store or
// a store, or a loop that ran past the table's end, fails here.
func TestPrefetchReadsNothingIntoTheData(t *testing.T) {
	buf := make([]float32, 1000)
	for i := range buf {
		buf[i] = float32(i) + 0.5
	}
	want := slices.Clone(buf)
	ptrs := []*float32{&buf[0], &buf[999], &buf[512], &buf[999], &buf[3]}
	table := append(slices.Clone(ptrs), nil) // a nil after the table: a loop one past its end would fault on it
	for _, set := range []simd.Set{simd.AVX512, simd.AVX2, simd.NEON, simd.Go} {
		if !set.Runs() {
			continue
		}
		for _, bytes := range []int{0, 1, 64, 65, 256} {
			Prefetch(set, table[:len(ptrs)], bytes)
			if !slices.Equal(buf, want) {
				t.Fatalf("%s, %d bytes: Prefetch changed the data it was pointed at", set, bytes)
			}
			if !slices.Equal(table[:len(ptrs)], ptrs) {
				t.Fatalf("%s, %d bytes: Prefetch changed the pointer table", set, bytes)
			}
		}
		Prefetch(set, nil, 64) // an empty table is no work
	}
}
