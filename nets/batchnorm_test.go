package nets

import (
	"math"
	"testing"

	"github.com/gankit/gankit/internal/testutil"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestBatchNormModeAndRunningStatsByHand runs BatchNorm once on the batch x = [1, 3]
// (one channel) in each Mode and RunningStats, from fresh running statistics (mean 0,
// variance 1). By hand: Training normalises by the batch, mean 2 and biased variance
// 1, so y = (x - 2)/sqrt(1 + 1e-5); Inference by the running statistics, y =
// x/sqrt(1 + 1e-5). Tracking in Training moves the running mean to 0.9·0 + 0.1·2 = 0.2
// and the variance to 0.9·1 + 0.1·2 = 1.1 (the unbiased variance is 2); Inference
// leaves them at 0 and 1; NoRunningStats in Training keeps none.
func TestBatchNormModeAndRunningStatsByHand(t *testing.T) {
	s := math.Sqrt(1 + 1e-5)
	for _, tc := range []struct {
		name            string
		mode            Mode
		stats           RunningStats
		want            []float64
		running         bool
		runMean, runVar float64 // after the step, when running
	}{
		{"training-tracked", Training, TrackRunningStats, []float64{-1 / s, 1 / s}, true, 0.2, 1.1},
		{"training-untracked", Training, NoRunningStats, []float64{-1 / s, 1 / s}, false, 0, 0},
		{"inference-tracked", Inference, TrackRunningStats, []float64{1 / s, 3 / s}, true, 0, 1},
		{"inference-untracked", Inference, NoRunningStats, []float64{1 / s, 3 / s}, true, 0, 1},
	} {
		b := testutil.Backend(t, "go")
		ctx := context.New()
		ctx.SetParam(ParamFloat64, true)
		e := context.MustNewExec(b, ctx, func(ctx *context.Context, x *Node) *Node {
			return BatchNorm(ctx, x, tc.mode, tc.stats)
		})
		got := valuesOf(e.MustExec(tensors.FromValue([][]float64{{1}, {3}}))[0])
		for i, w := range tc.want {
			if math.Abs(got[i]-w) > 1e-12 {
				t.Errorf("%s: y[%d] = %.15g, want %.15g", tc.name, i, got[i], w)
			}
		}
		bn := ctx.In("batchnorm")
		mean, variance := bn.GetVariable("running_mean"), bn.GetVariable("running_var")
		if (mean != nil) != tc.running || (variance != nil) != tc.running {
			t.Errorf("%s: running mean %v and variance %v kept, want kept: %v", tc.name, mean != nil, variance != nil, tc.running)
			continue
		}
		if !tc.running {
			continue
		}
		for _, v := range []struct {
			name string
			v    *context.Variable
			want float64
		}{{"mean", mean, tc.runMean}, {"variance", variance, tc.runVar}} {
			if got := valuesOf(v.v.MustValue())[0]; math.Abs(got-v.want) > 1e-12 {
				t.Errorf("%s: running %s = %.15g, want %.15g", tc.name, v.name, got, v.want)
			}
		}
	}
}
