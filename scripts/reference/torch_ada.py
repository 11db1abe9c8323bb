#!/usr/bin/python3
"""Golden values for augment.TestPipelineMatchesPyTorch: StyleGAN2-ADA's "bgc"
transforms (Karras et al. 2020; NVlabs/stylegan2-ada-pytorch training/augment.py),
with each image's transform parameters given instead of drawn, on fixed 3x8x8 and
1x8x8 images. The matrices are built from the published definitions: the inverse
warp G_inv composed on the right in the pipeline's order (x-flip, 90-degree turns,
integer shift, isotropic scale, rotation, anisotropic scale, rotation, fractional
shift), the colour matrix C composed on the left (brightness, contrast, luma flip,
hue, saturation). The warp is executed as augment.py does it — reflection padding,
then torch's affine_grid + grid_sample (bilinear, zeros beyond the pad,
align_corners=False) — except for its 2x supersampling with the sym6 filter, which
gankit leaves out (docs/definitions.md): the pad is size-1 on every side and the
sampling is at the image's own resolution. Stored channels-last (NHWC).

Writes augment/testdata/ada_torch.json.
Usage: /usr/bin/python3 scripts/reference/torch_ada.py   (python3-torch 1.13, Debian)
"""
import json, math, os, torch
import torch.nn.functional as F

dt = torch.float64


def m3(rows):
    return torch.tensor(rows, dtype=dt)


def translate2d(tx, ty): return m3([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
def scale2d(sx, sy): return m3([[sx, 0, 0], [0, sy, 0], [0, 0, 1]])
def rotate2d(t): return m3([[math.cos(t), -math.sin(t), 0], [math.sin(t), math.cos(t), 0], [0, 0, 1]])


def warp_matrix(p):
    g = torch.eye(3, dtype=dt)
    g = g @ scale2d(1 / (1 - 2 * p["flip"]), 1)          # x-flip
    g = g @ rotate2d(math.pi / 2 * p["turns"])            # rotate2d_inv(-pi/2 * i)
    g = g @ translate2d(-p["shift"][0], -p["shift"][1])   # translate2d_inv(round(t*W), ...)
    g = g @ scale2d(1 / p["scale"], 1 / p["scale"])       # scale2d_inv(s, s)
    g = g @ rotate2d(p["rot1"])                           # rotate2d_inv(-theta)
    g = g @ scale2d(1 / p["aniso"], p["aniso"])           # scale2d_inv(s, 1/s)
    g = g @ rotate2d(p["rot2"])
    g = g @ translate2d(-p["frac"][0], -p["frac"][1])     # translate2d_inv(t*W, t*H)
    return g


def color_matrix(p):
    v = torch.tensor([1, 1, 1, 0], dtype=dt) / math.sqrt(3)
    vv = torch.outer(v, v)
    eye = torch.eye(4, dtype=dt)
    b = p["brightness"]
    c = torch.tensor([[1, 0, 0, b], [0, 1, 0, b], [0, 0, 1, b], [0, 0, 0, 1]], dtype=dt)
    s = p["contrast"]
    c = torch.diag(torch.tensor([s, s, s, 1], dtype=dt)) @ c
    c = (eye - 2 * vv * p["lumaflip"]) @ c
    t = p["hue"]
    sn, cs = math.sin(t), math.cos(t)
    cc = 1 - cs
    x, y, z = v[0].item(), v[1].item(), v[2].item()
    rot = torch.tensor([[x*x*cc+cs, x*y*cc-z*sn, x*z*cc+y*sn, 0],
                        [y*x*cc+z*sn, y*y*cc+cs, y*z*cc-x*sn, 0],
                        [z*x*cc-y*sn, z*y*cc+x*sn, z*z*cc+cs, 0],
                        [0, 0, 0, 1]], dtype=dt)
    c = rot @ c
    c = (vv + (eye - vv) * p["saturation"]) @ c
    return c


def warp(img, g):
    """img [C, H, W]; g maps output pixel to input, centred pixel units."""
    C, H, W = img.shape
    m = W - 1
    pad = F.pad(img[None], [m, m, m, m], mode="reflect")
    Hp, Wp = pad.shape[2], pad.shape[3]
    theta = scale2d(2 / Wp, 2 / Hp) @ g @ scale2d(W / 2, H / 2)
    grid = F.affine_grid(theta[None, :2, :], [1, C, H, W], align_corners=False)
    return F.grid_sample(pad, grid, mode="bilinear", padding_mode="zeros", align_corners=False)[0]


def color(img, c):
    C, H, W = img.shape
    flat = img.reshape(C, H * W)
    if C == 3:
        out = c[:3, :3] @ flat + c[:3, 3:]
    else:
        g = c[:3, :].mean(dim=0)
        out = flat * g[:3].sum() + g[3]
    return out.reshape(C, H, W)


identity = dict(flip=0, turns=0, shift=[0, 0], scale=1.0, rot1=0.0, aniso=1.0, rot2=0.0, frac=[0.0, 0.0],
                brightness=0.0, contrast=1.0, lumaflip=0, hue=0.0, saturation=1.0)
cases = [
    dict(identity),
    dict(identity, flip=1),
    dict(identity, turns=1),
    dict(identity, turns=3, shift=[2, -1]),
    dict(identity, scale=1.3, rot1=0.4),
    dict(identity, aniso=0.8, rot2=-1.1, frac=[0.7, -0.3]),
    dict(identity, flip=1, turns=2, shift=[-1, 3], scale=0.85, rot1=2.5, aniso=1.25, rot2=0.3, frac=[-0.4, 1.6]),
    dict(identity, brightness=0.3, contrast=1.7),
    dict(identity, lumaflip=1, hue=1.2, saturation=0.4),
    dict(identity, turns=1, frac=[0.25, 0.5], brightness=-0.2, contrast=0.6, lumaflip=1, hue=-2.0, saturation=2.5),
]

def rounded(v):
    """Nested lists of floats to 9 decimals: far below the float32 the test compares."""
    if isinstance(v, list):
        return [rounded(e) for e in v]
    return round(v, 9)


torch.manual_seed(5)
out = {"cases": []}
for channels in (3, 1):
    x = torch.rand(len(cases), channels, 8, 8, dtype=dt) * 2 - 1
    for k, p in enumerate(cases):
        g, c = warp_matrix(p), color_matrix(p)
        w = warp(x[k], g)
        y = color(w, c)
        out["cases"].append({
            "channels": channels, "params": p,
            "image": rounded(x[k].permute(1, 2, 0).tolist()),
            "warp_matrix": rounded(g.tolist()), "color_matrix": rounded(c.tolist()),
            "warped": rounded(w.permute(1, 2, 0).tolist()), "out": rounded(y.permute(1, 2, 0).tolist()),
        })

path = os.path.join(os.path.dirname(__file__), "..", "..", "augment", "testdata", "ada_torch.json")
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", os.path.normpath(path), len(out["cases"]), "cases")
