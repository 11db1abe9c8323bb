#!/usr/bin/python3
"""Golden values for losses.TestLossesMatchPyTorch, TestPenaltiesMatchPyTorch and
TestDriftMatchesPyTorch: every adversarial loss, with and without per-sample targets,
every gradient penalty and PGGAN's drift, with their gradients, computed by PyTorch
autograd in float64. A new loss is a branch of loss_d and loss_g and its name in
`losses`; a new penalty is an entry of `penalties`. RpGAN and R2 follow
brownvc/R3GAN's R3GAN/Trainer.py (AccumulateDiscriminatorGradients,
AccumulateGeneratorGradients, ZeroCenteredGradientPenalty): softplus of the negated
relativistic logits, means over paired samples; R2 = gamma/2 * mean of the per-sample
sum of squared input gradients on the fakes. D for the penalties is a small MLP,
D(x) = v . tanh(x W + b) + c, smooth, so that a penalty's value depends on where it
takes D's input gradient (a piecewise-linear D's input gradient is constant between
kinks: with leaky_relu, halving DRAGAN's perturbation changed no value); the
penalties' gradients with respect to W, b and v go through PyTorch's double backward
(create_graph=True).

Writes losses/testdata/losses_torch.json (inputs included).
Usage: /usr/bin/python3 scripts/reference/torch_losses.py   (python3-torch 1.13, Debian)
"""
import json, os, torch
import torch.nn.functional as F

torch.manual_seed(7)
dt = torch.float64
N, A, H = 4, 6, 5
r = torch.randn(N, dtype=dt) * 2
f = torch.randn(N, dtype=dt) * 2
tr = 0.7 + 0.5 * torch.rand(N, dtype=dt)
tf = 0.3 * torch.rand(N, dtype=dt)

def bce(l, t):
    return F.binary_cross_entropy_with_logits(l, t, reduction="mean")

def loss_d(name, r, f, tr, tf):
    if name in ("ns", "minimax"):
        return bce(r, tr) + bce(f, tf)
    if name == "lsgan":
        return 0.5 * ((r - tr) ** 2).mean() + 0.5 * ((f - tf) ** 2).mean()
    if name == "wgan":
        return f.mean() - r.mean()
    if name == "hinge":
        return F.relu(1 - r).mean() + F.relu(1 + f).mean()
    if name == "rpgan":
        return F.softplus(-(r - f)).mean()

def loss_g(name, f, r):
    if name == "rpgan":
        return F.softplus(-(f - r)).mean()
    if name == "ns":
        return bce(f, torch.ones_like(f))
    if name == "minimax":
        return -bce(f, torch.zeros_like(f))  # log(1 - sigmoid(f)), mean
    if name == "lsgan":
        return 0.5 * ((f - 1) ** 2).mean()
    return -f.mean()

# Every registered loss, by its train.loss name; the Go test fails for a registered
# loss without an entry.
losses = ("ns", "minimax", "lsgan", "wgan", "hinge", "rpgan")

out = {"real": r.tolist(), "fake": f.tolist(), "target_real": tr.tolist(), "target_fake": tf.tolist(), "losses": {}}
for name in losses:
    entry = {}
    for label, (a, b) in {"plain": (torch.ones(N, dtype=dt), torch.zeros(N, dtype=dt)), "targets": (tr, tf)}.items():
        rr, ff = r.clone().requires_grad_(), f.clone().requires_grad_()
        ld = loss_d(name, rr, ff, a, b)
        gr, gf = torch.autograd.grad(ld, (rr, ff))
        entry["d_" + label] = ld.item()
        entry["d_" + label + "_grad_real"] = gr.tolist()
        entry["d_" + label + "_grad_fake"] = gf.tolist()
    ff, rr = f.clone().requires_grad_(), r.clone().requires_grad_()
    lg = loss_g(name, ff, rr)
    entry["g"] = lg.item()
    gf, gr = torch.autograd.grad(lg, (ff, rr), allow_unused=True)
    entry["g_grad_fake"] = gf.tolist()
    entry["g_grad_real"] = (torch.zeros_like(r) if gr is None else gr).tolist()
    out["losses"][name] = entry

