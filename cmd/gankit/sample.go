package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gankit/gankit/internal/fsutil"
	"github.com/gankit/gankit/internal/sysmem"
	rundir "github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
	"github.com/spf13/cobra"
)

func sampleCmd() *cobra.Command {
	var run, out, be, truncMode string
	var n int
	var seed int64
	var trunc float64
	var noEMA bool
	cmd := &cobra.Command{
		Use:   "sample",
		Short: "Draw samples from a trained run into a PNG grid (or a scatter for toy data)",
		Long: `Load a run's latest checkpoint and write n samples as one PNG: an image grid, or for
ring8/grid25 a scatter plot over the mixture's modes. The generator runs in inference
mode (BatchNorm running statistics): a sample depends only on its latent z ~ N(0, I),
which --seed fixes. A run trained with train.ema samples from G_ema unless --no-ema.

Truncation trades diversity for quality, at sampling time only:
  --truncation-mode resample --truncation t   redraw each |z_i| > t (BigGAN)
  --truncation-mode clip     --truncation t   clamp z_i to [-t, t]
  --truncation-mode psi      --truncation psi z' = psi * z, 0 <= psi <= 1 (StyleGAN's psi)
It is refused for generators that pixel-normalise z (model.pixel_norm), where scaling
or clipping z changes nothing or little.`,
		Example: `  gankit sample --run runs/tiny --out grid.png
  gankit sample --run runs/fm --n 100 --seed 7 --out fm-seed7.png
  gankit sample --run runs/fm --truncation-mode resample --truncation 0.5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if run == "" {
				return fmt.Errorf("--run DIR is required: the directory `gankit train --out` wrote")
			}
			if n < 1 {
				return fmt.Errorf("--n: want at least 1, got %d", n)
			}
			tr := sample.Truncation{Mode: truncMode, Value: trunc}
			if truncMode == "" && cmd.Flags().Changed("truncation") {
				return fmt.Errorf("--truncation needs --truncation-mode (one of %v)", sample.TruncModes)
			}
			if err := tr.Validate(); err != nil {
				return fmt.Errorf("--truncation-mode/--truncation: %w", err)
			}
			if out != "" {
				if err := fsutil.CheckReplaceable(out); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
			}
			// The refusal needs only the config: check it before loading anything.
			cfg, err := rundir.ReadConfig(run)
			if err != nil {
				return err
			}
			if err := rundir.CheckTruncation(cfg, tr); err != nil {
				return fmt.Errorf("--truncation-mode: %w", err)
			}
			tg, err := rundir.Open(run, rundir.OpenOptions{Backend: be, Log: os.Stderr})
			if err != nil {
				return err
			}
			need := sysmem.Need{What: "--n", N: n, Unit: "sample", PerItem: tg.Config.SamplingBytesPerSample(tg.Source.Shape())}
			if err := sysmem.Available().Check(need); err != nil {
				return err
			}
			gen, err := tg.Generator(!noEMA)
			if err != nil {
				return err
			}
			src := tg.Source
			x, err := gen.Run(sample.TruncatedLatents(seed, 0, n, tg.Config.Model.ZDim, tr))
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join(run, rundir.SamplesDir, fmt.Sprintf("sample-step%d-seed%d-n%d.png", tg.Step, seed, n))
			}
			if err := sample.WriteSamples(out, x, src); err != nil {
				return err
			}
			fmt.Printf("%d samples from %s (step %d) -> %s\n", n, run, tg.Step, out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&run, "run", "", "run directory written by gankit train (required)")
	fl.IntVar(&n, "n", 64, "number of samples")
	fl.Int64Var(&seed, "seed", 0, "seed for the latents")
	fl.StringVar(&out, "out", "", "PNG file to write (default: RUN/samples/sample-step<S>-seed<SEED>-n<N>.png)")
	fl.StringVar(&be, "backend", "", "backend (default: the run's)")
	fl.StringVar(&truncMode, "truncation-mode", "", "truncation: resample | clip | psi (default: none)")
	fl.Float64Var(&trunc, "truncation", 0, "truncation threshold t (resample, clip) or psi")
	fl.BoolVar(&noEMA, "no-ema", false, "sample G itself in a run that keeps G_ema")
	return cmd
}
