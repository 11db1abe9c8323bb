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
    return (fmt + " ± " + fmt.replace("+", "")) % (statistics.mean(vals), statistics.stdev(vals) / math.sqrt(len(vals)))


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
for abl in sorted(glob.glob(os.path.join(root, "toys", "grid25-lr*-select"))):
    lr = abl.split("-lr")[1].rsplit("-", 1)[0]
    toy_table(abl, f"**grid25 at lr {lr}, selection seeds 0-4** (toys-sharp.sh)")
    toy_table(abl.replace("-select", "-report"), f"**grid25 at lr {lr}, report seeds 10-14**")

# Issue 14's tables (scripts/device/results.sh toys-r3 and stacked-weak*): R3GAN's
# RpGAN + R1 + R2 next to the classic tricks.
for mix in ("grid25", "ring8"):
    toy_table(os.path.join(root, f"toys-r3-{mix}"), f"**{mix} at lr 1e-3, report seeds 10-14: RpGAN + R1 + R2** (toys-r3)")

fm = sorted(glob.glob(os.path.join(root, "fmnist", "*", "eval.json")))
if fm:
    print("\n| run | FID (floor) | KID | precision | recall | density | coverage | IS |")
    print("|---|---|---|---|---|---|---|---|")
    for f in fm:
        e = json.load(open(f))
        im = e["images"]
        print(f"| {os.path.basename(os.path.dirname(f))} | {im['fid']:.2f} ({im.get('fid_floor', float('nan')):.2f}) | {im['kid']:.4f} | "
              f"{im['precision']:.3f} | {im['recall']:.3f} | {im['density']:.3f} | {im['coverage']:.3f} | {im['is']:.2f} |")


def image_cells(abl):
    """setting -> (list of eval.json dicts, list of mean sec/step), in plan order."""
    rows, seeds = cells(abl)
    out = []
    for name, evs in rows:
        secs = []
        for d in sorted(glob.glob(os.path.join(abl, "cells", name, "seed-*"))):
            m = os.path.join(d, "metrics.jsonl")
            if os.path.exists(m):
                v = [json.loads(l)["sec_per_step"] for l in open(m) if l.strip()]
                secs.append(statistics.mean(v))
        out.append((name, evs, secs))
    return out, seeds


def backend_of(abl):
    """The backend the cells ran on (their config.yaml, which the run wrote)."""
    for c in glob.glob(os.path.join(abl, "cells", "*", "seed-*", "config.yaml")):
        for line in open(c):
            if line.startswith("backend:"):
                b = line.split(":", 1)[1].strip()
                return "xla:cuda" if "cuda" in b else (b or "cpu")
    return "cpu"


# Table 3 from per-preset ablations (scripts/device/results.sh): fmnist-<preset>/
fm_abls = sorted(glob.glob(os.path.join(root, "fmnist-*", "plan.json")))
if fm_abls:
    print("\n| run | seeds | FID (floor) | KID | precision | recall | density | coverage | IS | s/step (backend) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for p in fm_abls:
        abl = os.path.dirname(p)
        rows, seeds = image_cells(abl)
        for name, evs, secs in rows:
            im = [e["images"] for e in evs]
            floor = statistics.mean(i["fid_floor"] for i in im)
            print(f"| {name} | {len(evs)}/{seeds} | {ms([i['fid'] for i in im], '%.1f')} ({floor:.2f}) | {ms([i['kid'] for i in im], '%.1f')} | "
                  f"{ms([i['precision'] for i in im], '%.3f')} | {ms([i['recall'] for i in im], '%.3f')} | {ms([i['density'] for i in im], '%.3f')} | "
                  f"{ms([i['coverage'] for i in im], '%.3f')} | {ms([i['is'] for i in im], '%.2f')} | {ms(secs, '%.4f')} ({backend_of(abl)}) |")

# Equal wall-clock (fid-equal-time): fid-<preset>/, one run each, steps from a probe.
fid_abls = sorted(glob.glob(os.path.join(root, "fid-*", "plan.json")))
if fid_abls:
    print("\n| preset | steps in the same seconds | median s/step (backend) | FID (floor) | KID | precision | recall | coverage |")
    print("|---|---|---|---|---|---|---|---|")
    for p in fid_abls:
        abl = os.path.dirname(p)
        rows, seeds = cells(abl)
        for name, evs in rows:
            for e in evs:
                i = e["images"]
                run = os.path.join(abl, "cells", name, os.path.basename(e["generated"]))  # the run dir as unpacked here
                m = os.path.join(run, "metrics.jsonl")
                sps = statistics.median(json.loads(l)["sec_per_step"] for l in open(m) if l.strip() and json.loads(l)["step"] >= 30)
                print(f"| {name} | {e['step']} | {sps:.4f} ({backend_of(abl)}) | {i['fid']:.1f} ({i['fid_floor']:.2f}) | {i['kid']:.1f} | "
                      f"{i['precision']:.3f} | {i['recall']:.3f} | {i['coverage']:.3f} |")

cb = os.path.join(root, "checkerboard")
if os.path.exists(os.path.join(cb, "plan.json")):
    print("\n| upsampling | seeds | FID | spectral score | power at N/2 (x real) | at N/4 (x real) |")
    print("|---|---|---|---|---|---|")
    rows, seeds = image_cells(cb)
    for name, evs, _ in rows:
        im = [e["images"] for e in evs]
        sp = [i["spectrum"] for i in im]
        print(f"| {name.replace('model.upsample=', '')} | {len(evs)}/{seeds} | {ms([i['fid'] for i in im], '%.1f')} | {ms([s['score'] for s in sp], '%+.3f')} | "
              f"{ms([s['peak_half'] for s in sp], '%.2f')} | {ms([s['peak_quarter'] for s in sp], '%.2f')} |")

for st in [os.path.join(root, d) for d in ("stacked", "stacked-weak", "stacked-weak-r1r2")]:
    if not os.path.exists(os.path.join(st, "plan.json")):
        continue
    print(f"\n{os.path.basename(st)}:\n")
    print("| setting | seeds | modes (of 1000) | reverse KL | real stacked: modes / KL |")
    print("|---|---|---|---|---|")
    rows, seeds = image_cells(st)
    for name, evs, _ in rows:
        s = [e["stacked"] for e in evs]
        print(f"| {name} | {len(evs)}/{seeds} | {ms([x['modes'] for x in s], '%.1f')} | {ms([x['kl'] for x in s], '%.3f')} | "
              f"{statistics.mean(x['real_modes'] for x in s):.0f} / {statistics.mean(x['real_kl'] for x in s):.3f} |")
