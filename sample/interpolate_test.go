package sample

import (
	"math"
	"strings"
	"testing"
)

func TestInterpolateMatchesHandComputedPaths(t *testing.T) {
	r := float32(1 / math.Sqrt2)
	for _, tc := range []struct {
		name  string
		path  Path
		a, b  []float32
		steps int
		want  [][]float32
	}{
		// Orthogonal unit vectors: omega = pi/2, so at t = 1/2 both weights are
		// sin(pi/4)/sin(pi/2) = 1/sqrt(2): the midpoint is (a+b)/sqrt(2).
		{"slerp orthogonal", Slerp, []float32{1, 0}, []float32{0, 1}, 3,
			[][]float32{{1, 0}, {r, r}, {0, 1}}},
		// The same ends on the straight line: (a+b)/2.
		{"lerp orthogonal", Lerp, []float32{1, 0}, []float32{0, 1}, 3,
			[][]float32{{1, 0}, {0.5, 0.5}, {0, 1}}},
		// t = 1/3 at omega = pi/2: weights sin(pi/3) and sin(pi/6), i.e. sqrt(3)/2 and 1/2,
		// on ends of norm 2.
		{"slerp thirds", Slerp, []float32{2, 0, 0}, []float32{0, 0, 2}, 4,
			[][]float32{{2, 0, 0}, {float32(math.Sqrt(3)), 0, 1}, {1, 0, float32(math.Sqrt(3))}, {0, 0, 2}}},
		// Lerp in quarters.
		{"lerp quarters", Lerp, []float32{0, 4}, []float32{4, 0}, 5,
			[][]float32{{0, 4}, {1, 3}, {2, 2}, {3, 1}, {4, 0}}},
		// Parallel ends have no angle to walk: slerp falls back to lerp.
		{"slerp parallel falls back to lerp", Slerp, []float32{1, 1}, []float32{3, 3}, 3,
			[][]float32{{1, 1}, {2, 2}, {3, 3}}},
		// Antiparallel: no unique great circle, the straight line through 0.
		{"slerp antiparallel falls back to lerp", Slerp, []float32{1, 0}, []float32{-1, 0}, 3,
			[][]float32{{1, 0}, {0, 0}, {-1, 0}}},
		// A zero end has no direction either.
		{"slerp from zero is lerp", Slerp, []float32{0, 0}, []float32{2, 4}, 3,
			[][]float32{{0, 0}, {1, 2}, {2, 4}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Interpolate(tc.path, tc.a, tc.b, tc.steps)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d latents, want %d", len(got), len(tc.want))
			}
			for s := range got {
				for i := range got[s] {
					if !(math.Abs(float64(got[s][i]-tc.want[s][i])) <= 1e-6) { // NaN fails too
						t.Fatalf("step %d: got %v, want %v", s, got[s], tc.want[s])
					}
				}
			}
		})
	}
}

func TestSlerpKeepsTheNormOfEqualNormEnds(t *testing.T) {
	// Two latents rescaled to the same norm; every point on the slerp path keeps it,
	// while lerp's midpoint is shorter (cos of half the angle times the norm).
	z := Latents(11, 0, 2, 64)
	a, b := z[:64], z[64:]
	norm := func(v []float32) float64 {
		s := 0.0
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		return math.Sqrt(s)
	}
	scale := float32(norm(a) / norm(b))
	for i := range b {
		b[i] *= scale
	}
	want := norm(a)
	path, err := Interpolate(Slerp, a, b, 9)
	if err != nil {
		t.Fatal(err)
	}
	for s, p := range path {
		if !(math.Abs(norm(p)-want)/want <= 1e-6) {
			t.Errorf("slerp step %d has norm %g, ends have %g", s, norm(p), want)
		}
	}
	line, _ := Interpolate(Lerp, a, b, 9)
	if norm(line[4]) > 0.9*want {
		t.Errorf("lerp midpoint norm %g, want clearly below %g for near-orthogonal ends", norm(line[4]), want)
	}
}

func TestInterpolateRefusesBadArguments(t *testing.T) {
	for _, tc := range []struct {
		name  string
		a, b  []float32
		steps int
		path  Path
		want  string
	}{
		{"mismatched lengths", []float32{1, 2}, []float32{1}, 3, Slerp, "2 and 1 values"},
		{"one step", []float32{1}, []float32{2}, 1, Lerp, "at least 2"},
		{"no steps", []float32{1}, []float32{2}, 0, Slerp, "got 0"},
		{"empty", nil, nil, 3, Lerp, "empty"},
		{"unknown path", []float32{1}, []float32{2}, 3, Path(7), "Path(7)"},
	} {
		_, err := Interpolate(tc.path, tc.a, tc.b, tc.steps)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}

func TestParsePathRoundTripsAndNamesTheChoices(t *testing.T) {
	for _, p := range []Path{Lerp, Slerp} {
		if got, err := ParsePath(p.String()); err != nil || got != p {
			t.Errorf("ParsePath(%q) = %v, %v", p.String(), got, err)
		}
	}
	_, err := ParsePath("cubic")
	if err == nil || !strings.Contains(err.Error(), `"cubic"`) || !strings.Contains(err.Error(), "lerp") || !strings.Contains(err.Error(), "slerp") {
		t.Errorf("ParsePath(cubic) error %v: want the value and the choices", err)
	}
}
