package nets

import (
	"fmt"
	"slices"

	"github.com/gankit/gankit/data"
)

// Architectures.
const (
	ArchDCGAN = "dcgan" // convolutional nets for images (Radford et al. 2016)
	ArchMLP   = "mlp"   // fully connected nets for the 2-D toy mixtures
	ArchR3GAN = "r3gan" // R3GAN's residual nets (Huang et al., NeurIPS 2024), sized by model.r3gan.*
)

// Upsampling modes for the DCGAN generator.
const (
	UpTransposed   = "transposed"    // ConvTranspose k4 s2 p1 (DCGAN)
	UpTransposedK3 = "transposed-k3" // ConvTranspose k3 s2 p1, output_padding 1: kernel not divisible by stride
	UpNearest      = "nearest"       // nearest 2x + conv k3 (Odena et al., Distill 2016)
	UpBilinear     = "bilinear"      // bilinear 2x + conv k3 (Odena et al., Distill 2016)
	UpPixelShuffle = "pixelshuffle"  // conv k3 to 4C, then depth-to-space (Shi et al. 2016; ganhacks #5)
)

// UpsampleModes lists the accepted values of Config.Upsample (a copy).
func UpsampleModes() []string {
	return []string{UpTransposed, UpTransposedK3, UpNearest, UpBilinear, UpPixelShuffle}
}

// Config describes both networks. Field names match the YAML keys users write.
type Config struct {
	Arch     string  `yaml:"arch"`        // dcgan | mlp | r3gan
	ZDim     int     `yaml:"z_dim"`       // latent size; z ~ N(0, I) (ganhacks #3)
	Width    int     `yaml:"width"`       // DCGAN: channels of the widest-resolution layer; MLP: hidden units
	DWidth   int     `yaml:"d_width"`     // D's width where it differs from G's (0 = width): a weakened D, as PacGAN's Table 3 (D a quarter of G)
	Depth    int     `yaml:"depth"`       // MLP: hidden layers
	Upsample string  `yaml:"upsample"`    // generator upsampling mode, see UpsampleModes()
	BNG      bool    `yaml:"bn_g"`        // BatchNorm in G
	BND      bool    `yaml:"bn_d"`        // BatchNorm in D (not on its first layer, as in DCGAN)
	Slope    float64 `yaml:"leaky_slope"` // D's LeakyReLU slope

	SpectralNorm bool `yaml:"spectral_norm"` // D's weights divided by their spectral norm (Miyato et al. 2018)
	EqualizedLR  bool `yaml:"eq_lr"`         // equalized learning rate in both nets (Karras et al. 2018, §4.1)
	PixelNorm    bool `yaml:"pixel_norm"`    // pixelwise feature normalisation in G, on z and after each activation (Karras et al. 2018, §4.2)
	MBStd        bool `yaml:"mbstd"`         // minibatch standard deviation feature before D's last layer (Karras et al. 2018, §3)
	MBStdGroup   int  `yaml:"mbstd_group"`   // its group size (PGGAN: 4; min(group, batch) is used)
	MBDisc       bool `yaml:"mbdisc"`        // minibatch discrimination before D's last layer (Salimans et al. 2016, §3.2)
	MBDiscB      int  `yaml:"mbdisc_b"`      // its number of kernels B (100)
	MBDiscC      int  `yaml:"mbdisc_c"`      // its kernel dimension C (5)
	Pack         int  `yaml:"pack"`          // PacGAN packing: D sees this many samples at once (1 = off; Lin et al. 2018)
	VBNG         bool `yaml:"vbn_g"`         // virtual BatchNorm in G instead of BatchNorm (Salimans et al. 2016, §3.5)
	VBNRef       int  `yaml:"vbn_ref"`       // size of virtual BN's fixed reference batch

	R3GAN R3GANConfig `yaml:"r3gan"` // arch r3gan: its widths, blocks, groups and expansion

	// Classes are the class names a conditional GAN is conditioned on, in label order
	// (empty: unconditional). A run resolves them from the data when data.labels is on;
	// they are saved with the config, so a checkpoint knows its classes.
	Classes []string `yaml:"classes,omitempty"`
	// CondD is how a conditional D uses the class: CondProjection (the default, "") or
	// CondACGAN. See ConditionalDiscriminator.
	CondD string `yaml:"cond_d,omitempty"`
}

