#!/usr/bin/python3
"""Golden values for AC-GAN's class loss (Odena et al. 2017, eq. 3) and the
projection discriminator's class term (Miyato & Koyama 2018, eq. 3), as PyTorch
computes them, for losses/acgan_test.go and nets/conditional_test.go.

Writes losses/testdata/acgan_torch.json: fixed class logits [N, K] and classes [N],
F.cross_entropy(logits, y) (mean reduction, as StudioGAN and the AC-GAN PyTorch
ports call it) and its gradient with respect to the logits. Cases include large
logits (the log-sum-exp must not overflow) and a batch where one class is never
asked for.

Usage: /usr/bin/python3 scripts/reference/torch_acgan.py
"""
import json, os
import torch
import torch.nn.functional as F


def case(name, logits, y):
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(y, dtype=torch.long)
    loss = F.cross_entropy(x, t)
    loss.backward()
    return {"name": name, "logits": logits, "classes": y, "loss": loss.item(), "grad": x.grad.tolist()}


def main():
    g = torch.Generator().manual_seed(20)
    rand = lambda n, k, s: (torch.randn(n, k, generator=g, dtype=torch.float64) * s).tolist()
    cases = [
        case("hand-2x3", [[1.0, 2.0, 3.0], [1.0, 0.0, -1.0]], [2, 0]),
        case("uniform", [[0.0] * 4] * 3, [0, 1, 3]),
        case("random-8x10", rand(8, 10, 2.0), [3, 1, 4, 1, 5, 9, 2, 6]),
        case("large-logits", [[1000.0, 0.0, -1000.0], [50.0, 60.0, 70.0]], [1, 2]),
        case("unused-class", rand(5, 6, 1.0), [0, 0, 2, 2, 4]),
    ]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "losses", "testdata", "acgan_torch.json")
    with open(out, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(out))


if __name__ == "__main__":
    main()
