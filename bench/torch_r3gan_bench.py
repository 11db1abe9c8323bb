#!/usr/bin/python3
"""PyTorch side of `gankit bench --arch r3gan`: the r3gan preset's training iteration,
written from R3GAN's definitions (Huang et al., NeurIPS 2024; brownvc/R3GAN's
Networks.py, Resamplers.py and Trainer.py) at the preset's sizes, as gankit's
nets/r3gan.go builds them:

- G: z (64) -> a bias-free linear map to one scale per channel of a learned 7x7x64
  basis (4x4 for 32x32 data); stages at 7, 14 and 28 (4, 8, 16, 32), each after the
  first entered through the [1,3,3,1] interpolative 2x upsampler; one residual block
  a stage; a bias-free 1x1 conv to the image (no tanh).
- D: a bias-free 1x1 conv from the image to 64 channels; stages of one residual block,
  each but the last left through the [1,3,3,1] 2x downsampler; a learned depthwise
  7x7 (4x4) basis summed over the map, and a bias-free linear map to the logit.
- A residual block: x + conv1x1(act(gconv3x3(act(conv1x1(x))))), expanding 64 -> 128
  channels, the 3x3 conv in 8 groups of 16; every conv bias-free, each act a learned
  bias then leaky ReLU 0.2; fix-up init (last conv zero, the others MSR-scaled by
  L^-1/4).

One iteration, as gankit's step runs it: fake = G(z); D's step on a real batch and
the detached fake with RpGAN (softplus(D(fake) - D(real)), mean) + R1 + R2 at gamma
0.05 each ((gamma/2) mean_i sum (dD/dx)^2, on reals and on the detached fakes, by
autograd.grad with create_graph=True on the logits the loss used); Adam (lr 2e-4,
betas 0 / 0.9, eps 1e-8) on D; then G's step on the updated D's logits of the same
fake batch and of a second real batch (RpGAN's G side: softplus(D(real) - D(fake))),
D's weights not differentiated; Adam on G; G's EMA (a lerp of every G weight).
The resamplers and the bases are written with slices, pads and products, as
gankit's are, so that the only convolutions and matrix products are the layers'.

Prints one JSON line per batch with the median ms/iteration and the process's peak
RSS. With --count-flops it instead runs one iteration per batch under a
TorchDispatchMode that adds up the FLOPs (2 per multiply-add) of every convolution,
convolution backward (dgrad and wgrad as its output mask asks) and matrix product
PyTorch dispatches, the penalties' double backward included, and prints
{"batch": N, "flops": F}: the count gankit's nets.Config.IterationFLOPs must match.

Usage: /usr/bin/python3 bench/torch_r3gan_bench.py [--size 28|32] [--count-flops] THREADS BATCHES ITERS
(python3-torch from Debian). The gankit binary carries a copy (package bench embeds
it) and feeds it to python3 on stdin.
"""
import argparse, copy, json, math, statistics, time, torch, torch.nn as nn, torch.nn.functional as F

ap = argparse.ArgumentParser(description="PyTorch side of gankit bench --arch r3gan")
ap.add_argument("--size", type=int, default=28, choices=[28, 32])
ap.add_argument("--count-flops", action="store_true", help="count one iteration's FLOPs instead of timing")
ap.add_argument("threads", type=int)
ap.add_argument("batches")
ap.add_argument("iters", type=int)
args = ap.parse_args()
threads, iters, size = args.threads, args.iters, args.size
batches = [int(b) for b in args.batches.split(",")]
torch.set_num_threads(threads)
torch.manual_seed(0)

Z, WIDTH, GROUPS, EXPANSION, CHANNELS = 64, 64, 8, 2, 1
BASE, STAGES = (7, 3) if size == 28 else (4, 4)
GAIN = math.sqrt(2 / (1 + 0.2 ** 2))
GAMMA = 0.05


