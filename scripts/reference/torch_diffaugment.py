#!/usr/bin/python3
"""Golden values for data.TestDiffAugmentMatchesPyTorch: DiffAugment-pytorch's
rand_brightness, rand_saturation, rand_contrast, rand_translation and rand_cutout
(Zhao et al. 2020, policy "color,translation,cutout"), written out with their random
draws given instead of drawn, on fixed 3x8x8 images. Stored channels-last (NHWC).

Writes data/testdata/diffaugment_torch.json.
Usage: /usr/bin/python3 scripts/reference/torch_diffaugment.py   (python3-torch 1.13, Debian)
"""
import json, os, torch
import torch.nn.functional as F

torch.manual_seed(11)
dt = torch.float64
N, C, H, W = 3, 3, 8, 8
x = torch.randn(N, C, H, W, dtype=dt)
bright = torch.rand(N, dtype=dt) - 0.5
sat = torch.rand(N, dtype=dt) * 2
con = torch.rand(N, dtype=dt) + 0.5
shift = int(H * 0.125 + 0.5)
tx = torch.randint(-shift, shift + 1, (N,))
ty = torch.randint(-shift, shift + 1, (N,))
side = int(H * 0.5 + 0.5)
ox = torch.randint(0, H + (1 - side % 2), (N,))
oy = torch.randint(0, W + (1 - side % 2), (N,))

y = x + bright.view(N, 1, 1, 1)
m = y.mean(dim=1, keepdim=True)
y = (y - m) * sat.view(N, 1, 1, 1) + m
m = y.mean(dim=[1, 2, 3], keepdim=True)
y = (y - m) * con.view(N, 1, 1, 1) + m
color = y.clone()

gb, gx, gy = torch.meshgrid(torch.arange(N), torch.arange(H), torch.arange(W), indexing="ij")
gx = torch.clamp(gx + tx.view(N, 1, 1) + 1, 0, H + 1)
gy = torch.clamp(gy + ty.view(N, 1, 1) + 1, 0, W + 1)
pad = F.pad(y, [1, 1, 1, 1, 0, 0, 0, 0])
y = pad.permute(0, 2, 3, 1).contiguous()[gb, gx, gy].permute(0, 3, 1, 2)
translated = y.clone()

gb, gx, gy = torch.meshgrid(torch.arange(N), torch.arange(side), torch.arange(side), indexing="ij")
gx = torch.clamp(gx + ox.view(N, 1, 1) - side // 2, min=0, max=H - 1)
gy = torch.clamp(gy + oy.view(N, 1, 1) - side // 2, min=0, max=W - 1)
mask = torch.ones(N, H, W, dtype=dt)
mask[gb, gx, gy] = 0
y = y * mask.unsqueeze(1)

nhwc = lambda t: t.permute(0, 2, 3, 1).tolist()
out = {"x": nhwc(x), "brightness": bright.tolist(), "saturation": sat.tolist(), "contrast": con.tolist(),
       "shift_x": tx.tolist(), "shift_y": ty.tolist(), "cut_x": ox.tolist(), "cut_y": oy.tolist(),
       "color": nhwc(color), "color_translation": nhwc(translated), "all": nhwc(y)}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "testdata", "diffaugment_torch.json")
with open(path, "w") as fh:
    json.dump(out, fh, indent=1)
print("wrote", os.path.normpath(path))
