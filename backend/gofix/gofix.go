// Package gofix wraps GoMLX v0.26's pure-Go backend (simplego) with the fix-ups
// gankit needs, and lowers its convolutions to im2col + DotGeneral.
package gofix

import (
	"fmt"
	"os"
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// goFixed wraps GoMLX v0.26's pure-Go backend (simplego) and supplies, from ops it
// does implement, the pieces it lacks that gankit's graphs need:
//   - Reverse (used by every convolution's input gradient), built from Slice+Concatenate;
//   - Pad (used by the gradient of Slice), built from Concatenate, Reshape and Slice;
//   - ConvGeneral with nil strides/dilations, which v0.26 reads as 0 (the gradient of
//     a strided convolution builds such convolutions).
//
// Everything else is simplego unchanged.
type goFixed struct {
	backends.Backend
}

// Wrap adds the fix-ups to a simplego backend.
func Wrap(inner backends.Backend) backends.Backend { return &goFixed{Backend: inner} }

// newSimpleGo builds simplego with an unbounded worker pool. v0.26 runs independent
// ops in parallel on pool workers that then wait for workers of their own (DotGeneral
// does): with a bounded pool that deadlocks once every worker waits (seen on 2 cores
// in a toy MLP's step). "ops_sequential" avoids it too but costs 40% of that step.
// simplego announces the setting on stdout, which is gankit's output channel; it is
// silenced for the call.
// New builds simplego (see below) and wraps it.
func New() (backends.Backend, error) {
	inner, err := newSimpleGo()
	if err != nil {
		return nil, err
	}
	return Wrap(inner), nil
}

func newSimpleGo() (backends.Backend, error) {
	stdout := os.Stdout
	if devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stdout = devnull
		defer func() { os.Stdout = stdout; devnull.Close() }()
	}
	return simplego.New("parallelism=-1")
}

func (b *goFixed) Name() string { return "go" }

func (b *goFixed) String() string { return "go" }

func (b *goFixed) Description() string {
	return "GoMLX pure-Go backend (simplego v0.26) with gankit's Reverse/Pad/ConvGeneral fix-ups"
}

func (b *goFixed) Capabilities() backends.Capabilities {
	c := b.Backend.Capabilities().Clone()
	c.Operations[backends.OpTypeReverse] = true
	c.Operations[backends.OpTypePad] = true
	return c
}

func (b *goFixed) Builder(name string) backends.Builder {
	return &goFixedBuilder{Builder: b.Backend.Builder(name)}
}

type goFixedBuilder struct {
	backends.Builder
}

