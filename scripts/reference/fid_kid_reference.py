#!/usr/bin/python3
"""Golden values for metrics.TestFIDKIDMatchNumpy: FID exactly as pytorch-fid computes
it (numpy mean, np.cov, scipy.linalg.sqrtm of sigma1 @ sigma2, real part) and KID's
unbiased squared MMD with the cubic polynomial kernel (x.y/d + 1)^3 over whole sets,
as torch-fidelity and Bińkowski et al.'s code define it, on two fixed random feature
sets (correlated, different means and covariances).

Writes metrics/testdata/fid_kid_reference.json.
Usage: /usr/bin/python3 scripts/reference/fid_kid_reference.py
       (apt-get install python3-numpy python3-scipy)
"""
import json, os
import numpy as np
from scipy import linalg

rng = np.random.default_rng(5)
n, m, d = 400, 300, 24
mix = rng.normal(size=(d, d)) / np.sqrt(d)
a = rng.normal(size=(n, d)) @ mix + 0.3
b = rng.normal(size=(m, d)) @ (mix + 0.2 * rng.normal(size=(d, d)) / np.sqrt(d)) - 0.1


def fid(x, y):
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
    covmean = covmean.real
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def kid(x, y):
    k = lambda u, v: (u @ v.T / u.shape[1] + 1) ** 3
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    mx, my = x.shape[0], y.shape[0]
    return float((kxx.sum() - np.trace(kxx)) / (mx * (mx - 1)) + (kyy.sum() - np.trace(kyy)) / (my * (my - 1))
                 - 2 * kxy.mean())


out = {"d": d, "a": a.ravel().tolist(), "b": b.ravel().tolist(), "n_a": n, "n_b": m,
       "fid": fid(a, b), "fid_self": fid(a, a),
       "kid_equal_size": kid(a[:m], b)}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "metrics", "testdata", "fid_kid_reference.json")
with open(path, "w") as fh:
    json.dump(out, fh)
print("wrote", os.path.normpath(path), "fid", out["fid"], "kid", out["kid_equal_size"])
