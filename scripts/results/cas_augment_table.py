#!/usr/bin/python3
"""Print docs/results.md §9's tables (the GANs, CAS, the augmentation experiment)
from the folder scripts/results/cas-augment.sh wrote: augment-N.json and cas-S.json,
gankit eval --json documents.

A ratio's verdict compares its mean test accuracy with the real images' alone:
"helped" or "hurt" when the difference is more than twice its standard error
(sqrt(se1^2 + se2^2), each se the seeds' standard deviation / sqrt(n)), else "no
effect" (within the spread of the seeds).

Usage: python3 scripts/results/cas_augment_table.py OUT
"""
import glob, json, math, os, statistics, sys

out = sys.argv[1]
SIZES = [("1000", "1,000"), ("5000", "5,000"), ("0", "all 60,000")]


def load(name):
    path = os.path.join(out, name)
    return json.load(open(path)) if os.path.exists(path) else None


def pct(v):
    return "%.2f" % (100 * v)


def ms(vals):
    if len(vals) == 1:
        return pct(vals[0])
    return "%s ± %s" % (pct(statistics.mean(vals)), pct(statistics.stdev(vals)))


def se(vals):
    return statistics.stdev(vals) / math.sqrt(len(vals)) if len(vals) > 1 else 0.0


def verdict(base, vals):
    d = statistics.mean(vals) - statistics.mean(base)
    noise = 2 * math.sqrt(se(base) ** 2 + se(vals) ** 2)
    if d > noise:
        return "helped"
    if d < -noise:
        return "hurt"
    return "no effect"


print("\nThe GANs (10,000 samples against the 10,000 test images; committed feature network)\n")
print("| GAN's training images | FID | intra-class FID (mean) | class share | worst class (share) |")
print("|---|---|---|---|---|")
for key, label in SIZES:
    r = load("augment-%s.json" % key)
    if not r:
        continue
    c = r.get("per_class") or {}
    fid = r["images"]["fid"]
    intra = c.get("intra_fid", {}).get("mean")
    share = c.get("class_share") or {}
    worst = ""
    if share:
        k = min(range(len(share["per_class"])), key=lambda i: share["per_class"][i])
        worst = "%s (%s%%)" % (c["classes"][k], pct(share["per_class"][k]))
    print("| %s | %.1f | %s | %s%% | %s |" % (label, fid, "%.1f" % intra if intra is not None else "–",
                                             pct(share["overall"]) if share else "–", worst))

runs = [(label, load("augment-%s.json" % key)) for key, label in SIZES]
runs = [(label, r["per_class"]) for label, r in runs if r and r.get("per_class")]
if runs:
    print("\nPer class: intra-class FID / class share (%%), GAN trained on %s images\n" % " / ".join(l for l, _ in runs))
    print("| class | intra-class FID | class share (%) |")
    print("|---|---|---|")
    for k, name in enumerate(runs[0][1]["classes"]):
        fids = " / ".join("%.1f" % c["intra_fid"]["per_class"][k] if c.get("intra_fid") else "–" for _, c in runs)
        shares = " / ".join(pct(c["class_share"]["per_class"][k]) if c.get("class_share") else "–" for _, c in runs)
        print("| %s | %s | %s |" % (name, fids, shares))

cas = [r["cas"] for r in (load(os.path.basename(p)) for p in sorted(glob.glob(os.path.join(out, "cas-*.json")))) if r]
if cas:
    seeds = ", ".join(str(c["seed"]) for c in cas)
    print("\nCAS of the GAN trained on all 60,000 images (seeds %s)\n" % seeds)
    print("| classifier trained on | images | test accuracy (%), mean ± std | per seed |")
    print("|---|---|---|---|")
    gen = [c["accuracy"] for c in cas]
    real = [c["real_accuracy"] for c in cas]
    print("| generated only (CAS) | %d (%d per class) | %s | %s |" % (cas[0]["generated"], cas[0]["per_class"], ms(gen), ", ".join(pct(v) for v in gen)))
    print("| real, picked by class | %d | %s | %s |" % (sum(cas[0]["real_per_class"]), ms(real), ", ".join(pct(v) for v in real)))

print("\nAugmentation: the classifier on the GAN's real images, alone and with generated images added\n")
print("| real images | generated:real | generated images | test accuracy (%), mean ± std | per seed | vs real alone |")
print("|---|---|---|---|---|---|")
for key, label in SIZES:
    r = load("augment-%s.json" % key)
    if not r:
        continue
    a = r["augment"]
    base = a["cells"][0]["accuracy"]
    for c in a["cells"]:
        v = c["accuracy"]
        vs = "–" if c["ratio"] == 0 else "%+.2f, %s" % (100 * (statistics.mean(v) - statistics.mean(base)), verdict(base, v))
        print("| %s | %g | %d | %s | %s | %s |" % (label, c["ratio"], c["generated"], ms(v), ", ".join(pct(x) for x in v), vs))

times = os.path.join(out, "times.txt")
if os.path.exists(times):
    print("\nCPU time of each step (bash time, nice 10):\n")
    for line in open(times):
        print("    " + line.rstrip())
