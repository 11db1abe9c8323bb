#!/usr/bin/env python3
"""docs/results.md §10: the training doctor's evidence table, from scripts/results/doctor.sh's runs.

For each run: the diagnoses `gankit doctor --json RUN` makes (the detectors replayed over
metrics.jsonl), and the onset of the symptom the config induces, read from metrics.jsonl
by a criterion of its own (below). Detection rate: runs of the row with that symptom
diagnosed; delay: diagnosis step - onset step. False alarms: any diagnosis in a healthy
run, or a diagnosis of another symptom than the induced one. A cure row (+tip) counts as
cured when the induced symptom is not diagnosed.

    python3 scripts/results/doctor_table.py OUT [GANKIT]
"""
import json
import os
import statistics
import subprocess
import sys

INDUCED = {
    "diverge-lr20": "divergence",
    "dwins-lrd10": "d_wins",
    "overfit-500": "d_overfits",
    "collapse-grid25": "mode_collapse",
    "stalled-lr0": "stalled",
    "fresh-dwins-lrd10": "d_wins",
    # not induced: the preset as it ships, whose D the doctor finds winning (§10)
    "cond-fmnist": "d_wins",
}


def metrics(run):
    out = []
    with open(os.path.join(run, "metrics.jsonl")) as f:
        for line in f:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def onset(symptom, ms):
    """The first logged step at which the induced symptom's own condition holds."""
    for m in ms:
        if symptom == "divergence" and (m["loss_d"] > 100 or m["loss_g"] > 100):
            return m["step"]
        if symptom == "d_wins" and m["step"] > 0 and m["d_acc_real"] >= 0.95 and m["d_acc_fake"] >= 0.95 and m["loss_g"] >= 3:
            return m["step"]
        if symptom == "d_overfits" and m.get("doctor_heldout_gap", 0) >= 0.5:
            return m["step"]
        # past the first quarter of the run, where G has not spread yet
        if symptom == "mode_collapse" and "doctor_modes" in m and m["doctor_modes"] < 0.8 and m["step"] > 2500:
            return m["step"]
        if symptom == "stalled":
            return ms[0]["step"]
    return None


def doctor(gankit, run):
    out = subprocess.run([gankit, "doctor", "--json", run], capture_output=True, text=True, check=True).stdout
    f = json.loads(out)
    if isinstance(f, list):
        f = f[0]
    return f.get("diagnoses") or []


def spread(xs):
    if not xs:
        return "–"
    if len(xs) == 1:
        return f"{xs[0]:.0f}"
    return f"{statistics.mean(xs):.0f} ± {statistics.stdev(xs) / len(xs) ** 0.5:.0f}"


def main():
    out, gankit = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "gankit")
    rows = sorted(d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d)))
    print("| config | runs | symptom | diagnosed | steps onset -> diagnosis | other diagnoses |")
    print("|---|---|---|---|---|---|")
    false_alarms, healthy_runs = 0, 0
    for row in rows:
        base = row.split("+")[0]
        symptom = INDUCED.get(base)
        runs = sorted(os.path.join(out, row, s) for s in os.listdir(os.path.join(out, row)) if os.path.isdir(os.path.join(out, row, s)))
        runs = [r for r in runs if os.path.exists(os.path.join(r, "metrics.jsonl"))]
        hit, delays, other = 0, [], []
        for r in runs:
            ds = doctor(gankit, r)
            mine = [d for d in ds if d["symptom"] == symptom]
            other += [f'{d["symptom"]}@{d["step"]}' for d in ds if d["symptom"] != symptom]
            if mine:
                hit += 1
                on = onset(symptom, metrics(r))
                if on is not None:
                    delays.append(mine[0]["step"] - on)
        if base.startswith("healthy") or base.startswith("fresh-healthy"):
            healthy_runs += len(runs)
            false_alarms += len(other)
        what = symptom or "none (healthy)"
        verb = "cured" if "+tip" in row else "diagnosed"
        cell = f"{hit}/{len(runs)}" if "+tip" not in row else f"{len(runs) - hit}/{len(runs)} {verb}"
        print(f"| {row} | {len(runs)} | {what} | {cell} | {spread(delays) if '+tip' not in row else '–'} | {', '.join(other) or 'none'} |")
    print()
    print(f"healthy runs: {healthy_runs}, false alarms: {false_alarms}")


if __name__ == "__main__":
    main()
