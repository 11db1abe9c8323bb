package nets

import (
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Context parameters read by Param.
const (
	ParamSeed    = "gankit_seed"    // int64 seed for weight initialisation
	ParamFloat64 = "gankit_float64" // bool: create float64 variables (gradient checks against finite differences)
)

// Init draws a variable's initial values on the host.
type Init func(r *rand.Rand, shape shapes.Shape) []float32

// Normal is N(mean, std^2) (DCGAN, Radford et al. 2016 §4: weights ~ N(0, 0.02)).
func Normal(mean, std float64) Init {
	return func(r *rand.Rand, s shapes.Shape) []float32 {
		v := make([]float32, s.Size())
		for i := range v {
			v[i] = float32(mean + std*r.NormFloat64())
		}
		return v
	}
}

// Uniform is U(-a, a); PyTorch's default for Linear layers is a = 1/sqrt(fan_in).
func Uniform(a float64) Init {
	return func(r *rand.Rand, s shapes.Shape) []float32 {
		v := make([]float32, s.Size())
		for i := range v {
			v[i] = float32(a * (2*r.Float64() - 1))
		}
		return v
	}
}

// Fill sets every value to c.
func Fill(c float32) Init {
	return func(_ *rand.Rand, s shapes.Shape) []float32 {
		v := make([]float32, s.Size())
		for i := range v {
			v[i] = c
		}
		return v
	}
}

// Param returns the float32 (or, with ParamFloat64, float64) variable name in ctx's scope, creating it with init when it
// does not exist (or was not loaded from a checkpoint). Values are drawn on the host
// from a generator seeded by the run seed and the variable's full name, so initial
// weights are the same on every backend and do not depend on creation order.
func Param(ctx *context.Context, name string, init Init, dims ...int) *context.Variable {
	ctx = ctx.Checked(false)
	if v := ctx.GetVariable(name); v != nil {
		return v
	}
	seed := context.GetParamOr(ctx, ParamSeed, int64(0))
	h := fnv.New64a()
	_, _ = h.Write([]byte(context.JoinScope(ctx.Scope(), name)))
	r := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
	values := init(r, shapes.Make(dtypes.Float32, dims...))
	if context.GetParamOr(ctx, ParamFloat64, false) {
		v64 := make([]float64, len(values))
		for i, v := range values {
			v64[i] = float64(v)
		}
		return ctx.VariableWithValue(name, tensors.FromFlatDataAndDimensions(v64, dims...))
	}
	return ctx.VariableWithValue(name, tensors.FromFlatDataAndDimensions(values, dims...))
}

// fanInUniform is PyTorch's default initialisation for Linear and Conv weights and biases.
func fanInUniform(fanIn int) Init { return Uniform(1 / math.Sqrt(float64(fanIn))) }
