package parallel

import (
	"errors"
	"sync/atomic"
	"testing"
)

// Every index is visited exactly once, whatever the sizes.
func TestLoopsVisitEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 64, 1000} {
		for _, workers := range []int{1, 2, 3, 8} {
			seen := make([]atomic.Int32, n)
			visit := func(lo, hi int) {
				for i := lo; i < hi; i++ {
					seen[i].Add(1)
				}
			}
			check := func(name string) {
				t.Helper()
				for i := range seen {
					if v := seen[i].Swap(0); v != 1 {
						t.Fatalf("%s n=%d workers=%d: index %d visited %d times", name, n, workers, i, v)
					}
				}
			}
			_ = Workers(n, workers, func(_, lo, hi int) error { visit(lo, hi); return nil })
			check("Workers")
			for _, grain := range []int{1, 3, 100} {
				_ = Dynamic(n, grain, workers, func(w, lo, hi int) error {
					if w < 0 || w >= workers {
						t.Errorf("worker id %d out of range", w)
					}
					visit(lo, hi)
					return nil
				})
				check("Dynamic")
			}
			For(n, 2, visit)
			check("For")
		}
	}
}

// Workers hands out the same chunks every time: worker w always gets [w*chunk, ...).
func TestWorkersChunksAreFixed(t *testing.T) {
	got := make([][2]int, 3)
	_ = Workers(10, 3, func(w, lo, hi int) error { got[w] = [2]int{lo, hi}; return nil })
	if want := [][2]int{{0, 4}, {4, 8}, {8, 10}}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("chunks %v, want %v", got, want)
	}
}

func TestErrorsComeBack(t *testing.T) {
	boom := errors.New("boom")
	if err := Workers(10, 2, func(w, lo, hi int) error {
		if w == 1 {
			return boom
		}
		return nil
	}); err != boom {
		t.Fatalf("Workers: %v", err)
	}
	if err := Dynamic(10, 1, 2, func(_, lo, _ int) error {
		if lo == 5 {
			return boom
		}
		return nil
	}); err != boom {
		t.Fatalf("Dynamic: %v", err)
	}
}
