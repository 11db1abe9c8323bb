package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gankit/gankit/backend/cpu/igemm"
	"github.com/gankit/gankit/backend/cpu/simd"
)

// kernel32 is one float32 path through the package.
type kernel32 struct {
	name string
	run  func(p Op, a, b, c []float32) error
}

// float32Kernels lists Multiply (the CPU's best set) and, directly, the SIMD path
// on each kernel set this CPU runs and the portable kernel. A set the CPU runs whose
// SIMD path does not run fails the test.
func float32Kernels(t testing.TB) []kernel32 {
	ks := []kernel32{{"multiply", func(p Op, a, b, c []float32) error { return Multiply(p, a, b, c) }}}
	for _, k := range simd.Supported() {
		if k == simd.Go {
			continue
		}
		if !igemm.Fast(k) {
			t.Fatalf("this CPU runs %s, but igemm has no %s kernels", k, k)
		}
		ks = append(ks, kernel32{k.String(), func(p Op, a, b, c []float32) error {
			if !simdMultiply(p, k, a, b, c) {
				return fmt.Errorf("the %s path did not run", k)
			}
			return nil
		}})
	}
	return append(ks, kernel32{"go", func(p Op, a, b, c []float32) error { goMultiply(p, a, b, c); return nil }})
}

func naive(p Op, a, b []float64) []float64 {
	c := make([]float64, p.M*p.N)
	for i := range p.M {
		for j := range p.N {
			s := 0.0
			for k := range p.K {
				av := a[i*p.K+k]
				if p.TransA {
					av = a[k*p.M+i]
				}
				bv := b[k*p.N+j]
				if p.TransB {
					bv = b[j*p.K+k]
				}
				s += av * bv
			}
			c[i*p.N+j] = s
		}
	}
	return c
}

func rnd(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return v
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// TestMultiplyMatchesNaiveLoop checks every kernel (each SIMD set, and pure Go) in
// float32 and float64 against a triple loop, on odd shapes crossing the block sizes.
func TestMultiplyMatchesNaiveLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{1, 1, 1}, {3, 5, 7}, {65, 513, 257}, {130, 17, 300}, {7, 600, 3}, {64, 64, 1}, {97, 130, 129}, {130, 1, 300}, {5, 1, 17}, {300, 1, 64}, {1, 1, 40}}
	for _, s := range shapes {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				p := Op{M: s[0], N: s[1], K: s[2], TransA: ta, TransB: tb}
				a, b := rnd(r, p.M*p.K), rnd(r, p.K*p.N)
				want := naive(p, a, b)
				tol := math.Sqrt(float64(p.K))
				for _, f64 := range []struct {
					name string
					run  func(p Op, a, b, c []float64) error
				}{{"multiply", Multiply[float64]}, {"go", func(p Op, a, b, c []float64) error { goMultiply(p, a, b, c); return nil }}} {
					c64 := make([]float64, p.M*p.N)
					if err := f64.run(p, a, b, c64); err != nil {
						t.Fatal(err)
					}
					for i := range want {
						if math.Abs(c64[i]-want[i]) > 1e-12*tol*10 {
							t.Fatalf("%+v/%s float64: c[%d] = %g, want %g", p, f64.name, i, c64[i], want[i])
						}
					}
				}
				for _, kernel := range float32Kernels(t) {
					c32 := make([]float32, p.M*p.N)
					if err := kernel.run(p, to32(a), to32(b), c32); err != nil {
						t.Fatal(err)
					}
					for i := range want {
						if math.Abs(float64(c32[i])-want[i]) > 1e-5*tol*10 {
							t.Fatalf("%+v/%s float32: c[%d] = %g, want %g", p, kernel.name, i, c32[i], want[i])
						}
					}
				}
			}
		}
	}
}

func TestMultiplyIsDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	p := Op{M: 300, N: 200, K: 700}
	a, b := to32(rnd(r, p.M*p.K)), to32(rnd(r, p.K*p.N))
	for _, kernel := range float32Kernels(t) {
		c1, c2 := make([]float32, p.M*p.N), make([]float32, p.M*p.N)
		for range 3 {
			if err := kernel.run(p, a, b, c1); err != nil {
				t.Fatal(err)
			}
			if err := kernel.run(p, a, b, c2); err != nil {
				t.Fatal(err)
			}
			for i := range c1 {
				if math.Float32bits(c1[i]) != math.Float32bits(c2[i]) {
					t.Fatalf("%s: value %d differs between runs: %g vs %g", kernel.name, i, c1[i], c2[i])
				}
			}
		}
	}
}

