package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/cpu"
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

// bulkPath names what runs the bulk of each slice in this build: the assembly's
// instruction set, or "go" where the Go loops do all the work.
func bulkPath() string {
	d := make([]float32, 64)
	if vvBulk(opAdd, d, d, d) == 0 {
		return "go"
	}
	switch runtime.GOARCH {
	case "amd64":
		return "avx2"
	case "arm64":
		return "neon"
	}
	return runtime.GOARCH
}

// wantPath is the path this build must take on this CPU, worked out from the CPU's
// features rather than from what the code chose: the AVX2 loops on an amd64 CPU with
// AVX2, NEON on arm64, and the Go loops only where neither applies or the purego tag
// leaves the assembly out.
func wantPath() (path, why string) {
	switch {
	case purego:
		return "go", "built with the purego tag"
	case runtime.GOARCH == "amd64" && cpu.X86.HasAVX2:
		return "avx2", ""
	case runtime.GOARCH == "amd64":
		return "go", "this CPU lacks AVX2, so the avx2 loops go untested here"
	case runtime.GOARCH == "arm64":
		return "neon", ""
	}
	return "go", "no assembly for " + runtime.GOARCH
}

// TestMain says which path the tests below exercise, so that the Go-only case on a
// CPU without AVX2 is visible without -v.
func TestMain(m *testing.M) {
	path, why := wantPath()
	if why != "" {
		path += " (" + why + ")"
	}
	fmt.Println("vec: bulk loops tested on", path)
	os.Exit(m.Run())
}

// TestMatchesGoLoops checks every function bitwise against the Go operation on each
// element, in a subtest named by the path this build takes (avx2, neon or go). A
// build that takes the Go loops where the CPU has the assembly's instruction set
// fails: it would be comparing the Go loops with themselves.
func TestMatchesGoLoops(t *testing.T) {
	if want, _ := wantPath(); bulkPath() != want {
		t.Fatalf("the bulk loops run on %s, but this CPU and build should run %s", bulkPath(), want)
	}
	t.Run(bulkPath(), testMatchesGoLoops)
}

// checkBulkTakesAll fails unless every *Bulk function runs the assembly over most
// of a 64-element slice: one that quietly left the work to the Go loop would leave
// its assembly untested.
func checkBulkTakesAll(t *testing.T) {
	const n = 64
	d, x, b := make([]float32, n), make([]float32, n), make([]uint8, n)
	took := map[string]int{"sqrt": sqrtBulk(d, x), "greater": gtBulk(d, x, 0), "bytes": bytesBulk(d, b)}
	for op, name := range []string{opAdd: "add", opSub: "sub", opMul: "mul", opDiv: "div"} {
		took[name+" vector"] = vvBulk(op, d, x, x)
	}
	for op, name := range []string{opAdd: "add", opSub: "sub", opMul: "mul", opDiv: "div", opRSub: "c-x", opRDiv: "c/x"} {
		took[name+" scalar"] = vsBulk(op, d, x, 1)
	}
	for name, m := range took {
		if m < n/2 {
			t.Errorf("%s: the %s assembly took %d of %d elements", name, bulkPath(), m, n)
		}
	}
}

func testMatchesGoLoops(t *testing.T) {
	if bulkPath() != "go" {
		checkBulkTakesAll(t)
	}
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
