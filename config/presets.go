package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/losses"
	"github.com/gankit/gankit/nets"
	"github.com/gankit/gankit/optim"
)

// DefaultPreset is the preset used when none is named.
const DefaultPreset = "dcgan-fmnist"

// Preset describes one named starting configuration.
type Preset struct {
	Name, Summary string
	Config        func() Config
}

// dcgan is the plain DCGAN baseline (Radford et al. 2016) at the reference shapes of
// docs/protocols.md ("The reference DCGAN"): G dense 100 -> 7x7x128 + BN, transposed k4 s2 stages 128 -> 64 -> 1,
// tanh; D conv k4 s2 64, conv k4 s2 128 + BN, dense 1; LeakyReLU 0.2; Adam 2e-4, betas 0.5/0.999.
func dcgan() Config {
	return Config{
		Preset: "dcgan-fmnist",
		Data:   Data{Path: "", Split: "train", Size: 28, Channels: 1},
		Model: nets.Config{
			Arch: nets.ArchDCGAN, ZDim: 100, Width: 64, Depth: 0,
			Upsample: nets.UpTransposed, BNG: true, BND: true, Slope: 0.2,
			MBStdGroup: 4, MBDiscB: 100, MBDiscC: 5, Pack: 1, VBNRef: 64,
			R3GAN: r3ganSizes,
		},
		Train: Train{
			Steps: 2000, Batch: 64, Seed: 0, Loss: losses.NameNS, OptimizerG: optim.NameAdam, OptimizerD: optim.NameAdam,
			LRG: 2e-4, LRD: 2e-4, Beta1: 0.5, Beta2: 0.999, Epsilon: 1e-8, NCritic: 1, Penalty: losses.PenaltyNone, ReplayProb: 0.5,
			ADATarget: 0.6, ADAKimg: 500, ADAInterval: 4,
			LogEvery: 10, SampleEvery: 500, SampleCount: 64, CheckpointEvery: 500, KeepCheckpoints: 3,
			OnDivergence: OnDivergenceRollback, RollbackLR: 0.5, Rollbacks: 3,
		},
		Doctor: defaultDoctor(),
	}
}

// r3ganSizes are R3GAN's nets scaled down to fit a CPU: the authors' CIFAR-10 config
// (train.py) has width 768, 2 blocks and 96 groups per stage, expansion 2; this keeps
// their 16 channels per group of the expanded 3x3 conv (1536 / 96; here 128 / 8) and
// their expansion. (When each group was a convolution of its own, 16 groups of 8
// channels took 2.2x as long per iteration as 8 groups of 16; the cpu backend now
// runs the grouped 3x3 as one ChannelGroupCount convolution, see nets.r3ganConv.)
var r3ganSizes = nets.R3GANConfig{Width: 64, Blocks: 1, Groups: 8, Expansion: 2}

// toy is the gankit protocol of docs/protocols.md ("Toy mixtures"): z in R^2, MLPs with 3
// hidden layers of 128 (ReLU in G, LeakyReLU 0.2 in D), batch 256, Adam 1e-4 beta1 0.5, 10k steps.
func toy(name string) Config {
	c := dcgan()
	c.Preset = name
	c.Data = Data{Path: name}
	c.Model = nets.Config{Arch: nets.ArchMLP, ZDim: 2, Width: 128, Depth: 3, Slope: 0.2, MBStdGroup: 4, MBDiscB: 100, MBDiscC: 5, Pack: 1, VBNRef: 64}
	c.Train.Steps, c.Train.Batch = 10000, 256
	c.Train.LRG, c.Train.LRD = 1e-4, 1e-4
	c.Train.LogEvery, c.Train.SampleEvery, c.Train.SampleCount = 50, 2000, 2500
	c.Train.CheckpointEvery = 2000
	return c
}

