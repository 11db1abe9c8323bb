package losses

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/gankit/gankit/internal/testutil"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestClassCrossEntropyMatchesPyTorch compares AC-GAN's class loss and its gradient
// with respect to the logits with F.cross_entropy's, in float64, on the cases of
// scripts/reference/torch_acgan.py: logits [[1, 2, 3], [1, 0, -1]] with classes 2 and
// 0 give log(1 + e^-1 + e^-2) = 0.40761 per row by hand; the others are random,
// uniform, 1000-sized (the log-sum-exp must not overflow) and a batch where a class
// is never asked for.
func TestClassCrossEntropyMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/acgan_torch.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Cases []struct {
			Name    string      `json:"name"`
			Logits  [][]float64 `json:"logits"`
			Classes []int32     `json:"classes"`
			Loss    float64     `json:"loss"`
			Grad    [][]float64 `json:"grad"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	if len(golden.Cases) < 5 {
		t.Fatalf("%d golden cases, want 5", len(golden.Cases))
	}
	if want := math.Log(1 + math.Exp(-1) + math.Exp(-2)); math.Abs(golden.Cases[0].Loss-want) > 1e-12 {
		t.Fatalf("golden %s: loss %.15g, the hand value is %.15g", golden.Cases[0].Name, golden.Cases[0].Loss, want)
	}
	for _, backend := range []string{"go", "cpu"} {
		b := testutil.Backend(t, backend)
		for _, c := range golden.Cases {
			e := MustNewExec(b, func(logits, y *Node) []*Node {
				loss := ClassCrossEntropy(logits, y)
				return []*Node{loss, Gradient(loss, logits)[0]}
			})
			out := e.MustExec(tensors.FromValue(c.Logits), tensors.FromValue(c.Classes))
			loss := out[0].Value().(float64)
			if math.Abs(loss-c.Loss) > 1e-12*max(1, math.Abs(c.Loss)) {
				t.Errorf("%s %s: loss %.15g, PyTorch %.15g", backend, c.Name, loss, c.Loss)
			}
			grad := out[1].Value().([][]float64)
			for i := range c.Grad {
				for j := range c.Grad[i] {
					if math.Abs(grad[i][j]-c.Grad[i][j]) > 1e-12 {
						t.Errorf("%s %s: d loss / d logits[%d][%d] = %.15g, PyTorch %.15g", backend, c.Name, i, j, grad[i][j], c.Grad[i][j])
					}
				}
			}
		}
	}
}
