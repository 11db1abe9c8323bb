#!/usr/bin/python3
"""Golden values for metrics/inception's TestNetworkMatchesPyTorch: pytorch-fid's
FIDInceptionV3 (the network pytorch-fid computes FIDs with, pool3 features), built here
block by block from its definition, run on fixed images with synthetic weights.

The weights come from a formula that metrics/inception's test computes bit for bit the
same way in Go (synthetic() below; syntheticWeights in inception_test.go), so no 95 MB
file is committed. They reach the network the way real weights do: the state dict goes
through convert_inception.py's to_arrays and np.savez, is read back with np.load and
loaded with load_state_dict(strict=True), which refuses any name or shape this
structure does not have.

Writes metrics/inception/testdata/inception_torch.json (every array's name and shape,
and the 2048 pool3 features of each test image) and metrics/inception/testdata/stem.npz
(the converter's output for Conv2d_1a_3x3, which the Go test reads and compares with
its own formula).

Usage: /usr/bin/python3 scripts/reference/torch_inception.py   (python3-torch 1.13, Debian)
       (convert_inception.py --self-test runs it too)
"""
import json, os, sys, tempfile, zlib
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert_inception  # noqa: E402

TESTDATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "metrics", "inception", "testdata")


class BasicConv2d(nn.Module):
    """Bias-free convolution, BatchNorm (eps 0.001, running statistics), ReLU."""

    def __init__(self, cin, cout, kernel, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


def avg_pool(x):  # pytorch-fid's FID blocks leave the padding out of the average
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


class FIDInceptionA(nn.Module):
    def __init__(self, cin, pool_features):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 64, 1)
        self.branch5x5_1 = BasicConv2d(cin, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.branch_pool = BasicConv2d(cin, pool_features, 1)

    def forward(self, x):
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch1x1(x), b5, b3, self.branch_pool(avg_pool(x))], 1)


class InceptionB(nn.Module):  # Mixed_6a: torchvision's block, not replaced by pytorch-fid
    def __init__(self, cin):
        super().__init__()
        self.branch3x3 = BasicConv2d(cin, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)

    def forward(self, x):
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch3x3(x), b3, F.max_pool2d(x, 3, stride=2)], 1)


class FIDInceptionC(nn.Module):
    def __init__(self, cin, c7):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 192, 1)
        self.branch7x7_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x):
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = x
        for i in range(1, 6):
            bd = getattr(self, f"branch7x7dbl_{i}")(bd)
        return torch.cat([self.branch1x1(x), b7, bd, self.branch_pool(avg_pool(x))], 1)


