package augment_test

import (
	"math"
	"testing"

	"github.com/gankit/gankit/augment"
)

// TestControllerFollowsTheHeuristic feeds the controller known signs and checks p
// after each iteration against values worked out by hand: batch 64, every 4
// iterations, 500 kimg, so each adjustment moves p by 64·4/500,000 = 5.12e-4.
func TestControllerFollowsTheHeuristic(t *testing.T) {
	const step = 64.0 * 4 / 500_000
	for _, tc := range []struct {
		name   string
		target float64
		p0     float64
		signs  []float64 // per iteration: the mean sign over its 32 outputs
		want   []float64 // p after each iteration
		rt     float64   // r_t after the last
	}{
		{"overfitting raises p at the end of each interval", 0.6, 0,
			[]float64{1, 1, 0.5, 0.5, 1, 1, 1, 1}, []float64{0, 0, 0, step, step, step, step, 2 * step}, 1},
		{"r_t below the target lowers p, clamped at 0", 0.6, step,
			[]float64{0, 0, 0, 0, 0, 0, 0, 0}, []float64{step, step, step, 0, 0, 0, 0, 0}, 0},
		{"r_t at the target leaves p", 0.5, 0.25,
			[]float64{0.5, 0.5, 0.25, 0.75}, []float64{0.25, 0.25, 0.25, 0.25}, 0.5},
		{"target 0 keeps p fixed", 0, 0.4,
			[]float64{1, 1, 1, 1}, []float64{0.4, 0.4, 0.4, 0.4}, 1},
	} {
		c := augment.Controller{Target: tc.target, Kimg: 500, Interval: 4, Batch: 64, P: tc.p0}
		for i, s := range tc.signs {
			c.Observe(s*32, 32)
			ended := c.EndIteration(i)
			if ended != ((i+1)%4 == 0) {
				t.Fatalf("%s: iteration %d ended an interval: %v", tc.name, i, ended)
			}
			if math.Abs(c.P-tc.want[i]) > 1e-15 {
				t.Fatalf("%s: after iteration %d p = %.6g, want %.6g", tc.name, i, c.P, tc.want[i])
			}
		}
		if c.RT != tc.rt || c.SignSum != 0 || c.SignCount != 0 {
			t.Errorf("%s: r_t %g (want %g), accumulator %g/%g (want empty)", tc.name, c.RT, tc.rt, c.SignSum, c.SignCount)
		}
	}
}