// Validate checks cfg against the data shape it will be used with.
func (c Config) Validate(s data.Shape) error {
	switch c.Arch {
	case ArchDCGAN:
		if s.Size == 0 {
			return fmt.Errorf("model.arch: dcgan needs image data, the data are %d-D points (use arch: mlp)", s.Dim)
		}
		if _, _, err := DCGANPlan(s.Size); err != nil {
			return err
		}
		if !slices.Contains(UpsampleModes(), c.Upsample) {
			return fmt.Errorf("model.upsample: %q is not one of %v", c.Upsample, UpsampleModes())
		}
	case ArchMLP:
		if s.Size != 0 {
			return fmt.Errorf("model.arch: mlp is for 2-D point data, the data are %dx%dx%d images (use arch: dcgan)", s.Size, s.Size, s.Channels)
		}
		if c.Depth < 1 {
			return fmt.Errorf("model.depth: want at least 1 hidden layer, got %d", c.Depth)
		}
	case ArchR3GAN:
		if err := c.validateR3GAN(s); err != nil {
			return err
		}
	default:
		return fmt.Errorf("model.arch: %q is not one of [%s %s %s]", c.Arch, ArchDCGAN, ArchMLP, ArchR3GAN)
	}
	if c.ZDim < 1 {
		return fmt.Errorf("model.z_dim: want at least 1, got %d", c.ZDim)
	}
	if c.Width < 1 {
		return fmt.Errorf("model.width: want at least 1, got %d", c.Width)
	}
	if c.DWidth < 0 {
		return fmt.Errorf("model.d_width: want 0 (as model.width) or at least 1, got %d", c.DWidth)
	}
	if c.Slope < 0 || c.Slope >= 1 {
		return fmt.Errorf("model.leaky_slope: want 0 <= slope < 1, got %g", c.Slope)
	}
	if err := c.validateConditional(); err != nil {
		return err
	}
	switch {
	case c.MBStd && c.MBStdGroup < 1:
		return fmt.Errorf("model.mbstd_group: want at least 1, got %d", c.MBStdGroup)
	case c.MBDisc && (c.MBDiscB < 1 || c.MBDiscC < 1):
		return fmt.Errorf("model.mbdisc_b and model.mbdisc_c: want at least 1, got %d and %d", c.MBDiscB, c.MBDiscC)
	case c.Pack < 0:
		return fmt.Errorf("model.pack: want 1 or more samples per D input (0 and 1 = no packing), got %d", c.Pack)
	case c.VBNG && c.BNG:
		return fmt.Errorf("model.vbn_g with model.bn_g: virtual BatchNorm replaces BatchNorm in G; set model.bn_g: false")
	case c.VBNG && c.Arch != ArchDCGAN:
		return fmt.Errorf("model.vbn_g: the MLP generator has no normalisation layers (use arch: dcgan)")
	case c.VBNG && c.VBNRef < 1:
		return fmt.Errorf("model.vbn_ref: want a reference batch of at least 1, got %d", c.VBNRef)
	case c.PixelNorm && c.BNG:
		return fmt.Errorf("model.pixel_norm with model.bn_g: PGGAN's pixel norm replaces BatchNorm in G; set model.bn_g: false")
	}
	return nil
}

// PackDegree is how many samples D sees per input: Pack, or 1 when packing is off.
func (c Config) PackDegree() int { return max(1, c.Pack) }

// MBStdGroupFor is the minibatch-stddev group size PGGAN uses for a batch: min(group, batch).
func (c Config) MBStdGroupFor(batch int) int { return min(c.MBStdGroup, batch) }

// DCGANPlan gives the generator's starting resolution and number of 2x stages (also
// D's number of stride-2 convolutions) for an image size.
func DCGANPlan(size int) (base, stages int, err error) {
	switch size {
	case 28:
		return 7, 2, nil
	case 32:
		return 4, 3, nil
	case 64:
		return 4, 4, nil
	}
	return 0, 0, fmt.Errorf("image size %d: the DCGAN nets support 28, 32 and 64 (set data.size to resize a folder of images)", size)
}

// DiscriminatorWidth is D's width: DWidth when set, else Width. In DCGAN form it is
// the channels of D's first convolution (doubling at each stride); in MLP form, D's
// hidden units.
func (c Config) DiscriminatorWidth() int {
	if c.DWidth > 0 {
		return c.DWidth
	}
	return c.Width
}
