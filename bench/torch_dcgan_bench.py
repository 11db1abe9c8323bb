#!/usr/bin/python3
"""PyTorch side of `gankit bench`: one D step on real + fake and one G step on the same
fake batch per iteration, Adam(2e-4, 0.5/0.999), BCE-with-logits, for the model
--size picks:

--size 28 (default): the reference DCGAN of docs/protocols.md (G dense 100 -> 7x7x128 + BN
  + ReLU, two 2x stages 128 -> 64 -> 1 with BN + ReLU between and tanh at the end;
  D conv k4 s2 64 + LeakyReLU 0.2, conv k4 s2 128 + BN + LeakyReLU, dense 1).
--size 64: the 64x64x3 DCGAN of pytorch/examples' dcgan (G ConvTranspose 100 -> 512
  k4 s1 p0 + BN + ReLU, then k4 s2 p1 stages 512 -> 256 -> 128 -> 64 with BN + ReLU
  and 64 -> 3 with tanh; D conv k4 s2 p1 3 -> 64 + LeakyReLU 0.2, 64 -> 128 -> 256
  -> 512 with BN + LeakyReLU, conv 512 -> 1 k4 s1 p0). As in gankit's nets (and
  unlike pytorch/examples, which sets bias=False) every layer has a bias.

The nearest variant replaces each k4 s2 p1 transposed convolution by nearest 2x
upsampling and a k3 p1 convolution. Prints one JSON line per (upsampling, batch)
with the median ms/iteration, and the process's peak RSS (VmHWM: unlike ru_maxrss,
it does not inherit the parent's size across fork+exec).

With --sgemm it instead times torch.mm on a 1024^3 float32 product (its BLAS:
OpenBLAS on Debian) and prints {"sgemm_gflops": best GFLOP/s over about 0.4 s}: the
other candidate for the SGEMM peak gankit bench quotes.

Usage: /usr/bin/python3 bench/torch_dcgan_bench.py [--size 28|64] THREADS BATCHES ITERS [VARIANTS]
       /usr/bin/python3 bench/torch_dcgan_bench.py --sgemm THREADS 0 0
(python3-torch from Debian; BATCHES like 16,64,128; VARIANTS like transposed,nearest,
the default). scripts/reference/torch_dcgan_bench.py is a link to this file. The
gankit binary carries a copy (package bench embeds it) and feeds it to python3 on
stdin, so `gankit bench` needs no checkout.
"""
import argparse, json, statistics, time, torch, torch.nn as nn

ap = argparse.ArgumentParser(description="PyTorch side of gankit bench")
ap.add_argument("--size", type=int, default=28, choices=[28, 64], help="28 (28x28x1 reference DCGAN) or 64 (64x64x3 DCGAN)")
ap.add_argument("--sgemm", action="store_true", help="time torch.mm on 1024^3 float32 instead")
ap.add_argument("threads", type=int)
ap.add_argument("batches")
ap.add_argument("iters", type=int)
ap.add_argument("variants", nargs="?", default="transposed,nearest")
args = ap.parse_args()
threads, iters, size = args.threads, args.iters, args.size
batches = [int(b) for b in args.batches.split(",")]
variants = args.variants.split(",")
channels = 1 if size == 28 else 3
torch.set_num_threads(threads)
torch.manual_seed(0)

if args.sgemm:
    n = 1024
    a, b = torch.rand(n, n), torch.rand(n, n)
    torch.mm(a, b)
    best, deadline = 0.0, time.perf_counter() + 0.4
    while True:
        t0 = time.perf_counter()
        torch.mm(a, b)
        best = max(best, 2 * n ** 3 / (time.perf_counter() - t0) / 1e9)
        if time.perf_counter() > deadline:
            break
    print(json.dumps({"sgemm_gflops": best, "torch": torch.__version__}))
    raise SystemExit(0)

def up_block(mode, cin, cout):
    if mode == "transposed":
        return [nn.ConvTranspose2d(cin, cout, 4, 2, 1)]
    return [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout, 3, 1, 1)]

def generator(mode):
    if size == 28:
        return nn.Sequential(nn.Linear(100, 128 * 7 * 7), nn.Unflatten(1, (128, 7, 7)), nn.BatchNorm2d(128), nn.ReLU(),
                             *up_block(mode, 128, 64), nn.BatchNorm2d(64), nn.ReLU(), *up_block(mode, 64, 1), nn.Tanh())
    layers = [nn.Unflatten(1, (100, 1, 1)), nn.ConvTranspose2d(100, 512, 4, 1, 0), nn.BatchNorm2d(512), nn.ReLU()]
    for cin, cout in [(512, 256), (256, 128), (128, 64)]:
        layers += [*up_block(mode, cin, cout), nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(*layers, *up_block(mode, 64, 3), nn.Tanh())

def discriminator():
    if size == 28:
        return nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128),
                             nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
    layers = [nn.Conv2d(3, 64, 4, 2, 1), nn.LeakyReLU(0.2)]
    for cin, cout in [(64, 128), (128, 256), (256, 512)]:
        layers += [nn.Conv2d(cin, cout, 4, 2, 1), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers, nn.Conv2d(512, 1, 4, 1, 0), nn.Flatten())

def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0

bce = nn.BCEWithLogitsLoss()
for mode in variants:
    for batch in batches:
        g, d = generator(mode), discriminator()
        og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
        od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
        real = torch.rand(batch, channels, size, size) * 2 - 1
        one, zero = torch.ones(batch, 1), torch.zeros(batch, 1)

        def iteration():
            fake = g(torch.randn(batch, 100))
            od.zero_grad()
            (bce(d(real), one) + bce(d(fake.detach()), zero)).backward()
            od.step()
            og.zero_grad()
            bce(d(fake), one).backward()
            og.step()

        for _ in range(3):
            iteration()
        times = []
        for _ in range(iters):
            t0 = time.perf_counter()
            iteration()
            times.append(time.perf_counter() - t0)
        print(json.dumps({"torch": torch.__version__, "threads": threads, "size": size, "upsample": mode, "batch": batch,
                          "ms_per_it": statistics.median(times) * 1e3,
                          "max_rss_mb": peak_rss_mb()}), flush=True)
