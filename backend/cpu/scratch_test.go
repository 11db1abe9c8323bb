package cpu

import (
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func TestBufferPoolReusesByShapeAndLetsIdleOnesGo(t *testing.T) {
	var p bufferPool
	s1, s2 := shapes.Make(dtypes.Float32, 2, 3), shapes.Make(dtypes.Float32, 3, 2)
	a, b := backends.Buffer(new(int)), backends.Buffer(new(int))
	if p.get(s1) != nil {
		t.Fatal("an empty pool handed out a buffer")
	}
	if !p.put(s1, a) || p.put(s1, a) {
		t.Fatal("a buffer freed twice must be kept once")
	}
	if p.get(s2) != nil {
		t.Fatal("a buffer of another shape was handed out")
	}
	if got := p.get(s1); got != a {
		t.Fatalf("got %v, want the freed buffer", got)
	}
	p.put(s1, a)
	var released []backends.Buffer
	rel := func(buf backends.Buffer) { released = append(released, buf) }
	for range poolAge {
		p.tick(rel)
	}
	p.put(s2, b)
	if len(released) != 0 {
		t.Fatalf("released %d buffers before they were idle for %d executions", len(released), poolAge)
	}
	p.tick(rel)
	if len(released) != 1 || released[0] != a || p.get(s1) != nil {
		t.Fatalf("after %d idle executions: released %v, want the idle buffer only", poolAge+1, released)
	}
	p.drain(rel)
	if len(released) != 2 || released[1] != b || p.get(s2) != nil {
		t.Fatalf("drain released %v", released)
	}
}