W = torch.randn(A, H, dtype=dt) * 0.7
b = torch.randn(H, dtype=dt) * 0.3
v = torch.randn(H, dtype=dt)
c = torch.randn((), dtype=dt)
x = torch.randn(N, A, dtype=dt)
xf = torch.randn(N, A, dtype=dt)
e = torch.rand(N, dtype=dt)
u = torch.rand(N, A, dtype=dt)
alpha = torch.rand(N, dtype=dt)
params = [W.clone().requires_grad_(), b.clone().requires_grad_(), v.clone().requires_grad_(), c.clone().requires_grad_()]

def D(x):
    W, b, v, c = params
    return torch.tanh(x @ W + b) @ v + c

# D's loss sees each batch through a preprocessor (DiffAugment, instance noise); here a
# fixed affine one, P(x) = 0.8 x + 0.1, so that a penalty that takes its gradient at
# the wrong batch or through the wrong D gets other values. x and xf are the raw
# batches (PenaltyInputs' RawReal, RawFake), P(x) and P(xf) the ones D's loss sees
# (Real, Fake), and D(P(.)) is D behind the preprocessor (DReal, DFake).
def P(x):
    return 0.8 * x + 0.1

def DP(x):
    return D(P(x))

def input_grad(xh, d=D):
    xh = xh.detach().requires_grad_()
    return torch.autograd.grad(d(xh).sum(), xh, create_graph=True)[0]

def grad_norm(xh):
    g = input_grad(xh)
    return g.reshape(g.shape[0], -1).norm(2, dim=1)

# The host draws a penalty may read, U[0, 1) per sample ([N]) or per element ([N, A]),
# named as the Go penalty's Draws(). A new draw goes after these, so that the others
# keep their values.
draws = {"e": e, "u": u, "alpha": alpha}

# Every registered penalty, by its train.penalties name: its published weight (the Go
# penalty's DefaultWeight), the draws it reads and its value at that weight, on the
# batches and through the D its paper and upstream code name (the fake batch carries
# no gradient to G). The Go test fails for a registered penalty without an entry here.
penalties = {
    "wgan-gp": (10, ["e"], lambda w, d: w * ((grad_norm(d["e"][:, None] * P(x) + (1 - d["e"][:, None]) * P(xf)) - 1) ** 2).mean()),
    "r1": (10, [], lambda w, d: w / 2 * (grad_norm(P(x)) ** 2).mean()),
    "dragan": (10, ["u", "alpha"], lambda w, d: w * ((grad_norm(P(x) + d["alpha"][:, None] * (0.5 * P(x).std(unbiased=False) * d["u"])) - 1) ** 2).mean()),
    "r2": (10, [], lambda w, d: w / 2 * input_grad(xf, DP).square().sum(1).mean()),
}

def grads(p):
    gs = torch.autograd.grad(p, params, allow_unused=True)
    gs = [torch.zeros_like(q) if g is None else g for q, g in zip(params, gs)]
    return {"value": p.item(), "grad_W": gs[0].tolist(), "grad_b": gs[1].tolist(), "grad_v": gs[2].tolist(), "grad_c": gs[3].item()}

out["critic"] = {"W": W.tolist(), "b": b.tolist(), "v": v.tolist(), "c": c.item(), "x": x.tolist(), "fake": xf.tolist()}
out["penalties"] = {}
for name, (weight, names, fn) in penalties.items():
    d = {k: draws[k] for k in names}
    entry = {"weight": weight, "draws": {k: t.tolist() for k, t in d.items()}}
    entry.update(grads(fn(weight, d)))
    out["penalties"][name] = entry

# PGGAN's drift, eps * mean(D(x)^2) (train.drift, not a registered penalty).
out["drift"] = dict(eps=1e-3, **grads(1e-3 * (D(x) ** 2).mean()))

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "losses", "testdata", "losses_torch.json")
with open(here, "w") as fh:
    json.dump(out, fh, indent=1)
print("wrote", os.path.normpath(here))
