package config

import (
	"fmt"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/sysmem"
)

// Bytes a run holds, per value its nets output or per weight: estimates, measured.
const (
	// bytesPerActivation: a training step keeps each layer's output for the backward
	// pass, its gradient and temporaries, and Go's collector lets the heap grow past
	// the live data. Peak RSS of `gankit train` on the cpu backend grew by 856 KiB per
	// sample from batch 64 to 512 for the default DCGAN (G 19,600 values per sample, D
	// 25,088, counted once for G and twice for D, real and fake: 14 bytes each), and by
	// 10.8 KiB from 256 to 8,192 for ring8's MLPs (8 bytes each); 16 covers both.
	bytesPerActivation = 16
	// bytesPerWeight: the weight, its gradient, Adam's two moments, and G_ema or the
	// historical average, in float32.
	bytesPerWeight = 6 * 4
)

// TrainingBytesPerSample estimates the memory one sample of a training batch takes:
// G's activations, D's on the real and on the fake batch, and the batch itself
// (read one ahead while the current one trains) with its latents.
func (c Config) TrainingBytesPerSample(shape data.Shape) float64 {
	fp := c.Model.Footprint(shape, c.Train.Batch)
	return bytesPerActivation*(fp.GValues+2*fp.DValues) + 4*(2*float64(shape.Len())+float64(c.Model.ZDim))
}

// SamplingBytesPerSample estimates the memory one generated sample takes when G runs
// in inference mode: its activations, its latent, the output and its copy, and its
// share of a PNG grid. Peak RSS of `gankit sample` grew by 284 KiB per sample from
// 1,000 to 20,000 samples of the default DCGAN (19,600 values: 14.5 bytes each).
func (c Config) SamplingBytesPerSample(shape data.Shape) float64 {
	fp := c.Model.Footprint(shape, 1)
	side := float64(shape.Size + 2) // a grid cell with its border, RGBA
	return bytesPerActivation*fp.GValues + 4*float64(c.Model.ZDim) + 12*float64(shape.Len()) + 4*side*side
}

// CheckMemory refuses a config whose run would not fit in mem. The run's memory is
// the model's weights and optimizer state plus what train.batch, train.sample_count,
// train.replay and model.vbn_ref size; when the sum does not fit, the error names the
// largest part's key, what it needs, and the largest value that fits with the rest
// unchanged. Validate first: the estimate assumes valid values.
func (c Config) CheckMemory(shape data.Shape, mem sysmem.Budget) error {
	m, t := c.Model, c.Train
	weights := bytesPerWeight * m.Footprint(shape, t.Batch).Params
	parts := []sysmem.Need{
		{What: "train.batch", N: t.Batch, Unit: "sample", PerItem: c.TrainingBytesPerSample(shape)},
		{What: "train.sample_count", N: t.SampleCount, Unit: "sample", PerItem: c.SamplingBytesPerSample(shape)},
		{What: "train.replay", N: t.Replay, Unit: "sample", PerItem: 4 * float64(shape.Len())},
	}
	if m.VBNG { // the reference batch goes through G with every batch
		parts = append(parts, sysmem.Need{What: "model.vbn_ref", N: m.VBNRef, Unit: "reference sample", PerItem: c.TrainingBytesPerSample(shape)})
	}
	total, largest := weights, -1
	for i, p := range parts {
		total += p.Bytes()
		if p.Bytes() > weights && (largest < 0 || p.Bytes() > parts[largest].Bytes()) {
			largest = i
		}
	}
	if total <= mem.Bytes {
		return nil
	}
	if largest < 0 {
		keys := fmt.Sprintf("model.width %d, model.z_dim %d", m.Width, m.ZDim)
		if c.IsToy() {
			keys += fmt.Sprintf(", model.depth %d", m.Depth)
		}
		if m.MBDisc {
			keys += fmt.Sprintf(", model.mbdisc_b %d, model.mbdisc_c %d", m.MBDiscB, m.MBDiscC)
		}
		return fmt.Errorf("the model (%s) needs about %s for its weights and optimizer state (%s with the batches), and %s is available (%s)",
			keys, sysmem.Format(weights), sysmem.Format(total), sysmem.Format(mem.Bytes), mem.Source)
	}
	need := parts[largest]
	need.Fixed = total - need.Bytes()
	return mem.Check(need)
}
