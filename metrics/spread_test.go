package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestInceptionScoreStdIsThePopulationStdOverSplits: the spread InceptionScore
// reports is the standard deviation over splits with divisor n (numpy's np.std,
// ddof=0, as in Salimans et al. 2016's inception_score code). Two splits of four
// rows: one confident on four distinct classes (IS = exp(log 4) = 4), one uniform
// (IS = 1): mean 2.5, std sqrt(((4-2.5)^2 + (1-2.5)^2)/2) = 1.5 (divisor n-1 would
// give 2.1213).
func TestInceptionScoreStdIsThePopulationStdOverSplits(t *testing.T) {
	probs := []float64{
		1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1,
		.25, .25, .25, .25, .25, .25, .25, .25, .25, .25, .25, .25, .25, .25, .25, .25,
	}
	for _, tc := range []struct {
		splits    int
		mean, std float64
	}{
		{2, 2.5, 1.5},
		// One split of all 8 rows: p(y) is uniform, KL is log 4 for the confident rows
		// and 0 for the uniform ones, IS = exp(log 4 / 2) = 2, and one score has no spread.
		{1, 2, 0},
	} {
		mean, std := InceptionScore(probs, 4, tc.splits)
		if !(math.Abs(mean-tc.mean) <= 1e-12) || !(math.Abs(std-tc.std) <= 1e-12) { // a NaN fails
			t.Errorf("%d splits: IS %g ± %g, want %g ± %g", tc.splits, mean, std, tc.mean, tc.std)
		}
	}
}

// TestKIDStdIsThePopulationStdOverSubsets: KID's spread is the standard deviation of
// the subsets' unbiased MMD^2 with divisor n (np.std, ddof=0, as in Bińkowski et al.
// 2018's code and torch-fidelity). The test redraws the subsets from KID's stream
// (seed, 0x6b6964) and computes mean and std by hand.
func TestKIDStdIsThePopulationStdOverSubsets(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 5))
	a, b := randomFeatures(r, 30, 3, 0), randomFeatures(r, 25, 3, 0.5)
	opt := KIDOptions{Subsets: 4, Size: 10, Seed: 11}
	mean, std, err := KID(a, b, opt)
	if err != nil {
		t.Fatal(err)
	}
	draws := rand.New(rand.NewPCG(opt.Seed, 0x6b6964))
	var vals []float64
	for range opt.Subsets {
		x := a.Subset(draws.Perm(a.N)[:opt.Size])
		y := b.Subset(draws.Perm(b.N)[:opt.Size])
		vals = append(vals, mmd2Unbiased(x, y))
	}
	wantMean := (vals[0] + vals[1] + vals[2] + vals[3]) / 4
	var ss float64
	for _, v := range vals {
		ss += (v - wantMean) * (v - wantMean)
	}
	wantStd := math.Sqrt(ss / 4)
	if wantStd == 0 {
		t.Fatalf("the four subsets' MMD^2 are all %g: the test cannot tell n from n-1", vals[0])
	}
	if !(math.Abs(mean-wantMean) <= 1e-12*math.Abs(wantMean)) || !(math.Abs(std-wantStd) <= 1e-9*wantStd) { // a NaN fails
		t.Errorf("KID %g ± %g, want %g ± %g (divisor n; n-1 would be ± %g)", mean, std, wantMean, wantStd, math.Sqrt(ss/3))
	}
}
