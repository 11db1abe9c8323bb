#!/usr/bin/python3
"""PyTorch side of `gankit bench`: the reference DCGAN of design.md §3 (G dense
100 -> 7x7x128 + BN + ReLU, two 2x stages 128 -> 64 -> 1 with BN + ReLU between and
tanh at the end; D conv k4 s2 64 + LeakyReLU 0.2, conv k4 s2 128 + BN + LeakyReLU,
dense 1), one D step on real + fake and one G step on the same fake batch per
iteration, Adam(2e-4, 0.5/0.999), BCE-with-logits. Prints one JSON line per
(upsampling, batch) with the median ms/iteration, and the process's peak RSS
(VmHWM: unlike ru_maxrss, it does not inherit the parent's size across fork+exec).

Usage: /usr/bin/python3 scripts/reference/torch_dcgan_bench.py THREADS BATCHES ITERS [VARIANTS]
(python3-torch from Debian; BATCHES like 16,64,128; VARIANTS like transposed,nearest,
the default).
"""
import json, statistics, sys, time, torch, torch.nn as nn

threads, batches, iters = int(sys.argv[1]), [int(b) for b in sys.argv[2].split(",")], int(sys.argv[3])
variants = sys.argv[4].split(",") if len(sys.argv) > 4 else ["transposed", "nearest"]
torch.set_num_threads(threads)
torch.manual_seed(0)

def up_block(mode, cin, cout):
    if mode == "transposed":
        return [nn.ConvTranspose2d(cin, cout, 4, 2, 1)]
    return [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout, 3, 1, 1)]

def generator(mode):
    return nn.Sequential(nn.Linear(100, 128 * 7 * 7), nn.Unflatten(1, (128, 7, 7)), nn.BatchNorm2d(128), nn.ReLU(),
                         *up_block(mode, 128, 64), nn.BatchNorm2d(64), nn.ReLU(), *up_block(mode, 64, 1), nn.Tanh())

def discriminator():
    return nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128),
                         nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(128 * 7 * 7, 1))

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
        real = torch.rand(batch, 1, 28, 28) * 2 - 1
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
        print(json.dumps({"torch": torch.__version__, "threads": threads, "upsample": mode, "batch": batch,
                          "ms_per_it": statistics.median(times) * 1e3,
                          "max_rss_mb": peak_rss_mb()}), flush=True)