// Presets are the named configurations, by name.
var presets = []Preset{
	{"dcgan-fmnist", "plain DCGAN baseline on Fashion-MNIST: transposed conv k4s2, BatchNorm, Adam 2e-4/0.5, non-saturating loss", dcgan},
	{"tiny", "seconds-long smoke run: a narrow DCGAN for 30 steps on 1,000 embedded images", func() Config {
		c := dcgan()
		c.Preset = "tiny"
		c.Data.Limit = 1000
		c.Model.ZDim, c.Model.Width = 16, 8
		c.Train.Steps, c.Train.Batch = 30, 16
		c.Train.LogEvery, c.Train.SampleEvery, c.Train.SampleCount = 5, 15, 16
		c.Train.CheckpointEvery, c.Train.KeepCheckpoints = 15, 2
		return c
	}},
	{"seed-tips", "the seed article's tips on the DCGAN: bilinear upsampling, BN in G, Adam, label smoothing 0.1, instance noise, minibatch stddev (truncation at sampling)", func() Config {
		c := dcgan()
		c.Preset = "seed-tips"
		c.Model.Upsample = nets.UpBilinear
		c.Model.MBStd = true
		c.Train.LabelSmoothing = 0.1
		c.Train.InstanceNoise = 0.1
		return c
	}},
	{"pggan-tricks", "PGGAN's stabilisers on the DCGAN: equalized LR, pixel norm in G, minibatch stddev, WGAN-GP + drift, Adam(1e-3, 0, 0.99), G EMA 0.999", func() Config {
		c := dcgan()
		c.Preset = "pggan-tricks"
		c.Model.BNG, c.Model.BND = false, false
		c.Model.EqualizedLR, c.Model.PixelNorm, c.Model.MBStd = true, true, true
		c.Train.Loss, c.Train.Penalty, c.Train.Drift = losses.NameWGAN, losses.PenaltyWGANGP, 1e-3
		c.Train.LRG, c.Train.LRD, c.Train.Beta1, c.Train.Beta2 = 1e-3, 1e-3, 0, 0.99
		c.Train.EMA = 0.999
		return c
	}},
	{"sngan-hinge", "SNGAN on the DCGAN: spectral norm in D, hinge loss, TTUR (D 4e-4, G 1e-4), Adam betas 0/0.9", func() Config {
		c := dcgan()
		c.Preset = "sngan-hinge"
		c.Model.BND, c.Model.SpectralNorm = false, true
		c.Train.Loss = losses.NameHinge
		c.Train.LRG, c.Train.LRD, c.Train.Beta1, c.Train.Beta2 = 1e-4, 4e-4, 0, 0.9
		return c
	}},
	{"wgan-gp", "WGAN-GP (Gulrajani et al. 2017): critic without BN, lambda 10, n_critic 5, Adam(1e-4, 0, 0.9)", func() Config {
		c := dcgan()
		c.Preset = "wgan-gp"
		c.Model.BND = false
		c.Train.Loss, c.Train.Penalty, c.Train.NCritic = losses.NameWGAN, losses.PenaltyWGANGP, 5
		c.Train.LRG, c.Train.LRD, c.Train.Beta1, c.Train.Beta2 = 1e-4, 1e-4, 0, 0.9
		return c
	}},
	{"ganhacks", "soumith/ganhacks on the DCGAN: noisy labels, 5% label flips, instance noise, minibatch discrimination", func() Config {
		c := dcgan()
		c.Preset = "ganhacks"
		c.Model.MBDisc = true
		c.Train.NoisyLabels, c.Train.LabelFlip, c.Train.InstanceNoise = true, 0.05, 0.1
		return c
	}},
	{"pacgan", "PacGAN2 on the DCGAN: D judges pairs of samples (Lin et al. 2018)", func() Config {
		c := dcgan()
		c.Preset = "pacgan"
		c.Model.Pack = 2
		return c
	}},
	{"r3gan", "R3GAN (Huang et al., NeurIPS 2024) at CPU size, for 28x28 or 32x32 data: its ResNeXt-style nets (no normalisation, fix-up init, [1,2,1]-derived resampling), RpGAN + R1 + R2, and its cosine schedules for gamma, the learning rate, Adam's beta2 and the EMA half-life", func() Config {
		c := dcgan()
		c.Preset = "r3gan"
		c.Model.Arch, c.Model.ZDim = nets.ArchR3GAN, 64 // train.py's NoiseDimension
		c.Model.BNG, c.Model.BND = false, false         // R3GAN has no normalisation layers
		c.Model.R3GAN = r3ganSizes
		c.Train.Loss = losses.NameRpGAN
		c.Train.Penalty = losses.PenaltyNone // the list below instead
		// train.py's CIFAR-10 schedules, decayed over the whole run instead of 20M
		// images: gamma 0.05 -> 0.005 for R1 and R2 alike, lr 2e-4 -> 5e-5, Adam
		// betas (0, 0.9 -> 0.99), and the EMA half-life from 0 to a quarter of the
		// run (5M of 20M images there; here 32 kimg of the 128 a 2,000-step run sees).
		gamma := optim.Schedule{Kind: optim.Cosine, End: 0.005}
		c.Train.Penalties = []PenaltyTerm{{Name: losses.PenaltyR1, Weight: 0.05, Schedule: gamma}, {Name: losses.PenaltyR2, Weight: 0.05, Schedule: gamma}}
		c.Train.LRG, c.Train.LRD, c.Train.Beta1, c.Train.Beta2 = 2e-4, 2e-4, 0, 0.9
		c.Train.LRSchedule = optim.Schedule{Kind: optim.Cosine, End: 5e-5}
		c.Train.Beta2Schedule = optim.Schedule{Kind: optim.Cosine, End: 0.99}
		c.Train.EMASchedule = optim.Schedule{Kind: optim.Cosine, End: 32}
		return c
	}},
	{"small-64", "your folder of 1,000-5,000 colour images at 64x64: the DCGAN at width 32, ADA (bgc, r_t target 0.6, p able to cross 0 to 1 in 100 kimg), G EMA 0.999, batch 32, 20,000 iterations (docs/results.md, \"Small data\")", func() Config {
		c := dcgan()
		c.Preset = "small-64"
		c.Data.Size, c.Data.Channels = 64, 3
		c.Model.Width, c.Model.ZDim = 32, 128
		c.Train.Batch, c.Train.Steps = 32, 20000
		// StyleGAN2-ADA's 500 kimg is for runs of tens of millions of images; this
		// run sees 640k, so p must be able to move five times as fast.
		c.Train.ADA, c.Train.ADAKimg = "bgc", 100
		c.Train.EMA = 0.999
		c.Train.SampleEvery, c.Train.CheckpointEvery = 1000, 1000
		return c
	}},
	{"cond-fmnist", "class-conditional DCGAN on Fashion-MNIST's ten classes (data.labels): conditional BatchNorm in G (de Vries et al. 2017; Miyato & Koyama 2018) and the projection discriminator (Miyato & Koyama 2018, eq. 3), 6,000 iterations, G EMA 0.999; otherwise dcgan-fmnist", func() Config {
		c := dcgan()
		c.Preset = "cond-fmnist"
		c.Data.Labels = true
		c.Model.CondD = nets.CondProjection
		// 2,000 iterations gave samples a classifier put in their class 48.5% of the
		// time; 6,000 with G's EMA, 86.7% (docs/results.md §9).
		c.Train.Steps, c.Train.EMA = 6000, 0.999
		return c
	}},
	{data.Ring8, "8 Gaussians on a circle (mode-collapse benchmark), MLP GAN, gankit protocol", func() Config { return toy(data.Ring8) }},
	{data.Grid25, "25 Gaussians on a 5x5 grid (mode-collapse benchmark), MLP GAN, gankit protocol", func() Config { return toy(data.Grid25) }},
}

// Presets lists the presets in a stable order.
func Presets() []Preset {
	out := append([]Preset(nil), presets...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name == DefaultPreset && out[j].Name != DefaultPreset })
	return out
}

// FromPreset returns the named preset's configuration ("" = DefaultPreset).
func FromPreset(name string) (Config, error) {
	if name == "" {
		name = DefaultPreset
	}
	var names []string
	for _, p := range presets {
		if p.Name == name {
			return p.Config(), nil
		}
		names = append(names, p.Name)
	}
	return Config{}, fmt.Errorf("preset %q: want one of %s", name, strings.Join(names, ", "))
}