func ones(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

func (b *goFixedBuilder) ConvGeneral(input, kernel backends.Op, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int, inputDilations, kernelDilations []int,
	channelGroupCount, batchGroupCount int) (backends.Op, error) {
	n := len(axes.InputSpatial)
	if len(strides) == 0 {
		strides = ones(n)
	}
	if len(inputDilations) == 0 {
		inputDilations = ones(n)
	}
	if len(kernelDilations) == 0 {
		kernelDilations = ones(n)
	}
	if paddings == nil {
		paddings = make([][2]int, n)
	}
	if channelGroupCount <= 1 && batchGroupCount <= 1 {
		return b.convIm2col(input, kernel, axes, strides, paddings, inputDilations, kernelDilations)
	}
	return b.Builder.ConvGeneral(input, kernel, axes, strides, paddings, inputDilations, kernelDilations,
		max(channelGroupCount, 1), max(batchGroupCount, 1))
}

// Reverse reverses x along axes by concatenating its unit slices in reverse order.
func (b *goFixedBuilder) Reverse(x backends.Op, axes ...int) (backends.Op, error) {
	for _, axis := range axes {
		shape, err := b.OpShape(x)
		if err != nil {
			return nil, err
		}
		dim := shape.Dimensions[axis]
		if dim <= 1 {
			continue
		}
		parts := make([]backends.Op, dim)
		for i := range dim {
			parts[dim-1-i], err = b.sliceAxis(x, shape.Dimensions, axis, i, i+1)
			if err != nil {
				return nil, fmt.Errorf("Reverse: %w", err)
			}
		}
		if x, err = b.Concatenate(axis, parts...); err != nil {
			return nil, fmt.Errorf("Reverse: %w", err)
		}
	}
	return x, nil
}

func (b *goFixedBuilder) sliceAxis(x backends.Op, dims []int, axis, start, limit int) (backends.Op, error) {
	starts := make([]int, len(dims))
	limits := slices.Clone(dims)
	starts[axis], limits[axis] = start, limit
	return b.Slice(x, starts, limits, ones(len(dims)))
}

// Pad implements XLA's Pad (negative edge padding crops; interior padding inserts
// fill values between elements) one axis at a time.
func (b *goFixedBuilder) Pad(x, fill backends.Op, axesConfig ...backends.PadAxis) (backends.Op, error) {
	for axis, cfg := range axesConfig {
		var err error
		if cfg.Interior > 0 {
			if x, err = b.padInterior(x, fill, axis, cfg.Interior); err != nil {
				return nil, fmt.Errorf("Pad axis %d: %w", axis, err)
			}
		}
		if x, err = b.padEdges(x, fill, axis, cfg.Start, cfg.End); err != nil {
			return nil, fmt.Errorf("Pad axis %d: %w", axis, err)
		}
	}
	return x, nil
}

func (b *goFixedBuilder) fillBlock(fill backends.Op, like []int, axis, size int, x backends.Op) (backends.Op, error) {
	xs, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	shape := xs.Clone()
	shape.Dimensions = slices.Clone(like)
	shape.Dimensions[axis] = size
	return b.BroadcastInDim(fill, shape, nil)
}

// padEdges adds the positive edge paddings, then crops the negative ones from the
// result (XLA's semantics: a negative padding may eat into the other side's fill).
func (b *goFixedBuilder) padEdges(x, fill backends.Op, axis, start, end int) (backends.Op, error) {
	shape, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	dims := shape.Dimensions
	parts := []backends.Op{}
	if start > 0 {
		blk, err := b.fillBlock(fill, dims, axis, start, x)
		if err != nil {
			return nil, err
		}
		parts = append(parts, blk)
	}
	parts = append(parts, x)
	if end > 0 {
		blk, err := b.fillBlock(fill, dims, axis, end, x)
		if err != nil {
			return nil, err
		}
		parts = append(parts, blk)
	}
	if len(parts) > 1 {
		if x, err = b.Concatenate(axis, parts...); err != nil {
			return nil, err
		}
	}
	if start >= 0 && end >= 0 {
		return x, nil
	}
	size := dims[axis] + max(start, 0) + max(end, 0)
	lo, hi := max(-start, 0), size-max(-end, 0)
	if lo >= hi {
		return nil, fmt.Errorf("padding (%d, %d) leaves nothing of an axis of size %d", start, end, dims[axis])
	}
	grown := slices.Clone(dims)
	grown[axis] = size
	return b.sliceAxis(x, grown, axis, lo, hi)
}

// padInterior inserts k fill values between consecutive elements along axis:
// reshape to [..., n, 1, ...], concatenate a [..., n, k, ...] fill block, flatten, drop the last k.
func (b *goFixedBuilder) padInterior(x, fill backends.Op, axis, k int) (backends.Op, error) {
	shape, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	dims := shape.Dimensions
	n := dims[axis]
	if n <= 1 {
		return x, nil
	}
	split := slices.Concat(dims[:axis+1], []int{1}, dims[axis+1:])
	x1, err := b.Reshape(x, split...)
	if err != nil {
		return nil, err
	}
	blk, err := b.fillBlock(fill, split, axis+1, k, x1)
	if err != nil {
		return nil, err
	}
	joined, err := b.Concatenate(axis+1, x1, blk)
	if err != nil {
		return nil, err
	}
	flat := slices.Clone(dims)
	flat[axis] = n * (k + 1)
	if joined, err = b.Reshape(joined, flat...); err != nil {
		return nil, err
	}
	return b.sliceAxis(joined, flat, axis, 0, n*(k+1)-k)
}
