#!/bin/bash
# The Fashion-MNIST comparison of docs/results.md: gankit's dcgan-fmnist and seed-tips
# presets and the PyTorch peer (scripts/reference/torch_dcgan_train.py, same DCGAN and
# hyperparameters) trained for STEPS iterations on the 60k training split, each with
# SEEDS seeds, all evaluated by `gankit eval` with the committed feature network on
# 10k samples against the 10k test split.
#
#   GANKIT=gankit OUT=results/fmnist STEPS=2000 SEEDS="0 1" scripts/results/fmnist.sh
set -euo pipefail
G=${GANKIT:-gankit}
OUT=${OUT:-results/fmnist}
STEPS=${STEPS:-2000}
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
mkdir -p "$OUT"
for seed in ${SEEDS:-0 1}; do
  for preset in dcgan-fmnist seed-tips; do
    run="$OUT/$preset-seed$seed"
    [ -f "$run/eval.json" ] && continue
    "$G" train --preset "$preset" --data "$DATA" --steps "$STEPS" --seed "$seed" --out "$run" \
      --set train.sample_every=0 --set train.checkpoint_every=0 >"$run.log" 2>&1 ||
      "$G" train --resume "$run" >>"$run.log" 2>&1
    "$G" eval --run "$run" --json >"$run/eval.json.tmp" && mv "$run/eval.json.tmp" "$run/eval.json"
  done
  ref="$OUT/pytorch-seed$seed"
  if [ ! -f "$ref/eval.json" ]; then
    /usr/bin/python3 "$(dirname "$0")/../reference/torch_dcgan_train.py" "$DATA" "$ref/samples" "$STEPS" "$seed" 10000 >"$ref.log" 2>&1
    "$G" eval --images "$ref/samples" --real "$DATA" --json >"$ref/eval.json.tmp" && mv "$ref/eval.json.tmp" "$ref/eval.json"
  fi
done
for f in "$OUT"/*/eval.json; do
  echo "$f"
done
