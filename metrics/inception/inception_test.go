package inception

import (
	"encoding/json"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
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
		if len(b.Data) != len(a.Data) || !slices.Equal(b.Shape, a.Shape) {
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
	// np.array([[0, 1, 2], [3, 4, 5.5]]) and np.array([1, 2, 3, -3]), float32.
	for name, want := range map[string]Array{
		"x": {Shape: []int{2, 3}, Data: []float32{0, 1, 2, 3, 4, 5.5}},
		"v": {Shape: []int{4}, Data: []float32{1, 2, 3, -3}},
	} {
		if got := out[name]; !slices.Equal(got.Shape, want.Shape) || !slices.Equal(got.Data, want.Data) {
			t.Errorf("numpy's %s: read %+v, want %+v", name, got, want)
		}
	}
	if len(out) != 2 {
		t.Errorf("read %d arrays, numpy wrote 2", len(out))
	}
}

// synthetic computes the test weights of scripts/reference/torch_inception.py
// (synthetic and uniform there) bit for bit: splitmix64 of the array name's CRC-32
// plus 1, 2, ..., its top 24 bits as u in [0, 1), s = 2u - 1; convolutions s *
// sqrt(6 / fan_in) (He's variance), BatchNorm's weight and running_var 1 + s/8, its
// bias and running_mean s/8. Every step is exact or one correctly rounded operation,
// in Go as in NumPy.
func synthetic(name string, shape []int) []float32 {
	n := 1
	for _, d := range shape {
		n *= d
	}
	seed := uint64(crc32.ChecksumIEEE([]byte(name)))
	scale := 0.0
	if strings.HasSuffix(name, ".conv.weight") {
		scale = math.Sqrt(6.0 / float64(n/shape[0]))
	}
	v := make([]float32, n)
	for i := range v {
		z := seed + uint64(i+1)*0x9E3779B97F4A7C15
		z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
		z = (z ^ z>>27) * 0x94D049BB133111EB
		z ^= z >> 31
		s := 2*(float64(z>>40)/(1<<24)) - 1
		switch {
		case scale != 0:
			v[i] = float32(s * scale)
		case strings.HasSuffix(name, ".bn.weight"), strings.HasSuffix(name, ".bn.running_var"):
			v[i] = float32(1 + s/8)
		default:
			v[i] = float32(s / 8)
		}
	}
	return v
}

// testImage is torch_inception.py's image(n, size, channels): values k/8 - 1 with
// k = ((n+2)x + (n+1)y^2 + 5cx) mod 17, flat [size, size, channels].
func testImage(n, size, channels int) []float32 {
	img := make([]float32, 0, size*size*channels)
	for y := range size {
		for x := range size {
			for c := range channels {
				img = append(img, float32(((n+2)*x+(n+1)*y*y+5*c*x)%17)/8-1)
			}
		}
	}
	return img
}

// recorder hands out File's arrays and notes every name the network asks for.
type recorder struct {
	File
	asked map[string]bool
}

func (r *recorder) Get(name string, shape []int) ([]float32, error) {
	r.asked[name] = true
	return r.File.Get(name, shape)
}

// TestNetworkMatchesPyTorch builds the whole network (94 convolutions, every block
// type) from the synthetic weights and compares the pool3 features of two 28x28
// grayscale images and one 32x32 RGB image (resize and channel tiling included) with
// pytorch-fid's FIDInceptionV3 run by scripts/reference/torch_inception.py on the
// same weights (testdata/inception_torch.json). On the way it checks that the network
// asks for exactly the arrays, with exactly the shapes, that PyTorch's state dict
// holds, and that the converter's output for the first layer (testdata/stem.npz,
// written by numpy) is bitwise this test's formula.
func TestNetworkMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/inception_torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Arrays map[string][]int
		Cases  []struct {
			Name                  string
			Count, Size, Channels int
		}
		Features map[string][][]float64
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Arrays) != 94*5 {
		t.Fatalf("the reference lists %d arrays, FIDInceptionV3 has 94 convolutions of 5 each", len(ref.Arrays))
	}
	stem, err := ReadNPZ("testdata/stem.npz")
	if err != nil {
		t.Fatal(err)
	}
	if len(stem) != 5 {
		t.Errorf("stem.npz holds %d arrays, want Conv2d_1a_3x3's 5", len(stem))
	}
	for name, a := range stem {
		if !slices.Equal(a.Shape, ref.Arrays[name]) || !slices.Equal(a.Data, synthetic(name, a.Shape)) {
			t.Errorf("%s: the converter wrote shape %v and values that differ from synthetic()'s %v", name, a.Shape, ref.Arrays[name])
		}
	}
	w := &recorder{File: File{}, asked: map[string]bool{}}
	for name, shape := range ref.Arrays {
		w.File[name] = Array{Shape: shape, Data: synthetic(name, shape)}
	}
	net, err := New(testutil.Backend(t, "cpu"), w, 2)
	if err != nil {
		t.Fatal(err) // File.Get names any array whose shape differs from PyTorch's
	}
	for name := range ref.Arrays {
		if !w.asked[name] {
			t.Errorf("the network never asked for %s", name)
		}
	}
	// Tolerance: float32 throughout, 94 convolutions of up to 4,032 products each,
	// summed in other orders than PyTorch's; the features are averages of ReLU outputs
	// of about 0.5 (the largest 5.7). Measured worst difference 1.3e-6 (logged with
	// -v); the images' features differ from each other by 1e-2 on average.
	const tol = 1e-5
	for _, c := range ref.Cases {
		var img []float32
		for n := range c.Count {
			img = append(img, testImage(n, c.Size, c.Channels)...)
		}
		got, err := net.EmbedImages(img, c.Size, c.Channels)
		if err != nil {
			t.Fatal(err)
		}
		want := ref.Features[c.Name]
		if len(want) != c.Count || len(got) != c.Count*Dims {
			t.Fatalf("%s: %d features, PyTorch %d images of %d", c.Name, len(got), len(want), Dims)
		}
		worst := 0.0
		for n := range want {
			for i, wv := range want[n] {
				d := math.Abs(got[n*Dims+i] - wv)
				worst = max(worst, d/max(1, math.Abs(wv)))
				if !(d <= tol*max(1, math.Abs(wv))) {
					t.Fatalf("%s image %d: feature %d = %.7g, PyTorch %.7g", c.Name, n, i, got[n*Dims+i], wv)
				}
			}
		}
		t.Logf("%s: largest difference from PyTorch %.3g (relative to max(1, |value|))", c.Name, worst)
	}
	if _, err := New(testutil.Backend(t, "cpu"), File{}, 1); err == nil || !strings.Contains(err.Error(), "Conv2d_1a_3x3.conv.weight") {
		t.Errorf("empty weights file: %v", err)
	}
}
