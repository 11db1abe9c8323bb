package inception

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gankit/gankit/internal/testutil"
)

func TestNPZRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "small.npz")
	in := map[string]Array{
		"a.weight": {Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, -6.5}},
		"b":        {Shape: []int{4}, Data: []float32{0.25, 0, -1, 1e-20}},
	}
	if err := WriteNPZ(path, in); err != nil {
		t.Fatal(err)
	}
	out, err := ReadNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	for k, a := range in {
		b := out[k]
		if len(b.Data) != len(a.Data) || len(b.Shape) != len(a.Shape) {
			t.Fatalf("%s: read %+v, wrote %+v", k, b, a)
		}
		for i := range a.Data {
			if a.Data[i] != b.Data[i] {
				t.Fatalf("%s[%d] = %g, wrote %g", k, i, b.Data[i], a.Data[i])
			}
		}
	}
}

// TestReadsNumpysOwnNPZ reads testdata/numpy.npz, written by numpy itself
// (scripts/reference/convert_inception.py --self-test).
func TestReadsNumpysOwnNPZ(t *testing.T) {
	out, err := ReadNPZ("testdata/numpy.npz")
	if err != nil {
		t.Fatal(err)
	}
	a := out["x"]
	if len(a.Shape) != 2 || a.Shape[0] != 2 || a.Shape[1] != 3 || a.Data[5] != 5.5 || a.Data[0] != 0 {
		t.Errorf("numpy's x: %+v", a)
	}
	if v := out["v"]; len(v.Shape) != 1 || v.Shape[0] != 4 || v.Data[3] != -3 {
		t.Errorf("numpy's v: %+v", v)
	}
}

// random hands out random weights of whatever shape the network asks for (variances
// positive), so the whole network can be built and run without the real file.
type random struct {
	r     *rand.Rand
	names map[string][]int
}

func (w *random) Get(name string, shape []int) ([]float32, error) {
	w.names[name] = shape
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float32, n)
	fanIn := 1.0
	if len(shape) == 4 {
		fanIn = float64(shape[1] * shape[2] * shape[3])
	}
	for i := range v {
		switch {
		case strings.HasSuffix(name, "running_var"):
			v[i] = 1 + w.r.Float32()
		case strings.HasSuffix(name, ".bn.weight"):
			v[i] = 1
		default:
			v[i] = float32(w.r.NormFloat64() * math.Sqrt(2/fanIn))
		}
	}
	return v, nil
}

// TestNetworkRunsOnRandomWeights builds the whole network (94 convolutions, every
// block type) with random weights, checks the names and shapes it asks for against
// pytorch-fid's, and embeds two small grayscale images.
func TestNetworkRunsOnRandomWeights(t *testing.T) {
	w := &random{r: rand.New(rand.NewPCG(1, 2)), names: map[string][]int{}}
	net, err := New(testutil.Backend(t, "cpu"), w, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.names) != 94*5 {
		t.Errorf("the network asked for %d arrays, pytorch-fid's FIDInceptionV3 has %d", len(w.names), 94*5)
	}
	for name, shape := range map[string][]int{
		"Conv2d_1a_3x3.conv.weight":            {32, 3, 3, 3},
		"Mixed_5b.branch_pool.conv.weight":     {32, 192, 1, 1},
		"Mixed_6e.branch7x7dbl_5.conv.weight":  {192, 192, 1, 7},
		"Mixed_7c.branch3x3dbl_3b.conv.weight": {384, 384, 3, 1},
		"Mixed_7c.branch_pool.bn.running_var":  {192},
	} {
		if got := w.names[name]; len(got) != len(shape) {
			t.Errorf("%s: asked %v, want %v", name, got, shape)
		}
	}
	img := make([]float32, 2*28*28)
	for i := range img {
		img[i] = float32(i%28)/14 - 1
	}
	f, err := net.EmbedImages(img, 28, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(f) != 2*Dims {
		t.Fatalf("%d features for 2 images, want %d", len(f), 2*Dims)
	}
	for i, v := range f {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("feature %d = %g (an average of ReLU outputs)", i, v)
		}
	}
	if _, err := New(testutil.Backend(t, "cpu"), File{}, 1); err == nil || !strings.Contains(err.Error(), "Conv2d_1a_3x3.conv.weight") {
		t.Errorf("empty weights file: %v", err)
	}
}
