package nets

import "github.com/gankit/gankit/data"

// IterationFLOPs counts the multiply-adds (x2) of the dense and convolution layers
// of DCGAN nets on data of shape s in one training iteration at batch size batch,
// as PyTorch's reference iteration does it: G forward and backward (3x G's
// forward), and D run on real, detached fake and fake, each forward and backward
// (9x D's forward). Elementwise work (BatchNorm, activations, the optimiser) is not
// counted. It follows Generator and DiscriminatorFeatures for the widths
// (DiscriminatorWidth for D) and the upsampling mode's taps; for nets other than
// DCGAN's, or a size DCGANPlan refuses, it is 0. gankit bench divides it by the
// time of an iteration for its GFLOP/s (docs/protocols.md, "Speed").
func (c Config) IterationFLOPs(s data.Shape, batch int) float64 {
	if c.Arch != ArchDCGAN {
		return 0
	}
	base, stages, err := DCGANPlan(s.Size)
	if err != nil {
		return 0
	}
	b := float64(batch)
	ch := c.Width << (stages - 1)
	g := 2 * b * float64(c.ZDim*base*base*ch) // the dense layer to base x base x ch
	res := base
	for i := range stages {
		out := ch / 2
		if i == stages-1 {
			out = s.Channels
		}
		res *= 2
		// 2x + conv k3: 9 taps per output pixel; pixelshuffle's conv k3 to 4x the
		// channels at half the side is as many products.
		taps := 9.0
		switch c.Upsample {
		case UpTransposed: // k4 s2: each input pixel meets 16 taps = 4 per output pixel
			taps = 4
		case UpTransposedK3: // k3 s2: 9 taps per input pixel = 9/4 per output pixel
			taps = 9.0 / 4
		}
		g += 2 * b * float64(res*res*ch*out) * taps
		ch = out
	}
	d := 0.0
	dw := c.DiscriminatorWidth()
	res, ch = s.Size, s.Channels
	for i := range stages {
		out := dw << i
		res /= 2
		d += 2 * b * float64(res*res*out*ch*16) // conv k4 s2
		ch = out
	}
	d += 2 * b * float64(res*res*ch) // the dense layer to one logit
	return 3*g + 9*d
}
