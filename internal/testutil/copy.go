package testutil

import (
	"slices"
	"testing"
)

// ReturnsCopies checks that list hands out a fresh slice each call: it overwrites
// every element of one result, and the next call must be what the first was. A list
// that returns nothing fails too, since nothing would be checked.
func ReturnsCopies(t *testing.T, name string, list func() []string) {
	t.Helper()
	first := list()
	if len(first) == 0 {
		t.Fatalf("%s is empty: nothing to check", name)
	}
	want := slices.Clone(first)
	for i := range first {
		first[i] = "changed by a caller"
	}
	if got := list(); !slices.Equal(got, want) {
		t.Errorf("%s after a caller changed a returned list = %v, want %v", name, got, want)
	}
}
