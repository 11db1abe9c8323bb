package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/metrics/featnet"
)

// TestEvaluateImagesOrdersObviousCases runs every image metric with the committed
// feature network: a set against itself is perfect, another half of the same data
// is close, noise is far.
func TestEvaluateImagesOrdersObviousCases(t *testing.T) {
	model, err := featnet.FashionMNIST()
	if err != nil {
		t.Fatal(err)
	}
	d, err := data.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	read := func(lo, hi int) []float32 {
		x := make([]float32, (hi-lo)*784)
		for i := lo; i < hi; i++ {
			_ = d.Read(i, x[(i-lo)*784:(i-lo+1)*784])
		}
		return x
	}
	real, other := read(0, 600), read(600, 1200)
	r := rand.New(rand.NewPCG(1, 1))
	noise := make([]float32, len(real))
	for i := range noise {
		noise[i] = 2*r.Float32() - 1
	}
	b := testutil.Backend(t, "cpu")
	eval := func(fake []float32) ImageResult {
		res, err := EvaluateImages(b, model, nil, ImageInputs{Shape: model.Shape, Real: real, Fake: fake, Floor: other},
			ImageMetrics(), KIDOptions{Subsets: 10, Size: 200})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	self, near, far := eval(real), eval(other), eval(noise)
	if math.Abs(*self.FID) > 1e-6 || *self.Precision != 1 || *self.Recall != 1 || *self.Coverage != 1 || math.Abs(self.Spectrum.Score) > 1e-12 {
		t.Errorf("a set against itself: FID %g precision %g recall %g coverage %g spectrum %+v", *self.FID, *self.Precision, *self.Recall, *self.Coverage, *self.Spectrum)
	}
	// Noise collapses to a few embeddings, which can sit inside an outlier's large
	// real ball (precision's known weakness): recall, density and coverage see it.
	if !(*near.FID < *far.FID && *near.KID < *far.KID && *near.Recall > *far.Recall && *near.Density > *far.Density && *near.Coverage > *far.Coverage) {
		t.Errorf("real vs real: FID %g KID %g recall %g density %g coverage %g; noise: %g %g %g %g %g", *near.FID, *near.KID, *near.Recall, *near.Density, *near.Coverage,
			*far.FID, *far.KID, *far.Recall, *far.Density, *far.Coverage)
	}
	if math.Abs(*near.FIDFloor-*near.FID) > 1e-9 { // the floor set is the same 'other' half
		t.Errorf("floor %g, FID of the same set %g", *near.FIDFloor, *near.FID)
	}
	if *near.IS < 5 || *far.IS > *near.IS {
		t.Errorf("Inception Score: real %g, noise %g", *near.IS, *far.IS)
	}
	if near.FeatureNet != featnet.FashionMNISTHash {
		t.Errorf("result names feature net %s", near.FeatureNet)
	}
}

// TestMetricListsReturnCopies: neither the list of metrics nor what ParseMetrics
// returns for "all" (or "") shares an array with later calls, so a caller that edits
// its list cannot change what the next --metrics all measures.
func TestMetricListsReturnCopies(t *testing.T) {
	for _, tc := range []struct {
		name string
		list func() []string
	}{
		{"ImageMetrics()", ImageMetrics},
		{`ParseMetrics("all")`, func() []string { m, _ := ParseMetrics("all"); return m }},
		{`ParseMetrics("")`, func() []string { m, _ := ParseMetrics(""); return m }},
		{`ParseMetrics("fid,kid")`, func() []string { m, _ := ParseMetrics("fid,kid"); return m }},
	} {
		t.Run(tc.name, func(t *testing.T) { testutil.ReturnsCopies(t, tc.name, tc.list) })
	}
	// ParseMetrics("all") and ImageMetrics() hand out different arrays too.
	all, _ := ParseMetrics("all")
	all[0] = "changed"
	if got := ImageMetrics(); got[0] != MetricFID {
		t.Errorf("ImageMetrics() after a caller changed ParseMetrics(\"all\") = %v", got)
	}
}
