package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// values mixes ordinary numbers with the IEEE cases a vector unit could treat
// differently from scalar code: zeros of both signs, infinities, NaN, subnormals.
func values(r *rand.Rand, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), 1e-40, -1e-40, 1, -1, 3.4e38}
	x := make([]float32, n)
	for i := range x {
		if r.IntN(8) == 0 {
			x[i] = special[r.IntN(len(special))]
		} else {
			x[i] = float32(r.NormFloat64() * 3)
		}
	}
	return x
}

// same reports whether a and b hold the same bits, treating every NaN as equal.
func same(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
			return i
		}
	}
	return -1
}

func TestMatchesGoLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vv := []struct {
		name string
		f    func(dst, x, y []float32)
		ref  func(a, b float32) float32
	}{
		{"Add", Add, func(a, b float32) float32 { return a + b }},
		{"Sub", Sub, func(a, b float32) float32 { return a - b }},
		{"Mul", Mul, func(a, b float32) float32 { return a * b }},
		{"Div", Div, func(a, b float32) float32 { return a / b }},
	}
	vs := []struct {
		name string
		f    func(dst, x []float32, c float32)
		ref  func(a, c float32) float32
	}{
		{"AddScalar", AddScalar, func(a, c float32) float32 { return a + c }},
		{"SubScalar", SubScalar, func(a, c float32) float32 { return a - c }},
		{"ScalarSub", func(d, x []float32, c float32) { ScalarSub(d, c, x) }, func(a, c float32) float32 { return c - a }},
		{"MulScalar", MulScalar, func(a, c float32) float32 { return a * c }},
		{"DivScalar", DivScalar, func(a, c float32) float32 { return a / c }},
		{"ScalarDiv", func(d, x []float32, c float32) { ScalarDiv(d, c, x) }, func(a, c float32) float32 { return c / a }},
		{"GreaterScalar", GreaterScalar, func(a, c float32) float32 {
			if a > c {
				return 1
			}
			return 0
		}},
		{"Sqrt", func(d, x []float32, _ float32) { Sqrt(d, x) }, func(a, _ float32) float32 { return float32(math.Sqrt(float64(a))) }},
	}
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 100, 1000, 4099} {
		for _, off := range []int{0, 1, 3} { // unaligned starts
			x := values(r, n+off)[off:]
			y := values(r, n+off)[off:]
			want, got := make([]float32, n), make([]float32, n)
			for _, c := range vv {
				for i := range want {
					want[i] = c.ref(x[i], y[i])
				}
				c.f(got, x, y)
				if i := same(want, got); i >= 0 {
					t.Fatalf("%s n=%d off=%d: element %d: got %v, want %v (%v, %v)", c.name, n, off, i, got[i], want[i], x[i], y[i])
				}
				inPlace := append([]float32(nil), x...)
				c.f(inPlace, inPlace, y)
				if i := same(want, inPlace); i >= 0 {
					t.Fatalf("%s in place n=%d: element %d: got %v, want %v", c.name, n, i, inPlace[i], want[i])
				}
			}
			for _, c := range vs {
				for _, k := range []float32{0, -2.5, float32(math.Inf(1)), float32(math.NaN())} {
					for i := range want {
						want[i] = c.ref(x[i], k)
					}
					c.f(got, x, k)
					if i := same(want, got); i >= 0 {
						t.Fatalf("%s(c=%v) n=%d off=%d: element %d: got %v, want %v (x=%v)", c.name, k, n, off, i, got[i], want[i], x[i])
					}
				}
			}
			b := make([]uint8, n)
			for i := range b {
				b[i] = uint8(r.IntN(2))
				want[i] = float32(b[i])
			}
			FromBytes(got, b)
			if i := same(want, got); i >= 0 {
				t.Fatalf("FromBytes n=%d: element %d: got %v, want %v", n, i, got[i], want[i])
			}
		}
	}
}

func BenchmarkMul(b *testing.B) {
	x, y, d := make([]float32, 1<<20), make([]float32, 1<<20), make([]float32, 1<<20)
	b.SetBytes(3 * 4 << 20)
	for b.Loop() {
		Mul(d, x, y)
	}
}

func BenchmarkMulGo(b *testing.B) {
	x, y, d := make([]float32, 1<<20), make([]float32, 1<<20), make([]float32, 1<<20)
	b.SetBytes(3 * 4 << 20)
	for b.Loop() {
		for i := range d {
			d[i] = x[i] * y[i]
		}
	}
}
