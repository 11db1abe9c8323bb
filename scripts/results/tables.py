#!/usr/bin/python3
"""Print docs/results.md's tables from the result folders the scripts in
scripts/results wrote (gankit's eval.json files), as Markdown.

Usage: python3 scripts/results/tables.py RESULTS_DIR   (holds toys/, fmnist/, checkerboard/)
"""
import glob, json, math, os, statistics, sys

root = sys.argv[1]


def cells(abl):
    """setting name -> list of eval.json dicts, in plan order."""
    plan = json.load(open(os.path.join(abl, "plan.json")))
    out = {}
    for d in sorted(glob.glob(os.path.join(abl, "cells", "*", "seed-*"))):
        name = os.path.basename(os.path.dirname(d))
        f = os.path.join(d, "eval.json")
        if os.path.exists(f):
            out.setdefault(name, []).append(json.load(open(f)))
    order = [v["name"] for v in plan.get("variants") or []]
    return sorted(out.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99), len(plan["seeds"])


def ms(vals, fmt="%.2f"):
    vals = [v for v in vals if v is not None and not math.isinf(v)]
    if not vals:
        return "–"
    if len(vals) == 1:
        return fmt % vals[0]
    return (fmt + " ± " + fmt) % (statistics.mean(vals), statistics.stdev(vals) / math.sqrt(len(vals)))


def toy_table(abl, title):
    if not os.path.exists(os.path.join(abl, "plan.json")):
        return
    rows, seeds = cells(abl)
    print(f"\n{title}\n")
    print("| setting | runs | modes | HQ % | reverse KL |")
    print("|---|---|---|---|---|")
    for name, evs in rows:
        mc = [e["mode_coverage"] for e in evs]
        kl = [m["reverse_kl"] if m["reverse_kl"] is not None else math.inf for m in mc]
        print(f"| {name} | {len(evs)}/{seeds} | {ms([m['modes'] for m in mc], '%.1f')} | {ms([100 * m['hq'] for m in mc], '%.1f')} | {ms(kl, '%.3f')} |")


for mix in ("ring8", "grid25"):
    toy_table(os.path.join(root, "toys", f"{mix}-select"), f"**{mix}, selection seeds 0-4** (mean ± standard error)")
    toy_table(os.path.join(root, "toys", f"{mix}-report"), f"**{mix}, report seeds 10-14**")

fm = sorted(glob.glob(os.path.join(root, "fmnist", "*", "eval.json")))
if fm:
    print("\n| run | FID (floor) | KID | precision | recall | density | coverage | IS |")
    print("|---|---|---|---|---|---|---|---|")
    for f in fm:
        e = json.load(open(f))
        im = e["images"]
        print(f"| {os.path.basename(os.path.dirname(f))} | {im['fid']:.2f} ({im.get('fid_floor', float('nan')):.2f}) | {im['kid']:.4f} | "
              f"{im['precision']:.3f} | {im['recall']:.3f} | {im['density']:.3f} | {im['coverage']:.3f} | {im['is']:.2f} |")

cb = os.path.join(root, "checkerboard")
if os.path.exists(os.path.join(cb, "plan.json")):
    print("\n| upsampling | FID | spectral score | power at N/2 (x real) | at N/4 |")
    print("|---|---|---|---|---|")
    for d in sorted(glob.glob(os.path.join(cb, "cells", "*", "seed-*", "eval.json"))):
        e = json.load(open(d))
        im = e["images"]
        s = im["spectrum"]
        name = d.split("cells/")[1].split("/")[0].replace("model.upsample=", "")
        print(f"| {name} | {im['fid']:.2f} | {s['score']:+.3f} | {s['peak_half']:.2f} | {s['peak_quarter']:.2f} |")
