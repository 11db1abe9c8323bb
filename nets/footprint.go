package nets

import "github.com/gankit/gankit/data"

// Footprint is how big the nets are, for estimating the memory a run needs before
// any of it is allocated: counts of float32 values, in float64 so that absurd
// widths count instead of overflowing.
type Footprint struct {
	Params  float64 // trainable weights of G and D together
	GValues float64 // values G's layers output for one sample
	DValues float64 // values D's layers output for one sample, in a batch of the given size
}

// Footprint counts the weights of G and D for data of shape s and the values their
// layers output per sample at batch size n (minibatch discrimination compares every
// pair of samples, so its share grows with n). It follows Generator and
// DiscriminatorFeatures layer by layer, leaving out only BatchNorm's per-channel
// values, which are negligible next to the rest.
func (c Config) Footprint(s data.Shape, n int) Footprint {
	var fp Footprint
	z, w, dw := float64(c.ZDim), float64(c.Width), float64(c.DiscriminatorWidth())
	pack := float64(c.PackDegree())
	var feat float64 // D's last hidden features per D input
	if c.Arch == ArchR3GAN {
		return c.r3ganFootprint(s)
	}
	if c.Arch == ArchMLP {
		depth := float64(c.Depth)
		dim := float64(s.Dim)
		fp.Params = z*w + (depth-1)*w*w + w*dim + depth*w + dim // G, biases included
		fp.Params += dim*pack*dw + (depth-1)*dw*dw + depth*dw   // D's hidden layers
		fp.GValues = depth*w + dim
		fp.DValues = depth * dw
		feat = dw
	} else {
		base, stages, err := DCGANPlan(s.Size)
		if err != nil {
			return fp
		}
		ch := w * float64(int(1)<<(stages-1))
		r := float64(base)
		fp.Params = (z + 1) * r * r * ch // the dense layer and its bias
		fp.GValues = r * r * ch
		for i := range stages {
			out := ch / 2
			if i == stages-1 {
				out = float64(s.Channels)
			}
			r2 := 2 * r
			switch c.Upsample {
			case UpTransposed:
				fp.Params += 16 * ch * out
			case UpNearest, UpBilinear:
				fp.Params += 9 * ch * out
				fp.GValues += r2 * r2 * ch // the upsampled input
			case UpPixelShuffle:
				fp.Params += 9 * ch * 4 * out
				fp.GValues += r * r * 4 * out // the convolution before depth-to-space
			default: // transposed-k3
				fp.Params += 9 * ch * out
			}
			fp.Params += out // bias
			fp.GValues += r2 * r2 * out
			ch, r = out, r2
		}
		in := float64(s.Channels) * pack
		r = float64(s.Size)
		ch = dw
		for range stages {
			r /= 2
			fp.Params += 16*in*ch + ch
			fp.DValues += r * r * ch
			in, ch = ch, 2*ch
		}
		feat = r * r * in
	}
	if c.MBStd {
		feat += feat / max(in1(c, s), 1) // one more feature map
	}
	if c.MBDisc {
		b, k := float64(c.MBDiscB), float64(c.MBDiscC)
		fp.Params += feat*b*k + b*k + b
		// [N', N', B, C] differences, their absolute values and the exponentials,
		// N' = n / pack inputs: per D input, 3 N' B C values.
		fp.DValues += 3 * float64(n) / pack * b * k
		feat += b
	}
	fp.Params += feat + 1 // D's output layer
	fp.DValues = (fp.DValues + feat) / pack
	return fp
}

// in1 is the channel count of D's last feature map (what minibatch stddev adds one to).
func in1(c Config, s data.Shape) float64 {
	if c.Arch == ArchMLP {
		return float64(c.DiscriminatorWidth())
	}
	_, stages, err := DCGANPlan(s.Size)
	if err != nil {
		return 1
	}
	return float64(c.DiscriminatorWidth()) * float64(int(1)<<(stages-1))
}

// r3ganFootprint follows r3ganGenerator and r3ganDiscriminator: per block, the
// expanded 1x1, grouped 3x3 and 1x1 convolutions and two biases; per value, the
// outputs of its three convolutions, two activations and the sum.
func (c Config) r3ganFootprint(s data.Shape) Footprint {
	var fp Footprint
	base, stages, err := R3GANPlan(s.Size)
	if err != nil {
		return fp
	}
	r := c.R3GAN
	w, e := float64(r.Width), float64(r.Width*r.Expansion)
	block := w*e + 9*e*e/float64(max(r.Groups, 1)) + e*w + 2*e
	blocks := float64(stages * r.Blocks)
	ch, b := float64(s.Channels), float64(base)
	fp.Params = 2 * blocks * block
	fp.Params += b*b*w + float64(c.ZDim)*w + w*ch // G's basis, its linear map, aggregation
	fp.Params += ch*w + b*b*w + w                 // D's extraction, basis and linear map
	perPixel := float64(r.Blocks) * (4*e + 2*w)
	for i := range stages {
		side := b * float64(int(1)<<i)
		fp.GValues += side * side * (perPixel + w) // + the upsampled input
		fp.DValues += side * side * (perPixel + w) // + the downsampled output
	}
	fp.GValues += float64(s.Len())
	fp.DValues += float64(s.Size*s.Size) * w
	return fp
}
