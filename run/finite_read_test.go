package run

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestCheckFiniteOfAWrittenCheckpoint: a checkpoint file that holds a NaN (written
// before gankit refused such states) reads back whole, and CheckFinite names the
// variable; a finite one passes.
func TestCheckFiniteOfAWrittenCheckpoint(t *testing.T) {
	y, err := testConfig(t).YAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		bad  bool
	}{{"finite", false}, {"a NaN in /g/dense/weights", true}} {
		t.Run(tc.name, func(t *testing.T) {
			w := float32(0.5)
			if tc.bad {
				w = float32(math.NaN())
			}
			ctx := context.New()
			ctx.InAbsPath("/g/dense").VariableWithValue("weights", [][]float32{{0, w, 0}, {0, 0, 0}})
			ctx.InAbsPath("/d/bn").VariableWithValue("mean", []float64{-1.5, 2.25})
			vars, err := contextVariables(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := encodeCheckpoint(&b, 9, y, vars); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), checkpointName(9))
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			ck, err := ReadCheckpoint(path)
			if err != nil {
				t.Fatal(err)
			}
			err = ck.CheckFinite()
			var nf *NonFiniteError
			if got := errors.As(err, &nf); got != tc.bad {
				t.Fatalf("CheckFinite: %v, want a *NonFiniteError %v", err, tc.bad)
			}
			if tc.bad && (nf.Variable != "/g/dense/weights" || nf.Step != 9 || !math.IsNaN(nf.Value)) {
				t.Errorf("error %+v, want step 9, /g/dense/weights, NaN", nf)
			}
		})
	}
}
