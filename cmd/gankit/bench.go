package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/bench"
	"github.com/gankit/gankit/nets"
	"github.com/spf13/cobra"
)

// benchFlags are gankit bench's flags as typed.
type benchFlags struct {
	backend, arch, batches, upsample, torchScript, torchISA string
	iters, rounds, size                                     int
	json, noTorch                                           bool
}

func benchCmd() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Time the reference DCGAN's or the r3gan preset's training iteration, next to PyTorch when it is installed",
		Long: `Time one training iteration (a D step and a G step, as in training) of a DCGAN for
each batch size and both upsampling variants (transposed conv k4s2, nearest 2x + conv k3),
or with --arch r3gan of the r3gan preset (its ResNeXt nets at CPU size, RpGAN + R1 +
R2: D's step differentiates the penalties twice). docs/protocols.md ("Speed") states
the protocol:

  --size 28 (default): the reference DCGAN of docs/protocols.md on 28x28x1 images,
    G 100 -> 7x7x128 -> 64 -> 1, D 64 -> 128 -> 1.
  --size 64: the 64x64x3 DCGAN of pytorch/examples' dcgan (about 15x the work per
    sample), G 100 -> 4x4x512 -> 256 -> 128 -> 64 -> 3 (BN + ReLU, tanh),
    D 3 -> 64 -> 128 -> 256 -> 512 -> 1 (BN from the second conv, LeakyReLU 0.2).
    gankit's nets at model.width 64, data.size 64, data.channels 3: G's first
    layer is a dense 100 -> 4*4*512 and D's last a dense 4*4*512 -> 1, the same
    products as pytorch/examples' ConvTranspose k4 s1 p0 on a 1x1 input and Conv
    k4 s1 p0 on a 4x4 one; every layer has a bias (PyTorch's side too).
  --arch r3gan: the r3gan preset on 28x28x1 images (G and D: stages at 7, 14 and 28
    of one block 64 -> 128 (3x3 in 8 groups of 16) -> 64), its model FLOPs counted
    op by op as PyTorch dispatches them, double backward included. --arch
    dcgan,r3gan times both and prints the r3gan iteration over dcgan-fmnist's.

The first line names the backend (for the cpu backend its kernel set, which
$GANKIT_CPU_KERNELS=avx512|avx2|neon|go forces, and its BLAS). Prints ms/iteration
(median), samples/s, achieved GFLOP/s of model work (counted as PyTorch does it: 3x
G's and 9x D's forward FLOPs) and its share of this machine's SGEMM peak: a 1024^3
float32 product timed on gankit's own GEMM (on the backend's kernel set) and, when
PyTorch runs, on torch.mm (its BLAS: OpenBLAS on Debian), the faster being the
peak. When /usr/bin/python3 has torch (apt-get install python3-torch), the same
model runs in PyTorch in the same invocation, with the same thread count, and the
speedup is printed; the PyTorch script is built into gankit, so this works from any
directory. Each round times every configuration in gankit and then at once in
PyTorch; times are medians over rounds (with the range), and the speedup is the
median over rounds of the back-to-back ratios, so that a machine whose speed drifts
(a shared virtual machine) weighs on both alike. When gankit runs a smaller kernel
set than the CPU has (GANKIT_CPU_KERNELS=avx2 on an AVX-512 CPU), PyTorch is kept
to the same instruction set (--torch-isa match, the default), so that the figures
stand for a machine that has only that set; --torch-isa native lets PyTorch use
everything.`,
		Example: `  gankit bench
  gankit bench --batches 64 --iters 20 --json
  gankit bench --batches 64 --upsample nearest --no-torch
  gankit bench --size 64 --batches 16,64 --iters 5
  gankit bench --arch dcgan,r3gan --batches 16,64
  GANKIT_CPU_KERNELS=avx2 gankit bench --batches 64`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			o, err := f.options()
			if err != nil {
				return err
			}
			var log io.Writer = os.Stdout
			if f.json {
				log = io.Discard
			}
			rep, err := bench.Run(o, log)
			if err != nil {
				return err
			}
			if f.json {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			return rep.WriteText(os.Stdout)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.backend, "backend", "", "backend to time (default $GOMLX_BACKEND, else cpu)")
	fl.StringVar(&f.arch, "arch", nets.ArchDCGAN, "models to time: dcgan, r3gan, or both as dcgan,r3gan")
	fl.IntVar(&f.size, "size", 28, "image size: 28 (the 28x28x1 reference DCGAN) or 64 (the 64x64x3 DCGAN of pytorch/examples)")
	fl.StringVar(&f.batches, "batches", "16,64,128", "batch sizes")
	fl.StringVar(&f.upsample, "upsample", nets.UpTransposed+","+nets.UpNearest, "upsampling variants to time")
	fl.IntVar(&f.iters, "iters", 10, "timed iterations per configuration (after 3 warm-up ones)")
	fl.IntVar(&f.rounds, "rounds", 3, "rounds, each timing every configuration in gankit and then, back to back, in PyTorch")
	fl.BoolVar(&f.json, "json", false, "print one JSON document")
	fl.BoolVar(&f.noTorch, "no-torch", false, "skip the PyTorch reference")
	fl.StringVar(&f.torchISA, "torch-isa", bench.ISAMatch, "match: when gankit runs a smaller kernel set than the CPU has (GANKIT_CPU_KERNELS=avx2 on AVX-512), keep PyTorch to it too; native: let PyTorch use everything")
	fl.StringVar(&f.torchScript, "torch-script", "", "a PyTorch reference script to run instead of the one built into gankit (bench/torch_dcgan_bench.py)")
	return cmd
}

// options checks the flags, each error naming its flag, and opens the backend.
func (f benchFlags) options() (bench.Options, error) {
	o := bench.Options{Iters: f.iters, Rounds: f.rounds, Torch: !f.noTorch, TorchISA: f.torchISA, TorchScript: f.torchScript}
	if f.rounds < 1 || f.iters < 1 {
		return o, fmt.Errorf("--rounds %d and --iters %d: both must be at least 1", f.rounds, f.iters)
	}
	for _, a := range strings.Split(f.arch, ",") {
		a = strings.TrimSpace(a)
		if a != nets.ArchDCGAN && a != nets.ArchR3GAN {
			return o, fmt.Errorf("--arch: %q is not %s or %s", a, nets.ArchDCGAN, nets.ArchR3GAN)
		}
		m, err := bench.ModelFor(a, f.size)
		if err != nil {
			return o, fmt.Errorf("--size: %w", err)
		}
		o.Models = append(o.Models, m)
	}
	for _, s := range strings.Split(f.batches, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return o, fmt.Errorf("--batches: %q is not a list of positive sizes", f.batches)
		}
		for _, m := range o.Models {
			if err := m.CheckBatch(n); err != nil {
				return o, fmt.Errorf("--batches: %w", err)
			}
		}
		o.Batches = append(o.Batches, n)
	}
	var err error
	for _, u := range strings.Split(f.upsample, ",") {
		u = strings.TrimSpace(u)
		if err := bench.CheckUpsample(u); err != nil {
			return o, fmt.Errorf("--upsample: %w", err)
		}
		o.Upsample = append(o.Upsample, u)
	}
	if err := bench.CheckTorchISA(f.torchISA); err != nil {
		return o, fmt.Errorf("--torch-isa: %w", err)
	}
	if o.Backend, err = backend.New(backend.Resolve(f.backend)); err != nil {
		return o, err
	}
	return o, nil
}
