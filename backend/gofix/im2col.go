package gofix

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/backends"
)

// convIm2col lowers a convolution (no channel or batch groups) to ops simplego runs
// fast: the input is put channels-last, padded and dilated with Pad, the K kernel
// taps become K strided Slices concatenated into patches [N*O, K*Cin], and one
// DotGeneral with the kernel as [K*Cin, Cout] does the arithmetic. simplego's own
// ConvGeneral is a scalar loop, about 7x slower on the DCGAN's shapes.
//
// This runs inside the backend: the graph (and its gradients) still sees ConvGeneral.
func (b *goFixedBuilder) convIm2col(input, kernel backends.Op, axes backends.ConvolveAxesConfig,
	strides []int, paddings [][2]int, inputDil, kernelDil []int) (backends.Op, error) {
	in, err := b.OpShape(input)
	if err != nil {
		return nil, err
	}
	ks, err := b.OpShape(kernel)
	if err != nil {
		return nil, err
	}
	d := len(axes.InputSpatial)
	n, cin := in.Dimensions[axes.InputBatch], in.Dimensions[axes.InputChannels]
	x, err := b.paddedChannelsLast(input, axes, paddings, inputDil)
	if err != nil {
		return nil, err
	}
	xs, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	kdims := make([]int, d)
	out := make([]int, d)
	nOut := 1
	for i := range d {
		kdims[i] = ks.Dimensions[axes.KernelSpatial[i]]
		eff := (kdims[i]-1)*kernelDil[i] + 1
		out[i] = (xs.Dimensions[i+1]-eff)/strides[i] + 1
		if out[i] < 1 {
			return nil, fmt.Errorf("convolution: spatial axis %d of size %d is smaller than the kernel's reach %d", i, xs.Dimensions[i+1], eff)
		}
		nOut *= out[i]
	}
	patches, k, err := b.patches(x, xs.Dimensions, kdims, out, strides, kernelDil)
	if err != nil {
		return nil, err
	}
	if patches, err = b.Reshape(patches, n*nOut, k*cin); err != nil {
		return nil, err
	}
	// Kernel to [K..., Cin, Cout] -> [K*Cin, Cout].
	cout := ks.Dimensions[axes.KernelOutputChannels]
	w, err := b.transposeIfNeeded(kernel, slices.Concat(axes.KernelSpatial, []int{axes.KernelInputChannels, axes.KernelOutputChannels}))
	if err != nil {
		return nil, err
	}
	if w, err = b.Reshape(w, k*cin, cout); err != nil {
		return nil, err
	}
	y, err := b.DotGeneral(patches, []int{1}, nil, w, []int{0}, nil)
	if err != nil {
		return nil, err
	}
	if y, err = b.Reshape(y, slices.Concat([]int{n}, out, []int{cout})...); err != nil {
		return nil, err
	}
	// [N, O..., Cout] to the requested output layout.
	outPerm := make([]int, d+2)
	outPerm[axes.OutputBatch] = 0
	outPerm[axes.OutputChannels] = d + 1
	for i, a := range axes.OutputSpatial {
		outPerm[a] = i + 1
	}
	return b.transposeIfNeeded(y, outPerm)
}

// paddedChannelsLast puts the input as [N, S..., C], its spatial axes padded and
// dilated with one Pad (none when there is nothing to pad).
func (b *goFixedBuilder) paddedChannelsLast(input backends.Op, axes backends.ConvolveAxesConfig,
	paddings [][2]int, inputDil []int) (backends.Op, error) {
	d := len(axes.InputSpatial)
	perm := slices.Concat([]int{axes.InputBatch}, axes.InputSpatial, []int{axes.InputChannels})
	x, err := b.transposeIfNeeded(input, perm)
	if err != nil {
		return nil, err
	}
	pads := make([]backends.PadAxis, d+2)
	needPad := false
	for i := range d {
		pads[i+1] = backends.PadAxis{Start: paddings[i][0], End: paddings[i][1], Interior: inputDil[i] - 1}
		needPad = needPad || pads[i+1] != (backends.PadAxis{})
	}
	if !needPad {
		return x, nil
	}
	zero, err := b.zeroLike(x)
	if err != nil {
		return nil, err
	}
	return b.Pad(x, zero, pads...)
}

// patches cuts x ([N, S..., C] with dimensions xdims) into one strided Slice per
// kernel tap, each reshaped to [N, O..., 1, C], and concatenates them along that
// axis of one: [N, O..., K, C], K the taps' count it also returns.
func (b *goFixedBuilder) patches(x backends.Op, xdims, kdims, out, strides, kernelDil []int) (backends.Op, int, error) {
	d := len(kdims)
	n, cin := xdims[0], xdims[d+1]
	var taps []backends.Op
	tap := make([]int, d)
	for {
		starts := make([]int, d+2)
		limits := slices.Clone(xdims)
		step := ones(d + 2)
		for i := range d {
			starts[i+1] = tap[i] * kernelDil[i]
			limits[i+1] = starts[i+1] + (out[i]-1)*strides[i] + 1
			step[i+1] = strides[i]
		}
		s, err := b.Slice(x, starts, limits, step)
		if err != nil {
			return nil, 0, err
		}
		if s, err = b.Reshape(s, slices.Concat([]int{n}, out, []int{1, cin})...); err != nil {
			return nil, 0, err
		}
		taps = append(taps, s)
		i := d - 1
		for ; i >= 0; i-- {
			tap[i]++
			if tap[i] < kdims[i] {
				break
			}
			tap[i] = 0
		}
		if i < 0 {
			break
		}
	}
	if len(taps) == 1 {
		return taps[0], 1, nil
	}
	p, err := b.Concatenate(d+1, taps...)
	return p, len(taps), err
}

func (b *goFixedBuilder) transposeIfNeeded(x backends.Op, perm []int) (backends.Op, error) {
	for i, p := range perm {
		if i != p {
			return b.Transpose(x, perm...)
		}
	}
	return x, nil
}

func (b *goFixedBuilder) zeroLike(x backends.Op) (backends.Op, error) {
	s, err := b.OpShape(x)
	if err != nil {
		return nil, err
	}
	switch s.DType.String() {
	case "Float32":
		return b.Constant([]float32{0})
	case "Float64":
		return b.Constant([]float64{0})
	}
	return nil, fmt.Errorf("convolution: dtype %s not supported by the go backend's fix-ups", s.DType)
}
