package data

import (
	"fmt"
	"math/rand/v2"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// DiffAugment is Zhao et al. 2020's differentiable augmentation (DiffAugment-pytorch,
// policy "color,translation,cutout"): the same family of random transforms on real
// and fake images in D's step and on fake images in G's step, applied with
// differentiable ops so that G's gradient passes through them. Each call draws its
// own parameters per sample. In order:
//   - color: brightness x + U[-0.5, 0.5]; saturation (x - mean_c) * U[0, 2] + mean_c
//     (no effect on one channel); contrast (x - mean_chw) * U[0.5, 1.5] + mean_chw;
//   - translation: shift by integers in [-r, r] on each axis, r = round(size/8), zero
//     fill: out[i, j] = x[i + tx, j + ty] where inside;
//   - cutout: zero a square of side round(size/2) centred at a uniform offset
//     (clipped to the image).
type DiffAugment struct {
	Color, Translation, Cutout bool
}

// ParseDiffAugment reads a policy: a comma-separated subset of color, translation,
// cutout ("" = off).
func ParseDiffAugment(policy string) (DiffAugment, error) {
	var a DiffAugment
	for _, p := range strings.Split(policy, ",") {
		switch strings.TrimSpace(p) {
		case "":
		case "color":
			a.Color = true
		case "translation":
			a.Translation = true
		case "cutout":
			a.Cutout = true
		default:
			return a, fmt.Errorf("train.diffaugment: %q is not one of color, translation, cutout (comma-separated)", p)
		}
	}
	return a, nil
}

// On says whether any transform is enabled.
func (a DiffAugment) On() bool { return a.Color || a.Translation || a.Cutout }

// AugmentParams are one call's random draws for a batch of n images.
type AugmentParams struct {
	Brightness, Saturation, Contrast []float32 // per sample: added; factor; factor
	ShiftX, ShiftY                   []int     // per sample, rows and columns
	CutX, CutY                       []int     // per sample: cutout centre offsets
}

// Draw draws the parameters of one call on n images of size s.
func (a DiffAugment) Draw(r *rand.Rand, n int, s Shape) AugmentParams {
	p := AugmentParams{}
	if a.Color {
		p.Brightness, p.Saturation, p.Contrast = make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range n {
			p.Brightness[i] = r.Float32() - 0.5
			p.Saturation[i] = 2 * r.Float32()
			p.Contrast[i] = r.Float32() + 0.5
		}
	}
	if a.Translation {
		shift := translationShift(s.Size)
		p.ShiftX, p.ShiftY = make([]int, n), make([]int, n)
		for i := range n {
			p.ShiftX[i] = r.IntN(2*shift+1) - shift
			p.ShiftY[i] = r.IntN(2*shift+1) - shift
		}
	}
	if a.Cutout {
		side := cutoutSide(s.Size)
		p.CutX, p.CutY = make([]int, n), make([]int, n)
		for i := range n {
			p.CutX[i] = r.IntN(s.Size + 1 - side%2)
			p.CutY[i] = r.IntN(s.Size + 1 - side%2)
		}
	}
	return p
}

func translationShift(size int) int { return int(float64(size)*0.125 + 0.5) }
func cutoutSide(size int) int       { return int(float64(size)*0.5 + 0.5) }

// Tensors lays the parameters out as the graph inputs Apply takes, in order:
// [brightness, saturation, contrast] ([n] each) when Color, [rows, cols] shift
// matrices ([n, size, size] each, one 1 per row where the shifted pixel is inside)
// when Translation, and the cutout mask [n, size, size, 1] when Cutout.
func (a DiffAugment) Tensors(p AugmentParams, n int, s Shape) []*tensors.Tensor {
	var out []*tensors.Tensor
	if a.Color {
		out = append(out, tensors.FromFlatDataAndDimensions(p.Brightness, n),
			tensors.FromFlatDataAndDimensions(p.Saturation, n), tensors.FromFlatDataAndDimensions(p.Contrast, n))
	}
	h := s.Size
	if a.Translation {
		shift := func(t []int) *tensors.Tensor {
			m := make([]float32, n*h*h)
			for b := range n {
				for i := range h {
					if k := i + t[b]; k >= 0 && k < h {
						m[(b*h+i)*h+k] = 1
					}
				}
			}
			return tensors.FromFlatDataAndDimensions(m, n, h, h)
		}
		out = append(out, shift(p.ShiftX), shift(p.ShiftY))
	}
	if a.Cutout {
		side := cutoutSide(h)
		m := make([]float32, n*h*h)
		for i := range m {
			m[i] = 1
		}
		for b := range n {
			for di := range side {
				for dj := range side {
					i := min(max(di+p.CutX[b]-side/2, 0), h-1)
					j := min(max(dj+p.CutY[b]-side/2, 0), h-1)
					m[(b*h+i)*h+j] = 0
				}
			}
		}
		out = append(out, tensors.FromFlatDataAndDimensions(m, n, h, h, 1))
	}
	return out
}

// Inputs is how many graph inputs Apply reads.
func (a DiffAugment) Inputs() int {
	n := 0
	if a.Color {
		n += 3
	}
	if a.Translation {
		n += 2
	}
	if a.Cutout {
		n++
	}
	return n
}

// Apply augments images x [n, h, w, c] with the parameters in (as Tensors lays them out).
func (a DiffAugment) Apply(x *Node, in []*Node) *Node {
	dt := x.DType()
	per := func(v *Node) *Node { return Reshape(ConvertDType(v, dt), -1, 1, 1, 1) }
	if a.Color {
		x = Add(x, per(in[0]))
		mc := ReduceAndKeep(x, ReduceMean, 3)
		x = Add(Mul(Sub(x, mc), per(in[1])), mc)
		m := ReduceAndKeep(x, ReduceMean, 1, 2, 3)
		x = Add(Mul(Sub(x, m), per(in[2])), m)
		in = in[3:]
	}
	if a.Translation {
		rows, cols := ConvertDType(in[0], dt), ConvertDType(in[1], dt)
		// out[n, i, j, c] = sum_k rows[n, i, k] x[n, k, j, c], then the same on columns.
		x = DotGeneral(rows, []int{2}, []int{0}, x, []int{1}, []int{0}) // [n, i, j, c]
		x = DotGeneral(cols, []int{2}, []int{0}, x, []int{2}, []int{0}) // [n, j, i, c]
		x = TransposeAllAxes(x, 0, 2, 1, 3)
		in = in[2:]
	}
	if a.Cutout {
		x = Mul(x, ConvertDType(in[0], dt))
	}
	return x
}
