#!/usr/bin/python3
"""Print docs/results.md's colour small-data table from the folder
scripts/results/small-colour.sh wrote: per setting, FID and KID with the colour feature
network (mean ± standard error over seeds), and for ADA the final p and r_t.

Usage: python3 scripts/results/small_colour_table.py OUT
"""
import glob, json, math, os, statistics, sys

root = sys.argv[1]


def ms(vals, fmt):
    vals = [v for v in vals if v is not None and math.isfinite(v)]
    if not vals:
        return "–"
    if len(vals) == 1:
        return fmt % vals[0]
    return (fmt + " ± " + fmt) % (statistics.mean(vals), statistics.stdev(vals) / math.sqrt(len(vals)))


rows = {}
for d in sorted(glob.glob(os.path.join(root, "*-seed*"))):
    if not os.path.isdir(d) or not os.path.exists(os.path.join(d, "eval-colour.json")):
        continue
    setting = os.path.basename(d).rsplit("-seed", 1)[0]
    img = json.load(open(os.path.join(d, "eval-colour.json")))["images"]
    last = {}
    for line in open(os.path.join(d, "metrics.jsonl")):
        if line.strip():
            last = json.loads(line)
    rows.setdefault(setting, []).append((img["fid"], img["kid"], last.get("ada_p"), last.get("ada_rt")))

print("| augmentation | runs | FID | KID | final p | final r_t |")
print("|---|---|---|---|---|---|")
for setting in ("none", "diffaugment", "ada"):
    r = rows.get(setting, [])
    if r:
        print(f"| {setting} | {len(r)} | {ms([x[0] for x in r], '%.1f')} | {ms([x[1] for x in r], '%.0f')} | "
              f"{ms([x[2] for x in r], '%.3f')} | {ms([x[3] for x in r], '%.2f')} |")
