#!/usr/bin/python3
"""Print docs/results.md's small-data table from a gankit ablate folder: per setting
(variant and data.limit), the runs finished, FID and KID (mean ± standard error over
seeds), and for ADA the final p and r_t (from each run's last metrics.jsonl line).

Usage: python3 scripts/results/small_data_table.py ABLATE_DIR
"""
import glob, json, math, os, statistics, sys

root = sys.argv[1]
plan = json.load(open(os.path.join(root, "plan.json")))
seeds = len(plan["seeds"])


def ms(vals, fmt):
    vals = [v for v in vals if v is not None and math.isfinite(v)]
    if not vals:
        return "–"
    if len(vals) == 1:
        return fmt % vals[0]
    return (fmt + " ± " + fmt) % (statistics.mean(vals), statistics.stdev(vals) / math.sqrt(len(vals)))


def last_metrics(d):
    last = None
    with open(os.path.join(d, "metrics.jsonl")) as f:
        for line in f:
            if line.strip():
                last = json.loads(line)
    return last or {}


rows = {}
for d in sorted(glob.glob(os.path.join(root, "cells", "*", "seed-*"))):
    name = os.path.basename(os.path.dirname(d))
    ev = os.path.join(d, "eval.json")
    if not os.path.exists(ev):
        continue
    img = json.load(open(ev))["images"]
    m = last_metrics(d)
    rows.setdefault(name, []).append((img["fid"], img["kid"], m.get("ada_p"), m.get("ada_rt")))


def key(name):
    variant, _, limit = name.partition(",data.limit=")
    order = [v["name"] for v in plan.get("variants") or []]
    n = int(limit) if limit else 0
    return (n if n else 10**9, order.index(variant) if variant in order else 99)


print("| training images | augmentation | runs | FID | KID | final p | final r_t |")
print("|---|---|---|---|---|---|---|")
for name in sorted(rows, key=key):
    variant, _, limit = name.partition(",data.limit=")
    r = rows[name]
    n = "all 60,000" if limit in ("", "0") else f"{int(limit):,}"
    p = ms([x[2] for x in r], "%.3f")
    rt = ms([x[3] for x in r], "%.2f")
    print(f"| {n} | {variant} | {len(r)}/{seeds} | {ms([x[0] for x in r], '%.1f')} | {ms([x[1] for x in r], '%.1f')} | {p} | {rt} |")
