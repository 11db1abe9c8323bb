#!/usr/bin/python3
"""PyTorch reference for gankit's toy-mixture protocol (docs/protocols.md), to compare
training dynamics: MLP G 2->128x3->2 (ReLU), D 2->128x3->1 (LeakyReLU 0.2), z ~ N(0, I_2),
batch 256, Adam(1e-4, betas 0.5/0.999), non-saturating loss, one D step then one G
step per iteration on the same fake batch (gankit's order).

Usage: /usr/bin/python3 scripts/reference/torch_toy_gan.py ring8|grid25 STEPS [SEED]
Prints mean distance of 2,500 samples to their nearest mode, modes covered and HQ%.
"""
import math, sys, torch, torch.nn as nn

name = sys.argv[1] if len(sys.argv) > 1 else "ring8"
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
torch.manual_seed(seed)
torch.set_num_threads(2)
if name == "ring8":
    modes = torch.tensor([[math.cos(2 * math.pi * k / 8), math.sin(2 * math.pi * k / 8)] for k in range(8)])
    std = 0.01
else:
    modes = torch.tensor([[2.0 * i, 2.0 * j] for i in range(-2, 3) for j in range(-2, 3)])
    std = 0.05

def real(n):
    return modes[torch.randint(len(modes), (n,))] + std * torch.randn(n, 2)

def mlp(act):
    return nn.Sequential(nn.Linear(2, 128), act(), nn.Linear(128, 128), act(), nn.Linear(128, 128), act(), nn.Linear(128, 2 if act is nn.ReLU else 1))

G = mlp(nn.ReLU)
D = mlp(lambda: nn.LeakyReLU(0.2))
og = torch.optim.Adam(G.parameters(), 1e-4, betas=(0.5, 0.999))
od = torch.optim.Adam(D.parameters(), 1e-4, betas=(0.5, 0.999))
sp = nn.functional.softplus

def report(step):
    with torch.no_grad():
        x = G(torch.randn(2500, 2))
        d = torch.cdist(x, modes)
        near, idx = d.min(1)
        hq = near < 3 * std
        print(f"step {step:6d}  mean dist {near.mean():.3f}  modes {len(set(idx[hq].tolist()))}  HQ {100 * hq.float().mean():.1f}%", flush=True)

for step in range(1, steps + 1):
    fake = G(torch.randn(256, 2))
    od.zero_grad()
    ld = sp(-D(real(256))).mean() + sp(D(fake.detach())).mean()
    ld.backward(); od.step()
    og.zero_grad()
    lg = sp(-D(fake)).mean()
    lg.backward(); og.step()
    if step in (1, steps) or step % max(1, steps // 5) == 0:
        report(step)
