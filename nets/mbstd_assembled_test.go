package nets

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestDiscriminatorMinibatchStddevMatchesPGGANGrouping checks the minibatch stddev
// feature as the assembled DCGAN discriminator computes it (model.mbstd with
// model.mbstd_group), not MinibatchStddev alone: D's output layer is set to average
// the extra feature map over the positions (weight 1/(H·W) on it, 0 on the other
// features, bias 0), so D(x)_n is the value sample n gets; it must be PGGAN's
// (Karras et al. 2018, §3; networks.py minibatch_stddev_layer), computed here in
// plain loops from D's features before the layer: groups of size G = min(group,
// batch), strided (sample n is in group n mod N/G), per group the mean over every
// feature of sqrt(biased variance over its members + 1e-8). The batches are ones
// where the group size and the group count differ (batch 4 with groups of 2 could
// not tell one for the other).
func TestDiscriminatorMinibatchStddevMatchesPGGANGrouping(t *testing.T) {
	s := data.Shape{Size: 28, Channels: 1}
	b := testutil.Backend(t, "cpu")
	for _, tc := range []struct {
		name         string
		batch, group int
	}{
		{"batch8-group4", 8, 4},   // 2 groups of 4
		{"batch12-group4", 12, 4}, // 3 groups of 4
		{"batch12-group2", 12, 2}, // 6 groups of 2
		{"batch4-group8", 4, 8},   // min(8, 4): the whole batch is one group
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Arch: ArchDCGAN, ZDim: 3, Width: 2, Upsample: UpTransposed, Slope: 0.2, MBStd: true, MBStdGroup: tc.group}
			ctx := context.New()
			ctx.SetParam(ParamFloat64, true)
			ctx.SetParam(ParamSeed, int64(3))
			exec, err := context.NewExec(b, ctx, func(ctx *context.Context, x *Node) []*Node {
				logits, features := DiscriminatorFeatures(ctx, cfg, s, x)
				return []*Node{logits, features}
			})
			if err != nil {
				t.Fatal(err)
			}
			x := testutil.Normal(rand.New(rand.NewPCG(5, 6)), true, tc.batch, s.Size, s.Size, s.Channels)
			if _, err := exec.Exec(x); err != nil { // creates D's weights
				t.Fatal(err)
			}
			out := ctx.InAbsPath("/d/out")
			w, bias := out.GetVariable("weights"), out.GetVariable("biases")
			if w == nil || bias == nil {
				t.Fatal("D has no /d/out weights and biases")
			}
			rows := w.Shape().Dimensions[0] // positions × (channels + 1)
			_, stages, _ := DCGANPlan(s.Size)
			positions := (s.Size >> stages) * (s.Size >> stages)
			ch := rows / positions // D's last channels, and the stddev map last
			if positions*ch != rows {
				t.Fatalf("D's output layer has %d inputs, not a multiple of the %d positions", rows, positions)
			}
			pick := make([]float64, rows)
			for p := range positions {
				pick[p*ch+ch-1] = 1 / float64(positions)
			}
			if err := w.SetValue(tensors.FromFlatDataAndDimensions(pick, rows, 1)); err != nil {
				t.Fatal(err)
			}
			if err := bias.SetValue(tensors.FromFlatDataAndDimensions([]float64{0}, 1)); err != nil {
				t.Fatal(err)
			}
			res, err := exec.Exec(x)
			if err != nil {
				t.Fatal(err)
			}
			got, feat := valuesOf(res[0]), valuesOf(res[1])
			n, size := tc.batch, min(tc.group, tc.batch)
			groups, per := n/size, len(feat)/n
			if per != positions*(ch-1) {
				t.Fatalf("D's features: %d per sample, want %d", per, positions*(ch-1))
			}
			want := make([]float64, groups)
			for j := range groups {
				for k := range per {
					var mean, ss float64
					for i := j; i < n; i += groups {
						mean += feat[i*per+k]
					}
					mean /= float64(size)
					for i := j; i < n; i += groups {
						ss += (feat[i*per+k] - mean) * (feat[i*per+k] - mean)
					}
					want[j] += math.Sqrt(ss/float64(size)+1e-8) / float64(per)
				}
			}
			for i, g := range got {
				if w := want[i%groups]; !(math.Abs(g-w) <= 1e-12*w) {
					t.Errorf("sample %d (group %d of %d): stddev feature %.15g, PGGAN's grouping gives %.15g", i, i%groups, groups, g, w)
				}
			}
			// Distinct groups get distinct values: the test can see a sample in the
			// wrong group.
			for j := 1; j < groups; j++ {
				if math.Abs(want[j]-want[0]) < 1e-6*want[0] {
					t.Errorf("groups 0 and %d have the same stddev %g", j, want[0])
				}
			}
		})
	}
}
