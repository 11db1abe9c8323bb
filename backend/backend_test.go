package backend

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/backend/cpu/simd"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
)

func TestNewRefusesUnknownAndMissingPluginsClearly(t *testing.T) {
	t.Setenv(PluginPathEnv, t.TempDir())
	cases := []struct{ spec, want string }{
		{"go:fast", "takes no configuration"},
	}
	if XLABuiltIn {
		cases = append(cases, []struct{ spec, want string }{
			{"tpu", "want one of cpu, go, xla:cpu"},
			{"xla:cuda", "pjrt_c_api_cuda_plugin.so"},
			{"xla:/no/such/plugin.so", "/no/such/plugin.so"},
		}...)
	} else {
		cases = append(cases, []struct{ spec, want string }{
			{"tpu", "want one of cpu, go; this gankit was built without cgo"},
			{"xla:cuda", "CGO_ENABLED=1 go build ./cmd/gankit"},
			{"xla:/no/such/plugin.so", "built without cgo"},
		}...)
	}
	for _, tc := range cases {
		_, err := New(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q): error %v, want one containing %q", tc.spec, err, tc.want)
		}
	}
	if got := Resolve("xla:cpu"); got != "xla:cpu" {
		t.Errorf("Resolve(flag) = %q", got)
	}
	t.Setenv(EnvVar, "")
	if got := Resolve(""); got != "cpu" {
		t.Errorf("Resolve() = %q, want cpu", got)
	}
}

// TestNoCgoXLAErrorSaysWhatIsMissingAndHowToBuildIt checks the text a build without
// cgo answers an XLA backend with (the function is in both builds).
func TestNoCgoXLAErrorSaysWhatIsMissingAndHowToBuildIt(t *testing.T) {
	msg := NoCgoXLAError("xla:cuda").Error()
	for _, want := range []string{`"xla:cuda"`, "without cgo", "xla:cpu", "xla:cuda", "xla:/path", "CGO_ENABLED=1 go build ./cmd/gankit", "C compiler"} {
		if !strings.Contains(msg, want) {
			t.Errorf("NoCgoXLAError: %q lacks %q", msg, want)
		}
	}
}

// TestNamesAndTestBackendsOfferXLAOnlyWhenBuiltIn checks the lists help texts and
// tests read in this build.
func TestNamesAndTestBackendsOfferXLAOnlyWhenBuiltIn(t *testing.T) {
	hasXLA := false
	for _, n := range Names() {
		hasXLA = hasXLA || isXLA(n)
	}
	if hasXLA != XLABuiltIn {
		t.Errorf("Names() = %v with XLABuiltIn %v", Names(), XLABuiltIn)
	}
	t.Setenv(TestBackendsEnv, "xla:cuda, ")
	want := "[go cpu]"
	if XLABuiltIn {
		want = "[go cpu xla:cuda]"
	}
	if got := fmt.Sprint(TestBackends()); got != want {
		t.Errorf("TestBackends() = %s, want %s", got, want)
	}
}

// TestDescribeNamesTheKernelSet checks the first line of a run on the cpu backend.
func TestDescribeNamesTheKernelSet(t *testing.T) {
	b, err := New("cpu")
	if err != nil {
		t.Fatal(err)
	}
	got := Describe(b)
	want := fmt.Sprintf("cpu (kernels %s)", b.(interface{ Kernels() simd.Set }).Kernels())
	if got != want || strings.Contains(got, "auto") {
		t.Errorf("Describe(cpu) = %q, want %q", got, want)
	}
	g, err := New("go")
	if err != nil {
		t.Fatal(err)
	}
	if got := Describe(g); !strings.HasPrefix(got, g.Name()+" (") {
		t.Errorf("Describe(go) = %q", got)
	}
}

// pad1D is XLA's Pad on a vector, written as a plain loop.
func pad1D(x []float32, fill float32, lo, hi, interior int) []float32 {
	var dilated []float32
	for i, v := range x {
		if i > 0 {
			for range interior {
				dilated = append(dilated, fill)
			}
		}
		dilated = append(dilated, v)
	}
	var out []float32
	for range max(lo, 0) {
		out = append(out, fill)
	}
	out = append(out, dilated[max(-lo, 0):len(dilated)-max(-hi, 0)]...)
	for range max(hi, 0) {
		out = append(out, fill)
	}
	return out
}

// TestPadAndReverseMatchPlainLoops checks Pad (padding, interior padding, cropping)
// and Reverse on every tested backend: the go backend adds them to simplego, the cpu
// backend runs them as kernels (cropping delegated).
func TestPadAndReverseMatchPlainLoops(t *testing.T) {
	for _, name := range TestBackends() {
		b, err := New(name)
		if err != nil {
			t.Fatal(err)
		}
		x := []float32{1, 2, 3, 4, 5}
		for _, p := range []backends.PadAxis{{Start: 2, End: 1}, {Interior: 2}, {Start: -1, End: 2, Interior: 1}, {Start: 1, End: -3, Interior: 3}, {Start: -2, End: -2}} {
			t.Run(fmt.Sprintf("%s/pad%+v", name, p), func(t *testing.T) {
				got := MustExecOnce(b, func(x *Node) *Node {
					return Pad(x, Scalar(x.Graph(), x.DType(), -7), p)
				}, x).Value().([]float32)
				want := pad1D(x, -7, p.Start, p.End, p.Interior)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("got %v, want %v", got, want)
				}
			})
		}
		// 2-D: pad axis 1 only, reverse both axes.
		m := [][]float32{{1, 2, 3}, {4, 5, 6}}
		got := MustExecOnce(b, func(x *Node) *Node {
			return Reverse(Pad(x, Scalar(x.Graph(), x.DType(), 0), backends.PadAxis{}, backends.PadAxis{Start: 1, Interior: 1}), 0, 1)
		}, m).Value().([][]float32)
		want := [][]float32{{6, 0, 5, 0, 4, 0}, {3, 0, 2, 0, 1, 0}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: Reverse(Pad(m)) = %v, want %v", name, got, want)
		}
		// 3-D with padding on every axis, as the sub-pixel kernels' gradients have.
		c := [][][]float32{{{1, 2}, {3, 4}}}
		got3 := MustExecOnce(b, func(x *Node) *Node {
			return Pad(x, Scalar(x.Graph(), x.DType(), 9), backends.PadAxis{Start: 1}, backends.PadAxis{End: 1}, backends.PadAxis{Start: 1, End: 1})
		}, c).Value().([][][]float32)
		want3 := [][][]float32{{{9, 9, 9, 9}, {9, 9, 9, 9}, {9, 9, 9, 9}}, {{9, 1, 2, 9}, {9, 3, 4, 9}, {9, 9, 9, 9}}}
		if fmt.Sprint(got3) != fmt.Sprint(want3) {
			t.Errorf("%s: 3-D Pad = %v, want %v", name, got3, want3)
		}
	}
}

// TestNamesReturnsCopies: a caller that changes the list cannot change the
// specifications help texts and New's error name. (testutil.ReturnsCopies does this
// elsewhere; testutil imports backend.)
func TestNamesReturnsCopies(t *testing.T) {
	first := Names()
	want := slices.Clone(first)
	for i := range first {
		first[i] = "changed by a caller"
	}
	if got := Names(); len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("Names() after a caller changed a returned list = %v, want %v", got, want)
	}
}
