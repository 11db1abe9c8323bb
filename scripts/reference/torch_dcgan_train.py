#!/usr/bin/python3
"""The PyTorch peer of gankit's dcgan-fmnist preset, for docs/results.md: the same
DCGAN (docs/protocols.md shapes, transposed convolutions, BatchNorm in G and in D's second
conv, LeakyReLU 0.2, N(0, 0.02) weights), the same data (Fashion-MNIST training split
scaled to [-1, 1], batch 64), non-saturating loss, Adam(2e-4, 0.5/0.999), one D step and
one G step on the same fake batch per iteration. After STEPS iterations it writes N
samples from G in eval mode (BatchNorm running statistics) as 28x28 grayscale PNGs into
OUT, for `gankit eval --images OUT --real /usr/share/datasets/fashion-mnist`.

Usage: /usr/bin/python3 scripts/reference/torch_dcgan_train.py DATA_DIR OUT [STEPS] [SEED] [N]
(python3-torch from Debian; DATA_DIR holds train-images-idx3-ubyte.gz)
"""
import gzip, os, struct, sys, time, zlib
import numpy as np
import torch, torch.nn as nn

data_dir, out = sys.argv[1], sys.argv[2]
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
n_out = int(sys.argv[5]) if len(sys.argv) > 5 else 10000
torch.set_num_threads(os.cpu_count())
torch.manual_seed(seed)
rng = np.random.default_rng(seed)

with gzip.open(os.path.join(data_dir, "train-images-idx3-ubyte.gz")) as f:
    raw = f.read()
n, h, w = struct.unpack(">III", raw[4:16])
images = np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, h, w).astype(np.float32) / 127.5 - 1

def init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(m.weight, 0, 0.02)
        nn.init.zeros_(m.bias)

g = nn.Sequential(nn.Linear(100, 128 * 7 * 7), nn.Unflatten(1, (128, 7, 7)), nn.BatchNorm2d(128), nn.ReLU(),
                  nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                  nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
d = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128),
                  nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
g.apply(init)
d.apply(init)
og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
batch = 64
one, zero = torch.ones(batch, 1), torch.zeros(batch, 1)
perm, pos = rng.permutation(n), 0
t0 = time.time()
for step in range(steps):
    if pos + batch > n:
        perm, pos = rng.permutation(n), 0
    real = torch.from_numpy(images[perm[pos:pos + batch]])
    pos += batch
    fake = g(torch.randn(batch, 100))
    od.zero_grad()
    (bce(d(real), one) + bce(d(fake.detach()), zero)).backward()
    od.step()
    og.zero_grad()
    bce(d(fake), one).backward()
    og.step()
secs = time.time() - t0

def write_png(path, img):  # 8-bit grayscale, no dependencies
    rows = b"".join(b"\x00" + bytes(r) for r in img)
    chunk = lambda t, b: struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", img.shape[1], img.shape[0], 8, 0, 0, 0, 0))
    with open(path, "wb") as f:
        f.write(png + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))

os.makedirs(out, exist_ok=True)
g.eval()
with torch.no_grad():
    k = 0
    while k < n_out:
        x = g(torch.randn(min(500, n_out - k), 100)).numpy()
        for img in x:
            write_png(os.path.join(out, f"{k:05d}.png"), np.clip(np.rint((img[0] + 1) * 127.5), 0, 255).astype(np.uint8))
            k += 1
print(f"trained {steps} iterations in {secs:.0f} s ({1000 * secs / steps:.0f} ms/it, torch {torch.__version__}); wrote {n_out} samples to {out}")
