package sample

import (
	"fmt"
	"math/rand/v2"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/nets"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Latents draws n latent vectors z ~ N(0, I) of size dim (ganhacks #3) from a
// generator seeded by (seed, stream): the same arguments give the same latents.
func Latents(seed int64, stream uint64, n, dim int) []float32 {
	r := rand.New(rand.NewPCG(uint64(seed), stream))
	z := make([]float32, n*dim)
	for i := range z {
		z[i] = float32(r.NormFloat64())
	}
	return z
}

// Generator runs G in inference mode (BatchNorm with running statistics), so a
// sample depends only on its own latent (and class), never on the rest of the batch.
type Generator struct {
	cfg   nets.Config
	shape data.Shape
	exec  *context.Exec
}

// NewGenerator compiles G over ctx's variables (which it reads at each Run). A
// conditional G (cfg.Classes set) takes a class per latent.
func NewGenerator(b backends.Backend, ctx *context.Context, cfg nets.Config, shape data.Shape) (*Generator, error) {
	var e *context.Exec
	var err error
	if cfg.Conditional() {
		e, err = context.NewExec(b, ctx, func(ctx *context.Context, z, y *graph.Node) *graph.Node {
			return nets.ConditionalGenerator(ctx, cfg, shape, z, y, nets.Inference)
		})
	} else {
		e, err = context.NewExec(b, ctx, func(ctx *context.Context, z *graph.Node) *graph.Node {
			return nets.Generator(ctx, cfg, shape, z, nets.Inference)
		})
	}
	if err != nil {
		return nil, err
	}
	return &Generator{cfg: cfg, shape: shape, exec: e}, nil
}

// Classes are the names of the classes a conditional generator takes, in index
// order (a copy); nil for an unconditional one.
func (g *Generator) Classes() []string {
	if !g.cfg.Conditional() {
		return nil
	}
	return append([]string(nil), g.cfg.Classes...)
}

// BalancedClasses are n classes cycling through 0..k-1: j mod k for sample j.
func BalancedClasses(n, k int) []int32 {
	y := make([]int32, n)
	for j := range y {
		y[j] = int32(j % k)
	}
	return y
}

// Run maps latents (n x z_dim, flat) to n flat samples. A conditional generator
// draws them with balanced classes, sample j of class j mod K (BalancedClasses).
func (g *Generator) Run(z []float32) ([]float32, error) {
	if g.cfg.Conditional() {
		return g.RunClasses(z, BalancedClasses(len(z)/max(1, g.cfg.ZDim), len(g.cfg.Classes)))
	}
	return g.RunClasses(z, nil)
}

// RunClasses maps latents (n x z_dim, flat) and one class per latent to n flat
// samples; y is nil for an unconditional generator.
func (g *Generator) RunClasses(z []float32, y []int32) ([]float32, error) {
	n := len(z) / g.cfg.ZDim
	if n*g.cfg.ZDim != len(z) || n == 0 {
		return nil, fmt.Errorf("sample: %d latent values is not a whole number of %d-D latents", len(z), g.cfg.ZDim)
	}
	in := []any{tensors.FromFlatDataAndDimensions(z, n, g.cfg.ZDim)}
	k := len(g.cfg.Classes)
	switch {
	case y != nil && k == 0:
		return nil, fmt.Errorf("sample: classes given, and the generator is unconditional (trained without data.labels)")
	case y == nil && k > 0:
		return nil, fmt.Errorf("sample: the generator is conditional (%d classes): give a class per latent", k)
	case y != nil && len(y) != n:
		return nil, fmt.Errorf("sample: %d classes for %d latents; want one class per latent", len(y), n)
	}
	for i, c := range y {
		if c < 0 || int(c) >= k {
			return nil, fmt.Errorf("sample: class %d of latent %d is out of range; the generator has classes 0..%d", c, i, k-1)
		}
	}
	if y != nil {
		in = append(in, tensors.FromFlatDataAndDimensions(y, n))
	}
	out, err := g.exec.Exec(in...)
	if err != nil {
		return nil, err
	}
	var flat []float32
	out[0].MustConstFlatData(func(f any) { flat = append(flat, f.([]float32)...) })
	return flat, nil
}
