package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/internal/testutil"
)

func idxBytes(magicType, rank byte, dims []int, body []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, magicType, rank})
	for _, d := range dims {
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(d)))
	}
	b.Write(body)
	return b.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func write(t *testing.T, path string, b []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestScaleByteMapsPixelsToMinusOneOne(t *testing.T) {
	for _, tc := range []struct {
		p    uint8
		want float32
	}{{0, -1}, {255, 1}, {51, -0.6}, {204, 0.6}} {
		if got := scaleByte(tc.p); math.Abs(float64(got-tc.want)) > 1e-6 {
			t.Errorf("scaleByte(%d) = %g, want %g", tc.p, got, tc.want)
		}
	}
}

func TestIDXReadsRawAndGzipWithLabels(t *testing.T) {
	dir := t.TempDir()
	pix := []byte{0, 255, 51, 204, 10, 20, 30, 40}
	imgs := idxBytes(8, 3, []int{2, 2, 2}, pix)
	labs := idxBytes(8, 1, []int{2}, []byte{7, 3})
	for _, tc := range []struct {
		name   string
		images []byte
		labels []byte
	}{{"raw", imgs, labs}, {"gzip", gz(t, imgs), gz(t, labs)}} {
		t.Run(tc.name, func(t *testing.T) {
			sub := filepath.Join(dir, tc.name)
			write(t, filepath.Join(sub, "train-images-idx3-ubyte"), tc.images)
			write(t, filepath.Join(sub, "train-labels-idx1-ubyte"), tc.labels)
			d, err := Open(sub, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if d.Len() != 2 || d.Shape() != (Shape{Size: 2, Channels: 1}) {
				t.Fatalf("got %d examples of %v", d.Len(), d.Shape())
			}
			x := make([]float32, 4)
			if err := d.Read(0, x); err != nil {
				t.Fatal(err)
			}
			want := []float32{-1, 1, -0.6, 0.6}
			for i := range x {
				if math.Abs(float64(x[i]-want[i])) > 1e-6 {
					t.Errorf("pixel %d = %g, want %g", i, x[i], want[i])
				}
			}
			if d.Label(0) != 7 || d.Label(1) != 3 {
				t.Errorf("labels %d %d, want 7 3", d.Label(0), d.Label(1))
			}
		})
	}
}

func TestIDXRejectsCorruptFilesWithClearErrors(t *testing.T) {
	dir := t.TempDir()
	good := idxBytes(8, 3, []int{2, 2, 2}, make([]byte, 8))
	for _, tc := range []struct {
		name, want string
		b          []byte
	}{
		{"truncated", "file holds 5 bytes", good[:len(good)-3]},
		{"bad-magic", "IDX magic", idxBytes(0x0d, 3, []int{2, 2, 2}, make([]byte, 32))},
		{"short-header", "too short", []byte{0, 0, 8, 3, 0}},
		{"not-square", "gankit wants square", idxBytes(8, 3, []int{1, 2, 3}, make([]byte, 6))},
		{"bad-gzip", "gzip", append([]byte{0x1f, 0x8b}, []byte("not gzip at all")...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, filepath.Join(dir, tc.name+"-images-idx3-ubyte"), tc.b)
			_, err := ReadIDX(p, "")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, p, tc.want)
			}
		})
	}
}

func TestCIFARReadsPlanarRecordsChannelsLast(t *testing.T) {
	rec := make([]byte, cifarRecord)
	rec[0] = 4
	rec[1] = 255        // R of pixel 0
	rec[1+1024] = 0     // G of pixel 0
	rec[1+2048] = 51    // B of pixel 0
	rec[1+1024+5] = 204 // G of pixel 5
	dir := t.TempDir()
	p := write(t, filepath.Join(dir, "data_batch_1.bin"), append(rec, rec...))
	d, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2 || d.Shape() != (Shape{Size: 32, Channels: 3}) || d.Label(1) != 4 {
		t.Fatalf("got %d of %v label %d", d.Len(), d.Shape(), d.Label(1))
	}
	x := make([]float32, d.Shape().Len())
	if err := d.Read(1, x); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		i    int
		want float32
	}{{0, 1}, {1, -1}, {2, -0.6}, {5*3 + 1, 0.6}} {
		if math.Abs(float64(x[c.i]-c.want)) > 1e-6 {
			t.Errorf("value %d = %g, want %g", c.i, x[c.i], c.want)
		}
	}
	for _, tc := range []struct {
		name, want string
		b          []byte
	}{
		{"short.bin", "whole number of CIFAR-10 records", rec[:100]},
		{"label.bin", "labels are 0-9", append([]byte{11}, rec[1:]...)},
	} {
		bad := write(t, filepath.Join(dir, "bad", tc.name), tc.b)
		if _, err := Open(bad, Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	// The batch file alone opens as the same data set.
	one, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float32, len(x))
	if err := one.Read(1, y); err != nil {
		t.Fatal(err)
	}
	if one.Len() != 2 || !slices.Equal(x, y) {
		t.Errorf("%s alone: %d records, record 1 differs from the folder's: %v", p, one.Len(), !slices.Equal(x, y))
	}
}

