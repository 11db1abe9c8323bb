package metrics

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

func loadReference(t *testing.T) (a, b Features, ref map[string]float64) {
	t.Helper()
	raw, err := os.ReadFile("testdata/fid_kid_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		D, NA, NB int
		A, B      []float64
		FID       float64 `json:"fid"`
		FIDSelf   float64 `json:"fid_self"`
		KID       float64 `json:"kid_equal_size"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	var n struct {
		NA int `json:"n_a"`
		NB int `json:"n_b"`
	}
	_ = json.Unmarshal(raw, &n)
	a, err = NewFeatures(r.A, n.NA, r.D)
	if err != nil {
		t.Fatal(err)
	}
	b, err = NewFeatures(r.B, n.NB, r.D)
	if err != nil {
		t.Fatal(err)
	}
	return a, b, map[string]float64{"fid": r.FID, "fid_self": r.FIDSelf, "kid": r.KID}
}

// TestFIDKIDMatchNumpy compares with scripts/reference/fid_kid_reference.py (numpy,
// scipy.linalg.sqrtm as pytorch-fid uses it) on the same saved features.
func TestFIDKIDMatchNumpy(t *testing.T) {
	a, b, ref := loadReference(t)
	fid, err := FID(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if rel := math.Abs(fid-ref["fid"]) / ref["fid"]; rel > 1e-6 {
		t.Errorf("FID %.10g, numpy/scipy %.10g (relative error %.2g)", fid, ref["fid"], rel)
	}
	self, err := FID(a, a)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(self) > 1e-6 {
		t.Errorf("FID of a set with itself = %g, want 0 within 1e-6 (scipy gives %g)", self, ref["fid_self"])
	}
	// One subset holding every sample: KID is the whole sets' unbiased MMD^2.
	first := a.Subset(seq(b.N))
	kid, _, err := KID(first, b, KIDOptions{Subsets: 1, Size: b.N})
	if err != nil {
		t.Fatal(err)
	}
	if rel := math.Abs(kid-ref["kid"]) / math.Abs(ref["kid"]); rel > 1e-9 {
		t.Errorf("KID %.10g, numpy %.10g (relative error %.2g)", kid, ref["kid"], rel)
	}
	// Averaged over subsets, the estimate stays near the whole-set value.
	mean, std, err := KID(first, b, KIDOptions{Subsets: 20, Size: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(mean-kid) > 3*std/math.Sqrt(20)+0.05*kid {
		t.Errorf("KID over subsets %g ± %g, whole sets %g", mean, std, kid)
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func randomFeatures(r *rand.Rand, n, d int, shift float64) Features {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = r.NormFloat64() + shift
	}
	f, _ := NewFeatures(x, n, d)
	return f
}

// bruteForce is precision, recall, density and coverage by their definitions, with
// sorted distance lists.
func bruteForce(real, fake Features, kPR, kDC int) (p, r, d, c float64) {
	dist := func(u, v []float64) float64 {
		var s float64
		for i := range u {
			s += (u[i] - v[i]) * (u[i] - v[i])
		}
		return math.Sqrt(s)
	}
	radius := func(f Features, i, k int) float64 {
		var ds []float64
		for j := range f.N {
			if j != i {
				ds = append(ds, dist(f.Row(i), f.Row(j)))
			}
		}
		for a := range ds { // selection: the k-th smallest
			for b := a + 1; b < len(ds); b++ {
				if ds[b] < ds[a] {
					ds[a], ds[b] = ds[b], ds[a]
				}
			}
		}
		return ds[k-1]
	}
	in := func(x []float64, set Features, k int) bool {
		for i := range set.N {
			if dist(x, set.Row(i)) <= radius(set, i, k) {
				return true
			}
		}
		return false
	}
	for j := range fake.N {
		if in(fake.Row(j), real, kPR) {
			p++
		}
	}
	for i := range real.N {
		if in(real.Row(i), fake, kPR) {
			r++
		}
	}
	for i := range real.N {
		ri, any := radius(real, i, kDC), false
		for j := range fake.N {
			if dist(fake.Row(j), real.Row(i)) <= ri {
				d++
				any = true
			}
		}
		if any {
			c++
		}
	}
	return p / float64(fake.N), r / float64(real.N), d / float64(kDC*fake.N), c / float64(real.N)
}

func TestPRDCMatchDefinitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	real, fake := randomFeatures(rng, 60, 5, 0), randomFeatures(rng, 50, 5, 0.7)
	p, r, err := PrecisionRecall(real, fake, PRNeighbours)
	if err != nil {
		t.Fatal(err)
	}
	d, c, err := DensityCoverage(real, fake, DCNeighbours)
	if err != nil {
		t.Fatal(err)
	}
	wp, wr, wd, wc := bruteForce(real, fake, PRNeighbours, DCNeighbours)
	for _, v := range []struct {
		name      string
		got, want float64
	}{{"precision", p, wp}, {"recall", r, wr}, {"density", d, wd}, {"coverage", c, wc}} {
		if math.Abs(v.got-v.want) > 1e-12 {
			t.Errorf("%s %g, by definition %g", v.name, v.got, v.want)
		}
	}
	if p == 0 || p == 1 || r == 0 || r == 1 {
		t.Errorf("degenerate test sets: precision %g recall %g", p, r)
	}
	// Identical sets: everything inside; disjoint far sets: nothing.
	p, r, _ = PrecisionRecall(real, real, 3)
	_, c, _ = DensityCoverage(real, real, 5)
	if p != 1 || r != 1 || c != 1 {
		t.Errorf("a set against itself: precision %g recall %g coverage %g, want 1", p, r, c)
	}
	far := randomFeatures(rng, 50, 5, 100)
	p, r, _ = PrecisionRecall(real, far, 3)
	d, c, _ = DensityCoverage(real, far, 5)
	if p != 0 || r != 0 || d != 0 || c != 0 {
		t.Errorf("far sets: %g %g %g %g, want 0", p, r, d, c)
	}
}

func TestCoverModesOnHandMadePoints(t *testing.T) {
	modes := [][2]float64{{1, 0}, {0, 1}, {-1, 0}, {0, -1}}
	const std = 0.01
	for _, tc := range []struct {
		name   string
		points []float64
		want   ModeCoverage
	}{
		{"every mode evenly", []float64{1, 0, 0, 1, -1, 0, 0, -1, 1.02, 0, 0, 0.99, -1, 0.01, 0.005, -1}, ModeCoverage{4, 1, 0}},
		// All on one mode: p_hat = (1, floor, floor, floor), KL = log(4) + 3*1e-10*log(4e-10).
		{"one mode", []float64{1, 0, 1.01, 0, 0.99, 0.01}, ModeCoverage{1, 1, math.Log(4) + 3*1e-10*math.Log(4e-10)}},
		// Off-mode points (beyond 3 std) are not HQ: 2 of 4 are.
		{"half off mode", []float64{1, 0, 0, 1, 0.5, 0.5, 1.04, 0}, ModeCoverage{2, 0.5, math.Log(2) + 2*1e-10*math.Log(4e-10)}},
		{"none", []float64{5, 5}, ModeCoverage{0, 0, math.Inf(1)}},
	} {
		got := CoverModes(tc.points, modes, std)
		if got.Modes != tc.want.Modes || math.Abs(got.HQ-tc.want.HQ) > 1e-12 ||
			!(math.Abs(got.ReverseKL-tc.want.ReverseKL) < 1e-12 || got.ReverseKL == tc.want.ReverseKL) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestStackedModesAndInceptionScoreByHand(t *testing.T) {
	labels := [][3]int{{1, 2, 3}, {1, 2, 3}, {4, 5, 6}, {0, 0, 0}}
	modes, kl := StackedModes(labels, 10)
	// p = 1/2, 1/4, 1/4: KL = 1/2 log(500) + 2 * 1/4 log(250).
	if want := 0.5*math.Log(500) + 0.5*math.Log(250); modes != 3 || math.Abs(kl-want) > 1e-12 {
		t.Errorf("stacked: %d modes, KL %g; want 3, %g", modes, kl, want)
	}
	// Confident, balanced predictions over 4 classes: IS = 4. Uniform ones: 1.
	confident := []float64{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}
	if is, _ := InceptionScore(confident, 4, 1); math.Abs(is-4) > 1e-12 {
		t.Errorf("IS of confident balanced predictions %g, want 4", is)
	}
	uniform := []float64{0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25}
	if is, _ := InceptionScore(uniform, 4, 1); math.Abs(is-1) > 1e-12 {
		t.Errorf("IS of uniform predictions %g, want 1", is)
	}
}

func TestRadialSpectrumFindsTheCheckerboard(t *testing.T) {
	const size = 8
	flat, board := make([]float32, size*size), make([]float32, size*size)
	for i := range size {
		for j := range size {
			flat[i*size+j] = 0.5
			board[i*size+j] = float32(1 - 2*((i+j)%2)) // +1/-1 checkerboard
		}
	}
	sf, err := RadialSpectrum(flat, 1, size, 1)
	if err != nil {
		t.Fatal(err)
	}
	// A constant image: all power at frequency 0, (0.5 * 64)^2.
	if math.Abs(sf[0]-1024) > 1e-9 || sum(sf[1:]) > 1e-9 {
		t.Errorf("constant image spectrum %v", sf)
	}
	// The checkerboard's power sits at (N/2, N/2), radius N/sqrt(2): the corner bin.
	sb, _ := RadialSpectrum(board, 1, size, 1)
	if corner := len(sb) - 1; corner != 6 || sb[corner] == 0 || sum(sb[:corner]) > 1e-9 {
		t.Errorf("checkerboard spectrum %v", sb)
	}
	// Stripes along one axis: (N/2, 0), radius N/2.
	stripes := make([]float32, size*size)
	for i := range size {
		for j := range size {
			stripes[i*size+j] = float32(1 - 2*(j%2))
		}
	}
	ss, _ := RadialSpectrum(stripes, 1, size, 1)
	if ss[size/2] == 0 || sum(ss[:size/2])+sum(ss[size/2+1:]) > 1e-9 {
		t.Errorf("stripes spectrum %v", ss)
	}
	same, err := CompareSpectra(ss, ss, size)
	if err != nil || same.Score != 0 || same.PeakHalf != 1 {
		t.Errorf("a spectrum against itself: %+v, %v", same, err)
	}
}

func sum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}

func TestModeCoverageJSONKeepsInfinity(t *testing.T) {
	for _, m := range []ModeCoverage{{3, 0.5, 0.25}, {0, 0, math.Inf(1)}} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back ModeCoverage
		if err := json.Unmarshal(b, &back); err != nil || back != m {
			t.Errorf("%+v -> %s -> %+v (%v)", m, b, back, err)
		}
	}
}
