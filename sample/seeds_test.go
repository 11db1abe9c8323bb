package sample

import (
	"testing"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/nets"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// TestRunEachAlwaysRunsWholeBatchesOfTheNextSeeds: G sees batches of exactly Batch
// latents, a short last one filled up with the following seeds, so a sample never
// depends on how many were asked for (not even through a kernel's blocking).
func TestRunEachAlwaysRunsWholeBatchesOfTheNextSeeds(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	cfg := nets.Config{Arch: nets.ArchMLP, ZDim: 2, Width: 4}
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(1))
	ctx = ctx.WithInitializer(initializers.RandomNormalFn(ctx, 0.5))
	g, err := NewGenerator(b, ctx, cfg, data.Shape{Dim: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, Batch - 1, Batch, Batch + 3} {
		var asked []int
		got := 0
		err := g.RunEach(n, func(i int) []float32 {
			asked = append(asked, i)
			return SeedLatent(int64(i), 2, Truncation{})
		}, nil, func(i int, x []float32) error {
			if i != got || len(x) != 2 {
				t.Fatalf("n=%d: sample %d of %d values handed over as number %d", n, i, len(x), got)
			}
			got++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		whole := (n + Batch - 1) / Batch * Batch
		if len(asked) != whole || asked[len(asked)-1] != whole-1 || got != n {
			t.Errorf("n=%d: asked for latents 0..%d (%d), handed over %d samples; want 0..%d and %d", n, asked[len(asked)-1], len(asked), got, whole-1, n)
		}
	}
}