class InceptionD(nn.Module):  # Mixed_7a
    def __init__(self, cin):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(cin, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(cin, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)

    def forward(self, x):
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = x
        for i in range(1, 5):
            b7 = getattr(self, f"branch7x7x3_{i}")(b7)
        return torch.cat([b3, b7, F.max_pool2d(x, 3, stride=2)], 1)


class FIDInceptionE(nn.Module):
    """FIDInceptionE_1 (average pool without the padding) or, max_pooled, FIDInceptionE_2."""

    def __init__(self, cin, max_pooled):
        super().__init__()
        self.max_pooled = max_pooled
        self.branch1x1 = BasicConv2d(cin, 320, 1)
        self.branch3x3_1 = BasicConv2d(cin, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x):
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        pooled = F.max_pool2d(x, 3, stride=1, padding=1) if self.max_pooled else avg_pool(x)
        return torch.cat([self.branch1x1(x), b3, bd, self.branch_pool(pooled)], 1)


class FIDInceptionV3(nn.Module):
    """pytorch-fid's network up to pool3 (its fc layer is never used for FID)."""

    def __init__(self):
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.Mixed_5b = FIDInceptionA(192, 32)
        self.Mixed_5c = FIDInceptionA(256, 64)
        self.Mixed_5d = FIDInceptionA(288, 64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = FIDInceptionC(768, 128)
        self.Mixed_6c = FIDInceptionC(768, 160)
        self.Mixed_6d = FIDInceptionC(768, 160)
        self.Mixed_6e = FIDInceptionC(768, 192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = FIDInceptionE(1280, False)
        self.Mixed_7c = FIDInceptionE(2048, True)

    def forward(self, x):
        """x: [N, 3, H, W] in [-1, 1]; resized to 299x299 as pytorch-fid's InceptionV3 does."""
        x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, 3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, 3, stride=2)
        for m in ["5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c"]:
            x = getattr(self, "Mixed_" + m)(x)
        return F.adaptive_avg_pool2d(x, 1).flatten(1)


def uniform(name, n):
    """n values in [0, 1): splitmix64 of the array's CRC-32 plus 1, 2, ..., top 24 bits."""
    z = np.uint64(zlib.crc32(name.encode())) + (np.arange(n, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float64) / 2.0**24


def synthetic(name, shape):
    """The test weights: convolutions uniform with He's variance 2/fan_in, BatchNorm
    near the identity (gamma and running_var near 1, beta and running_mean near 0)."""
    n = int(np.prod(shape))
    s = 2 * uniform(name, n) - 1  # in [-1, 1), exact
    if name.endswith(".conv.weight"):
        v = s * np.sqrt(6.0 / int(np.prod(shape[1:])))
    elif name.endswith(".bn.weight"):
        v = 1 + s / 8
    elif name.endswith(".bn.running_var"):
        v = 1 + s / 8
    else:  # bn.bias, bn.running_mean
        v = s / 8
    return v.astype(np.float32).reshape(shape)


def image(n, size, channels):
    """Test image n: [size, size, channels] with values k/8 - 1, k in 0..16 (exact in
    float32); each image has its own frequencies, not only a shifted copy."""
    y, x, c = np.meshgrid(np.arange(size), np.arange(size), np.arange(channels), indexing="ij")
    return ((((n + 2) * x + (n + 1) * y * y + 5 * c * x) % 17) / 8.0 - 1).astype(np.float32)


def main():
    torch.manual_seed(0)
    net = FIDInceptionV3().eval()
    state = {k: torch.from_numpy(synthetic(k, tuple(v.shape))) for k, v in net.state_dict().items()
             if not k.endswith("num_batches_tracked")}
    # The converter's path: state dict -> arrays -> .npz -> np.load -> the network.
    arrays = convert_inception.to_arrays(state)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "synthetic.npz")
        np.savez(path, **arrays)
        loaded = {k: torch.from_numpy(v) for k, v in np.load(path).items()}
    missing, unexpected = net.load_state_dict(loaded, strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    stem = {k: v for k, v in arrays.items() if k.startswith("Conv2d_1a_3x3.")}
    np.savez(os.path.join(TESTDATA, "stem.npz"), **stem)
    cases = [("gray28", 2, 28, 1), ("rgb32", 1, 32, 3)]
    features = {}
    with torch.no_grad():
        for name, count, size, channels in cases:
            x = np.stack([image(n, size, channels) for n in range(count)])  # [N, H, W, C]
            x = torch.from_numpy(x).permute(0, 3, 1, 2)
            if channels == 1:
                x = x.repeat(1, 3, 1, 1)  # grayscale tiled to RGB, as pytorch-fid's loader does
            features[name] = net(x).tolist()
    out = {
        "torch": torch.__version__,
        "arrays": {k: list(v.shape) for k, v in sorted(arrays.items())},
        "cases": [{"name": n, "count": c, "size": s, "channels": ch} for n, c, s, ch in cases],
        "features": features,
    }
    with open(os.path.join(TESTDATA, "inception_torch.json"), "w") as f:
        json.dump(out, f)
    print("wrote", os.path.normpath(os.path.join(TESTDATA, "inception_torch.json")), "and stem.npz:",
          len(arrays), "arrays;", ", ".join(f"{k} features {np.mean(v):.4g} mean" for k, v in features.items()))


if __name__ == "__main__":
    main()
