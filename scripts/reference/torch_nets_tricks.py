#!/usr/bin/python3
"""Golden values for nets.TestTricksMatchPyTorch, in float64: PGGAN's minibatch stddev
layer (networks.py minibatch_stddev_layer, written here in PyTorch, NCHW), improved-gan's
minibatch discrimination layer (nn.py MinibatchLayer, no data-dependent init), PGGAN's
pixel norm, torch.nn.utils.spectral_norm after three forward passes from a given u, and
torch.nn.functional.pixel_shuffle. Tensors are stored channels-last (NHWC), as gankit
holds them; conv weights as [kh, kw, in, out].

Writes nets/testdata/tricks_torch.json.
Usage: /usr/bin/python3 scripts/reference/torch_nets_tricks.py   (python3-torch 1.13, Debian)
"""
import json, os, torch
import torch.nn.functional as F

torch.manual_seed(3)
dt = torch.float64
nhwc = lambda t: t.permute(0, 2, 3, 1).contiguous()
out = {}

# Minibatch stddev, group 4, on [8, C=2, 3, 3].
x = torch.randn(8, 2, 3, 3, dtype=dt)
G = 4
y = x.reshape(G, -1, 2, 3, 3)
y = y - y.mean(0, keepdim=True)
y = (y ** 2).mean(0)
y = torch.sqrt(y + 1e-8)
y = y.mean(dim=[1, 2, 3]).reshape(-1, 1, 1, 1)
y = y.repeat(G, 1, 3, 3)
out["mbstd"] = {"group": G, "x": nhwc(x).tolist(), "y": nhwc(torch.cat([x, y], 1)).tolist()}

# Minibatch discrimination on f [5, 6], B = 4, C = 3.
f = torch.randn(5, 6, dtype=dt)
theta = torch.randn(6, 4, 3, dtype=dt) * 0.05
lws = torch.randn(4, 3, dtype=dt) * 0.3
b = torch.randn(4, dtype=dt) * 0.5 - 1
W = theta * (torch.exp(lws) / torch.sqrt((theta ** 2).sum(0)))[None]
act = torch.tensordot(f, W, dims=([1], [0]))  # [5, 4, 3]
abs_dif = (act[:, :, :, None] - act.permute(1, 2, 0)[None]).abs().sum(2) + 1e6 * torch.eye(5, dtype=dt)[:, None, :]
o = torch.exp(-abs_dif).sum(2) + b[None]
out["mbdisc"] = {"f": f.tolist(), "theta": theta.tolist(), "log_weight_scale": lws.tolist(), "bias": b.tolist(),
                 "y": torch.cat([f, o], 1).tolist()}

# Pixel norm over channels.
x = torch.randn(2, 5, 2, 2, dtype=dt) * 3
pn = x * torch.rsqrt((x ** 2).mean(dim=1, keepdim=True) + 1e-8)
out["pixel_norm"] = {"x": nhwc(x).tolist(), "y": nhwc(pn).tolist()}

# Spectral norm: three training-mode forwards from u0.
conv = torch.nn.Conv2d(3, 4, 2).double()
w0 = conv.weight.detach().clone()
conv = torch.nn.utils.spectral_norm(conv)
u0 = F.normalize(torch.randn(4, dtype=dt), dim=0)
conv.weight_u.data.copy_(u0)
conv.train()
for _ in range(3):
    conv(torch.zeros(1, 3, 2, 2, dtype=dt))
out["spectral_norm"] = {"steps": 3, "w": w0.permute(2, 3, 1, 0).tolist(), "u0": u0.tolist(),
                        "u": conv.weight_u.tolist(), "w_sn": conv.weight.detach().permute(2, 3, 1, 0).tolist(),
                        "sigma_exact": torch.linalg.matrix_norm(w0.reshape(4, -1), ord=2).item()}

# Pixel shuffle, factor 2: [1, 8, 2, 2] -> [1, 2, 4, 4].
x = torch.arange(32, dtype=dt).reshape(1, 8, 2, 2)
out["pixel_shuffle"] = {"x": nhwc(x).tolist(), "y": nhwc(F.pixel_shuffle(x, 2)).tolist()}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "nets", "testdata", "tricks_torch.json")
with open(path, "w") as fh:
    json.dump(out, fh, indent=1)
print("wrote", os.path.normpath(path))
