#!/usr/bin/python3
"""Golden values for train.TestStepMatchesPyTorch: three iterations of the toy MLP GAN
(one D step, then one G step on the same fake batch; NS loss; torch.optim.Adam) from
the weights, batches and latents in train/testdata/toy_step_in.json. Writes
train/testdata/toy_step_torch.json with both losses per iteration and the final weights.

Weights are stored as gankit holds them: "weights" [in, out] (PyTorch's Linear is [out, in]).
Usage: /usr/bin/python3 scripts/reference/torch_toy_step.py   (python3-torch 1.13, Debian)
"""
import json, os, torch, torch.nn as nn

here = os.path.join(os.path.dirname(__file__), "..", "..", "train", "testdata")
d = json.load(open(os.path.join(here, "toy_step_in.json")))
W, B = d["width"], d["batch"]
names = ["hidden0", "hidden1", "hidden2", "out"]

def build(prefix, act, out):
    dims, layers = [2, W, W, W, out], []
    for i, n in enumerate(names):
        lin = nn.Linear(dims[i], dims[i + 1])
        lin.weight.data.copy_(torch.tensor(d["init"][f"/{prefix}/{n}/weights"]).reshape(dims[i], dims[i + 1]).T)
        lin.bias.data.copy_(torch.tensor(d["init"][f"/{prefix}/{n}/biases"]))
        layers += [lin] + ([act()] if i < 3 else [])
    return nn.Sequential(*layers)

G, D = build("g", nn.ReLU, 2), build("d", lambda: nn.LeakyReLU(0.2), 1)
opt = lambda p: torch.optim.Adam(p, d["lr"], betas=(d["beta1"], d["beta2"]), eps=d["eps"])
og, od = opt(G.parameters()), opt(D.parameters())
sp = nn.functional.softplus
losses = []
for i in range(len(d["reals"])):
    x = torch.tensor(d["reals"][i]).reshape(B, 2)
    fake = G(torch.tensor(d["zs"][i]).reshape(B, 2))
    od.zero_grad(); ld = sp(-D(x)).mean() + sp(D(fake.detach())).mean(); ld.backward(); od.step()
    og.zero_grad(); lg = sp(-D(fake)).mean(); lg.backward(); og.step()
    losses.append([ld.item(), lg.item()])
final = {}
for prefix, net in (("g", G), ("d", D)):
    for n, lin in zip(names, [m for m in net if isinstance(m, nn.Linear)]):
        final[f"/{prefix}/{n}/weights"] = lin.weight.data.T.reshape(-1).tolist()
        final[f"/{prefix}/{n}/biases"] = lin.bias.data.tolist()
json.dump({"torch": torch.__version__, "losses": losses, "final": final}, open(os.path.join(here, "toy_step_torch.json"), "w"))
print("wrote", os.path.join(here, "toy_step_torch.json"))
