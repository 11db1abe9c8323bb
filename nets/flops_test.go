package nets

import (
	"math"
	"testing"

	"github.com/gankit/gankit/data"
)

// torchLayer is one dense or convolution layer of the PyTorch models, per sample: a
// transposed one reads in x in pixels, a plain one writes out x out pixels.
type torchLayer struct {
	transposed         bool
	cin, cout, k, side int // side: the input's side for transposed, the output's otherwise
}

func (l torchLayer) macs() float64 { return float64(l.side * l.side * l.cin * l.cout * l.k * l.k) }

// torchFLOPs counts one training iteration of bench/torch_dcgan_bench.py's model as
// IterationFLOPs promises (3x G's forward, 9x D's, 2 FLOPs per multiply-add), layer
// by layer from the PyTorch shapes, independently of IterationFLOPs.
func torchFLOPs(size int, up string, batch int) float64 {
	var g, d []torchLayer
	stage := func(cin, cout, side int) torchLayer { // side: the output's
		if up == UpTransposed {
			return torchLayer{true, cin, cout, 4, side / 2}
		}
		return torchLayer{false, cin, cout, 3, side}
	}
	switch size {
	case 28:
		g = []torchLayer{{false, 100, 128 * 7 * 7, 1, 1}, stage(128, 64, 14), stage(64, 1, 28)}
		d = []torchLayer{{false, 1, 64, 4, 14}, {false, 64, 128, 4, 7}, {false, 128 * 7 * 7, 1, 1, 1}}
	case 64:
		g = []torchLayer{{true, 100, 512, 4, 1}, stage(512, 256, 8), stage(256, 128, 16), stage(128, 64, 32), stage(64, 3, 64)}
		d = []torchLayer{{false, 3, 64, 4, 32}, {false, 64, 128, 4, 16}, {false, 128, 256, 4, 8}, {false, 256, 512, 4, 4}, {false, 512, 1, 4, 1}}
	}
	sum := func(ls []torchLayer) (s float64) {
		for _, l := range ls {
			s += l.macs()
		}
		return s
	}
	return 2 * float64(batch) * (3*sum(g) + 9*sum(d))
}

// TestIterationFLOPsMatchThePyTorchLayers compares the count for the two models
// gankit bench times (the default preset's nets: z 100, width 64) with the PyTorch
// models' layers.
func TestIterationFLOPsMatchThePyTorchLayers(t *testing.T) {
	for _, tc := range []struct {
		shape data.Shape
		up    string
	}{
		{data.Shape{Size: 28, Channels: 1}, UpTransposed},
		{data.Shape{Size: 28, Channels: 1}, UpNearest},
		{data.Shape{Size: 64, Channels: 3}, UpTransposed},
		{data.Shape{Size: 64, Channels: 3}, UpNearest},
	} {
		c := Config{Arch: ArchDCGAN, ZDim: 100, Width: 64, Upsample: tc.up}
		got, want := c.IterationFLOPs(tc.shape, 16), torchFLOPs(tc.shape.Size, tc.up, 16)
		if math.Abs(got-want) > 1e-12*want {
			t.Errorf("size %d %s: IterationFLOPs %g, PyTorch layers %g", tc.shape.Size, tc.up, got, want)
		}
	}
}

// TestIterationFLOPsByHand checks the cases the PyTorch script has no twin for
// against counts worked out by hand, at batch 1 on 28x28x1 with z 10 and width 4
// (G 10 -> 7x7x8 -> 4 -> 1, D 1 -> 4 -> 8 -> 1):
//
//	G dense 10*7*7*8 = 3920; stage 1 14*14*8*4 = 6272 products a tap,
//	stage 2 28*28*4*1 = 3136 a tap; D conv 14*14*4*1*16 = 12544,
//	conv 7*7*8*4*16 = 25088 (at d_width 8: 14*14*8*16 = 25088, 7*7*16*8*16 = 100352),
//	dense 7*7*8 = 392 (d_width 8: 784). FLOPs = 2 * (3 G + 9 D).
func TestIterationFLOPsByHand(t *testing.T) {
	shape := data.Shape{Size: 28, Channels: 1}
	g := func(taps float64) float64 { return 3920 + (6272+3136)*taps }
	const d = 12544 + 25088 + 392.0
	for _, tc := range []struct {
		name string
		cfg  Config
		want float64
	}{
		{"transposed-k3: 9/4 taps", Config{Arch: ArchDCGAN, ZDim: 10, Width: 4, Upsample: UpTransposedK3}, 2 * (3*g(9.0/4) + 9*d)},
		{"bilinear: 9 taps", Config{Arch: ArchDCGAN, ZDim: 10, Width: 4, Upsample: UpBilinear}, 2 * (3*g(9) + 9*d)},
		{"pixelshuffle: 9 taps", Config{Arch: ArchDCGAN, ZDim: 10, Width: 4, Upsample: UpPixelShuffle}, 2 * (3*g(9) + 9*d)},
		{"d_width 8", Config{Arch: ArchDCGAN, ZDim: 10, Width: 4, DWidth: 8, Upsample: UpTransposed}, 2 * (3*g(4) + 9*(25088+100352+784.0))},
		{"mlp: not counted", Config{Arch: ArchMLP, ZDim: 10, Width: 4, Depth: 3}, 0},
	} {
		if got := tc.cfg.IterationFLOPs(shape, 1); got != tc.want {
			t.Errorf("%s: IterationFLOPs %g, want %g", tc.name, got, tc.want)
		}
	}
	if got := (Config{Arch: ArchDCGAN, ZDim: 10, Width: 4}).IterationFLOPs(data.Shape{Size: 30, Channels: 1}, 1); got != 0 {
		t.Errorf("size 30 (no DCGAN plan): IterationFLOPs %g, want 0", got)
	}
}

// TestR3GANIterationFLOPsMatchPyTorchsCount holds the r3gan count to what PyTorch
// dispatches for the same iteration, counted op by op (convolutions, their
// backward as the output mask asks, matrix products; double backward included):
//
//	/usr/bin/python3 bench/torch_r3gan_bench.py --count-flops 1 1,16 1
//
// printed these (PyTorch 1.13; the count does not depend on the seed or the thread
// count).
func TestR3GANIterationFLOPsMatchPyTorchsCount(t *testing.T) {
	c := Config{Arch: ArchR3GAN, ZDim: 64, R3GAN: R3GANConfig{Width: 64, Blocks: 1, Groups: 8, Expansion: 2}}
	shape := data.Shape{Size: 28, Channels: 1}
	for _, tc := range []struct {
		batch int
		torch float64
	}{
		{1, 1291548288},
		{16, 20664772608},
	} {
		if got := c.IterationFLOPs(shape, tc.batch); got != tc.torch {
			t.Errorf("batch %d: IterationFLOPs %.0f, PyTorch counted %.0f (%+.0f)", tc.batch, got, tc.torch, got-tc.torch)
		}
	}
}