def msr_conv(cin, cout, k, groups, gain):
    c = nn.Conv2d(cin, cout, k, padding=(k - 1) // 2, groups=groups, bias=False)
    fan_in = cin // groups * k * k
    nn.init.normal_(c.weight, 0, gain / math.sqrt(fan_in)) if gain else nn.init.zeros_(c.weight)
    return c


class BiasedActivation(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(c))

    def forward(self, x):
        return F.leaky_relu(x + self.bias.view(1, -1, 1, 1), 0.2)


class Block(nn.Module):
    def __init__(self, c, total):
        super().__init__()
        e, gain = c * EXPANSION, GAIN * total ** -0.25
        self.c1, self.a1 = msr_conv(c, e, 1, 1, gain), BiasedActivation(e)
        self.c2, self.a2 = msr_conv(e, e, 3, GROUPS, gain), BiasedActivation(e)
        self.c3 = msr_conv(e, c, 1, 1, 0)

    def forward(self, x):
        return x + self.c3(self.a2(self.c2(self.a1(self.c1(x)))))


def shift(v, axis, by):
    """v moved one step along axis (+1: v[i-1] at i, -1: v[i+1] at i), zeros coming in."""
    m = v.shape[axis]
    if by > 0:
        return F.pad(v.narrow(axis, 0, m - 1), pad_for(v, axis, 1, 0))
    return F.pad(v.narrow(axis, 1, m - 1), pad_for(v, axis, 0, 1))


def pad_for(v, axis, before, after):
    pads = [0] * (2 * v.dim())
    i = 2 * (v.dim() - 1 - axis)
    pads[i], pads[i + 1] = before, after
    return pads


def resample_axis(x, axis, up):
    """[1,3,3,1] interpolative 2x up or down along axis, zero padding."""
    if up:
        even = shift(x, axis, 1) * 0.25 + x * 0.75
        odd = x * 0.75 + shift(x, axis, -1) * 0.25
        s = list(x.shape)
        s[axis] *= 2
        return torch.stack([even, odd], axis + 1).reshape(s)
    every_other = lambda start: x[(slice(None),) * axis + (slice(start, None, 2),)]
    even, odd = every_other(0), every_other(1)
    return (shift(odd, axis, 1) + shift(even, axis, -1) + 3 * (even + odd)) / 8


def up2(x):
    return resample_axis(resample_axis(x, 2, True), 3, True)


def down2(x):
    return resample_axis(resample_axis(x, 2, False), 3, False)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        total = STAGES
        self.basis = nn.Parameter(torch.randn(1, WIDTH, BASE, BASE))
        self.scale = nn.Linear(Z, WIDTH, bias=False)
        nn.init.normal_(self.scale.weight, 0, 1 / math.sqrt(Z))
        self.blocks = nn.ModuleList(Block(WIDTH, total) for _ in range(STAGES))
        self.aggregate = msr_conv(WIDTH, CHANNELS, 1, 1, 1)

    def forward(self, z):
        x = self.basis * self.scale(z).view(-1, WIDTH, 1, 1)
        for i, b in enumerate(self.blocks):
            x = b(up2(x) if i else x)
        return self.aggregate(x)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        total = STAGES
        self.extract = msr_conv(CHANNELS, WIDTH, 1, 1, 1)
        self.blocks = nn.ModuleList(Block(WIDTH, total) for _ in range(STAGES))
        self.basis = nn.Parameter(torch.randn(1, WIDTH, BASE, BASE) / BASE)
        self.linear = nn.Linear(WIDTH, 1, bias=False)
        nn.init.normal_(self.linear.weight, 0, 1 / math.sqrt(WIDTH))

    def forward(self, x):
        x = self.extract(x)
        for i, b in enumerate(self.blocks):
            x = b(x)
            if i < STAGES - 1:
                x = down2(x)
        return self.linear((x * self.basis).sum((2, 3))).view(-1)


def penalty(logits, x):
    """(gamma/2) mean_i sum (dD(x_i)/dx_i)^2, differentiable (R1 on reals, R2 on fakes)."""
    g, = torch.autograd.grad(logits.sum(), x, create_graph=True)
    return GAMMA / 2 * g.square().sum((1, 2, 3)).mean()


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def make(batch):
    g, d = Generator(), Discriminator()
    ema = copy.deepcopy(g).requires_grad_(False)
    og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0, 0.9), eps=1e-8)
    od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0, 0.9), eps=1e-8)
    real = torch.rand(batch, CHANNELS, size, size) * 2 - 1
    real_g = torch.rand(batch, CHANNELS, size, size) * 2 - 1

    def iteration():
        fake = g(torch.randn(batch, Z))
        # D's step: RpGAN + R1 + R2 on the logits the loss uses.
        d.requires_grad_(True)
        xr, xf = real.detach().requires_grad_(True), fake.detach().requires_grad_(True)
        lr_, lf = d(xr), d(xf)
        loss_d = F.softplus(lf - lr_).mean() + penalty(lr_, xr) + penalty(lf, xf)
        od.zero_grad(set_to_none=True)
        loss_d.backward()
        od.step()
        # G's step on the updated D, D's weights left alone.
        d.requires_grad_(False)
        loss_g = F.softplus(d(real_g) - d(fake)).mean()
        og.zero_grad(set_to_none=True)
        loss_g.backward()
        og.step()
        with torch.no_grad():
            for pe, p in zip(ema.parameters(), g.parameters()):
                pe.lerp_(p, 1 - 0.999)

    return iteration


if args.count_flops:
    from torch.utils._python_dispatch import TorchDispatchMode

    def conv_macs(x_shape, w_shape, pixels_shape):
        # every element of the output (the input for a transposed conv, whose weight
        # is [cin, cout/groups, k, k]): w_shape[1] * k * k multiply-adds
        return math.prod(pixels_shape) * math.prod(w_shape[1:])

    class Counter(TorchDispatchMode):
        flops = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            name = func.overloadpacket.__name__
            if name in ("convolution", "_convolution"):
                transposed = args[6]
                self.flops += 2 * conv_macs(args[0].shape, args[1].shape, args[0].shape if transposed else out.shape)
            elif name == "convolution_backward":
                grad_out, x, w, transposed, mask = args[0], args[1], args[2], args[7], args[10]
                fwd = 2 * conv_macs(x.shape, w.shape, x.shape if transposed else grad_out.shape)
                self.flops += fwd * (int(mask[0]) + int(mask[1]))
            elif name in ("mm", "addmm", "bmm"):
                a, b = args[-2], args[-1]
                self.flops += 2 * math.prod(a.shape) * b.shape[-1]
            return out

    for batch in batches:
        it = make(batch)
        it()
        c = Counter()
        with c:
            it()
        print(json.dumps({"torch": torch.__version__, "size": size, "batch": batch, "flops": c.flops}), flush=True)
    raise SystemExit(0)

for batch in batches:
    it = make(batch)
    for _ in range(3):
        it()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        it()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"torch": torch.__version__, "threads": threads, "size": size, "arch": "r3gan", "upsample": "r3gan",
                      "batch": batch, "ms_per_it": statistics.median(times) * 1e3, "max_rss_mb": peak_rss_mb()}), flush=True)
