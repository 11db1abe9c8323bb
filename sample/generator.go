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
// sample depends only on its own latent, never on the rest of the batch.
type Generator struct {
	cfg   nets.Config
	shape data.Shape
	exec  *context.Exec
}

// NewGenerator compiles G over ctx's variables (which it reads at each Run).
func NewGenerator(b backends.Backend, ctx *context.Context, cfg nets.Config, shape data.Shape) (*Generator, error) {
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, z *graph.Node) *graph.Node {
		return nets.Generator(ctx, cfg, shape, z, nets.Inference)
	})
	if err != nil {
		return nil, err
	}
	return &Generator{cfg: cfg, shape: shape, exec: e}, nil
}

// Run maps latents (n x z_dim, flat) to n flat samples.
func (g *Generator) Run(z []float32) ([]float32, error) {
	n := len(z) / g.cfg.ZDim
	if n*g.cfg.ZDim != len(z) || n == 0 {
		return nil, fmt.Errorf("sample: %d latent values is not a whole number of %d-D latents", len(z), g.cfg.ZDim)
	}
	out, err := g.exec.Exec(tensors.FromFlatDataAndDimensions(z, n, g.cfg.ZDim))
	if err != nil {
		return nil, err
	}
	var flat []float32
	out[0].MustConstFlatData(func(f any) { flat = append(flat, f.([]float32)...) })
	return flat, nil
}
