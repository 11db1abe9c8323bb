package nets

import "github.com/gankit/gankit/data"

// IterationFLOPs counts, for R3GAN's nets, what r3ganIterationFLOPs says; otherwise it counts the multiply-adds (x2) of the dense and convolution layers
// of DCGAN nets on data of shape s in one training iteration at batch size batch,
// as PyTorch's reference iteration does it: G forward and backward (3x G's
// forward), and D run on real, detached fake and fake, each forward and backward
// (9x D's forward). Elementwise work (BatchNorm, activations, the optimiser) is not
// counted. It follows Generator and DiscriminatorFeatures for the widths
// (DiscriminatorWidth for D) and the upsampling mode's taps; for nets other than
// DCGAN's, or a size DCGANPlan refuses, it is 0. gankit bench divides it by the
// time of an iteration for its GFLOP/s (docs/protocols.md, "Speed").
func (c Config) IterationFLOPs(s data.Shape, batch int) float64 {
	if c.Arch == ArchR3GAN {
		return c.r3ganIterationFLOPs(s, batch)
	}
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

// r3ganIterationFLOPs counts the convolutions' and dense layers' multiply-adds (x2)
// of one iteration of the r3gan preset (RpGAN + R1 + R2) at batch size batch, as
// PyTorch's reference iteration (bench/torch_r3gan_bench.py) dispatches them; that
// script's --count-flops adds them up op by op, and TestR3GANIterationFLOPsMatch-
// PyTorchsCount holds this count to its output. With G_F and D_F the nets' forward
// multiply-adds per sample:
//   - G forward once (its fakes serve both steps), and its backward in G's step,
//     weights and data, but not to z: 3 G_F - z·width;
//   - D's step: D forward on reals and fakes (2 D_F); each penalty's gradient with
//     respect to D's input (one data backward, D_F each); the backward of the loss
//     through both forwards (weights and data, 4 D_F) and through both gradient
//     chains (each conv's dgrad differentiated for its weight and its incoming
//     gradient, 4 D_F, less the logit layer's incoming gradient, a constant one:
//     2·width);
//   - G's step: D forward on fakes and on G's real batch (2 D_F), and the data
//     backward through D on the fakes (D_F), D's weights left alone.
//
// In all 3 G_F + 15 D_F - z·width - 2·width. The resamplers, bases, activations and
// the optimiser are elementwise and not counted. 0 for a size R3GANPlan refuses.
func (c Config) r3ganIterationFLOPs(s data.Shape, batch int) float64 {
	base, stages, err := R3GANPlan(s.Size)
	if err != nil {
		return 0
	}
	r := c.R3GAN
	e := r.Width * r.Expansion
	block := func(side int) float64 { // conv1 1x1, grouped conv2 3x3, conv3 1x1
		px := float64(side * side)
		return px * float64(r.Width*e+e*(e/r.Groups)*9+e*r.Width)
	}
	blocks := 0.0
	for i, side := 0, base; i < stages; i, side = i+1, side*2 {
		blocks += float64(r.Blocks) * block(side)
	}
	edge := float64(s.Size * s.Size * s.Channels * r.Width) // G's aggregate and D's extract 1x1 convs
	gF := float64(c.ZDim*r.Width) + blocks + edge           // the linear map z -> channel scales
	dF := edge + blocks + float64(r.Width)                  // the linear map to the logit
	macs := 3*gF + 15*dF - float64(c.ZDim*r.Width) - 2*float64(r.Width)
	return 2 * float64(batch) * macs
}
