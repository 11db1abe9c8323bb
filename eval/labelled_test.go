package eval

import (
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/data"
)

// labelsOf lists a dataset's labels.
func labelsOf(d data.Dataset) []int {
	out := make([]int, d.Len())
	for i := range out {
		out[i] = d.Label(i)
	}
	return out
}

// firstPixels lists the first pixel of each of a dataset's images.
func firstPixels(t *testing.T, d data.Dataset) []float32 {
	t.Helper()
	px := make([]float32, d.Shape().Len())
	out := make([]float32, d.Len())
	for i := range out {
		if err := d.Read(i, px); err != nil {
			t.Fatal(err)
		}
		out[i] = px[0]
	}
	return out
}

// ones is n 1x1 images, image i of value i/10 and class labels[i].
func ones(t *testing.T, name string, labels ...int) *Labelled {
	t.Helper()
	x := make([]float32, len(labels))
	for i := range x {
		x[i] = float32(i) / 10
	}
	l, err := NewLabelled(name, data.Shape{Size: 1, Channels: 1}, x, labels)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestJoinAndHeadKeepEachImageWithItsLabel: two sets joined read as the first's
// images then the second's, each with its own label; Head is the first n.
func TestJoinAndHeadKeepEachImageWithItsLabel(t *testing.T) {
	a, b := ones(t, "a", 2, 0), ones(t, "b", 1, 1, 0)
	j, err := Join(a, b.Head(2))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := labelsOf(j), []int{2, 0, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("joined labels %v, want %v", got, want)
	}
	if got, want := firstPixels(t, j), []float32{0, 0.1, 0, 0.1}; !slices.Equal(got, want) {
		t.Errorf("joined images %v, want %v", got, want)
	}
	if b.Head(9).Len() != 3 || b.Head(-1).Len() != 0 {
		t.Errorf("Head past the ends: %d and %d images", b.Head(9).Len(), b.Head(-1).Len())
	}
	other, _ := NewLabelled("c", data.Shape{Size: 2, Channels: 1}, make([]float32, 4), []int{0})
	if _, err := Join(a, other); err == nil || !strings.Contains(err.Error(), "differ in shape") {
		t.Errorf("joining 1x1 and 2x2 images: error %v", err)
	}
	for _, tc := range []struct {
		x    []float32
		y    []int
		want string
	}{{make([]float32, 3), []int{0, 1}, "3 values for 2 labels"}, {make([]float32, 2), []int{0, -1}, "image 1 has class -1"}} {
		if _, err := NewLabelled("bad", data.Shape{Size: 1, Channels: 1}, tc.x, tc.y); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewLabelled(%d values, %v): error %v, want %q", len(tc.x), tc.y, err, tc.want)
		}
	}
}

// TestPickBalancedTakesClassesInTurn: from labels [0 0 0 0 1 1 2], 6 examples are
// 3 of class 0, 2 of class 1 and the one of class 2 (class 2 runs out after one
// turn, class 1 after two); 3 examples are one of each. The same seed picks the
// same examples, and asking for more than the set holds is refused.
func TestPickBalancedTakesClassesInTurn(t *testing.T) {
	d := ones(t, "d", 0, 0, 0, 0, 1, 1, 2)
	for _, tc := range []struct {
		n    int
		want []int
	}{{6, []int{3, 2, 1}}, {3, []int{1, 1, 1}}, {7, []int{4, 2, 1}}} {
		p, err := PickBalanced(d, tc.n, 3, 5)
		if err != nil {
			t.Fatal(err)
		}
		count := make([]int, 3)
		seen := map[float32]bool{}
		for i, px := range firstPixels(t, p) {
			count[p.Label(i)]++
			if seen[px] {
				t.Errorf("n %d: image %g picked twice", tc.n, px)
			}
			seen[px] = true
			if j := int(px*10 + 0.5); d.Label(j) != p.Label(i) {
				t.Errorf("n %d: image %d picked with label %d, its label is %d", tc.n, j, p.Label(i), d.Label(j))
			}
		}
		if !slices.Equal(count, tc.want) {
			t.Errorf("n %d: %v per class, want %v", tc.n, count, tc.want)
		}
		again, _ := PickBalanced(d, tc.n, 3, 5)
		if !slices.Equal(firstPixels(t, again), firstPixels(t, p)) {
			t.Errorf("n %d: the same seed picked other images", tc.n)
		}
	}
	for _, n := range []int{0, 8} {
		if _, err := PickBalanced(d, n, 3, 5); err == nil || !strings.Contains(err.Error(), "want 1 to its 7") {
			t.Errorf("picking %d of 7: error %v", n, err)
		}
	}
	if _, err := PickBalanced(d, 2, 2, 5); err == nil || !strings.Contains(err.Error(), "has class 2, want 0 to 1") {
		t.Errorf("a label beyond the classes: error %v", err)
	}
}
