#!/bin/bash
# docs/results.md §10, "The training doctor": each symptom induced on purpose, 3 seeds,
# the same configs again with the tip the doctor names (the cure), and healthy runs of
# the default and recommended presets for the false-alarm count. Each run is a plain
# `gankit train` (the doctor runs inside it, at its defaults); the table is made from
# the run directories by scripts/results/doctor_table.py, which asks `gankit doctor
# --json` for each run's diagnoses (the detectors replayed over metrics.jsonl, the
# same ones training ran) and reads metrics.jsonl for each symptom's onset.
#
#   GANKIT=gankit OUT=results/doctor WORKERS=2 scripts/results/doctor.sh
set -euo pipefail
G=${GANKIT:-gankit}
OUT=${OUT:-results/doctor}
WORKERS=${WORKERS:-2}
SEEDS=${SEEDS:-"0 1 2"}
mkdir -p "$OUT"
# name | preset | steps | --set flags (space separated) | seeds (default SEEDS)
cat > "$OUT/plan.txt" <<PLAN
diverge-lr20|dcgan-fmnist|1500|train.lr_d=4e-3 train.lr_g=4e-3
dwins-lrd10|dcgan-fmnist|1500|train.lr_d=2e-3
overfit-500|dcgan-fmnist|2000|data.limit=500
overfit-500+tip|dcgan-fmnist|2000|data.limit=500 train.ada=bgc
collapse-grid25|grid25|10000|
collapse-grid25+tip|grid25|10000|train.penalties=[r1]
stalled-lr0|dcgan-fmnist|300|train.lr_d=0 train.lr_g=0
stalled-lr0+tip|dcgan-fmnist|300|train.lr_d=2e-4 train.lr_g=2e-4
healthy-dcgan|dcgan-fmnist|1500|
healthy-sngan|sngan-hinge|1500||0 1
healthy-ring8|ring8|10000|
cond-fmnist|cond-fmnist|1500||0 1
cond-fmnist+tip|cond-fmnist|1500|train.lr_d=5e-5|0
fresh-dwins-lrd10|dcgan-fmnist|1500|train.lr_d=2e-3|3 4
fresh-healthy-dcgan|dcgan-fmnist|1500||3 4
PLAN
jobs=()
while IFS='|' read -r name preset steps sets seeds; do
  for seed in ${seeds:-$SEEDS}; do
    jobs+=("$name|$preset|$steps|$sets|$seed")
  done
done < "$OUT/plan.txt"
run_one() {
  IFS='|' read -r name preset steps sets seed <<< "$1"
  dir="$OUT/$name/seed$seed"
  [ -f "$dir/metrics.jsonl" ] && [ -f "$dir/checkpoints/ckpt-$(printf %09d "$steps").bin" ] && return 0
  rm -rf "$dir"
  args=()
  for s in $sets; do args+=(--set "$s"); done
  "$G" train --preset "$preset" --steps "$steps" --seed "$seed" --set train.on_divergence=warn \
    --set train.sample_every=0 "${args[@]}" --out "$dir" > "$dir.log" 2>&1 || echo "$name seed $seed: rc $?" >&2
}
export -f run_one
export G OUT
while IFS='|' read -r name _; do mkdir -p "$OUT/$name"; done < "$OUT/plan.txt"
printf '%s\n' "${jobs[@]}" | xargs -P "$WORKERS" -I{} bash -c 'run_one "$@"' _ {}
# D wins's tip slows D to G's rate, 2e-4: that is dcgan-fmnist itself, whose runs
# (the same seeds, bitwise the same) are healthy-dcgan's.
ln -sfn healthy-dcgan "$OUT/dwins-lrd10+tip"
python3 "$(dirname "$0")/doctor_table.py" "$OUT" "$G"