func TestFolderResizesCropsAndConverts(t *testing.T) {
	dir := t.TempDir()
	// A 8x4 PNG: left half black, right half white; the 4x4 center crop of its 2x
	// downscale keeps a black left and white right.
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	for y := range 4 {
		for x := range 8 {
			v := uint8(0)
			if x >= 4 {
				v = 255
			}
			img.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	var pb bytes.Buffer
	if err := png.Encode(&pb, img); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "a", "wide.png"), pb.Bytes())
	red := image.NewRGBA(image.Rect(0, 0, 6, 6))
	for i := range red.Pix {
		if i%4 == 0 || i%4 == 3 {
			red.Pix[i] = 255
		}
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, red, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "b", "c", "red.JPG"), jb.Bytes())
	write(t, filepath.Join(dir, "notes.txt"), []byte("not an image"))

	d, err := Open(dir, Options{Size: 2, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2 || d.Shape() != (Shape{Size: 2, Channels: 3}) {
		t.Fatalf("got %d of %v", d.Len(), d.Shape())
	}
	x := make([]float32, 12)
	if err := d.Read(0, x); err != nil { // a/wide.png sorts first
		t.Fatal(err)
	}
	if x[0] > -0.8 || x[3] < 0.8 {
		t.Errorf("wide.png: left pixel %g (want about -1), right pixel %g (want about 1)", x[0], x[3])
	}
	if err := d.Read(1, x); err != nil {
		t.Fatal(err)
	}
	if x[0] < 0.9 || x[1] > -0.9 || x[2] > -0.9 {
		t.Errorf("red.JPG: RGB %g %g %g, want about 1 -1 -1", x[0], x[1], x[2])
	}
	g, err := Open(dir, Options{Size: 2, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	x1 := make([]float32, 4)
	if err := g.Read(1, x1); err != nil {
		t.Fatal(err)
	}
	// Gray of pure red is 0.299*255 = 76 -> 76/127.5 - 1 = -0.40.
	if math.Abs(float64(x1[0])+0.40) > 0.03 {
		t.Errorf("grayscale red = %g, want about -0.40", x1[0])
	}

	write(t, filepath.Join(dir, "b", "broken.png"), []byte("\x89PNG\r\n\x1a\nbroken"))
	d, err = Open(dir, Options{Size: 2, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	err = d.Read(1, x) // b/broken.png sorts between a/wide.png and b/c/red.JPG
	if err == nil || !strings.Contains(err.Error(), "broken.png") {
		t.Fatalf("corrupt image: error %v, want one naming broken.png", err)
	}
}

func TestOpenNamesPathAndFormatsOnBadInput(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope")
	junk := write(t, filepath.Join(dir, "junk.dat"), []byte("hello world"))
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{missing, junk, empty} {
		_, err := Open(p, Options{Size: 28, Channels: 1})
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("Open(%s): error %v, want one naming the path", p, err)
			continue
		}
		if p != empty && !strings.Contains(err.Error(), "IDX") {
			t.Errorf("Open(%s): error %q does not list the formats tried", p, err)
		}
	}
}

func TestEmbeddedFashionMNIST(t *testing.T) {
	d, err := Open("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 10000 || d.Shape() != (Shape{Size: 28, Channels: 1}) {
		t.Fatalf("embedded: %d of %v", d.Len(), d.Shape())
	}
	counts := make([]int, 10)
	for i := range d.Len() {
		counts[d.Label(i)]++
	}
	for c, n := range counts {
		if n < 900 || n > 1100 {
			t.Errorf("class %d has %d of 10000 images", c, n)
		}
	}
	x := make([]float32, 784)
	lo, hi := float32(1), float32(-1)
	for i := range 100 {
		if err := d.Read(i, x); err != nil {
			t.Fatal(err)
		}
		for _, v := range x {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo != -1 || hi != 1 {
		t.Errorf("value range [%g, %g], want [-1, 1]", lo, hi)
	}
}

func TestShuffledBatchDependsOnlyOnSeedAndStep(t *testing.T) {
	d, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	d.Limit(100)
	a, b, other := NewShuffled(d, 1), NewShuffled(d, 1), NewShuffled(d, 2)
	x, y, z := make([]float32, 16*784), make([]float32, 16*784), make([]float32, 16*784)
	for _, call := range []struct {
		src  *Shuffled
		step int
		dst  []float32
	}{
		{a, 0, x},
		{a, 13, x}, // epoch 2 (6 batches per epoch), after visiting others
		{b, 13, y},
		{other, 13, z},
	} {
		if err := call.src.Batch(call.step, 16, call.dst); err != nil {
			t.Fatal(err)
		}
	}
	for i := range x {
		if x[i] != y[i] {
			t.Fatalf("batch 13 differs at %d between two sources", i)
		}
	}
	if slices.Equal(x, z) {
		t.Error("seeds 1 and 2 give the same batch 13: the order does not depend on the seed")
	}
	// One epoch visits each example at most once.
	seen := map[int]bool{}
	for _, i := range a.perm[:96] {
		if seen[i] {
			t.Fatalf("example %d twice in one epoch", i)
		}
		seen[i] = true
	}
}

func TestToyMixtureModes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		modes int
		std   float64
		first [2]float64
	}{{Ring8, 8, 0.01, [2]float64{1, 0}}, {Grid25, 25, 0.05, [2]float64{-4, -4}}} {
		toy, err := NewToy(tc.name, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(toy.Modes) != tc.modes || toy.Std != tc.std || toy.Modes[0] != tc.first {
			t.Errorf("%s: %d modes, std %g, first %v", tc.name, len(toy.Modes), toy.Std, toy.Modes[0])
		}
		pts := make([]float32, 2*500)
		if err := toy.Batch(7, 500, pts); err != nil {
			t.Fatal(err)
		}
		for i := range 500 {
			best := math.Inf(1)
			for _, m := range toy.Modes {
				best = math.Min(best, math.Hypot(float64(pts[2*i])-m[0], float64(pts[2*i+1])-m[1]))
			}
			if best > 6*tc.std {
				t.Fatalf("%s: point %d is %g from every mode", tc.name, i, best)
			}
		}
	}
	ring, err := NewToy(Ring8, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Angles 2*pi*k/8: mode 4 at (-1, 0), and no two modes coincide.
	if m := ring.Modes[4]; math.Abs(m[0]+1) > 1e-12 || math.Abs(m[1]) > 1e-12 {
		t.Errorf("ring8 mode 4 = %v, want (-1, 0)", m)
	}
}

func TestStackedStacksThreeLabelledImages(t *testing.T) {
	base, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStacked(base, 50, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s.Shape() != (Shape{Size: 28, Channels: 3}) || s.Len() != 50 {
		t.Fatalf("stacked %v x %d", s.Shape(), s.Len())
	}
	x := make([]float32, 28*28*3)
	one := make([]float32, 28*28)
	for i := range 5 {
		if err := s.Read(i, x); err != nil {
			t.Fatal(err)
		}
		want := 0
		for c, j := range s.picks[i] {
			if err := base.Read(j, one); err != nil {
				t.Fatal(err)
			}
			for p, v := range one {
				if x[p*3+c] != v {
					t.Fatalf("example %d channel %d pixel %d = %g, want image %d's %g", i, c, p, x[p*3+c], j, v)
				}
			}
			want = want*10 + base.Label(j)
		}
		if s.Label(i) != want {
			t.Errorf("label %d, want %d", s.Label(i), want)
		}
	}
	d, err := Open("stacked:", Options{})
	if err != nil || d.Shape().Channels != 3 {
		t.Fatalf("stacked: path: %v %v", d, err)
	}
	if _, err := NewStacked(s, 10, 0); err == nil {
		t.Error("stacking RGB images accepted")
	}
}

// TestImageExtsReturnsCopies: a caller that changes the list cannot change which files
// a folder dataset reads.
func TestImageExtsReturnsCopies(t *testing.T) {
	testutil.ReturnsCopies(t, "ImageExts()", ImageExts)
}
