package run

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestSaveCheckpointRefusesANonFiniteState: a context whose float32 or float64
// variable holds a NaN or an infinity is refused with a *NonFiniteError that names the
// first such variable in checkpoint order (sorted by scope and name) and counts them
// all; no file is written, not even a temporary one, and the earlier checkpoint is
// kept.
func TestSaveCheckpointRefusesANonFiniteState(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	good := [][]float32{{0.125, 0.25, 0.375}, {0.5, 0.625, 0.75}}
	for _, tc := range []struct {
		name    string
		weights [][]float32 // /g/dense/weights
		step    float32     // /optim/g/step
		mean    []float64   // /d/bn/mean
		vr      string
		nan     bool // the value reported is a NaN (else it is val)
		val     float64
		count   int
	}{
		{"NaN in a float32 matrix", [][]float32{{0.125, nan, 0.375}, {0.5, 0.625, 0.75}}, 7, []float64{-1.5, 2.25},
			"/g/dense/weights", true, 0, 1},
		{"+Inf in a float32 scalar", good, inf, []float64{-1.5, 2.25},
			"/optim/g/step", false, math.Inf(1), 1},
		{"-Inf in a float64 vector, and a NaN in a later variable", [][]float32{{nan, 0, 0}, {0, 0, 0}}, 7, []float64{-1.5, math.Inf(-1)},
			"/d/bn/mean", false, math.Inf(-1), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := startedRun(t)
			if _, err := w.SaveCheckpoint(testContext(3), 3, 2); err != nil {
				t.Fatal(err)
			}
			ctx := context.New()
			ctx.InAbsPath("/g/dense").VariableWithValue("weights", tc.weights)
			ctx.InAbsPath("/optim/g").VariableWithValue("step", tc.step)
			ctx.InAbsPath("/d/bn").VariableWithValue("mean", tc.mean)
			ctx.InAbsPath("/ema").VariableWithValue("count", int64(3))
			path, err := w.SaveCheckpoint(ctx, 6, 2)
			var nf *NonFiniteError
			if !errors.As(err, &nf) {
				t.Fatalf("saved %q, error %v; want a *NonFiniteError", path, err)
			}
			if nf.Step != 6 || nf.Variable != tc.vr || nf.Count != tc.count || math.IsNaN(nf.Value) != tc.nan || (!tc.nan && nf.Value != tc.val) {
				t.Errorf("%+v, want step 6, variable %s, value %g (NaN %v), count %d", *nf, tc.vr, tc.val, tc.nan, tc.count)
			}
			if !strings.Contains(err.Error(), tc.vr) || !strings.Contains(err.Error(), "step 6") {
				t.Errorf("error %q does not name the variable %s and step 6", err, tc.vr)
			}
			if path != "" {
				t.Errorf("a refused checkpoint returned the path %q", path)
			}
			entries, err := os.ReadDir(filepath.Join(w.Dir(), CheckpointDir))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if want := []string{filepath.Base(CheckpointPath(w.Dir(), 3))}; !slices.Equal(names, want) {
				t.Errorf("checkpoints/ holds %v after the refusal, want %v", names, want)
			}
		})
	}
}