// TestSIMDSetsAgreeBitwise: every kernel set computes each C value by the same fused
// multiply-adds in the same order, so AVX-512, AVX2 and NEON products are equal bit
// for bit (a run on one set resumes on another).
func TestSIMDSetsAgreeBitwise(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	p := Op{M: 131, N: 200, K: 300, TransB: true}
	a, b := to32(rnd(r, p.M*p.K)), to32(rnd(r, p.K*p.N))
	var first []float32
	var firstName string
	for _, kernel := range float32Kernels(t) {
		if kernel.name == "go" || kernel.name == "multiply" {
			continue
		}
		c := make([]float32, p.M*p.N)
		if err := kernel.run(p, a, b, c); err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first, firstName = c, kernel.name
			continue
		}
		for i := range c {
			if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
				t.Fatalf("%s and %s differ at %d: %g vs %g", kernel.name, firstName, i, c[i], first[i])
			}
		}
	}
}

// BenchmarkSGEMM reports GFLOP/s for square products and the DCGAN's im2col shapes.
func BenchmarkSGEMM(b *testing.B) {
	for _, s := range [][3]int{{1024, 1024, 1024}, {3136, 128, 1024}, {12544, 64, 16}, {3136, 64, 1152}} {
		for _, kernel := range float32Kernels(b) {
			b.Run(fmt.Sprintf("%dx%dx%d/%s", s[0], s[1], s[2], kernel.name), func(b *testing.B) {
				p := Op{M: s[0], N: s[1], K: s[2]}
				r := rand.New(rand.NewPCG(1, 1))
				a, bb, c := to32(rnd(r, p.M*p.K)), to32(rnd(r, p.K*p.N)), make([]float32, p.M*p.N)
				for b.Loop() {
					if err := kernel.run(p, a, bb, c); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(2*float64(p.M*p.N*p.K)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestStridedAndAccumulate embeds A, B and C in wider rows and adds to C.
func TestStridedAndAccumulate(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			for _, n := range []int{9, 1} {
				p := Op{M: 70, N: n, K: 140, TransA: ta, TransB: tb}
				a, b := rnd(r, p.M*p.K), rnd(r, p.K*p.N)
				want := naive(p, a, b)
				ar, ac := p.M, p.K
				if ta {
					ar, ac = p.K, p.M
				}
				br, bc := p.K, p.N
				if tb {
					br, bc = p.N, p.K
				}
				wide := func(v []float64, rows, cols, ld int) []float64 {
					out := make([]float64, rows*ld)
					for i := range rows {
						copy(out[i*ld:], v[i*cols:(i+1)*cols])
					}
					return out
				}
				q := p
				q.LDA, q.LDB, q.LDC, q.Accumulate = ac+3, bc+2, p.N+5, true
				check := func(kernel string, c []float64, tol float64) {
					for i := range p.M {
						for j := range q.LDC {
							w := 1.0
							if j < p.N {
								w += want[i*p.N+j]
							}
							if math.Abs(c[i*q.LDC+j]-w) > tol {
								t.Fatalf("%s ta=%v tb=%v: c[%d,%d] = %g, want %g", kernel, ta, tb, i, j, c[i*q.LDC+j], w)
							}
						}
					}
				}
				wa, wb := wide(a, ar, ac, q.LDA), wide(b, br, bc, q.LDB)
				for _, kernel := range []string{"blas", "go"} {
					c := make([]float64, p.M*q.LDC)
					for i := range c {
						c[i] = 1
					}
					if kernel == "go" {
						goMultiply(q, wa, wb, c)
					} else if err := Multiply(q, wa, wb, c); err != nil {
						t.Fatal(err)
					}
					check(kernel+"/float64", c, 1e-10)
				}
				for _, kernel := range float32Kernels(t) {
					c := make([]float32, p.M*q.LDC)
					for i := range c {
						c[i] = 1
					}
					if err := kernel.run(q, to32(wa), to32(wb), c); err != nil {
						t.Fatal(err)
					}
					c64 := make([]float64, len(c))
					for i, v := range c {
						c64[i] = float64(v)
					}
					check(kernel.name+"/float32", c64, 1e-4)
				}
			}
		}
	}
}
